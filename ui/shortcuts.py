"""Haven's keyboard shortcuts as data, and the shortcut words in tooltips.

A keyboard user can only use a shortcut they can find (issue 14: Alt+Left and Alt+Right
were shown nowhere). The form view's shortcuts are listed here once, as data, and the
form view binds exactly these (ui.form_view), so the help page cannot drift from what
the keys do. The window's own shortcuts are read from its menu actions when the page
opens, in the words the platform uses (Ctrl on Windows and Linux, ⌘ on a Mac).

Apart from the page itself (ui/shortcuts_help.py) because the menus describe their
shortcuts while the first window is built, and the page's table types are not needed
until Help > Keyboard shortcuts (issue 11: start-up).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu


@dataclass(frozen=True)
class Shortcut:
    """Keys (portable QKeySequence text) and what they do, in the user's words."""

    name: str
    keys: tuple[str, ...]
    what: str


FORM_SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("next", ("Alt+Right", "Ctrl+PgDown"), "Next section, without stopping on problems"),
    Shortcut("previous", ("Alt+Left", "Ctrl+PgUp"), "Previous section"),
    Shortcut(
        "continue", ("Ctrl+Return", "Ctrl+Enter"), "Continue; on Check your answers: complete"
    ),
    Shortcut("save", ("Ctrl+S",), "Save the draft now (it also saves itself as you type)"),
    Shortcut("sections", ("Ctrl+Shift+S",), "Show or hide the list of sections"),
    Shortcut("suggestions", ("Ctrl+Shift+G",), "Show or hide what Haven suggests"),
)
"""Every shortcut of the form view (ui.form_view binds these and no others)."""

FORM_KEYS: tuple[tuple[str, str], ...] = (
    ("Tab / Shift+Tab", "Next or previous question, option list or button"),
    ("Arrow keys", "Choose the next or previous option of a question"),
    ("Space", "Tick or untick a box"),
)
"""Keys every question page uses that are not shortcuts of their own."""


def native(keys: str) -> str:
    """Keys as the platform writes them ("Ctrl+PgDown" → "Ctrl+PgDown" or "⌘+PgDown")."""
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def form_shortcut(name: str) -> Shortcut:
    for shortcut in FORM_SHORTCUTS:
        if shortcut.name == name:
            return shortcut
    raise KeyError(name)


def keys_text(name: str) -> str:
    """ "Alt+Right or Ctrl+PgDown" for one of FORM_SHORTCUTS."""
    return " or ".join(native(k) for k in form_shortcut(name).keys)


def describe_shortcut(action: QAction) -> None:
    """Put an action's shortcut in its tooltip ("Lock now (Ctrl+L)")."""
    sequence = action.shortcut()
    if sequence.isEmpty():
        return
    words = action.text().replace("&", "").rstrip("…").strip()
    action.setToolTip(f"{words} ({sequence.toString(QKeySequence.SequenceFormat.NativeText)})")


def window_shortcuts(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys, what) for every menu action of `window` that has a shortcut, menu order."""
    rows: list[tuple[str, str]] = []
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if not isinstance(menu, QMenu):
            continue
        section = menu_action.text().replace("&", "")
        for action in menu.actions():
            sequence = action.shortcut()
            if sequence.isEmpty():
                continue
            what = action.text().replace("&", "").rstrip("…").strip()
            rows.append(
                (sequence.toString(QKeySequence.SequenceFormat.NativeText), f"{section}: {what}")
            )
    return rows
