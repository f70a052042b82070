"""The `haven` command line: IT staff provision profiles with it and tests drive it.

Every command calls the same `app` functions as the desktop client. Exit codes: 0 done,
1 a user error (one plain line on stderr, no personal data, no traceback), 2 usage.
"""

from app.cli.main import main

__all__ = ["main"]
