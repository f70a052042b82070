"""What Haven says to screen readers: Alert events, announcements and the alert role.

Every view speaks the same way (the error summary, outcome panel, autosave indicator,
search results, the store-damaged warning, the crash-recovery banner), so it is done here
once. QAccessible and its relatives are imported on first use: the first window builds
labels that may later speak, and making those Python types and their many enums took a
few per cent of the start-up (issue 11) before anything had anything to say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QAccessibleInterface

_ALERT_PROPERTY = "havenAlertRole"
_factory_installed = False


def post_alert(widget: QWidget) -> None:
    """Post an Alert accessibility event for `widget` (the nearest Qt has to ARIA
    role=alert): a screen reader speaks its accessible name without the focus moving."""
    from PySide6.QtGui import QAccessible, QAccessibleEvent

    QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.Alert))


def announce(widget: QWidget, text: str, *, assertive: bool = False) -> None:
    """Ask screen readers to speak `text` (Qt 6.8+ announcement), from `widget`.

    Assertive interrupts what is being read (errors, alerts); polite waits (section
    changes, saves). Posting is cheap when no assistive technology is running.
    """
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(
        QAccessible.AnnouncementPoliteness.Assertive
        if assertive
        else QAccessible.AnnouncementPoliteness.Polite
    )
    QAccessible.updateAccessibility(event)


def alert(widget: QWidget, text: str) -> None:
    """Post an Alert event for `widget` (role alert) and announce its text assertively."""
    post_alert(widget)
    announce(widget, text, assertive=True)


def _alert_factory(_key: str, obj: QObject) -> QAccessibleInterface | None:
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import QAccessibleWidget

    if isinstance(obj, QWidget) and obj.property(_ALERT_PROPERTY):
        # A widget that screen readers treat as an alert (ARIA role="alert").
        return QAccessibleWidget(obj, QAccessible.Role.AlertMessage)
    return None


def give_alert_role(widget: QWidget) -> None:
    """Expose `widget` with the accessible role AlertMessage (the GOV.UK error summary
    and an alert outcome have role="alert"). Call before it is first shown: Qt caches a
    widget's accessibility interface."""
    global _factory_installed
    if not _factory_installed:
        from PySide6.QtGui import QAccessible

        QAccessible.installFactory(_alert_factory)
        _factory_installed = True
    widget.setProperty(_ALERT_PROPERTY, True)
