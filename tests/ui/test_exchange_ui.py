"""Haven to Haven through the window: a practitioner sends a completed record to their
DSL, the DSL imports it, sees it in the Queue, reviews it or returns it to its author,
confirms which child a held record is about; a received record opens read-only with where
it came from.

Two real profiles per test (practitioner and DSL), each with its own certificate, set up
the way tests/exchange/conftest.py does. Real widgets, offscreen; only the platform's file
dialog is replaced. Nothing sleeps: waits are qtbot.waitUntil / waitSignal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import shiboken6
from helpers.accessibility import accessible_name, assert_all_named, tab_reaches_everything
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QRadioButton, QWidget
from pytestqt.qtbot import QtBot

from app.domain import ProfileInfo, Record, Subject
from app.exchange.queue import build_queue
from app.exchange.relay import Exchange
from app.export.exports import Exports
from app.profile import Session
from app.service import Haven
from tests.haven_testkit import (
    CHILD_DOB,
    DSL,
    NOW,
    TEACHER,
    Identity,
    example,
    new_session,
)
from ui.decision_dialog import DecisionDialog
from ui.main_window import MainWindow
from ui.queue_view import QueueView
from ui.received import ChildMatchDialog, ImportResultsDialog
from ui.send_to_dsl import SendToDslDialog
from ui.settings_dialog import TABS, SettingsDialog

SLOW_MS = 120_000  # signing, encrypting and verifying on a slow CI machine
CHILD_NAME = "Jamie Example"
DSL_LABEL = "My designated safeguarding lead"
PRACTITIONER = TEACHER

W = TypeVar("W", bound=QWidget)


# ---- two profiles, as tests/exchange/conftest.py makes them ---------------------------------


@dataclass
class Person:
    folder: Path
    session: Session
    haven: Haven
    exports: Exports
    exchange: Exchange

    def add_child(self, name: str = CHILD_NAME, dob: str = CHILD_DOB) -> Subject:
        return self.haven.add_child(name, dob, gender="Female")

    def completed(self, child: Subject, form_id: str = "screening") -> Record:
        answers = example(form_id)
        if "child_name" in answers:
            answers["child_name"] = child.name
        draft = self.haven.start_record(child.id, form_id, answers=answers)
        return self.haven.complete(draft.id)

    def shared(self, child: Subject, form_id: str = "screening") -> Record:
        record = self.completed(child, form_id)
        self.exports.record_decision(record.id, example("sharing-decision"))
        return record


@dataclass
class Pair:
    practitioner: Person
    dsl: Person

    def sent_to_dsl(self) -> tuple[Record, bytes]:
        """A screening the practitioner sent to the DSL as an .eml file's bytes."""
        child = self.practitioner.add_child()
        record = self.practitioner.shared(child)
        package = self.practitioner.exchange.send_record(record.id, "dsl", queue=False)
        return record, package.message_bytes


def make_person(folder: Path, info: ProfileInfo, identity: Identity) -> Person:
    session = new_session(folder, info)
    haven = Haven(session, clock=lambda: NOW)
    exports = Exports(haven)
    exports.import_certificate(identity.p12, identity.password)
    return Person(folder, session, haven, exports, Exchange(exports))


def make_pair(tmp_path: Path, identities: dict[str, Identity], *, dsl_set_up: bool = True) -> Pair:
    """A practitioner whose "dsl" recipient is the DSL, and a DSL who trusts them (and
    back, so returns reach the author)."""
    practitioner = make_person(tmp_path / "practitioner", PRACTITIONER, identities["teacher"])
    dsl = make_person(tmp_path / "dsl", DSL, identities["dsl"])
    if dsl_set_up:
        practitioner.exports.set_recipient(
            "dsl", mailbox=DSL.email, certificate_pem=identities["dsl"].cert_pem
        )
        practitioner.exchange.trust(identities["dsl"].cert_pem, "My DSL")
    dsl.exchange.trust(identities["teacher"].cert_pem, PRACTITIONER.name)
    return Pair(practitioner, dsl)


@pytest.fixture
def pair(tmp_path: Path, identities: dict[str, Identity]) -> Iterator[Pair]:
    made = make_pair(tmp_path, identities)
    yield made
    for person in (made.practitioner, made.dsl):
        if person.session.is_open:
            person.session.lock()


