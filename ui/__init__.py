"""Haven's PySide6 desktop client: a thin skin over `app` (house style: the UI holds no
form logic and every use case is a function in `app.service` first).

`plain_text` lives here because every module that puts untrusted text (a child's name, a
snippet from the store, an error from a server) into a label needs it (house habit 7).

PySide6 6.12.0 over-releases None on Python 3.11 (every void Qt call drops a reference,
and the process aborts after a few thousand calls); pyproject.toml pins PySide6 below
6.12 for that reason.
"""

from __future__ import annotations

import unicodedata

_KEEP = {"\n", "\t"}


def plain_text(text: object, *, one_line: bool = False, limit: int = 2000) -> str:
    """Untrusted text made safe for a label: control and format characters removed.

    Bidirectional overrides and other format characters (category Cf) can make a label
    read differently from what is stored, so they go too. Labels are also set to
    Qt.PlainText by their owners so that text is never read as HTML.
    """
    raw = "" if text is None else str(text)
    if raw.isprintable():
        # Nothing to remove or replace (isprintable is False for every category below and
        # for tab and newline): the common case, without a per-character walk (issue 11).
        return raw if len(raw) <= limit else raw[: limit - 1] + "…"
    spaced = raw.replace("\n", " ").replace("\t", " ")
    if spaced.isprintable():
        # Only tabs and newlines: kept, or spaces on one line (form guidance, long answers).
        kept = spaced if one_line else raw
        return kept if len(kept) <= limit else kept[: limit - 1] + "…"
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
