"""The Security tab: lock after idle minutes, and unlocking automatically with the OS
keychain where a real one exists (never a plaintext fallback).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import keychain
from app.errors import HavenError
from ui.errors import guarded
from ui.settings.base import SettingsBase
from ui.settings.fields import named, named_spin, say, status_label
from ui.theme import heading


class SecurityTab(SettingsBase):
    """Builds and runs the security tab of the settings dialog."""

    def _build_security(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("securityTab")
        box = QVBoxLayout(page)
        box.addWidget(heading("Security", page, level=2))
        form = QFormLayout()
        lock_row = QHBoxLayout()
        self.idle_minutes = QSpinBox(page)
        self.idle_minutes.setObjectName("idleLockMinutes")
        self.idle_minutes.setRange(1, 120)
        self.idle_minutes.setSuffix(" minutes")
        minutes = self._haven.settings().get("idle_lock_minutes", 5)
        self.idle_minutes.setValue(int(minutes) if isinstance(minutes, int) else 5)
        named_spin(
            self.idle_minutes,
            "Lock after minutes without use",
            "Haven locks itself after this many minutes without use, and whenever this "
            "computer's screen locks.",
        )
        self.save_idle = QPushButton("Save &auto-lock time", page)
        self.save_idle.setObjectName("saveIdleLockButton")
        named(self.save_idle, "Save auto-lock time")
        lock_row.addWidget(self.idle_minutes)
        lock_row.addWidget(self.save_idle)
        lock_row.addStretch(1)
        idle_label = QLabel("&Lock after", page)
        idle_label.setBuddy(self.idle_minutes)
        form.addRow(idle_label, lock_row)
        box.addLayout(form)

        self.keychain_check = QCheckBox("&Unlock automatically on this computer", page)
        self.keychain_check.setObjectName("keychainCheck")
        named(self.keychain_check, "Unlock automatically on this computer")
        box.addWidget(self.keychain_check)
        self.keychain_note = status_label(page, "keychainNote")
        box.addWidget(self.keychain_note)
        self.security_message = status_label(page, "securityMessage")
        self.security_message.setVisible(False)
        box.addWidget(self.security_message)
        box.addStretch(1)

        self._backend = keychain.backend_name()
        session = self._haven.session
        try:
            on = session.uses_keychain()
        except HavenError:
            on = False
        self.keychain_check.setChecked(on)
        if self._backend is None:
            self.keychain_check.setEnabled(False)
            explanation = (
                "This computer has no secure keychain, so Haven always asks for your passphrase."
            )
        else:
            explanation = (
                "Haven opens without your passphrase while you are signed in to this "
                "computer. Your passphrase still works, and losing the keychain never loses "
                "your records."
            )
        say(self.keychain_note, explanation)
        self.keychain_check.setAccessibleDescription(explanation)

        self.save_idle.clicked.connect(self.save_idle_minutes)
        self.keychain_check.toggled.connect(self._keychain_toggled)
        return page

    def save_idle_minutes(self) -> None:
        minutes = self.idle_minutes.value()
        if guarded(self, lambda: self._haven.set_setting("idle_lock_minutes", minutes)):
            self.idle_minutes_changed.emit(minutes)
            say(self.security_message, f"Haven now locks after {minutes} minutes without use.")

    def _keychain_toggled(self, on: bool) -> None:
        session = self._haven.session
        ok = guarded(self, session.enable_keychain if on else session.disable_keychain)
        if not ok:
            self.keychain_check.blockSignals(True)
            self.keychain_check.setChecked(not on)
            self.keychain_check.blockSignals(False)
            return
        say(
            self.security_message,
            "Haven will unlock automatically on this computer."
            if on
            else "Haven will ask for your passphrase every time.",
        )
