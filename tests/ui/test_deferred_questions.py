"""A date or long text hidden by its relevance when its page is built makes its words and
boxes when first shown (issue 11); what was set while it was hidden (its answer, a
problem, read-only) shows once it is."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from app.forms.loader import load_registry
from ui.form.item_widgets import ItemContext
from ui.form.text_widgets import DateWidget, LongTextWidget
from ui.form.widget_factory import create_item_widget


def _shown_holder(qtbot: Any) -> tuple[QWidget, QVBoxLayout]:
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    window.resize(700, 500)
    window.show()
    qtbot.waitExposed(window)
    return window, layout


def test_hidden_date_makes_its_words_and_boxes_when_shown(qtbot: Any) -> None:
    form = next(f for f in load_registry().latest() if f.id == "risk-assessment")
    item = next(i for s in form.sections for i in s.items if i.type == "date")
    window, layout = _shown_holder(qtbot)
    widget = create_item_widget(
        item, item.id, ItemContext(guidance=form.guidance), window, hidden=True
    )
    assert isinstance(widget, DateWidget)
    layout.addWidget(widget)
    widget.set_value("2024-03-27")
    widget.set_problem("Date of the incident must be in the past")
    widget.set_read_only(True)
    QApplication.processEvents()
    assert not widget.isVisible()
    assert widget.label is None and widget.inputs() == []
    assert widget.findChildren(QLabel) == []

    widget.setVisible(True)
    QApplication.processEvents()
    assert widget.label is not None and widget.label.isVisible()
    assert widget.label.text().startswith(widget.label_text())
    examples = [w.text() for w in widget.findChildren(QLabel) if "For example" in w.text()]
    assert examples
    day, month, year = widget.inputs()
    assert (day.text(), month.text(), year.text()) == ("27", "3", "2024")
    assert day.isReadOnly()
    assert widget.error_label is not None and widget.error_label.isVisible()
    assert widget.error_label.text() == "Date of the incident must be in the past"
    # Reading order: the question, then the message above the boxes.
    assert widget.label.y() < widget.error_label.y() < day.mapTo(widget, QPoint(0, 0)).y()


def test_hidden_long_text_makes_its_label_when_shown(qtbot: Any) -> None:
    form = next(f for f in load_registry().latest() if f.id == "risk-assessment")
    item = next(i for s in form.sections for i in s.items if i.type == "long_text")
    window, layout = _shown_holder(qtbot)
    widget = create_item_widget(
        item, item.id, ItemContext(guidance=form.guidance), window, hidden=True
    )
    assert isinstance(widget, LongTextWidget)
    layout.addWidget(widget)
    widget.set_value("Seen near the station")
    assert widget.label is None
    widget.setVisible(True)
    QApplication.processEvents()
    assert widget.label is not None and widget.label.isVisible()
    assert widget.label.buddy() is widget.edit
    assert widget.edit.toPlainText() == "Seen near the station"
    assert widget.label.y() < widget.edit.y()
