"""The LSCB dataset report: choose a quarter, save the anonymised counts as CSV or PDF.

Counting every record and drawing the PDF run in `save_report` through ui.workers (house
habit 3), with a progress bar; the worker gets plain values (the quarter's name, the
path), never widgets. While it runs the buttons are disabled and the dialog stays open,
so the user always sees whether the file was saved; what was saved is said in a label
that a screen reader announces.

Nothing personal is shown here or in the file names proposed: the files hold counts
only (app.reports.lscb), and every save is audited by the core (`save_lscb`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import HavenError
from app.reports.lscb import (
    Period,
    current_quarter,
    load_config,
    lscb_dataset,
    previous_quarter,
)
from app.reports.lscb_output import Progress, save_lscb
from app.service import Haven
from ui.accessibility import post_alert
from ui.errors import InlineError, show_error
from ui.export.save_path import ask_save_path
from ui.theme import heading, training_banner
from ui.workers import Task, run_task

FileKind = Literal["csv", "pdf"]
QUARTERS_OFFERED = 8
"""The current quarter and the seven before it: two years of quarterly returns."""


def save_report(
    haven: Haven,
    quarter: str,
    kind: FileKind,
    path: Path,
    *,
    progress: Progress | None = None,
) -> Path:
    """Count, render and save one file, off the UI thread; returns the path saved."""
    if progress is not None:
        progress(0, "Counting the records")
    report = lscb_dataset(haven, quarter)
    written = save_lscb(
        haven,
        report,
        csv_path=path if kind == "csv" else None,
        pdf_path=path if kind == "pdf" else None,
        progress=progress,
    )
    return written[0]


def quarter_choices(today_quarter: Period, year_starts_month: int) -> list[tuple[str, str]]:
    """(name, words) for the quarters offered, newest first; the current one is to date."""
    choices: list[tuple[str, str]] = []
    quarter = today_quarter
    for index in range(QUARTERS_OFFERED):
        words = f"{quarter.name[:4]} Q{quarter.name[-1]}: {quarter.words()}"
        if index == 0:
            words += " (to date)"
        choices.append((quarter.name, words))
        quarter = previous_quarter(quarter, year_starts_month)
    return choices


class ReportDialog(QDialog):
    """Quarter chooser, Save CSV, Save PDF, Close."""

    saved = Signal(str)  # the path saved (for the window's status bar)

    def __init__(self, haven: Haven, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._haven = haven
        self._task: Task | None = None
        config = load_config()
        now = current_quarter(haven.clock().date(), config.year_starts_month)
        choices = quarter_choices(now, config.year_starts_month)

        self.setObjectName("lscbReportDialog")
        self.setWindowTitle("LSCB dataset report")
        self.setAccessibleName("LSCB dataset report")
        self.resize(560, 320)
        layout = QVBoxLayout(self)
        if haven.training:
            layout.addWidget(training_banner(self))
        layout.addWidget(heading("LSCB CSE dataset", self))
        self.about = QLabel(
            "Anonymised counts for the Local Safeguarding Children Board (framework "
            "section 19 and Appendix 14): children screened by category and profile, risk "
            "assessments, missing episodes and return interviews, information reports. "
            "No names, dates of birth or record references; counts from 1 to 4 show as "
            "<5. The files are marked OFFICIAL-SENSITIVE: store and send them as such.",
            self,
        )
        self.about.setObjectName("lscbAbout")
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setWordWrap(True)
        layout.addWidget(self.about)

        form = QFormLayout()
        self.quarter = QComboBox(self)
        self.quarter.setObjectName("lscbQuarter")
        for name, words in choices:
            self.quarter.addItem(words, name)
        # The last quarter that has ended: the one a quarterly return is usually for.
        self.quarter.setCurrentIndex(1 if len(choices) > 1 else 0)
        self.quarter.setAccessibleName("Quarter")
        self.quarter.setAccessibleDescription(
            "The quarter to count; the year to date runs from the start of its year."
        )
        quarter_label = QLabel("&Quarter", self)
        quarter_label.setBuddy(self.quarter)
        form.addRow(quarter_label, self.quarter)
        layout.addLayout(form)

        self.progress = QProgressBar(self)
        self.progress.setObjectName("lscbProgress")
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName("Progress")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.status = QLabel("", self)
        self.status.setObjectName("lscbStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.error = InlineError(self)
        layout.addWidget(self.error)
        layout.addStretch(1)

        buttons = QHBoxLayout()
        self.csv_button = QPushButton("Save &CSV…", self)
        self.csv_button.setObjectName("lscbSaveCsv")
        self.csv_button.setAccessibleName("Save CSV")
        self.csv_button.setAccessibleDescription(
            "Save the counts for the chosen quarter and the year to date as a CSV file."
        )
        self.pdf_button = QPushButton("Save &PDF…", self)
        self.pdf_button.setObjectName("lscbSavePdf")
        self.pdf_button.setAccessibleName("Save PDF")
        self.pdf_button.setAccessibleDescription(
            "Save the report with tables and charts as a PDF file."
        )
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("lscbClose")
        self.close_button.setAccessibleName("Close")
        buttons.addStretch(1)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.csv_button.clicked.connect(lambda: self.save("csv"))
        self.pdf_button.clicked.connect(lambda: self.save("pdf"))
        self.close_button.clicked.connect(self.reject)

    @property
    def running(self) -> bool:
        return self._task is not None

    def chosen_quarter(self) -> str:
        return str(self.quarter.currentData())

    def save(self, kind: FileKind, path: Path | None = None) -> None:
        """Ask where to save (unless given), then count and save off the UI thread."""
        if self.running:
            return
        quarter = self.chosen_quarter()
        if path is None:
            caption = "Save the LSCB dataset as " + ("CSV" if kind == "csv" else "PDF")
            file_filter = "CSV files (*.csv)" if kind == "csv" else "PDF files (*.pdf)"
            path = ask_save_path(self, caption, f"lscb-{quarter}.{kind}", file_filter)
            if path is None:
                return
        self.error.clear_message()
        self._say("Making the report…")
        self._set_running(True)
        self._task = run_task(
            save_report,
            self._haven,
            quarter,
            kind,
            path,
            context=self,
            on_success=lambda saved: self._saved(kind, quarter, Path(saved)),
            on_failure=self._failed,
            on_progress=self._progressed,
            on_finished=lambda: self._set_running(False),
        )

    def _progressed(self, percent: int, text: str) -> None:
        self.progress.setValue(percent)
        if text:
            self.progress.setFormat(f"{text} (%p%)")

    def _saved(self, kind: FileKind, quarter: str, path: Path) -> None:
        what = "CSV" if kind == "csv" else "PDF"
        self._say(f"Saved the {what} for {quarter} as {path.name}.")
        self.saved.emit(str(path))

    def _failed(self, error: BaseException) -> None:
        self._say("")
        if isinstance(error, HavenError):
            self.error.show_message(error.message)
        else:
            show_error(self, error)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setAccessibleName(text or "Status")
        if text:
            post_alert(self.status)

    def _set_running(self, running: bool) -> None:
        if not running:
            self._task = None
        for widget in (self.csv_button, self.pdf_button, self.close_button, self.quarter):
            widget.setEnabled(not running)
        self.progress.setVisible(running)
        if running:
            self.progress.setValue(0)
        else:
            self.csv_button.setFocus(Qt.FocusReason.OtherFocusReason)

    # A save in progress always finishes in view: closing waits for it.

    def reject(self) -> None:
        if not self.running:
            super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.running and event.key() == Qt.Key.Key_Escape:
            event.ignore()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            event.ignore()
            return
        super().closeEvent(event)
