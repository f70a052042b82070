"""What the desktop process does before its first window, in the order that is fastest.

Start-up is measured against a bare PySide6 window (issue 11; bench/startup_child.py calls
`begin` exactly as ui.__main__ does). Three things here are not features but order:

1. Python's cyclic garbage collector is paused until the window has painted (`begin`,
   then `first_paint_done` from ui.app.run). Start-up allocates hundreds of thousands of
   objects that live as long as the process (modules, classes, Qt wrappers) and the
   collector walked them some seventy times before the first paint, ~15 ms of every start.
   Afterwards the survivors are frozen (`gc.freeze`), so later collections, e.g. between
   keystrokes, do not walk them again. Reference counting frees ordinary objects as usual.
2. Haven's core (`app`, which never imports Qt) and the libraries the first window opens
   the profile with (the SQLCipher driver, ctypes, platformdirs) are imported before
   PySide6. PySide6 installs an import hook (for `from __feature__ import ...`, PYSIDE-2029)
   that reads the source of every module an `import` statement names for the first time
   after it, looking for the word "PySide6".
3. The same hook is then told about every module already loaded (`_known_to_qt`): none of
   them uses PySide's `__feature__` switches (Haven uses none; ui/ is not loaded yet), which
   is what the hook concludes itself after reading each file again, ~15 ms over 80-odd
   modules (the hook's table is internal to shiboken6: if it is not there, nothing is done
   and the hook does its own reading, slower and the same).
   Haven's desktop modules (`ui`, not loaded yet) are entered with the verdict the hook
   gives a module whose source names PySide6 (0: "uses PySide, no feature switched on"),
   found by listing the package's files, not reading them: the hook would read the ~20
   the first window imports, and ~25 more when the first record opens. The handful of
   ui modules that do not import PySide6 get 0 too: the value only matters to code that
   touches Qt types, which they do not.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys

# Loaded before PySide6 (point 2 above); each is used by the first window.
_BEFORE_QT = ("app.service", "sqlcipher3", "ctypes", "platformdirs")


def begin() -> None:
    """At the very start of the desktop process, before anything else is imported."""
    gc.disable()
    for name in _BEFORE_QT:
        importlib.import_module(name)
    importlib.import_module("PySide6.QtWidgets")
    _known_to_qt()


def first_paint_done() -> None:
    """Once the first window has painted: freeze what start-up made, collect as usual."""
    gc.freeze()
    gc.enable()


def _known_to_qt() -> None:
    feature = sys.modules.get("shibokensupport.feature")
    table = getattr(feature, "pyside_feature_dict", None)
    if not isinstance(table, dict):
        return
    for name in list(sys.modules):
        if name == "__main__" or name == "ui" or name.startswith(("ui.", "PySide6", "shiboken")):
            continue
        table.setdefault(name, -1)  # -1: "not a PySide module", the hook's own verdict
    ui = sys.modules.get("ui")
    for folder in getattr(ui, "__path__", ()):
        for name in _modules_under(folder, "ui"):
            table.setdefault(name, 0)  # 0: "a PySide module, no feature", as the hook says


def _modules_under(folder: str, package: str) -> list[str]:
    """The dotted names of the source modules in a package folder and its subpackages
    (none when it is not a folder, e.g. inside a frozen bundle's archive)."""
    names: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return names
    for entry in entries:
        if entry.name.endswith(".py"):
            stem = entry.name[:-3]
            names.append(package if stem == "__init__" else f"{package}.{stem}")
        elif entry.is_dir() and not entry.name.startswith(("_", ".")):
            names.extend(_modules_under(entry.path, f"{package}.{entry.name}"))
    return names