@pytest.fixture
def window_for(qtbot: QtBot, fake_wait: Any) -> Iterator[Callable[[Person], MainWindow]]:
    """A window unlocked on one person's profile (the same Haven the test holds)."""
    made: list[MainWindow] = []

    def make(person: Person) -> MainWindow:
        window = MainWindow(
            person.folder,
            listen_to_os=False,
            try_keychain=False,
            unlock_wait=fake_wait,
            service_factory=lambda _s: person.haven,
        )
        made.append(window)
        window.show()
        qtbot.waitExposed(window)
        window.open_session(person.session)
        assert window.workspace is not None
        return window

    yield make
    for window in made:
        if shiboken6.isValid(window) and window.session is not None:
            window.lock.forget_session()
            window.session.lock()


# ---- small drivers --------------------------------------------------------------------------


def click(qtbot: QtBot, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def shown(qtbot: QtBot, parent: QWidget, kind: type[W]) -> W:
    """The one visible dialog of `kind` under `parent`, once it is shown."""
    found: list[W] = []

    def visible() -> bool:
        found[:] = [d for d in parent.findChildren(kind) if shiboken6.isValid(d) and d.isVisible()]
        return len(found) == 1

    qtbot.waitUntil(visible, timeout=SLOW_MS)
    qtbot.waitExposed(found[0])
    return found[0]


def choose(qtbot: QtBot, radio: QRadioButton) -> None:
    """Click a radio button on its circle (a click beyond the end of its text misses)."""
    assert radio.isVisible() and radio.isEnabled(), radio.objectName()
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(6, radio.height() // 2))


def closed(widget: QWidget) -> bool:
    return not shiboken6.isValid(widget) or not widget.isVisible()


def focus(qtbot: QtBot, widget: QWidget) -> None:
    """Give `widget` the keyboard focus, its window active (as the window manager does
    when a dialog closes; the offscreen platform leaves that to the test)."""
    widget.window().activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window())
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def message_boxes() -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and shiboken6.isValid(w) and w.isVisible()
    ]


def choose_files(monkeypatch: pytest.MonkeyPatch, paths: list[Path]) -> list[str]:
    """The platform's open dialog, answering `paths`; returns the filters it was given."""
    filters: list[str] = []

    def get_open_file_names(
        _parent: object, _caption: str = "", _folder: str = "", file_filter: str = "", *_a: Any
    ) -> tuple[list[str], str]:
        filters.append(file_filter)
        return [str(p) for p in paths], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", get_open_file_names)
    return filters


