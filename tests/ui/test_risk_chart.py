"""The risk-over-time chart in the child's view, through real widgets (offscreen).

A chart says nothing to a screen reader, so its accessible description must list every
point in words; the panel under a chronology follows the view's refresh; the "Export MASE
pack…" button emits its signal, and the export itself runs off the UI thread, writes a
signed file named by the child's reference, and reports a failure without writing. Only
the platform's save dialog is replaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from helpers.accessibility import accessible_name
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.domain import Record, Subject
from app.export.exports import Exports
from app.profile import Session
from app.reports.risk_over_time import IndicatorCount, RiskPoint
from app.service import Haven
from tests.haven_testkit import CHILD_DOB, CHILD_NAME, DSL, NOW, example, new_session
from ui.chronology import ChronologyView
from ui.risk_chart import CHART_NAME, RiskChart, RiskOverTimePanel

SLOW_MS = 120_000  # key generation, PDF rendering and signing on a slow machine


def point(day: date, name: str, category: int | None, **counts: int) -> RiskPoint:
    words = {
        "significant": ("current significant indicator", "current significant indicators"),
        "risk": ("risk indicator", "risk indicators"),
        "incidence": ("incidence known", "incidences known"),
    }
    return RiskPoint(
        record_id=f"id-{day}",
        record_ref=f"HVN-{day}",
        form_id=name.replace(" ", "-"),
        name=name,
        when=day,
        dated_by_form=True,
        category=category,
        indicators=tuple(IndicatorCount(k, v, *words[k]) for k, v in counts.items()),
    )


POINTS = [
    point(date(2026, 3, 12), "screening", 2, significant=3, risk=4),
    point(date(2026, 7, 1), "risk assessment", 3, risk=8, incidence=1),
    point(date(2026, 10, 5), "screening", 0, significant=0, risk=1),
    point(date(2026, 11, 2), "screening", None, significant=1, risk=0),
]


def description(widget: Any) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None
    return str(interface.text(QAccessible.Text.Description))


@dataclass
class Desk:
    session: Session
    haven: Haven
    child: Subject

    def screening(self, **changes: Any) -> Record:
        answers = {**example("screening"), "child_name": self.child.name, **changes}
        draft = self.haven.start_record(self.child.id, "screening", answers=answers)
        return self.haven.complete(draft.id)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    session = new_session(tmp_path / "profile", DSL)
    haven = Haven(session, clock=lambda: NOW)
    child = haven.add_child(CHILD_NAME, CHILD_DOB)
    yield Desk(session, haven, child)
    if session.is_open:
        session.lock()


def test_chart_describes_every_point_in_words(qtbot: QtBot) -> None:
    chart = RiskChart()
    qtbot.addWidget(chart)
    chart.set_points(POINTS)
    chart.show()
    qtbot.waitExposed(chart)

    assert accessible_name(chart) == CHART_NAME
    assert description(chart).splitlines() == [
        "12 March 2026: screening, Category 2, 3 current significant indicators, 4 risk indicators",
        "1 July 2026: risk assessment, Category 3, 8 risk indicators, 1 incidence known",
        "5 October 2026: screening, no category, 0 current significant indicators, "
        "1 risk indicator",
        "2 November 2026: screening, category not recorded, "
        "1 current significant indicator, 0 risk indicators",
    ]
    assert chart.toolTip() == description(chart)
    assert chart.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_chart_paints_points_and_says_when_there_are_none(qtbot: QtBot) -> None:
    chart = RiskChart()
    qtbot.addWidget(chart)
    chart.resize(chart.sizeHint())
    empty = chart.grab().toImage()
    chart.set_points(POINTS)
    drawn = chart.grab().toImage()

    assert description(chart) != ""
    chart.set_points([])
    assert description(chart) == "No completed screening or risk assessment yet."
    # The bars are drawn in the palette's colours of the indicator kinds: red risk bars.
    assert _has_colour(drawn, (0xD4, 0x35, 0x1C)) and not _has_colour(empty, (0xD4, 0x35, 0x1C))


def _has_colour(image: QImage, rgb: tuple[int, int, int]) -> bool:
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            colour = image.pixelColor(x, y)
            if (colour.red(), colour.green(), colour.blue()) == rgb:
                return True
    return False


def test_panel_lists_the_childs_points_and_its_button_asks_for_the_pack(
    qtbot: QtBot, desk: Desk
) -> None:
    desk.screening(screening_date="2026-03-12", final_category="2")
    panel = RiskOverTimePanel(desk.haven, desk.child.id)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)

    assert description(panel.chart) == (
        "12 March 2026: screening, Category 2, 1 current significant indicator, "
        "4 risk indicators, 2 vulnerability factors"
    )
    assert panel.summary.text().startswith("1 assessment. Latest: 12 March 2026: screening")
    assert accessible_name(panel.export_button) == "Export MASE pack"
    with qtbot.waitSignal(panel.export_mase_pack, timeout=5000) as asked:
        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert asked.args == [desk.child.id]


def test_in_the_chronology_it_follows_the_views_refresh(qtbot: QtBot, desk: Desk) -> None:
    desk.screening(screening_date="2026-03-12", final_category="2")
    view = ChronologyView(desk.haven, desk.child.id)
    qtbot.addWidget(view)
    panel = view.risk_panel
    view.show()
    qtbot.waitExposed(view)

    layout = view.layout()
    assert layout is not None
    assert layout.indexOf(panel) == layout.indexOf(view.flags) + 1
    assert panel.isVisible() and len(panel.chart.points()) == 1

    desk.screening(screening_date="2026-06-20", final_category="3", sig_money=["current"])
    view.refresh()

    assert [p.category for p in panel.chart.points()] == [2, 3]
    assert (
        description(panel.chart)
        .splitlines()[1]
        .startswith("20 June 2026: screening, Category 3, 2 current significant indicators")
    )
    assert view.entry_count() == 2  # the view's own refresh still ran


def test_export_runs_in_the_background_and_saves_a_signed_pack(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Exports(desk.haven).create_self_signed("Example Youth Service")
    desk.screening(screening_date="2026-03-12", final_category="2")
    view = ChronologyView(desk.haven, desk.child.id)
    qtbot.addWidget(view)
    panel = view.risk_panel
    view.show()
    qtbot.waitExposed(view)
    folder = tmp_path / "meeting"
    folder.mkdir()
    asked: list[str] = []

    def get_save_file_name(
        _parent: object, _caption: str = "", proposed: str = "", *_rest: object
    ) -> tuple[str, str]:
        asked.append(Path(proposed).name)
        return str(folder / Path(proposed).name), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", get_save_file_name)

    with qtbot.waitSignal(panel.pack_saved, timeout=SLOW_MS) as saved:
        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)

    expected = folder / f"{desk.child.ref}-mase-pack.pdf"
    assert asked == [expected.name]
    assert saved.args == [expected]
    assert expected.read_bytes().startswith(b"%PDF")
    assert panel.status.text() == f"Saved the signed MASE pack as {expected.name}."
    for canary in ("Zoë", "Łukasiewicz", "Briain"):
        assert canary not in panel.status.text()
    qtbot.waitUntil(lambda: panel.export_button.isEnabled())


def test_failed_export_writes_nothing_and_says_so(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    desk.screening(screening_date="2026-03-12", final_category="2")
    panel = RiskOverTimePanel(desk.haven, desk.child.id)
    qtbot.addWidget(panel)
    panel.show()
    target = tmp_path / "pack.pdf"

    panel.start_export(target)  # no signing certificate in this profile
    qtbot.waitUntil(lambda: panel.status.text() == "The MASE pack was not saved.", timeout=SLOW_MS)

    assert not target.exists()
    boxes = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and shiboken6.isValid(w) and w.isVisible()
    ]
    assert any("certificate" in box.text() for box in boxes)
    qtbot.waitUntil(lambda: panel.export_button.isEnabled())
    for box in boxes:
        box.close()
