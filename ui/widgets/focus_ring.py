"""A visible focus ring around whatever has the keyboard focus, in every Haven window.

SPEC 5 and WCAG 2.4.7 (focus visible): a keyboard user must always see where the focus
is. Fusion marks focus faintly or not at all on item views (the children list, the
chronology table), text-less check boxes and flat buttons, and the palette cannot fix
that. A style sheet could, but it would take over the drawing of every matched widget
(HOUSE_STYLE: colours come from the palette). Qt's own QFocusFrame draws a ring
outside a widget, follows it when it moves or resizes, and is clipped like its
siblings inside a scroll area; one frame is moved to each newly focused widget.

The ring is the palette's highlight colour (at least 3:1 against the window in both
palettes, WCAG 1.4.11). A widget can name a larger widget to ring instead with the
`havenFocusRingTarget` property, and a widget whose container outlines it already (an
option's text-less radio button: its whole row is outlined) sets `havenDrawsOwnFocus`.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QFocusFrame, QMenu, QMenuBar, QWidget

RING_TARGET_PROPERTY = "havenFocusRingTarget"
OWN_FOCUS_PROPERTY = "havenDrawsOwnFocus"
"""Set (True) on a widget whose container already outlines it when focused."""


class FocusRing(QObject):
    """Follows `QApplication.focusChanged` and keeps one QFocusFrame on the focus widget."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName("havenFocusRing")
        self._frame: QFocusFrame | None = None
        app.focusChanged.connect(self._focus_changed)

    @property
    def frame(self) -> QFocusFrame | None:
        """The ring, while it exists (it dies with the parent of the widget it rings)."""
        frame = self._frame
        return frame if frame is not None and shiboken6.isValid(frame) else None

    def ringed(self) -> QWidget | None:
        """The widget the ring is drawn around now, if any."""
        frame = self.frame
        if frame is None or not frame.isVisible():
            return None
        widget = frame.widget()
        return widget if widget is not None and shiboken6.isValid(widget) else None

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        target = ring_target(new)
        frame = self.frame
        if target is None:
            if frame is not None:
                frame.setWidget(None)  # type: ignore[arg-type]  # Qt accepts nullptr
                frame.hide()
            return
        if frame is None:
            frame = QFocusFrame(target)
            frame.setObjectName("focusRing")
            self._frame = frame
        palette = frame.palette()
        palette.setColor(
            QPalette.ColorRole.WindowText, target.palette().color(QPalette.ColorRole.Highlight)
        )
        frame.setPalette(palette)
        frame.setWidget(target)
        frame.show()
        frame.raise_()


def ring_target(widget: QWidget | None) -> QWidget | None:
    """The widget to draw the ring around when `widget` has the focus (None: no ring)."""
    if widget is None or not shiboken6.isValid(widget) or widget.isWindow():
        return None
    if isinstance(widget, QMenu | QMenuBar):
        return None
    if widget.property(OWN_FOCUS_PROPERTY):
        return None
    named = widget.property(RING_TARGET_PROPERTY)
    if isinstance(named, QWidget) and shiboken6.isValid(named):
        return named
    if widget.parentWidget() is None:
        return None
    return widget


def install_focus_ring(app: QApplication | None = None) -> FocusRing | None:
    """Give the application its focus ring (once; later calls return the same one)."""
    instance = app or QApplication.instance()
    if not isinstance(instance, QApplication):
        return None
    existing = instance.findChild(FocusRing, "havenFocusRing")
    if existing is not None:
        return existing
    return FocusRing(instance)
