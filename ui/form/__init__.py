"""The generic guided form renderer's parts (FormView lives in ui/form_view.py).

Every module here renders *any* form file: nothing knows a form id (HOUSE_STYLE: form
knowledge lives in forms/*.yaml). Rules, messages and outcomes come from the engine
(app.forms); these widgets only show them and collect answers.

`announce` and `discard` are here because the error summary, the outcome panel, the
autosave indicator and the view all speak to screen readers, and rebuild parts of
themselves, the same way.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QAccessibleEvent,
    QAccessibleInterface,
)
from PySide6.QtWidgets import QAccessibleWidget, QLabel, QLineEdit, QPlainTextEdit, QWidget

_ALERT_PROPERTY = "havenAlertRole"
_factory_installed = False


class _AlertInterface(QAccessibleWidget):
    """A widget that screen readers treat as an alert (ARIA role="alert")."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget, QAccessible.Role.AlertMessage)


def _alert_factory(_key: str, obj: QObject) -> QAccessibleInterface | None:
    if isinstance(obj, QWidget) and obj.property(_ALERT_PROPERTY):
        return _AlertInterface(obj)
    return None


def give_alert_role(widget: QWidget) -> None:
    """Expose `widget` with the accessible role AlertMessage (the GOV.UK error summary
    and an alert outcome have role="alert"). Call before it is first shown: Qt caches a
    widget's accessibility interface."""
    global _factory_installed
    if not _factory_installed:
        QAccessible.installFactory(_alert_factory)
        _factory_installed = True
    widget.setProperty(_ALERT_PROPERTY, True)


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


def announce(widget: QWidget, text: str, *, assertive: bool = False) -> None:
    """Ask screen readers to speak `text` (Qt 6.8+ announcement), from `widget`.

    Assertive interrupts what is being read (errors, alerts); polite waits (section
    changes, saves). Posting is cheap when no assistive technology is running.
    """
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(
        QAccessible.AnnouncementPoliteness.Assertive
        if assertive
        else QAccessible.AnnouncementPoliteness.Polite
    )
    QAccessible.updateAccessibility(event)


def alert(widget: QWidget, text: str) -> None:
    """Post an Alert event for `widget` (role alert) and announce its text assertively."""
    QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.Alert))
    announce(widget, text, assertive=True)
