"""Haven core: domain, forms engine, encrypted store, keys, audit, exports and outbox.

This package never imports Qt, so the command line, the tests and the desktop client all
run the same code (HOUSE_STYLE: "the UI is a thin skin").
"""

__version__ = "0.1.0"
