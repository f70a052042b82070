"""The Settings dialog through real widgets: the signing certificate (.p12 import with its
password cleared, or a trial certificate), recipients (editable, or locked by the
organisation), the mail server (proved by sending through a real STARTTLS server on
127.0.0.1 from My work's "Send now"), and security (auto-lock minutes, keychain unlock).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from helpers.accessibility import assert_all_named, tab_reaches_everything
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.export.exports import Exports
from app.profile import Session
from app.service import Haven
from tests.haven_testkit import (
    NOW,
    P12_PASSWORD,
    YOUTH_WORKER,
    Identities,
    MailServers,
    Recorder,
    decision_answers,
    example,
    new_session,
)
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog

ORG = YOUTH_WORKER.agency
SLOW_MS = 120_000


@dataclass
class Desk:
    window: MainWindow
    session: Session
    haven: Haven
    exports: Exports

    def settings(self, qtbot: QtBot, tab: str | None = None) -> SettingsDialog:
        dialog = self.window.open_settings(tab)
        assert dialog is not None
        qtbot.waitExposed(dialog)
        qtbot.waitUntil(dialog.isActiveWindow)
        return dialog


@pytest.fixture
def desk(qtbot: QtBot, tmp_path: Path, fake_wait: Any) -> Iterator[Desk]:
    folder = tmp_path / "profile"
    session = new_session(folder, YOUTH_WORKER)
    window = MainWindow(
        folder,
        listen_to_os=False,
        try_keychain=False,
        unlock_wait=fake_wait,
        service_factory=lambda s: Haven(s, clock=lambda: NOW),
    )
    window.show()
    qtbot.waitExposed(window)
    window.open_session(session)
    assert window.haven is not None
    yield Desk(window, session, window.haven, Exports(window.haven))
    if session.is_open:
        window.lock.forget_session()
        session.lock()


@pytest.fixture(scope="module")
def org_p12(identities: Identities) -> tuple[bytes, bytes]:
    """An organisation's PKCS#12 file (as IT would hand it over) and its certificate: the
    youth service's, from the testkit (its password is P12_PASSWORD)."""
    made = identities["youth"]
    return made.p12, made.cert_pem_bytes


def click(qtbot: QtBot, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def replace_text(qtbot: QtBot, line: QLineEdit, text: str) -> None:
    line.setFocus()
    qtbot.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    qtbot.keyClicks(line, text)


def fake_open_dialog(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))


def message_boxes() -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and shiboken6.isValid(w) and w.isVisible()
    ]


# ---- signing certificate ------------------------------------------------------------------


def test_import_p12_shows_fingerprint_and_clears_the_password(
    qtbot: QtBot,
    desk: Desk,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    org_p12: tuple[bytes, bytes],
) -> None:
    p12_file = tmp_path / "organisation.p12"
    p12_file.write_bytes(org_p12[0])
    fake_open_dialog(monkeypatch, p12_file)
    settings = desk.settings(qtbot)
    assert "No signing certificate" in settings.signing_state.text()

    click(qtbot, settings.p12_browse)
    assert settings.p12_path.text() == str(p12_file)
    assert QApplication.focusWidget() is settings.p12_password

    # A wrong password: a plain message, nothing imported, the box cleared.
    qtbot.keyClicks(settings.p12_password, "not the password")
    click(qtbot, settings.import_button)
    assert settings.p12_password.text() == ""
    qtbot.waitUntil(lambda: settings.signing_error.isVisible(), timeout=SLOW_MS)
    assert settings.fingerprint.text() == ""

    qtbot.keyClicks(settings.p12_password, P12_PASSWORD)
    click(qtbot, settings.import_button)
    assert settings.p12_password.text() == ""
    qtbot.waitUntil(lambda: settings.fingerprint.text() != "", timeout=SLOW_MS)
    from app.export.certificates import fingerprint_sha256

    expected = fingerprint_sha256(x509.load_pem_x509_certificate(org_p12[1]))
    assert settings.fingerprint.text() == expected
    assert settings.signing_state.text() == "A signing certificate is set up."
    assert not settings.signing_error.isVisible()
    # The certificate is usable for signing now (its password went to the keychain).
    assert (
        desk.exports.signing_identity().cert.public_bytes(serialization.Encoding.PEM) == org_p12[1]
    )


def test_trial_certificate_needs_an_organisation_name(qtbot: QtBot, desk: Desk) -> None:
    settings = desk.settings(qtbot)
    click(qtbot, settings.create_button)
    assert settings.signing_error.isVisible()
    assert "organisation's name" in settings.signing_error.text()
    assert QApplication.focusWidget() is settings.org_name
    assert not settings.busy


# ---- recipients ---------------------------------------------------------------------------