def write_eml(tmp_path: Path, data: bytes, name: str = "from-sam.eml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def queue_of(qtbot: QtBot, window: MainWindow) -> QueueView:
    window.queue_action.trigger()
    qtbot.waitUntil(lambda: window.queue_view is not None and window.queue_view.isVisible())
    view = window.queue_view
    assert view is not None
    return view


def state_of(person: Person, record_id: str) -> str:
    pkg = person.exchange.provenance(record_id)
    assert pkg is not None
    return pkg.state


# ---- the DSL's side: import, queue, open ---------------------------------------------------


def test_imported_record_waits_in_the_queue_and_enter_opens_it_read_only(
    qtbot: QtBot,
    pair: Pair,
    window_for: Callable[[Person], MainWindow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record, data = pair.sent_to_dsl()
    eml = write_eml(tmp_path, data)
    filters = choose_files(monkeypatch, [eml])
    window = window_for(pair.dsl)

    file_menu = window.menuBar().actions()[0].menu()
    assert window.import_action in file_menu.actions()
    window.import_action.trigger()
    results = shown(qtbot, window, ImportResultsDialog)
    assert "*.eml" in filters[0]
    lines = results.lines()
    assert len(lines) == 1
    assert lines[0].startswith("from-sam.eml: Received")
    assert "awaiting review" in lines[0]
    assert "1 of 1 file imported" in results.summary.text()
    assert_all_named(results)
    click(qtbot, results.close_button)
    qtbot.waitUntil(lambda: closed(results))

    # The import refreshed the children list: the sender's child is here now.
    panel = window.workspace.children_panel
    qtbot.waitUntil(lambda: len(panel.visible_subject_ids()) == 1)

    view = queue_of(qtbot, window)
    assert window.view_name == "queue"
    assert "Received: awaiting review (1)" in view.group_texts()
    assert "Received: confirm which child (0)" in view.group_texts()
    expected_total = len(build_queue(pair.dsl.exchange).entries)
    assert view.summary.text() == f"Queue: {expected_total} waiting"
    qtbot.waitUntil(lambda: window.queue_button.text() == f"Queue: {expected_total} waiting")
    rows = view.entries_of("awaiting-review")
    assert len(rows) == 1
    assert "screening" in rows[0].text() and "From Sam Teacher" in rows[0].text()
    assert (
        rows[0].data(Qt.ItemDataRole.AccessibleTextRole).startswith("Received: awaiting review: ")
    )

    assert view.select_entry("awaiting-review")
    focus(qtbot, view.tree)
    with qtbot.waitSignal(view.open_record, timeout=5000) as opened:
        qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    assert opened.args == [record.id]

    # The window opened it: read-only, saying where it came from, with no Amend.
    qtbot.waitUntil(lambda: window.record_id == record.id and window.form_view is not None)
    form = window.form_view
    assert form is not None
    qtbot.waitUntil(form.record_banner.isVisible)
    banner = form.record_banner.accessibleName()
    assert "Received from Sam Teacher (teacher@school.example), signed by " in banner
    assert "awaiting review" in banner
    assert "cannot be amended" in banner
    assert not form.amend_button.isVisible()
    assert not form.send_dsl_button.isVisible()
    assert form.export_button.isVisible()  # sent on as a referral, as any record


def test_return_to_author_needs_a_reason_then_queues_the_return(
    qtbot: QtBot, pair: Pair, window_for: Callable[[Person], MainWindow]
) -> None:
    record, data = pair.sent_to_dsl()
    assert pair.dsl.exchange.import_message(data).status == "filed"
    window = window_for(pair.dsl)
    view = queue_of(qtbot, window)
    assert not view.return_button.isEnabled()  # nothing chosen yet
    assert view.select_entry("awaiting-review")
    assert view.return_button.isEnabled() and view.review_button.isEnabled()

    click(qtbot, view.return_button)
    dialog = shown(qtbot, view, DecisionDialog)
    assert dialog.kind == DecisionDialog.RETURN
    assert_all_named(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.text)

    # No reason: said beside the box, and nothing is returned or queued.
    click(qtbot, dialog.ok_button)
    assert dialog.error.isVisible()
    assert "Say why you are returning" in dialog.error.text()
    assert accessible_name(dialog.error).startswith("Error: ")
    assert dialog.isVisible()
    assert state_of(pair.dsl, record.id) == "awaiting-review"
    assert pair.dsl.haven.repo.list_outbox() == []

    reason = "Please add when the concern was first noticed."
    qtbot.keyClicks(dialog.text, reason)
    click(qtbot, dialog.ok_button)
    assert dialog.busy.isVisible() and not dialog.ok_button.isEnabled()
    qtbot.waitUntil(lambda: closed(dialog), timeout=SLOW_MS)
    assert state_of(pair.dsl, record.id) == "returned"
    outbox = pair.dsl.haven.repo.list_outbox()
    assert len(outbox) == 1
    assert outbox[0].recipient == PRACTITIONER.email
    assert outbox[0].status == "queued"
    qtbot.waitUntil(lambda: "Received: awaiting review (0)" in view.group_texts())
    expected_total = len(build_queue(pair.dsl.exchange).entries)
    qtbot.waitUntil(lambda: window.queue_button.text() == f"Queue: {expected_total} waiting")

    # The return reaches its author, whose queue says it needs amending, with the reason.
    returned = pair.practitioner.exchange.import_message(
        pair.dsl.haven.repo.outbox_message(outbox[0].id)
    )
    assert returned.status == "returned"
    author_queue = QueueView(pair.practitioner.exchange)
    qtbot.addWidget(author_queue)
    assert "Returned to you: needs amending (1)" in author_queue.group_texts()
    (row,) = author_queue.entries_of("returned-to-me")
    assert reason in row.text()
    with qtbot.waitSignal(author_queue.open_record) as opened:
        author_queue.open_entry(row.data(Qt.ItemDataRole.UserRole + 1))
    assert opened.args == [record.id]


def test_mark_reviewed_takes_an_optional_note(
    qtbot: QtBot, pair: Pair, window_for: Callable[[Person], MainWindow]
) -> None:
    record, data = pair.sent_to_dsl()
    pair.dsl.exchange.import_message(data)
    window = window_for(pair.dsl)
    view = queue_of(qtbot, window)
    assert view.select_entry("awaiting-review")
    click(qtbot, view.review_button)
    dialog = shown(qtbot, view, DecisionDialog)
    assert dialog.kind == DecisionDialog.REVIEW
    click(qtbot, dialog.ok_button)  # the note is optional
    qtbot.waitUntil(lambda: closed(dialog), timeout=SLOW_MS)
    assert state_of(pair.dsl, record.id) == "reviewed"
    qtbot.waitUntil(lambda: "Received: awaiting review (0)" in view.group_texts())
    assert pair.dsl.haven.repo.list_outbox() == []  # reviewing sends nothing


# ---- confirming which child ----------------------------------------------------------------


def test_held_record_asks_which_child_and_files_it_with_the_one_chosen(
    qtbot: QtBot,
    pair: Pair,
    window_for: Callable[[Person], MainWindow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here = pair.dsl.add_child()  # same name and date of birth as the sender's child
    record, data = pair.sent_to_dsl()
    choose_files(monkeypatch, [write_eml(tmp_path, data)])
    window = window_for(pair.dsl)
    window.import_received()
    results = shown(qtbot, window, ImportResultsDialog)
    assert "Confirm which child" in results.lines()[0]
    assert pair.dsl.haven.repo.list_subjects() == [here]  # nothing filed yet
    click(qtbot, results.close_button)

    dialog = shown(qtbot, window, ChildMatchDialog)
    assert_all_named(dialog)
    # Never a silent merge: nothing chosen, and filing waits for a choice.
    assert dialog.choices.checkedButton() is None
    assert not dialog.ok_button.isEnabled()
    assert len(dialog.candidate_buttons) == 1
    candidate = dialog.candidate_buttons[0]
    assert candidate.text().startswith(f"Same name and date of birth: {CHILD_NAME}, born ")
    assert here.ref in candidate.text()
    assert dialog.new_child_button.text() == "A different child: add them as a new child"

    choose(qtbot, candidate)
    assert candidate.isChecked() and dialog.ok_button.isEnabled()
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: closed(dialog))
    filed = pair.dsl.haven.record(record.id)
    assert filed.subject_id == here.id
    assert [s.id for s in pair.dsl.haven.repo.list_subjects()] == [here.id]
    assert state_of(pair.dsl, record.id) == "awaiting-review"


def test_held_record_opened_from_the_queue_can_be_a_new_child(
    qtbot: QtBot, pair: Pair, window_for: Callable[[Person], MainWindow]
) -> None:
    here = pair.dsl.add_child()
    record, data = pair.sent_to_dsl()
    assert pair.dsl.exchange.import_message(data).status == "held"
    window = window_for(pair.dsl)
    view = queue_of(qtbot, window)
    assert "Received: confirm which child (1)" in view.group_texts()
    assert view.select_entry("awaiting-child")
    focus(qtbot, view.tree)
    qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    dialog = shown(qtbot, view, ChildMatchDialog)
    assert dialog.choices.checkedButton() is None and not dialog.ok_button.isEnabled()
    assert [b.property("childChoice") for b in dialog.candidate_buttons] == [here.id]

    choose(qtbot, dialog.new_child_button)
    assert dialog.ok_button.isEnabled()
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: closed(dialog))
    subjects = pair.dsl.haven.repo.list_subjects()
    assert len(subjects) == 2
    filed = pair.dsl.haven.record(record.id)
    assert filed.subject_id != here.id
    assert pair.dsl.haven.child(filed.subject_id).name == CHILD_NAME
    qtbot.waitUntil(lambda: "Received: confirm which child (0)" in view.group_texts())
    assert "Received: awaiting review (1)" in view.group_texts()
    # The children list shows the new child too.
    panel = window.workspace.children_panel
    qtbot.waitUntil(lambda: len(panel.visible_subject_ids()) == 2)


# ---- the practitioner's side: Send to my DSL -----------------------------------------------


def test_send_to_my_dsl_queues_the_record_for_the_dsl(
    qtbot: QtBot, pair: Pair, window_for: Callable[[Person], MainWindow]
) -> None:
    child = pair.practitioner.add_child()
    record = pair.practitioner.shared(child)
    window = window_for(pair.practitioner)
    window.open_record(record.id)
    qtbot.waitUntil(lambda: window.form_view is not None)
    form = window.form_view
    assert form is not None
    qtbot.waitUntil(form.send_dsl_button.isVisible)
    assert form.send_dsl_button.objectName() == "sendToDslButton"
    assert accessible_name(form.send_dsl_button) == "Send to my DSL"
    assert form.amend_button.isVisible()  # written here: amendable as ever
    click(qtbot, form.send_dsl_button)

    dialog = shown(qtbot, window, SendToDslDialog)
    assert f"To: {DSL_LABEL} ({DSL.email})" in dialog.recipient_text.text()
    assert not dialog.settings_button.isVisible()
    assert not dialog.decision_button.isVisible()
    assert dialog.decision_text.text().endswith(": share.")
    assert_all_named(dialog)
    assert pair.practitioner.haven.repo.list_outbox() == []

    click(qtbot, dialog.send_button)
    assert dialog.busy.isVisible() or dialog.result_text.isVisible()
    qtbot.waitUntil(dialog.result_text.isVisible, timeout=SLOW_MS)
    assert dialog.result_text.text() == (
        f"Queued for {DSL_LABEL}. It is sent when Haven is online (Send now)."
    )
    outbox = pair.practitioner.haven.repo.list_outbox()
    assert len(outbox) == 1
    assert outbox[0].recipient == DSL.email
    assert outbox[0].status == "queued"
    assert pair.practitioner.haven.record(record.id).status == "queued"
    assert_all_named(dialog)

    # The queued package is one the DSL's Haven accepts.
    imported = pair.dsl.exchange.import_message(
        pair.practitioner.haven.repo.outbox_message(outbox[0].id)
    )
    assert imported.status == "filed" and imported.record_id == record.id

    # Send now goes to the window's outbox sender (no mail server here: it says so).
    with qtbot.waitSignal(window.send_outbox_requested):
        click(qtbot, dialog.send_now_button)
    qtbot.waitUntil(lambda: len(message_boxes()) == 1, timeout=SLOW_MS)
    box = message_boxes()[0]
    assert "No mail server" in box.text()
    box.accept()
    qtbot.waitUntil(lambda: not window.outbox_sender.sending, timeout=SLOW_MS)
    assert message_boxes() == []  # said once, and nothing left open for the next test


def test_send_to_my_dsl_records_the_sharing_decision_first_and_comes_back(
    qtbot: QtBot, pair: Pair, window_for: Callable[[Person], MainWindow]
) -> None:
    child = pair.practitioner.add_child()
    record = pair.practitioner.completed(child)
    window = window_for(pair.practitioner)
    dialog = window.send_to_dsl(record.id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert not dialog.send_button.isEnabled()
    assert "No information-sharing decision" in dialog.decision_text.text()
    assert dialog.decision_button.isVisible()

    click(qtbot, dialog.decision_button)
    sharing = pair.practitioner.exports.sharing_form_id()
    drafts = pair.practitioner.haven.repo.children_of(record.id, sharing)
    assert len(drafts) == 1 and drafts[0].is_draft
    qtbot.waitUntil(lambda: window.record_id == drafts[0].id)
    form = window.form_view
    assert form is not None
    assert not form.send_dsl_button.isVisible()  # a draft is not sent

    # Completing the decision brings the user back to Send to my DSL, not to Export.
    pair.practitioner.haven.complete(drafts[0].id, answers=example("sharing-decision"))
    form.completed.emit(drafts[0].id)
    again = shown(qtbot, window, SendToDslDialog)
    assert again is not dialog
    assert again.send_button.isEnabled()
    assert not again.decision_button.isVisible()
    assert not [d for d in window.findChildren(QWidget, "exportDialog") if d.isVisible()]


def test_send_to_my_dsl_says_when_the_dsl_is_not_set_up(
    qtbot: QtBot,
    tmp_path: Path,
    identities: dict[str, Identity],
    window_for: Callable[[Person], MainWindow],
) -> None:
    lonely = make_pair(tmp_path, identities, dsl_set_up=False)
    child = lonely.practitioner.add_child()
    record = lonely.practitioner.shared(child)
    window = window_for(lonely.practitioner)
    dialog = window.send_to_dsl(record.id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert "is not set up yet" in dialog.recipient_text.text()
    assert not dialog.send_button.isEnabled()
    click(qtbot, dialog.settings_button)
    settings = shown(qtbot, dialog, SettingsDialog)
    assert settings.tabs.currentIndex() == TABS.index("recipients")
    lonely.practitioner.exports.set_recipient(
        "dsl", mailbox=DSL.email, certificate_pem=identities["dsl"].cert_pem
    )
    settings.accept()
    qtbot.waitUntil(dialog.send_button.isEnabled)
    assert not dialog.settings_button.isVisible()
    dialog.reject()
    lonely.dsl.session.lock()


# ---- menus, shortcuts and screen readers ---------------------------------------------------


def test_menus_shortcut_and_accessible_names(
    qtbot: QtBot, pair: Pair, window_for: Callable[[Person], MainWindow]
) -> None:
    _record, data = pair.sent_to_dsl()
    pair.dsl.exchange.import_message(data)
    window = window_for(pair.dsl)

    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert window.import_action in menus["&File"].actions()
    assert window.import_action.text() == "&Import received records…"
    assert window.queue_action in menus["&Go"].actions()
    assert window.queue_action.shortcut() == QKeySequence("Ctrl+3")
    taken = [
        a.text()
        for a in window.findChildren(QAction)
        if a.shortcut() == QKeySequence("Ctrl+3") and a is not window.queue_action
    ]
    assert taken == []

    assert window.queue_button.isVisible()
    expected_total = len(build_queue(pair.dsl.exchange).entries)
    qtbot.waitUntil(lambda: window.queue_button.text() == f"Queue: {expected_total} waiting")
    assert accessible_name(window.queue_button) == window.queue_button.text()

    # Control 3 opens the Queue, from anywhere in the window.
    focus(qtbot, window.workspace.children_panel.list)
    qtbot.keyClick(
        window.workspace.children_panel.list, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(lambda: window.queue_view is not None and window.queue_view.isVisible())
    view = window.queue_view
    assert view is not None
    assert_all_named(window)
    assert view.select_entry("awaiting-review")
    tab_reaches_everything(qtbot, view, view.tree)
    model = view.model
    for group_row in range(model.rowCount()):
        group = model.item(group_row)
        assert group.data(Qt.ItemDataRole.AccessibleTextRole)
        for row in range(group.rowCount()):
            assert group.child(row).data(Qt.ItemDataRole.AccessibleTextRole)

    # Locking hides the count and drops the queue with the rest of the workspace.
    window.lock_now()
    qtbot.waitUntil(lambda: window.session is None)
    assert not window.queue_button.isVisible()
    assert window.queue_button.text() == "Queue"
    assert window.queue_view is None


def test_file_menu_backs_up_the_profile(
    qtbot: QtBot, pair: Pair, window_for: Callable[[Person], MainWindow]
) -> None:
    from ui.backup_dialog import BackupDialog

    window = window_for(pair.dsl)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert window.backup_action in menus["&File"].actions()
    window.backup_action.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(BackupDialog)))
    dialog = window.findChildren(BackupDialog)[0]
    assert dialog.isVisible()
    assert_all_named(dialog)
    dialog.reject()


def test_file_menu_opens_the_lscb_dataset_report(
    qtbot: QtBot, pair: Pair, window_for: Callable[[Person], MainWindow]
) -> None:
    from ui.report_dialog import ReportDialog

    window = window_for(pair.dsl)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert window.lscb_action in menus["&File"].actions()
    window.lscb_action.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(ReportDialog)))
    dialog = window.findChildren(ReportDialog)[0]
    assert dialog.isVisible()
    assert_all_named(dialog)
    dialog.reject()
