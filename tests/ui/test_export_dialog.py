"""Exporting a completed record through the window, as a practitioner would: the sharing
decision first, then a signed PDF checked by poppler's `pdfsig`, or a package queued in the
outbox with its archive passphrase shown once; a training profile never sends.

Real widgets, offscreen; file dialogs are the only thing replaced (they are the
platform's, not Haven's). Nothing sleeps: waits are qtbot.waitUntil.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from helpers.accessibility import accessible_name, assert_all_named, tab_reaches_everything
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFileDialog,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.domain import Record, Subject
from app.export.exports import Exports
from app.profile import Session
from app.service import Haven
from tests.haven_testkit import (
    CHILD_DOB,
    CHILD_NAME,
    NOW,
    YOUTH_WORKER,
    decision_answers,
    example,
    new_session,
)
from ui import export_dialog
from ui.clipboard import ClipboardGuard
from ui.export_dialog import ExportDialog, PassphraseDialog
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog

ORG = YOUTH_WORKER.agency
PASSPHRASE_PATTERN = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)+$")
SLOW_MS = 120_000  # key generation, PDF rendering and signing on a slow CI machine


@dataclass
class Desk:
    """A window on an unlocked temporary profile with one child and a completed screening."""

    window: MainWindow
    session: Session
    haven: Haven
    exports: Exports
    child: Subject
    record: Record
    clipboard: ClipboardGuard

    def decide(self, decision: str = "shared") -> Record:
        return self.exports.record_decision(self.record.id, decision_answers(decision))

    def status(self) -> str:
        return self.haven.record(self.record.id).status


@pytest.fixture
def make_desk(qtbot: QtBot, tmp_path: Path, fake_wait: Any) -> Iterator[Callable[..., Desk]]:
    made: list[Desk] = []

    def make(*, training: bool = False) -> Desk:
        folder = tmp_path / ("training" if training else "profile")
        session = new_session(folder, replace(YOUTH_WORKER, training=training))
        guard = ClipboardGuard()
        window = MainWindow(
            folder,
            training=training,
            clipboard=guard,
            listen_to_os=False,
            try_keychain=False,
            unlock_wait=fake_wait,
            service_factory=lambda s: Haven(s, clock=lambda: NOW),
        )
        window.show()
        qtbot.waitExposed(window)
        window.open_session(session)
        haven = window.haven
        assert haven is not None and window.workspace is not None
        child = haven.add_child(CHILD_NAME, CHILD_DOB)
        answers = {**example("screening"), "child_name": CHILD_NAME}
        draft = haven.start_record(child.id, "screening", answers=answers)
        record = haven.complete(draft.id)
        window.workspace.children_panel.refresh(select=child.id)
        desk = Desk(window, session, haven, Exports(haven), child, record, guard)
        made.append(desk)
        return desk

    yield make
    for desk in made:
        if desk.session.is_open:
            desk.window.lock.forget_session()
            desk.session.lock()


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    return make_desk()


def click(qtbot: QtBot, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def tick(qtbot: QtBot, box: QAbstractButton) -> None:
    """Toggle a check box from the keyboard (Space), as a keyboard user does."""
    box.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    qtbot.keyClick(box, Qt.Key.Key_Space)


def export_dialog_of(qtbot: QtBot, window: MainWindow) -> ExportDialog:
    found: list[ExportDialog] = []

    def shown() -> bool:
        found[:] = [
            d for d in window.findChildren(ExportDialog) if shiboken6.isValid(d) and d.isVisible()
        ]
        return len(found) == 1

    qtbot.waitUntil(shown)
    qtbot.waitExposed(found[0])
    return found[0]


def open_export_from_chronology(qtbot: QtBot, desk: Desk) -> ExportDialog:
    desk.window.show_child(desk.child.id)
    chronology = desk.window.chronology
    assert chronology is not None
    assert chronology.select_entry("record", desk.record.id)
    click(qtbot, chronology.export_button)
    return export_dialog_of(qtbot, desk.window)


def fake_save_dialog(monkeypatch: pytest.MonkeyPatch, target: Path) -> list[tuple[str, str]]:
    """The platform save dialog, answering `target`; returns (caption, proposed path)s."""
    asked: list[tuple[str, str]] = []

    def get_save_file_name(
        _parent: object, caption: str = "", folder: str = "", _filter: str = "", *_a: object
    ) -> tuple[str, str]:
        asked.append((caption, folder))
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", get_save_file_name)
    return asked


def pdfsig(path: Path) -> str:
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (poppler-utils) is not installed")
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, timeout=120, check=False)
    return result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")


def message_boxes() -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and shiboken6.isValid(w) and w.isVisible()
    ]


# ---- (i) the decision comes first ---------------------------------------------------------


def test_export_before_a_decision_leads_to_recording_it(qtbot: QtBot, desk: Desk) -> None:
    dialog = open_export_from_chronology(qtbot, desk)
    assert dialog.page == ExportDialog.PAGE_DECISION
    assert not dialog.export_button.isVisible()
    assert "Appendix 13" in dialog.decision_text.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.decision_button)

    qtbot.keyClick(dialog.decision_button, Qt.Key.Key_Space)

    sharing = desk.exports.sharing_form_id()
    drafts = desk.haven.repo.children_of(desk.record.id, sharing)
    assert len(drafts) == 1 and drafts[0].is_draft
    decision = drafts[0]
    # The decision opens in the normal form screen, titled by reference only.
    qtbot.waitUntil(lambda: desk.window.record_id == decision.id)
    assert desk.window.view_name == "record"
    assert CHILD_NAME not in desk.window.windowTitle()
    assert decision.ref in desk.window.windowTitle()

    # Choosing Export again reuses the same draft rather than starting another.
    desk.window.show_child(desk.child.id)
    again = open_export_from_chronology(qtbot, desk)
    click(qtbot, again.decision_button)
    assert [r.id for r in desk.haven.repo.children_of(desk.record.id, sharing)] == [decision.id]
    qtbot.waitUntil(lambda: desk.window.record_id == decision.id)

    # When the decision is completed, Haven comes back to Export, now offering it.
    desk.haven.complete(decision.id, answers=example("sharing-decision"))
    view = desk.window.form_view
    assert view is not None
    view.completed.emit(decision.id)  # what the form view says when the user completes it
    resumed = export_dialog_of(qtbot, desk.window)
    assert resumed.page == ExportDialog.PAGE_OPTIONS
    assert "share" in resumed.decision_summary.text()


def test_a_decision_not_to_share_stops_the_export_with_the_plain_message(
    qtbot: QtBot, desk: Desk
) -> None:
    desk.decide("not_shared")
    dialog = desk.window.export_record(desk.record.id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.page == ExportDialog.PAGE_DECISION
    assert dialog.decision_error.isVisible()
    assert "not to share this record" in dialog.decision_error.text()
    assert dialog.decision_button.text() == "&Record a new decision…"
    assert not dialog.export_button.isVisible()


def test_a_draft_cannot_be_exported(qtbot: QtBot, desk: Desk) -> None:
    draft = desk.haven.start_record(desk.child.id, "screening")
    desk.window.show_child(desk.child.id)
    chronology = desk.window.chronology
    assert chronology is not None and chronology.select_entry("record", draft.id)
    assert not chronology.export_button.isEnabled()
    assert desk.window.export_record(draft.id) is None
    qtbot.waitUntil(lambda: len(message_boxes()) == 1)
    box = message_boxes()[0]
    assert "Complete it first" in box.text()
    box.accept()


# ---- (ii) a signed PDF, with the certificate made in Settings ------------------------------


def test_signed_pdf_through_settings_and_the_export_dialog(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.decide()
    window = desk.window
    window.show_child(desk.child.id)

    # Settings, by its shortcut: create a trial organisation certificate.
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.findChildren(SettingsDialog)) == 1)
    settings = window.findChildren(SettingsDialog)[0]
    qtbot.waitExposed(settings)
    assert settings.fingerprint.text() == ""
    qtbot.keyClicks(settings.org_name, ORG)
    click(qtbot, settings.create_button)
    qtbot.waitUntil(lambda: settings.fingerprint.text() != "", timeout=SLOW_MS)
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", settings.fingerprint.text())
    click(qtbot, settings.close_button)
    qtbot.waitUntil(lambda: not settings.isVisible())

    target = tmp_path / "exports" / "saved.pdf"
    target.parent.mkdir()
    asked = fake_save_dialog(monkeypatch, target)
    dialog = open_export_from_chronology(qtbot, desk)
    assert dialog.page == ExportDialog.PAGE_OPTIONS
    assert dialog.pdf_check.isChecked() and not dialog.package_check.isChecked()
    assert not dialog.signing_button.isVisible()
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.page == ExportDialog.PAGE_RESULT, timeout=SLOW_MS)

    # The proposed file name is the record's reference, never the child's name.
    assert len(asked) == 1
    proposed = Path(asked[0][1]).name
    assert proposed == f"{desk.record.ref}.pdf"
    assert "Jamie" not in asked[0][1]

    assert target.exists()
    assert (target.stat().st_mode & 0o077) == 0  # written atomically, owner-only
    assert "Signature is Valid." in pdfsig(target)
    assert desk.status() == "signed"
    assert str(target) in dialog.result_text.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.result_text)
    assert dialog.close_button.text() == "&Close"
    assert_all_named(dialog)
    # The chronology now shows the record as signed.
    chronology = window.chronology
    assert chronology is not None
    qtbot.waitUntil(lambda: "Signed" in status_in_chronology(chronology, desk.record.id))


def status_in_chronology(chronology: Any, record_id: str) -> str:
    """The status column of the record's row, wherever the chronology places it."""
    tree = chronology.tree
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        if item is not None and tuple(item.data(0, Qt.ItemDataRole.UserRole)) == (
            "record",
            record_id,
        ):
            return str(item.text(2))
    return ""