def test_recipient_mailbox_and_certificate_can_be_set(
    qtbot: QtBot,
    desk: Desk,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    org_p12: tuple[bytes, bytes],
) -> None:
    settings = desk.settings(qtbot, "recipients")
    assert settings.tabs.currentIndex() == 1
    assert settings.select_recipient("mash-sandwell")
    assert settings.mailbox.text() == "" and not settings.mailbox.isReadOnly()

    replace_text(qtbot, settings.mailbox, "not a mailbox")
    click(qtbot, settings.save_mailbox)
    assert "Enter a mailbox" in settings.recipient_error.text()
    assert desk.exports.recipient("mash-sandwell").mailbox == ""

    replace_text(qtbot, settings.mailbox, "mash@sandwell.example.gov.uk")
    qtbot.keyClick(settings.mailbox, Qt.Key.Key_Return)
    assert desk.exports.recipient("mash-sandwell").mailbox == "mash@sandwell.example.gov.uk"
    assert settings.current_recipient_id() == "mash-sandwell"
    item = settings.recipient_list.currentItem()
    assert item is not None and item.text(1) == "mash@sandwell.example.gov.uk"

    not_pem = tmp_path / "not-a-certificate.txt"
    not_pem.write_text("hello", "ascii")
    fake_open_dialog(monkeypatch, not_pem)
    click(qtbot, settings.import_pem)
    assert "not a PEM certificate" in settings.recipient_error.text()

    pem = tmp_path / "mash.pem"
    pem.write_bytes(org_p12[1])
    fake_open_dialog(monkeypatch, pem)
    click(qtbot, settings.import_pem)
    assert desk.exports.recipient("mash-sandwell").certificate_pem == org_p12[1].decode()
    item = settings.recipient_list.currentItem()
    assert item is not None and item.text(2) == "yes"
    assert "Certificate imported" in settings.recipient_message.text()


