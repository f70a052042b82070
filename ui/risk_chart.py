"""Risk over time in the child's view: a small chart, its words, and the MASE pack button.

Framework section 19 and Appendix 15: the "distance travelled" is evaluated when the
child's plan is reviewed. The points come from app.reports.risk_over_time (which forms,
which category item and which counts are data in resources/risk_over_time.yaml); this
module only draws them: the category decided as a step line (no category, then
Categories 1 to 3) above the indicator counts as bars.

A chart is invisible to a screen reader, so the widget's accessible description lists
every point in words ("12 March 2026: screening, Category 2, 1 current significant
indicator, ..."), the numbers are drawn on the bars (colour never carries meaning alone)
and the latest point is also shown as text. Colours for text and lines come from the
palette, so the high-contrast theme applies.

The child's chronology (ui.chronology) holds the panel under its flags and refreshes it
with itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.errors import HavenError
from app.reports.risk_over_time import (
    BAR_COLOURS,
    CATEGORY_LEVELS,
    RiskPoint,
    describe_points,
    indicator_kinds,
    risk_over_time,
)
from ui import plain_text
from ui.theme import heading

if TYPE_CHECKING:
    from app.export.exports import Exports
    from app.service import Haven
    from ui.workers import Task

CHART_NAME = "Risk over time chart"
Progress = Callable[[int, str], None]


class RiskChart(QWidget):
    """The chart itself: painted by hand (no QtCharts), described in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("riskChart")
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(CHART_NAME)
        self._points: list[RiskPoint] = []
        self.set_points([])

    def set_points(self, points: Sequence[RiskPoint]) -> None:
        self._points = list(points)
        text = self.text_alternative()
        self.setAccessibleDescription(text)
        self.setToolTip(text)
        self.update()

    def points(self) -> list[RiskPoint]:
        return list(self._points)

    def text_alternative(self) -> str:
        """Every point in words, oldest first: what a screen reader reads for the chart."""
        return plain_text(describe_points(self._points), limit=20000)

    # ---- size and paint -----------------------------------------------------------------

    def _line(self) -> float:
        return QFontMetricsF(self.font()).height()

    def sizeHint(self) -> QSize:
        return QSize(int(self._line() * 36), int(self._line() * 17))

    def minimumSizeHint(self) -> QSize:
        return QSize(int(self._line() * 20), int(self._line() * 17))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        grid_colour = palette.color(QPalette.ColorRole.Mid)
        area = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        painter.fillRect(area, palette.color(QPalette.ColorRole.Base))
        painter.setPen(QPen(grid_colour, 1))
        painter.drawRect(area)
        if self.hasFocus():
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
            painter.drawRect(area.adjusted(1, 1, -1, -1))
        painter.setPen(text_colour)
        if not self._points:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.text_alternative())
            return

        metrics = QFontMetricsF(self.font())
        line = metrics.height()
        left = area.left() + max(metrics.horizontalAdvance(w) for w in CATEGORY_LEVELS) + line
        right = area.right() - line * 0.5
        plot = max(right - left, 1.0)
        slot = plot / len(self._points)
        centres = [left + slot * (i + 0.5) for i in range(len(self._points))]

        # Category: a step line over levels 0 to 3.
        top = area.top() + line * 1.2
        bold = self.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QPointF(left, top), "Category decided")
        painter.setFont(self.font())
        cat_high = top + line * 0.8
        cat_low = cat_high + line * 3.6

        def level_y(level: int) -> float:
            return cat_low - (cat_low - cat_high) * level / 3

        for level, words in enumerate(CATEGORY_LEVELS):
            y = level_y(level)
            painter.setPen(QPen(grid_colour, 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(left, y), QPointF(right, y))
            painter.setPen(text_colour)
            width = metrics.horizontalAdvance(words)
            painter.drawText(QPointF(left - width - line * 0.4, y + metrics.ascent() / 2.5), words)
        painter.setPen(QPen(text_colour, 2))
        painter.setBrush(text_colour)
        previous: QPointF | None = None
        for x, point in zip(centres, self._points, strict=True):
            if point.category is None:
                previous = None
                continue
            here = QPointF(x, level_y(point.category))
            if previous is not None:
                corner = QPointF(x, previous.y())
                painter.drawLine(previous, corner)
                painter.drawLine(corner, here)
            painter.drawEllipse(here, line * 0.22, line * 0.22)
            previous = here
        painter.setBrush(Qt.BrushStyle.NoBrush)

        # Indicators: grouped bars with their numbers on top.
        painter.setPen(text_colour)
        painter.setFont(bold)
        bars_title = cat_low + line * 1.6
        painter.drawText(QPointF(left, bars_title), "Indicators (number)")
        painter.setFont(self.font())
        bar_high = bars_title + line * 1.4
        bar_low = area.bottom() - line * 3.4
        kinds = indicator_kinds(self._points)
        colour = {
            kind: QColor(BAR_COLOURS[i % len(BAR_COLOURS)]) for i, (kind, _) in enumerate(kinds)
        }
        highest = max([i.count for p in self._points for i in p.indicators] + [1])
        painter.setPen(QPen(grid_colour, 1))
        painter.drawLine(QPointF(left, bar_low), QPointF(right, bar_low))
        for x, point in zip(centres, self._points, strict=True):
            count = max(len(point.indicators), 1)
            group = min(slot * 0.7, line * 1.3 * count)
            bar = group / count
            for index, indicator in enumerate(point.indicators):
                x0 = x - group / 2 + index * bar
                height = (bar_low - bar_high) * indicator.count / highest
                painter.fillRect(
                    QRectF(x0, bar_low - height, bar * 0.85, height), colour[indicator.id]
                )
                painter.setPen(text_colour)
                label = str(indicator.count)
                painter.drawText(
                    QPointF(
                        x0 + (bar * 0.85 - metrics.horizontalAdvance(label)) / 2,
                        bar_low - height - line * 0.2,
                    ),
                    label,
                )

        # Time axis: the date and form of each point, thinned when they would collide.
        painter.setPen(text_colour)
        widest = metrics.horizontalAdvance("30 Sep 2026") + line
        step = max(1, int(widest / slot) + 1)
        for index, (x, point) in enumerate(zip(centres, self._points, strict=True)):
            if index % step and index != len(self._points) - 1:
                continue
            date_text = f"{point.when.day} {point.when:%b %Y}"
            for row, words in enumerate((date_text, point.name)):
                width = metrics.horizontalAdvance(words)
                painter.drawText(QPointF(x - width / 2, bar_low + line * (1.0 + row)), words)

        # Legend.
        x = left
        y = area.bottom() - line * 0.5
        for kind, words in kinds:
            needed = line * 1.6 + metrics.horizontalAdvance(words)
            if x + needed > right and x > left:
                break  # the words are in the accessible description and the tooltip
            painter.fillRect(QRectF(x, y - line * 0.7, line * 0.7, line * 0.7), colour[kind])
            painter.drawText(QPointF(x + line, y), words)
            x += needed


class RiskOverTimePanel(QWidget):
    """The chart with a heading, the latest point in words, and "Export MASE pack…"."""

    export_mase_pack = Signal(str)  # the child's subject id
    pack_saved = Signal(object)  # the Path written

    def __init__(self, haven: Haven, subject_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("riskOverTimePanel")
        self._haven = haven
        self.subject_id = subject_id
        self._task: Task | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.title = heading("Risk over time", self, level=2)
        top.addWidget(self.title, 1)
        self.export_button = QPushButton("Export &MASE pack…", self)
        self.export_button.setObjectName("exportMasePackButton")
        self.export_button.setAccessibleName("Export MASE pack")
        self.export_button.setAccessibleDescription(
            "Save a signed PDF for the MASE meeting: the child's chronology, risk over "
            "time, missing episodes, and the latest screening and risk assessment."
        )
        top.addWidget(self.export_button)
        layout.addLayout(top)

        self.summary = QLabel(self)
        self.summary.setObjectName("riskSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.chart = RiskChart(self)
        layout.addWidget(self.chart)
        self.status = QLabel(self)
        self.status.setObjectName("masePackStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setVisible(False)
        layout.addWidget(self.status)

        self.export_button.clicked.connect(lambda: self.export_mase_pack.emit(self.subject_id))
        self.refresh()

    def refresh(self) -> None:
        try:
            points = risk_over_time(self._haven, self.subject_id)
        except HavenError as exc:
            self.chart.set_points([])
            self.summary.setText(plain_text(exc.message, one_line=True, limit=300))
            return
        self.chart.set_points(points)
        if points:
            count = len(points)
            noun = "assessment" if count == 1 else "assessments"
            text = f"{count} {noun}. Latest: {points[-1].describe()}"
        else:
            text = describe_points([])
        self.summary.setText(plain_text(text, one_line=True, limit=400))

    # ---- the MASE pack ------------------------------------------------------------------

    def save_pack(self) -> Task | None:
        """Ask where to save (suggesting the child's reference as the name), then export."""
        from app.reports.mase_pack import mase_pack_filename
        from ui.export_dialog import ask_save_path

        try:
            name = mase_pack_filename(self._haven.child(self.subject_id))
        except HavenError as exc:
            self._fail(exc)
            return None
        path = ask_save_path(self, "Save the MASE pack", name, "PDF files (*.pdf)")
        return self.start_export(path) if path is not None else None

    def start_export(self, target: Path) -> Task | None:
        """Make, sign and save the pack off the UI thread (house habit 3)."""
        from app.export.exports import Exports
        from ui.workers import run_task

        if self._task is not None:
            return None
        self.export_button.setEnabled(False)
        self._show_status("Making and signing the MASE pack…")
        self._task = run_task(
            run_mase_pack_export,
            Exports(self._haven),
            self.subject_id,
            target,
            context=self,
            on_success=self._saved,
            on_failure=self._fail,
            on_progress=lambda percent, _text: self._show_status(
                f"Making and signing the MASE pack… {percent}%"
            ),
            on_finished=self._finished,
        )
        return self._task

    def _saved(self, path: object) -> None:
        if isinstance(path, Path):
            # The file name is the child's reference, never the name (SPEC 3).
            self._show_status(f"Saved the signed MASE pack as {path.name}.")
            self.pack_saved.emit(path)

    def _fail(self, error: BaseException) -> None:
        from ui.errors import show_error

        self._show_status("The MASE pack was not saved.")
        show_error(self, error)

    def _finished(self) -> None:
        self._task = None
        self.export_button.setEnabled(True)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setAccessibleName(text)
        self.status.setVisible(True)


def run_mase_pack_export(
    exports: Exports, subject_id: str, target: Path, *, progress: Progress | None = None
) -> Path:
    """The export itself, in a worker: build, sign and verify, then write atomically."""
    from app.export.atomic import write_atomic
    from app.reports.mase_pack import export_mase_pack

    def fraction(value: float) -> None:
        if progress is not None:
            progress(int(value * 100), "Making and signing the MASE pack")

    pack = export_mase_pack(exports, subject_id, progress=fraction)
    write_atomic(target, pack.data)
    return target
