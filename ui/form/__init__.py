"""The generic guided form renderer's parts (FormView lives in ui/form_view.py).

Every module here renders *any* form file: nothing knows a form id (HOUSE_STYLE: form
knowledge lives in forms/*.yaml). Rules, messages and outcomes come from the engine
(app.forms); these widgets only show them and collect answers.

`discard` is here because the error summary, the outcome panel, the check page and the
view all rebuild parts of themselves the same way (what they say to screen readers is in
ui/accessibility.py).
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget


def discard(widget: QWidget) -> None:
    """Blank, hide and delete a widget (Qt removes it from its layout when it goes).

    Its text is blanked at once because deletion waits for the event loop, and record
    text should not outlive its page (lock, close). Deliberately not ``setParent(None)``
    first: the C++ parent keeps ownership until the deletion, so the Python wrapper never
    owns (and never deletes) the object itself.
    """
    for child in [widget, *widget.findChildren(QWidget)]:
        if isinstance(child, QLabel | QLineEdit | QPlainTextEdit):
            child.blockSignals(True)
            child.clear()
            child.setAccessibleName("")
            child.setAccessibleDescription("")
    widget.hide()
    widget.deleteLater()
