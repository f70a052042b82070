"""A question's error bar sits down its left side, beside the question, only while there
is a problem; it is placed outside the question's layout (issue 11), so these check
the geometry a row of bar and body would give."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication, QStyle, QVBoxLayout, QWidget

from app.forms.loader import load_registry
from ui.form.item_widgets import ItemContext
from ui.form.widget_factory import create_item_widget


def test_error_bar_runs_beside_the_question_while_there_is_a_problem(qtbot: Any) -> None:
    form = next(f for f in load_registry().latest() if f.id == "screening")
    item = next(i for s in form.sections for i in s.items if i.type == "text")
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    widget = create_item_widget(item, item.id, ItemContext(guidance=form.guidance), window)
    layout.addWidget(widget)
    layout.addStretch(1)
    window.resize(600, 400)
    window.show()
    qtbot.waitExposed(window)
    assert widget.label is not None
    assert widget.label.x() == 0 and widget.bar is None

    widget.set_problem("Enter a name")
    QApplication.processEvents()
    bar = widget.bar
    assert bar is not None and bar.isVisible()
    gap = widget.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
    assert (bar.x(), bar.y()) == (0, 0)
    assert bar.height() == widget.height()
    assert widget.label.x() == bar.width() + gap
    assert widget.error_label is not None and widget.error_label.isVisible()
    assert widget.error_label.x() == bar.width() + gap

    # The question grows (a longer message wraps): the bar follows its height.
    widget.set_problem("Enter a name " * 40)
    qtbot.waitUntil(lambda: bar.height() == widget.height(), timeout=2000)

    widget.set_problem(None)
    QApplication.processEvents()
    assert not bar.isVisible()
    assert widget.label.x() == 0