def test_without_a_certificate_export_points_to_settings(qtbot: QtBot, desk: Desk) -> None:
    desk.decide()
    dialog = desk.window.export_record(desk.record.id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.page == ExportDialog.PAGE_OPTIONS
    assert dialog.signing_button.isVisible()
    assert not dialog.export_button.isEnabled()
    assert "No signing certificate" in dialog.signing_status.text()

    click(qtbot, dialog.signing_button)
    qtbot.waitUntil(lambda: len(dialog.findChildren(SettingsDialog)) == 1)
    settings = dialog.findChildren(SettingsDialog)[0]
    assert settings.tabs.currentIndex() == 0  # the signing certificate tab
    desk.exports.create_self_signed(ORG)
    settings.accept()
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
    assert not dialog.signing_button.isVisible()


# ---- (iii) a package for a recipient without a certificate ---------------------------------


def test_package_without_recipient_certificate_shows_passphrase_once_and_queues(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.exports.create_self_signed(ORG)
    desk.decide()
    shown: list[PassphraseDialog] = []

    class CountedPassphraseDialog(PassphraseDialog):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            shown.append(self)

    monkeypatch.setattr(export_dialog, "PassphraseDialog", CountedPassphraseDialog)

    dialog = open_export_from_chronology(qtbot, desk)
    assert dialog.page == ExportDialog.PAGE_OPTIONS
    tick(qtbot, dialog.pdf_check)  # no PDF this time
    assert not dialog.pdf_check.isChecked()
    tick(qtbot, dialog.package_check)
    assert dialog.package_box.isVisible()
    # The Force Intelligence Bureau is not suggested for a screening: the user chooses.
    assert dialog.recipient.currentData() == ""
    dialog.recipient.setFocus()
    qtbot.keyClicks(dialog.recipient, "West")
    assert dialog.recipient.currentData() == "fib"
    assert "encrypted archive" in dialog.recipient_info.text()
    assert dialog.checked_record_ids() == [desk.record.id]
    assert dialog.queue_radio.isChecked()

    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=SLOW_MS)
    passphrase_dialog = shown[0]
    qtbot.waitExposed(passphrase_dialog)
    field = passphrase_dialog.passphrase
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    phrase = field.text()
    assert PASSPHRASE_PATTERN.match(phrase), phrase
    assert field.isReadOnly() and field.selectedText() == phrase
    assert accessible_name(field) == "Archive passphrase"
    assert "another channel" in passphrase_dialog.advice.text()
    assert CHILD_NAME not in passphrase_dialog.windowTitle()

    # Copy goes through the clipboard guard, which clears it after its countdown.
    assert desk.clipboard.timeout_ms == 30_000
    click(qtbot, passphrase_dialog.copy_button)
    assert QApplication.clipboard().text() == phrase
    assert desk.clipboard.holds_haven_text
    assert "30 seconds" in passphrase_dialog.copied.text()
    desk.clipboard.set_timeout_ms(50)
    desk.clipboard.copy(phrase)
    qtbot.waitUntil(lambda: QApplication.clipboard().text() == "")

    click(qtbot, passphrase_dialog.done_button)
    qtbot.waitUntil(lambda: dialog.passphrase_dialog is None)
    assert len(shown) == 1  # shown once, and never again
    assert phrase not in dialog.result_text.text()
    assert "Queued in the outbox" in dialog.result_text.text()
    assert desk.status() == "queued"

    click(qtbot, dialog.close_button)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    desk.window.show_my_work()
    my_work = desk.window.my_work
    assert my_work is not None
    assert my_work.outbox.topLevelItemCount() == 1
    row = my_work.outbox.topLevelItem(0)
    assert row is not None
    assert row.text(0) == "West Midlands Police Force Intelligence Bureau"
    assert row.text(1) == "queued"
    assert len(shown) == 1


def test_package_needs_a_recipient_with_a_mailbox(qtbot: QtBot, desk: Desk) -> None:
    desk.exports.create_self_signed(ORG)
    desk.decide()
    dialog = desk.window.export_record(desk.record.id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    tick(qtbot, dialog.pdf_check)
    tick(qtbot, dialog.package_check)
    click(qtbot, dialog.export_button)
    assert dialog.page == ExportDialog.PAGE_OPTIONS
    assert "Choose who should receive" in dialog.options_error.text()
    assert dialog.select_recipient("mash-sandwell")
    assert "No mailbox" in dialog.recipient_info.text()
    click(qtbot, dialog.export_button)
    assert "no mailbox" in dialog.options_error.text()
    assert desk.window.outbox_sender is not None
    assert desk.haven.my_work().outbox == []


def test_cancel_stops_the_export_before_anything_is_kept(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.exports.create_self_signed(ORG)
    desk.decide()
    target = tmp_path / "cancelled.pdf"
    fake_save_dialog(monkeypatch, target)
    dialog = desk.window.export_record(desk.record.id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    # The PDF step waits until the user has pressed Cancel, so the test does not race it.
    gate = threading.Event()
    real_export_pdf = Exports.export_pdf

    def gated(self: Exports, record_id: str, **kwargs: Any) -> Any:
        assert gate.wait(60)
        return real_export_pdf(self, record_id, **kwargs)

    monkeypatch.setattr(Exports, "export_pdf", gated)
    click(qtbot, dialog.export_button)
    assert dialog.page == ExportDialog.PAGE_PROGRESS and dialog.running
    assert_all_named(dialog)
    click(qtbot, dialog.close_button)  # "Cancel"
    assert dialog.progress_text.text() == "Stopping…"
    gate.set()
    qtbot.waitUntil(lambda: not dialog.running, timeout=SLOW_MS)
    assert dialog.isVisible()
    assert dialog.page == ExportDialog.PAGE_OPTIONS
    assert "cancelled" in dialog.options_error.text()
    assert not target.exists()
    assert desk.status() == "completed"


# ---- (iv) a training profile never sends ---------------------------------------------------


def test_training_profile_exports_pdfs_but_never_sends(
    qtbot: QtBot, make_desk: Callable[..., Desk]
) -> None:
    desk = make_desk(training=True)
    assert desk.haven.training
    desk.exports.create_self_signed(ORG)
    desk.decide()
    dialog = desk.window.export_record(desk.record.id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.page == ExportDialog.PAGE_OPTIONS
    assert dialog.pdf_check.isEnabled() and dialog.export_button.isEnabled()
    assert not dialog.package_check.isEnabled()
    assert not dialog.package_box.isVisible()
    assert dialog.training_note.isVisible()
    assert dialog.training_note.text() == "Training profiles never send anything."
    assert "never send" in dialog.package_check.accessibleDescription()
    assert "TRAINING" in dialog.findChild(QWidget, "trainingBanner").text()
    qtbot.keyClick(dialog.package_check, Qt.Key.Key_Space)
    assert not dialog.package_check.isChecked()
    dialog.reject()

    desk.window.show_my_work()
    assert desk.window.my_work is not None
    assert not desk.window.my_work.send_button.isEnabled()


# ---- the outbox's Send now ----------------------------------------------------------------


def test_send_now_without_a_mail_server_says_so_and_keeps_the_package(
    qtbot: QtBot, desk: Desk
) -> None:
    desk.exports.create_self_signed(ORG)
    desk.decide()
    package = desk.exports.build_package([desk.record.id], mailbox="fib@police.example")
    desk.exports.queue_package(package, "fib@police.example", "FIB", [desk.record.id])
    desk.window.show_my_work()
    my_work = desk.window.my_work
    assert my_work is not None
    my_work.outbox.setCurrentItem(my_work.outbox.topLevelItem(0))
    with qtbot.waitSignal(desk.window.send_outbox_requested):
        click(qtbot, my_work.send_button)
    qtbot.waitUntil(lambda: len(message_boxes()) == 1, timeout=SLOW_MS)
    box = message_boxes()[0]
    assert "No mail server is set up" in box.text()
    box.accept()
    assert not desk.window.outbox_sender.sending
    assert [item.status for item in desk.haven.my_work().outbox] == ["queued"]


# ---- (v) screen readers and keyboards ------------------------------------------------------


def test_export_dialogs_are_named_and_tabbable(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = desk.window.export_record(desk.record.id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.page == ExportDialog.PAGE_DECISION
    assert_all_named(dialog)
    tab_reaches_everything(qtbot, dialog, dialog.decision_button)
    dialog.reject()

    desk.exports.create_self_signed(ORG)
    desk.decide()
    dialog = desk.window.export_record(desk.record.id)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.package_check.setChecked(True)
    assert_all_named(dialog)
    tab_reaches_everything(qtbot, dialog, dialog.pdf_check)
    dialog.reject()

    passphrase = PassphraseDialog("ABCD-EFGH-JKLM", "FIB", desk.clipboard, desk.window)
    passphrase.open()
    qtbot.waitExposed(passphrase)
    assert_all_named(passphrase)
    tab_reaches_everything(qtbot, passphrase, passphrase.passphrase)
    assert "A B C D" in passphrase.passphrase.accessibleDescription()
    passphrase.accept()
    assert passphrase.passphrase.text() == ""


def test_a_completed_record_opened_in_the_form_screen_offers_export(
    qtbot: QtBot, desk: Desk
) -> None:
    desk.window.open_record(desk.record.id)
    qtbot.waitUntil(lambda: desk.window.form_view is not None)
    view = desk.window.form_view
    assert view is not None
    qtbot.waitUntil(view.export_button.isVisible)
    click(qtbot, view.export_button)
    dialog = export_dialog_of(qtbot, desk.window)
    assert dialog.page == ExportDialog.PAGE_DECISION  # the sharing decision comes first


def test_a_sharing_decision_itself_offers_no_export(qtbot: QtBot, desk: Desk) -> None:
    decision = desk.decide()
    desk.window.open_record(decision.id)
    qtbot.waitUntil(lambda: desk.window.form_view is not None)
    view = desk.window.form_view
    assert view is not None
    qtbot.waitUntil(view.amend_button.isVisible)
    assert not view.export_button.isVisible()
