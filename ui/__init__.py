"""Haven's PySide6 desktop client: a thin skin over `app` (house style: the UI holds no
form logic and every use case is a function in `app.service` first).

`plain_text` lives here because every module that puts untrusted text (a child's name, a
snippet from the store, an error from a server) into a label needs it (house habit 7).

Importing `ui` also applies `_keep_none_alive`, a guard against a binding bug: see there.
"""

from __future__ import annotations

import sys
import unicodedata


def _keep_none_alive() -> bool:
    """Work around PySide6 6.12.0 on Python 3.11: every call to a Qt method returning void
    (setText, processEvents, ...) drops one reference to None without taking one. Python
    3.12+ makes None immortal, so the wheels' bug only shows on 3.10/3.11, where None's
    count (a few thousand at start) runs out after a few thousand calls and the process
    aborts with "none_dealloc: deallocating None".

    When (and only when) the probe below sees the leak, the reference counts of None, True
    and False (the same build also over-releases the booleans somewhere in the event
    machinery) are raised by 2**40: Python 3.12 makes all three immortal anyway.
    Returns whether it did so.
    Remove once Haven requires Python >= 3.12 or PySide6 is fixed.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    import ctypes

    from PySide6.QtCore import QCoreApplication

    before = sys.getrefcount(None)
    for _ in range(8):
        QCoreApplication.setOrganizationDomain(QCoreApplication.organizationDomain())
    if before - sys.getrefcount(None) < 8:
        return False
    # ob_refcnt is the first field of every object in a release build of CPython 3.11.
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40
    return True


NONE_GUARD_APPLIED = _keep_none_alive()

_KEEP = {"\n", "\t"}


def plain_text(text: object, *, one_line: bool = False, limit: int = 2000) -> str:
    """Untrusted text made safe for a label: control and format characters removed.

    Bidirectional overrides and other format characters (category Cf) can make a label
    read differently from what is stored, so they go too. Labels are also set to
    Qt.PlainText by their owners so that text is never read as HTML.
    """
    raw = "" if text is None else str(text)
    out: list[str] = []
    for ch in raw:
        if ch in _KEEP and not one_line:
            out.append(ch)
            continue
        if ch in _KEEP:
            out.append(" ")
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            continue
        out.append(ch)
    cleaned = "".join(out)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned
