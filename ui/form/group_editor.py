"""Repeatable groups (``type: group``): the GOV.UK "add another" pattern.

Each entry is a bordered box titled with its number ("Person 2") holding its sub-items,
rendered with the same item widgets as the rest of the form, and buttons to move it up or
down or remove it. "Add a person" / "Add another person" adds an empty entry and moves
focus to its first field. Removing an entry that has answers asks first.

The answer is a list of entries, each an object of sub-item answers; unanswered sub-items
are left out. Sub-items the engine hides are kept in the entry (as any hidden answer is)
and ignored by it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.forms.definitions import Item
from ui import plain_text
from ui.accessibility import announce
from ui.form import discard
from ui.form.item_widgets import (
    ERROR_COLOUR,
    WARNING_COLOUR,
    ItemContext,
    ItemWidget,
    is_unanswered,
)
from ui.theme import scaled_font

_ENTRY_PATH = re.compile(r"\[(\d+)\](?:\.(.+))?")


def _noun(item: Item) -> str:
    return (item.entry_label or "entry").strip() or "entry"


class GroupEntry(QFrame):
    """One entry of a group: a title, the sub-item widgets, and its move/remove buttons."""

    def __init__(self, editor: GroupEditor, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.index = index
        item = editor.item
        noun = _noun(item)
        self.title_text = f"{noun[:1].upper()}{noun[1:]} {index + 1}"
        self.setObjectName(f"entry:{editor.path}[{index}]")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.title = QLabel(self.title_text, self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setFont(scaled_font(self.title, 1.1, bold=True))
        layout.addWidget(self.title)
        self.error_label = QLabel(self)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setFont(scaled_font(self.error_label, 1.0, bold=True))
        self.error_label.setVisible(False)
        layout.addWidget(self.error_label)
        context = ItemContext(
            guidance=editor.context.guidance,
            name_suffix=f"{editor.context.name_suffix}, {noun} {index + 1}",
        )
        self.widgets: dict[str, ItemWidget] = {}
        for sub in item.items:
            widget = editor.make_widget(sub, f"{editor.path}[{index}].{sub.id}", context, self)
            self.widgets[sub.id] = widget
            layout.addWidget(widget)
        buttons = QHBoxLayout()
        self.up = self._button("Move up", f"Move {noun} {index + 1} up", buttons)
        self.down = self._button("Move down", f"Move {noun} {index + 1} down", buttons)
        self.remove = self._button(f"Remove this {noun}", f"Remove {noun} {index + 1}", buttons)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.setAccessibleName(self.title_text)

    def _button(self, text: str, name: str, row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setObjectName(f"{text.split()[0].lower()}:{self.editor.path}[{self.index}]")
        button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        row.addWidget(button)
        return button

    def buttons(self) -> list[QPushButton]:
        return [self.up, self.down, self.remove]

    def set_problem(self, message: str | None, severity: str) -> None:
        if message:
            self.error_label.setText(plain_text(message))
            palette = self.error_label.palette()
            palette.setColor(
                self.error_label.foregroundRole(),
                ERROR_COLOUR if severity == "error" else WARNING_COLOUR,
            )
            self.error_label.setPalette(palette)
        self.error_label.setVisible(bool(message))


MakeWidget = Callable[[Item, str, ItemContext, QWidget | None], ItemWidget]


class GroupEditor(ItemWidget):
    """``group``: add, edit (inline), remove and reorder entries of sub-items.

    `make_widget` builds each sub-item's widget; it is passed in (by
    ui.form.widget_factory) so that this module and item_widgets do not import each other.
    """

    def __init__(
        self,
        item: Item,
        path: str,
        context: ItemContext,
        parent: QWidget | None = None,
        *,
        make_widget: MakeWidget,
    ) -> None:
        super().__init__(item, path, context, parent)
        self.make_widget = make_widget
        self._add_header()
        self._data: list[dict[str, Any]] = []
        self.entries: list[GroupEntry] = []
        self._hidden: list[set[str]] = []
        self.entries_layout = QVBoxLayout()
        self.body.addLayout(self.entries_layout)
        noun = _noun(item)
        self.add_button = QPushButton(self)
        self.add_button.setObjectName(f"add:{path}")
        self.add_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.add_button.clicked.connect(self.add_entry)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        self.body.addLayout(row)
        self._noun = noun
        self._update_add_button()

    # --- answers ----------------------------------------------------------------------

    def value(self) -> Any:
        return [dict(entry) for entry in self._data] or None

    def _show_value(self, value: Any) -> None:
        entries = value if isinstance(value, list) else []
        self._data = [
            {k: v for k, v in entry.items() if not is_unanswered(v)}
            if isinstance(entry, Mapping)
            else {}
            for entry in entries
        ]
        self._rebuild()

    def _sub_changed(self, index: int, sub_id: str) -> None:
        if self._loading or index >= len(self.entries):
            return
        value = self.entries[index].widgets[sub_id].value()
        if is_unanswered(value):
            self._data[index].pop(sub_id, None)
        else:
            self._data[index][sub_id] = value
        self._edited()

    # --- entries ----------------------------------------------------------------------

    def _rebuild(self) -> None:
        """Recreate every entry box from the data (numbers and names follow the order)."""
        for entry in self.entries:
            discard(entry)
        self.entries = []
        self._loading = True
        try:
            for index, answers in enumerate(self._data):
                entry = GroupEntry(self, index, self)
                for sub_id, widget in entry.widgets.items():
                    widget.set_value(answers.get(sub_id))
                    widget.changed.connect(lambda i=index, s=sub_id: self._sub_changed(i, s))
                    widget.structure_changed.connect(self.structure_changed)
                entry.up.clicked.connect(lambda _=False, i=index: self.move_entry(i, -1))
                entry.down.clicked.connect(lambda _=False, i=index: self.move_entry(i, 1))
                entry.remove.clicked.connect(lambda _=False, i=index: self.ask_remove_entry(i))
                self.entries_layout.addWidget(entry)
                # Shown now, not on the next event loop turn (what a layout does for a
                # child added to a visible parent), so focus can move into it at once.
                entry.show()
                self.entries.append(entry)
        finally:
            self._loading = False
        self._hidden = [set() for _ in self.entries]
        self._update_buttons()
        self._update_add_button()
        self.set_read_only(self._read_only)

    def _update_buttons(self) -> None:
        last = len(self.entries) - 1
        for index, entry in enumerate(self.entries):
            entry.up.setEnabled(index > 0)
            entry.down.setEnabled(index < last)

    def _update_add_button(self) -> None:
        noun = self._noun
        text = f"Add another {noun}" if self._data else f"Add a {noun}"
        self.add_button.setText(text)
        self.add_button.setAccessibleName(f"{text} to: {self.accessible_name()}")
        full = self.item.max_entries is not None and len(self._data) >= self.item.max_entries
        self.add_button.setEnabled(not full)
        self.add_button.setAccessibleDescription(
            f"The most you can add is {self.item.max_entries}." if full else ""
        )
        self.add_button.setVisible(not self._read_only)

    def add_entry(self) -> None:
        """Add an empty entry and put the cursor in its first field."""
        if self._read_only:
            return
        self._data.append({})
        self._rebuild()
        self._edited()
        self.structure_changed.emit()
        entry = self.entries[-1]
        self._focus_entry(entry)
        announce(self, f"{entry.title_text} added")

    def move_entry(self, index: int, step: int) -> None:
        target = index + step
        if self._read_only or not (0 <= index < len(self._data) and 0 <= target < len(self._data)):
            return
        self._data[index], self._data[target] = self._data[target], self._data[index]
        self._rebuild()
        self._edited()
        self.structure_changed.emit()
        entry = self.entries[target]
        button = entry.up if step < 0 else entry.down
        (button if button.isEnabled() else entry.remove).setFocus(Qt.FocusReason.OtherFocusReason)
        announce(self, f"Moved to {entry.title_text}")

    def ask_remove_entry(self, index: int) -> None:
        """Remove at once if the entry is empty; otherwise ask first (answers would go)."""
        if self._read_only or not 0 <= index < len(self._data):
            return
        if not self._data[index]:
            self.remove_entry(index)
            return
        noun = self._noun
        box = QMessageBox(
            QMessageBox.Icon.Question,
            f"Remove {noun}",
            f"Remove {noun} {index + 1} and everything entered for it?",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("confirmRemoveEntry")
        remove = box.addButton(f"Remove {noun}", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        remove.setAccessibleName(f"Remove {noun} {index + 1}")
        keep.setAccessibleName("Cancel")
        box.setDefaultButton(keep)
        box.setAccessibleName(f"Remove {noun}")

        def finished() -> None:
            if box.clickedButton() is remove:
                self.remove_entry(index)
            elif index < len(self.entries):
                self.entries[index].remove.setFocus(Qt.FocusReason.OtherFocusReason)

        box.finished.connect(finished)
        box.open()

    def remove_entry(self, index: int) -> None:
        if not 0 <= index < len(self._data):
            return
        title = self.entries[index].title_text if index < len(self.entries) else ""
        del self._data[index]
        self._rebuild()
        self._edited()
        self.structure_changed.emit()
        if self.entries:
            self._focus_entry(self.entries[min(index, len(self.entries) - 1)])
        else:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)
        announce(self, f"{title} removed")

    def _focus_entry(self, entry: GroupEntry) -> None:
        for widget in entry.widgets.values():
            if widget.isVisibleTo(self) and widget.inputs():
                widget.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)
                return
        entry.remove.setFocus(Qt.FocusReason.OtherFocusReason)

    def entry_count(self) -> int:
        return len(self._data)

    def set_entry_visibility(self, index: int, visible: set[str]) -> None:
        """Show only the sub-items the engine says are relevant in entry `index`."""
        if not 0 <= index < len(self.entries):
            return
        for sub_id, widget in self.entries[index].widgets.items():
            widget.setVisible(sub_id in visible)
        self._hidden[index] = set(self.entries[index].widgets) - visible

    # --- paths, problems, focus ---------------------------------------------------------

    def _split(self, path: str) -> tuple[int, str | None] | None:
        if not path.startswith(self.path + "["):
            return None
        match = _ENTRY_PATH.fullmatch(path[len(self.path) :])
        if match is None:
            return None
        return int(match.group(1)), match.group(2)

    def widget_for_path(self, path: str) -> ItemWidget | None:
        if path == self.path:
            return self
        found = self._split(path)
        if found is None or not 0 <= found[0] < len(self.entries):
            return None
        index, rest = found
        if rest is None:
            return self
        for widget in self.entries[index].widgets.values():
            hit = widget.widget_for_path(path)
            if hit is not None:
                return hit
        return None

    def focus_widget_for(self, path: str) -> QWidget | None:
        if path == self.path:
            if self.entries:
                first = self.entries[0]
                for widget in first.widgets.values():
                    if widget.inputs() and not widget.isHidden():
                        return widget.focus_target()
            return self.add_button if not self._read_only else self.focus_target()
        found = self._split(path)
        if found is None or not 0 <= found[0] < len(self.entries):
            return None
        index, rest = found
        entry = self.entries[index]
        if rest is None:
            for widget in entry.widgets.values():
                if widget.inputs() and not widget.isHidden():
                    return widget.focus_target()
            return entry.remove
        for widget in entry.widgets.values():
            target = widget.focus_widget_for(path)
            if target is not None:
                return target
        return None

    def show_problems(self, problems: Mapping[str, tuple[str, str]]) -> None:
        super().show_problems(problems)
        for index, entry in enumerate(self.entries):
            shown = problems.get(f"{self.path}[{index}]")
            entry.set_problem(shown[0] if shown else None, shown[1] if shown else "error")
            for widget in entry.widgets.values():
                widget.show_problems(problems)

    def local_errors(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for index, entry in enumerate(self.entries):
            for sub_id, widget in entry.widgets.items():
                if sub_id not in self._hidden[index]:
                    out.extend(widget.local_errors())
        return out

    def inputs(self) -> list[QWidget]:
        widgets: list[QWidget] = []
        for entry in self.entries:
            for widget in entry.widgets.values():
                widgets.extend(widget.inputs())
            widgets.extend(entry.buttons())
        widgets.append(self.add_button)
        return widgets

    def focus_target(self) -> QWidget:
        target = self.focus_widget_for(self.path)
        return target if target is not None else self.add_button

    def set_read_only(self, on: bool) -> None:
        self._read_only = on
        for entry in self.entries:
            for widget in entry.widgets.values():
                widget.set_read_only(on)
            for button in entry.buttons():
                button.setVisible(not on)
        self.add_button.setVisible(not on)
