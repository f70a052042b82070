"""`create_item_widget`: the widget for a form item's type (forms/FORMAT.md).

Its own module because groups nest items: the group editor needs the factory for its
sub-items and the factory needs the group editor, so the factory passes itself in and
neither widget module imports the other (an import-linter contract forbids the cycle).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.forms.definitions import Item
from ui.form.group_editor import GroupEditor
from ui.form.item_widgets import ItemContext, ItemWidget
from ui.form.option_widgets import (
    MAX_RADIOS,
    ChoiceWidget,
    ComboChoiceWidget,
    MultiWidget,
    TickWidget,
)
from ui.form.text_widgets import (
    DateTimeWidget,
    DateWidget,
    InfoWidget,
    LongTextWidget,
    NumberWidget,
    TextWidget,
)

_WIDGETS: dict[str, type[ItemWidget]] = {
    "tick": TickWidget,
    "yes_no": ChoiceWidget,
    "yes_no_unknown": ChoiceWidget,
    "multi": MultiWidget,
    "text": TextWidget,
    "email": TextWidget,
    "phone": TextWidget,
    "long_text": LongTextWidget,
    "date": DateWidget,
    "datetime": DateTimeWidget,
    "number": NumberWidget,
    "info": InfoWidget,
}


def create_item_widget(
    item: Item,
    path: str,
    context: ItemContext,
    parent: QWidget | None = None,
    *,
    hidden: bool = False,
) -> ItemWidget:
    """The widget for an item's type (groups get a GroupEditor of the same widgets).

    `hidden`: the question starts hidden by its relevance; a date or long text then makes
    its boxes when first shown (the costly part of a page of conditional questions)."""
    if item.type == "group":
        return GroupEditor(item, path, context, parent, make_widget=create_item_widget)
    if item.type == "choice":
        kind: type[ItemWidget] = (
            ComboChoiceWidget if len(item.options) > MAX_RADIOS else ChoiceWidget
        )
        return kind(item, path, context, parent)
    if item.type == "date":
        return DateWidget(item, path, context, parent, deferred=hidden)
    if item.type == "long_text":
        return LongTextWidget(item, path, context, parent, deferred=hidden)
    return _WIDGETS[item.type](item, path, context, parent)
