"""Option rows are layouts inside their question's group box (issue 11): the box outlines
the focused row, the words and hints still answer when clicked, and nothing of a row
needs Python's cycle collector to be freed."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import shiboken6
from helpers.form_driver import FormDriver, Workbench, section_index
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.forms.loader import load_registry
from ui.form.item_widgets import ItemContext
from ui.form.option_widgets import ChoiceWidget


def test_the_focused_radio_row_is_outlined_until_focus_leaves(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "incidences"))
    known = driver.item("incidence_known")
    assert isinstance(known, ChoiceWidget)
    # Going to the section focused the first option; the second one is not outlined.
    second = list(known.buttons.values())[1]
    assert not second.hasFocus()
    row = known.row_of(second)
    assert row is not None
    area = row.geometry()
    before = known.box.grab(area).toImage()
    driver.focus(second)
    qtbot.waitUntil(lambda: known.box.grab(area).toImage() != before, timeout=2000)
    assert known.value() is None  # focus alone chooses nothing
    driver.press(Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: not second.hasFocus(), timeout=2000)
    qtbot.waitUntil(lambda: known.box.grab(area).toImage() == before, timeout=2000)


def test_clicking_an_options_hint_chooses_it(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("risk-assessment"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "cse_team"))
    level = driver.item("cse_risk_level")
    assert isinstance(level, ChoiceWidget)
    value, button = next(
        (v, b)
        for v, b in level.buttons.items()
        if (r := level.row_of(b)) is not None and r.hint is not None
    )
    row = level.row_of(button)
    assert row is not None and row.hint is not None and row.hint.isVisible()
    driver.click(row.hint)
    qtbot.waitUntil(lambda: level.value() == value, timeout=2000)
    assert button.hasFocus()


def test_read_only_words_take_focus_but_do_not_choose(bench: Workbench, qtbot: Any) -> None:
    view = bench.open_view(qtbot, bench.start("screening"))
    driver = FormDriver(qtbot, view)
    view.go_to_section(section_index(view, "incidences"))
    known = driver.item("incidence_known")
    assert isinstance(known, ChoiceWidget)
    known.set_read_only(True)
    row = known.row_of(known.buttons["no"])
    assert row is not None
    driver.click(row.label)
    qtbot.waitUntil(lambda: known.buttons["no"].hasFocus(), timeout=2000)
    driver.press(Qt.Key.Key_Down)
    assert known.value() is None


def test_option_rows_are_freed_without_the_cycle_collector(qtbot: Any) -> None:
    """A row, its button and its words refer to one another only through Qt's parents, so
    deleting a question frees them at once (a cycle would wait for a collection)."""
    form = next(f for f in load_registry().latest() if f.id == "screening")
    item = next(i for s in form.sections for i in s.items if i.id == "final_category")
    holder = QWidget()
    widget = ChoiceWidget(item, item.id, ItemContext(guidance=form.guidance), holder)
    rows = [widget.row_of(b) for b in widget.buttons.values()]
    assert all(r is not None for r in rows)
    refs = [weakref.ref(w) for r in rows if r is not None for w in (r.button, r.label)]
    refs.append(weakref.ref(widget))
    del rows, widget
    gc.disable()
    try:
        shiboken6.delete(holder)
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        del holder
        assert [r for r in refs if r() is not None] == []
    finally:
        gc.enable()
