"""The workspace: the children list and the current view, the one part that holds record text.

Its own module so that what must be destroyed on lock is one widget with one docstring:
the window builds it when the profile is unlocked and DESTROYS it when it locks (ui.lock),
so a locked Haven holds no child's data in its widgets.

It also holds the window's contract with the form renderer (ui/form_view.py, written
separately), which is imported lazily when a record is opened. What the window expects
of it:
- `FormView(haven, record_id, parent=None, position=None)`; `position` is the view's own
  `FormPosition(record_id, section_index, item_id, on_check_page)`, given when the view is
  re-created after an unlock (the window builds it from the plain `ui.lock.Position`);
- `save_now()` - write unsaved typing now (before locking, closing, switching views);
- `position()` - where the user is: an object with `section_index`, `item_id` and
  (optionally) `on_check_page` attributes;
- `clear()` (optional) - stop autosaving and drop record text; called before the view is
  destroyed on lock;
- signals `closed()`, `completed(str record_id)` and (optional) `amended(str new_id)`
  when the view now shows a new version; (optional) `export_requested(str)` and
  `send_to_dsl_requested(str)` from the completed-record banner.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from app.service import Haven
from ui.children import ChildrenPanel
from ui.lock import Position
from ui.theme import heading, training_banner

FORM_VIEW_MISSING = (
    "Records cannot be opened in this version of Haven: the form screen is not installed. "
    "Your records are safe; ask IT to update Haven."
)

FormViewFactory = Callable[[Haven, str, QWidget, Position | None], QWidget]


def default_form_view_factory(
    haven: Haven, record_id: str, parent: QWidget, position: Position | None = None
) -> QWidget:
    """Import the form renderer only when a record is opened (cheap start-up, and the
    shell keeps working if it is missing: the caller shows a plain message)."""
    from ui.form.form_pages import FormPosition
    from ui.form_view import FormView

    if position is not None and position.section_index is not None:
        where = FormPosition(
            record_id, position.section_index, position.item_id, position.on_check_page
        )
        return FormView(haven, record_id, parent=parent, position=where)
    return FormView(haven, record_id, parent=parent)


def position_parts(value: object) -> tuple[int | None, str | None, bool]:
    """(section index, item id, on check page) from the form view's position()."""
    if isinstance(value, tuple | list):
        section = value[0] if value and isinstance(value[0], int) else None
        item = value[1] if len(value) > 1 and isinstance(value[1], str) else None
        return section, item, False
    section = getattr(value, "section_index", None)
    item = getattr(value, "item_id", None)
    return (
        section if isinstance(section, int) else None,
        item if isinstance(item, str) else None,
        getattr(value, "on_check_page", False) is True,
    )


class Workspace(QWidget):
    """Children list on the left, the current view on the right. Holds record text."""

    def __init__(self, haven: Haven, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        layout = QVBoxLayout(self)
        self.outer_layout = layout
        layout.setContentsMargins(0, 0, 0, 0)
        if haven.training:
            layout.addWidget(training_banner(self))
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.children_panel = ChildrenPanel(haven, self.splitter)
        self.views = QStackedWidget(self.splitter)
        self.views.setObjectName("contentViews")
        self.placeholder = QWidget(self.views)
        ph_layout = QVBoxLayout(self.placeholder)
        ph_layout.addWidget(heading("Choose a child", self.placeholder))
        hint = QLabel(
            "Choose a child from the list to see their chronology, add a new child with "
            "Control N, or open My work with Control 2.",
            self.placeholder,
        )
        hint.setWordWrap(True)
        ph_layout.addWidget(hint)
        ph_layout.addStretch(1)
        self.views.addWidget(self.placeholder)
        self.splitter.addWidget(self.children_panel)
        self.splitter.addWidget(self.views)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)


def connect_if_present(view: QWidget, name: str, slot: Callable[..., object]) -> None:
    """Connect the form view's signal `name`, if this version of the view has it."""
    signal = getattr(view, name, None)
    if signal is not None and hasattr(signal, "connect"):
        signal.connect(slot)