def test_recipients_set_by_the_organisation_are_read_only(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine = tmp_path / "machine"
    machine.mkdir()
    (machine / "recipients.yaml").write_text(
        "recipients:\n"
        "  - id: fib\n"
        "    label: West Midlands Police Force Intelligence Bureau\n"
        "    mailbox: fib@police.example\n"
        "    kind: police_intelligence\n",
        "utf-8",
    )
    monkeypatch.setenv("HAVEN_MACHINE_CONFIG", str(machine))
    settings = desk.settings(qtbot, "recipients")
    assert settings.select_recipient("fib")
    assert settings.mailbox.isReadOnly()
    assert settings.mailbox.text() == "fib@police.example"
    assert not settings.save_mailbox.isEnabled()
    assert not settings.import_pem.isEnabled()
    assert settings.recipient_locked.isVisible()
    assert "Set by your organisation" in settings.recipient_locked.text()
    item = settings.recipient_list.currentItem()
    assert item is not None and item.text(3) == "your organisation"


# ---- security -----------------------------------------------------------------------------


def test_auto_lock_minutes_are_saved_and_applied(qtbot: QtBot, desk: Desk) -> None:
    settings = desk.settings(qtbot, "security")
    assert settings.idle_minutes.value() == 5
    settings.idle_minutes.setFocus()
    qtbot.keyClick(settings.idle_minutes, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(settings.idle_minutes, "12")
    assert settings.idle_minutes.value() == 12
    with qtbot.waitSignal(settings.idle_minutes_changed) as changed:
        click(qtbot, settings.save_idle)
    assert changed.args == [12]
    assert desk.haven.settings()["idle_lock_minutes"] == 12
    assert desk.window.lock.idle.interval_ms == 12 * 60_000
    assert "12 minutes" in settings.security_message.text()


def test_unlock_automatically_turns_the_keychain_on_and_off(qtbot: QtBot, desk: Desk) -> None:
    settings = desk.settings(qtbot, "security")
    check = settings.keychain_check
    assert check.isEnabled() and not check.isChecked()
    assert not desk.session.uses_keychain()
    check.setFocus()
    qtbot.keyClick(check, Qt.Key.Key_Space)
    assert desk.session.uses_keychain()
    assert "unlock automatically" in settings.security_message.text()
    qtbot.keyClick(check, Qt.Key.Key_Space)
    assert not desk.session.uses_keychain()


def test_without_a_keychain_the_option_is_disabled_and_explained(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import keychain

    monkeypatch.setattr(keychain, "backend_name", lambda: None)
    settings = desk.settings(qtbot, "security")
    assert not settings.keychain_check.isEnabled()
    assert "no secure keychain" in settings.keychain_note.text()
    assert "no secure keychain" in settings.keychain_check.accessibleDescription()


# ---- mail server, proved by sending -------------------------------------------------------


@dataclass
class MailServer:
    recorder: Recorder
    port: int
    ca_file: Path


@pytest.fixture
def mail_server(mail_servers: MailServers) -> MailServer:
    """A STARTTLS-only mail server on 127.0.0.1 (the root conftest's, with its CA)."""
    recorder, port = mail_servers.start()
    return MailServer(recorder, port, mail_servers.tls.ca_file)


def test_mail_server_from_settings_sends_the_outbox(
    qtbot: QtBot,
    desk: Desk,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mail_server: MailServer,
) -> None:
    settings = desk.settings(qtbot, "mail")
    assert settings.mail_fields.isEnabled()
    click(qtbot, settings.save_mail)
    assert "mail server's name" in settings.mail_error.text()

    qtbot.keyClicks(settings.smtp_host, "127.0.0.1")
    settings.smtp_port.setFocus()
    qtbot.keyClick(settings.smtp_port, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(settings.smtp_port, str(mail_server.port))
    qtbot.keyClicks(settings.smtp_user, "")
    qtbot.keyClicks(settings.smtp_password, "")
    fake_open_dialog(monkeypatch, mail_server.ca_file)
    click(qtbot, settings.smtp_ca_browse)
    assert settings.smtp_ca.text() == str(mail_server.ca_file)
    click(qtbot, settings.save_mail)
    assert settings.mail_message.text() == "Mail server saved."
    assert not settings.mail_error.isVisible()
    smtp, _password = desk.exports.smtp_settings()
    assert (smtp.host, smtp.port, smtp.use_starttls) == ("127.0.0.1", mail_server.port, True)
    click(qtbot, settings.close_button)

    # Reopened, the dialog shows what was saved.
    again = desk.settings(qtbot, "mail")
    assert again.smtp_host.text() == "127.0.0.1"
    assert again.smtp_port.value() == mail_server.port
    again.accept()

    haven = desk.haven
    child = haven.add_child("Jamie Example", "2012-02-10")
    answers = {**example("screening"), "child_name": "Jamie Example"}
    record = haven.complete(haven.start_record(child.id, "screening", answers=answers).id)
    desk.exports.record_decision(record.id, decision_answers())
    desk.exports.create_self_signed(ORG)
    package = desk.exports.build_package([record.id], mailbox="fib@police.example")
    desk.exports.queue_package(package, "fib@police.example", "FIB", [record.id])

    desk.window.show_my_work()
    my_work = desk.window.my_work
    assert my_work is not None and my_work.outbox.topLevelItemCount() == 1
    my_work.outbox.setCurrentItem(my_work.outbox.topLevelItem(0))
    click(qtbot, my_work.send_button)
    qtbot.waitUntil(lambda: len(message_boxes()) == 1, timeout=SLOW_MS)
    box = message_boxes()[0]
    assert box.text().startswith("1 package sent.")
    box.accept()
    assert len(mail_server.recorder.envelopes) == 1
    assert mail_server.recorder.over_tls == [True]
    assert haven.record(record.id).status == "sent"
    # My work was refreshed: nothing is left waiting.
    current = desk.window.my_work
    assert current is not None
    qtbot.waitUntil(lambda: current.outbox.topLevelItemCount() == 0)


def test_training_profile_cannot_set_up_sending(
    qtbot: QtBot, tmp_path: Path, fake_wait: Any
) -> None:
    from dataclasses import replace

    folder = tmp_path / "training"
    session = new_session(folder, replace(YOUTH_WORKER, training=True))
    try:
        dialog = SettingsDialog(Haven(session), tab="mail")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert not dialog.mail_fields.isEnabled()
        assert dialog.mail_note.text() == "Training profiles never send anything."
        assert dialog.findChild(QWidget, "trainingBanner") is not None
        dialog.close()
    finally:
        session.lock()


# ---- screen readers and keyboards ---------------------------------------------------------


def test_settings_dialog_is_named_and_tabbable_on_every_tab(qtbot: QtBot, desk: Desk) -> None:
    settings = desk.settings(qtbot)
    assert settings.windowTitle() == "Settings"
    for index in range(settings.tabs.count()):
        settings.tabs.setCurrentIndex(index)
        qtbot.waitUntil(lambda i=index: settings.tabs.currentIndex() == i)
        assert_all_named(settings)
        tab_reaches_everything(qtbot, settings, settings.tabs.tabBar())


def test_timestamp_server_is_saved_from_the_signing_tab(qtbot: QtBot, desk: Desk) -> None:
    dialog = desk.window.open_settings("signing")
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.tsa_url.clear()
    qtbot.keyClicks(dialog.tsa_url, "not a url")
    qtbot.mouseClick(dialog.tsa_save, Qt.MouseButton.LeftButton)
    assert dialog.signing_error.isVisible()
    assert desk.haven.text_setting("tsa_url") == ""
    dialog.tsa_url.clear()
    qtbot.keyClicks(dialog.tsa_url, "https://tsa.example.org/")
    qtbot.mouseClick(dialog.tsa_save, Qt.MouseButton.LeftButton)
    assert desk.haven.text_setting("tsa_url") == "https://tsa.example.org/"
    assert not dialog.signing_error.isVisible()
