"""Records received from another Haven: importing .eml files, confirming which child a
held package is about, and the DSL's review and return.

The checks themselves are app.exchange.relay's (signature, trust list, form version, the
PDF's signature); this module only asks, shows what happened in plain words and runs the
slow parts (decrypting and verifying packages, building and signing a return) off the UI
thread through ui.workers.

A child is never matched silently (app.exchange.relay: "same name and date of birth is a
suggestion, never a silent merge"): the child-match dialog starts with nothing chosen and
its OK stays disabled until the user picks a child or "a different child".

Everything shown here came from another computer, so it passes through `plain_text`
before it reaches a label (house habit 7).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import ReceivedPackage, Subject
from app.errors import HavenError, ImportRefused
from app.forms.dates import format_date, parse_date
from app.service import Haven
from ui import plain_text
from ui.errors import InlineError, show_error
from ui.theme import heading, training_banner
from ui.times import when_text
from ui.workers import Task, run_task

if TYPE_CHECKING:
    from app.exchange.relay import Exchange, ImportResult

NEW_CHILD = "new"

STATE_WORDS = {
    "awaiting-child": "waiting for someone to confirm which child it is about",
    "awaiting-review": "awaiting review",
    "reviewed": "reviewed",
    "returned": "returned to its author for amending",
    "superseded": "replaced by a newer version",
}


def exchange_for(haven: Haven) -> Exchange:
    """The Haven-to-Haven use cases over an unlocked profile (imported when first used)."""
    from app.exchange.relay import Exchange
    from app.export.exports import Exports

    return Exchange(Exports(haven))


def received_from(haven: Haven, record_id: str) -> ReceivedPackage | None:
    """Where a record came from; None when it was written in this profile."""
    return exchange_for(haven).provenance(record_id)


def state_words(state: str) -> str:
    return STATE_WORDS.get(state, plain_text(state.replace("-", " "), one_line=True, limit=60))


def provenance_text(pkg: ReceivedPackage) -> str:
    """ "Received from <sender> (<email>), signed by <signer> on <when>; <state>"."""
    name = plain_text(pkg.sender_name, one_line=True, limit=120) or "an unnamed sender"
    email = plain_text(pkg.sender_email, one_line=True, limit=200)
    sender = f"{name} ({email})" if email else name
    signer = plain_text(pkg.signer_name, one_line=True, limit=200) or "an unnamed certificate"
    text = f"Received from {sender}, signed by {signer}"
    if pkg.signed_at:
        text += f" on {when_text(pkg.signed_at)}"
    return f"{text}; {state_words(pkg.state)}."


def candidate_text(subject: Subject) -> str:
    """A possible match for a held package, as the radio button says it."""
    name = plain_text(subject.name, one_line=True, limit=120)
    born = parse_date(subject.dob) if subject.dob else None
    dob = format_date(born) if born is not None else "date of birth not known"
    ref = plain_text(subject.ref, one_line=True, limit=40)
    return f"Same name and date of birth: {name}, born {dob}, {ref}"


def held_candidates(exchange: Exchange, received_id: str) -> list[Subject]:
    """The children here a held package may be about (same name and date of birth).

    The core gives these with the import result; for a package held earlier (opened from
    the queue) the same matching is asked again, from the child details the package holds.
    """
    return exchange.candidates_for(received_id)


# ---- importing files ------------------------------------------------------------------------


def read_received_files(
    exchange: Exchange, paths: Sequence[Path]
) -> list[tuple[str, ImportResult | ImportRefused]]:
    """Worker: read each chosen file (never more than a package can be) and import them.

    A file that cannot be read is reported like a refused package; the others go ahead.
    """
    from app.exchange.format import MAX_MESSAGE_BYTES

    blobs: list[tuple[str, bytes]] = []
    unreadable: list[tuple[str, ImportResult | ImportRefused]] = []
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_MESSAGE_BYTES + 1)
        except OSError:
            unreadable.append(
                (
                    path.name,
                    ImportRefused(
                        "unreadable", "Haven could not read this file. Nothing was imported."
                    ),
                )
            )
            continue
        blobs.append((path.name, data))
    return unreadable + exchange.import_files(blobs)


def outcome_text(name: str, outcome: ImportResult | ImportRefused) -> str:
    """One file's outcome in plain words: its name, then what happened."""
    shown = plain_text(name, one_line=True, limit=120)
    if isinstance(outcome, ImportRefused):
        return f"{shown}: not imported. {plain_text(str(outcome), one_line=True, limit=500)}"
    message = plain_text(outcome.message, one_line=True, limit=500)
    if outcome.status == "held":
        message += " Haven asks you which child when you close this list."
    return f"{shown}: {message}"


