"""The generic guided form renderer's parts (FormView lives in ui/form_view.py).

Every module here renders *any* form file: nothing knows a form id (HOUSE_STYLE: form
knowledge lives in forms/*.yaml). Rules, messages and outcomes come from the engine
(app.forms); these widgets only show them and collect answers.

`announce` is here because the error summary, the outcome panel, the autosave indicator
and the view all need to speak to screen readers the same way.
"""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAccessibleEvent
from PySide6.QtWidgets import QWidget


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