class ImportResultsDialog(QDialog):
    """What happened to each imported file, one line each."""

    def __init__(
        self,
        results: Sequence[tuple[str, ImportResult | ImportRefused]],
        parent: QWidget | None = None,
        *,
        training: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importResultsDialog")
        self.setWindowTitle("Imported records")
        self.setAccessibleName("Imported records")
        self.resize(640, 360)
        layout = QVBoxLayout(self)
        if training:
            layout.addWidget(training_banner(self))
        layout.addWidget(heading("What happened to each file", self))
        imported = sum(1 for _n, r in results if not isinstance(r, ImportRefused))
        refused = len(results) - imported
        summary = f"{imported} of {len(results)} file{'s' if len(results) != 1 else ''} imported"
        if refused:
            summary += f"; {refused} not imported (see why below)"
        self.summary = QLabel(summary + ".", self)
        self.summary.setObjectName("importSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.outcomes = QListWidget(self)
        self.outcomes.setObjectName("importOutcomes")
        self.outcomes.setAccessibleName("Outcome of each file")
        self.outcomes.setAccessibleDescription("One line for each file you chose.")
        self.outcomes.setWordWrap(True)
        for name, outcome in results:
            text = outcome_text(name, outcome)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
            self.outcomes.addItem(item)
        if self.outcomes.count():
            self.outcomes.setCurrentRow(0)
        layout.addWidget(self.outcomes, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("closeImportResults")
        self.close_button.setAccessibleName("Close")
        buttons.rejected.connect(self.accept)
        layout.addWidget(buttons)
        self.outcomes.setFocus()

    def lines(self) -> list[str]:
        return [self.outcomes.item(i).text() for i in range(self.outcomes.count())]


# ---- confirming the child -------------------------------------------------------------------


class ChildMatchDialog(QDialog):
    """Which child is a held package about? Nothing is chosen until the user chooses."""

    filed = Signal(object)  # the ImportResult of filing it

    def __init__(
        self,
        exchange: Exchange,
        received_id: str,
        candidates: Sequence[Subject],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._exchange = exchange
        self._received_id = received_id
        self.setObjectName("childMatchDialog")
        self.setWindowTitle("Which child is this record about?")
        self.setAccessibleName("Which child is this record about?")
        layout = QVBoxLayout(self)
        if exchange.haven.training:
            layout.addWidget(training_banner(self))
        layout.addWidget(heading("Which child is this record about?", self))
        about = ""
        try:
            pkg = exchange.received.get(received_id)
            sender = plain_text(pkg.sender_name or pkg.sender_email, one_line=True, limit=120)
            about = f"A record from {sender} " if sender else "A received record "
        except HavenError:
            about = "A received record "
        self.explanation = QLabel(
            about + "names a child with the same name and date of birth as a child already "
            "here. Haven never decides this for you: choose the child it is about, or say it "
            "is a different child.",
            self,
        )
        self.explanation.setObjectName("childMatchExplanation")
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)

        self.choices = QButtonGroup(self)
        self.choices.setExclusive(True)
        self.candidate_buttons: list[QRadioButton] = []
        for subject in candidates:
            text = candidate_text(subject)
            button = QRadioButton(text, self)
            button.setObjectName("childCandidate")
            button.setAccessibleName(text)
            button.setProperty("childChoice", subject.id)
            button.setChecked(False)
            self.choices.addButton(button)
            self.candidate_buttons.append(button)
            layout.addWidget(button)
        self.new_child_button = QRadioButton("A different child: add them as a new child", self)
        self.new_child_button.setObjectName("newChildChoice")
        self.new_child_button.setAccessibleName("A different child: add them as a new child")
        self.new_child_button.setProperty("childChoice", NEW_CHILD)
        self.choices.addButton(self.new_child_button)
        layout.addWidget(self.new_child_button)

        self.error = InlineError(self)
        layout.addWidget(self.error)

        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton(
            "&File the record", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setObjectName("fileHeldButton")
        self.ok_button.setAccessibleName("File the record")
        self.ok_button.setAccessibleDescription("File the record with the child you chose.")
        self.ok_button.setEnabled(False)
        cancel = buttons.addButton("&Later", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("childMatchLater")
        cancel.setAccessibleName("Later")
        cancel.setAccessibleDescription("Decide later: the record waits in the Queue.")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.choices.buttonToggled.connect(lambda *_: self._choice_changed())

    def choice(self) -> str | None:
        button = self.choices.checkedButton()
        if button is None:
            return None
        value = button.property("childChoice")
        return str(value) if value else None

    def _choice_changed(self) -> None:
        self.ok_button.setEnabled(self.choice() is not None)
        self.error.clear_message()

    def submit(self) -> None:
        child = self.choice()
        if child is None:
            self.error.show_message("Choose the child this record is about.")
            return
        try:
            result = self._exchange.file_held(self._received_id, child)
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(self, exc)
            return
        self.filed.emit(result)
        self.accept()


class ReceivedImporter(QObject):
    """File, "Import received records…": choose .eml files, import them off the UI thread,
    list what happened, then ask which child for each held package, one at a time.

    `context` is the widget the dialogs belong to (the workspace: a lock destroys it, and
    a result arriving after that is dropped). `store_changed` says records or children
    arrived, so the window refreshes its lists; `running_changed` brackets the work.
    """

    store_changed = Signal()
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._task: Task | None = None
        self.results_dialog: ImportResultsDialog | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def choose_and_import(self, exchange: Exchange, context: QWidget) -> None:
        if self.running:
            return
        names, _chosen = QFileDialog.getOpenFileNames(
            context, "Import received records", "", "Email messages (*.eml);;All files (*)"
        )
        if names:
            self.import_files(exchange, [Path(name) for name in names], context)

    def import_files(self, exchange: Exchange, paths: Sequence[Path], context: QWidget) -> None:
        if self.running:
            return
        task = run_task(
            read_received_files,
            exchange,
            list(paths),
            context=context,
            on_success=lambda results: self._imported(exchange, context, results),
        )
        # Connected to the task itself: run_task's on_finished is skipped after a lock.
        task.signals.finished.connect(self._finished)
        self._task = task
        self.running_changed.emit(True)

    def _finished(self) -> None:
        self._task = None
        self.running_changed.emit(False)

    def _imported(self, exchange: Exchange, context: QWidget, results: object) -> None:
        if not isinstance(results, list):
            return
        self.store_changed.emit()
        dialog = ImportResultsDialog(results, context, training=exchange.haven.training)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        held = [
            outcome.received.id
            for _name, outcome in results
            if not isinstance(outcome, ImportRefused)
            and outcome.status == "held"
            and outcome.received is not None
        ]
        dialog.finished.connect(lambda _r: self.confirm_children(exchange, context, held))
        self.results_dialog = dialog
        _open(dialog)

    def confirm_children(
        self, exchange: Exchange, context: QWidget, received_ids: Sequence[str]
    ) -> None:
        """One child-match question after another, for each held package."""
        self.results_dialog = None
        if not received_ids or not shiboken6.isValid(context):
            return
        received_id, rest = received_ids[0], list(received_ids[1:])
        try:
            candidates = held_candidates(exchange, received_id)
        except Exception as exc:  # noqa: BLE001 - the one error edge
            show_error(context, exc)
            return
        dialog = ChildMatchDialog(exchange, received_id, candidates, context)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filed.connect(lambda _r: self.store_changed.emit())
        dialog.finished.connect(lambda _r: self.confirm_children(exchange, context, rest))
        _open(dialog)


def _open(dialog: QDialog) -> None:
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.open()
    dialog.activateWindow()
