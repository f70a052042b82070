"""First run: who is using Haven, and the passphrase that protects the records.

The details (name, role, agency, local authority) prefill forms and sign exports; they
are stored inside the encrypted database (app.profile). The passphrase is typed twice,
with live strength feedback from app.keys.passphrase_strength; app.keys decides what is
strong enough. "Unlock automatically on this computer" is offered only when a real OS
keychain exists (app.keychain.backend_name); otherwise it is shown disabled with the
reason, never silently dropped.

"Practise with example cases" opens (creating it the first time) a separate training
profile full of fictional children, so people can learn Haven without real data.

Errors are shown beside the field they are about, summarised at the top, and announced
to screen readers (ui.errors.InlineError). Shown errors make the dialog taller rather
than squashing the fields (issue 14), and a message goes as soon as its field is fixed,
without waiting for the next "Create my profile" (the summary follows); new messages
only ever appear on submitting, as in GOV.UK forms.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import keychain, keys
from app.domain import LOCAL_AUTHORITIES, ProfileInfo
from app.errors import ProfileError, WeakPassphrase
from app.profile import create_profile
from ui.errors import InlineError, show_error
from ui.theme import heading
from ui.widgets.focus_ring import install_focus_ring
from ui.widgets.strength_meter import StrengthMeter
from ui.workers import Task, run_task

ROLE_CHOICES = (
    ("practitioner", "Practitioner"),
    ("dsl", "Designated safeguarding lead"),
)


class FirstRunDialog(QDialog):
    """Emits `created(Session)` when the profile exists and is open, or
    `practise_requested()` when the user wants the training profile."""

    created = Signal(object)
    practise_requested = Signal()

    def __init__(
        self,
        profile_dir: Path,
        parent: QWidget | None = None,
        *,
        kdf: keys.KdfParams | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunDialog")
        self.setWindowTitle("Welcome to Haven")
        self.setAccessibleName("Welcome to Haven")
        self._dir = profile_dir
        self._kdf = kdf
        self._task: Task | None = None
        self._summarised: list[str] = []
        install_focus_ring()
        # Wide enough for a message on a line or two, not a column of single words.
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0") * 64)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Welcome to Haven", self))
        intro = QLabel(
            "Haven keeps your safeguarding records encrypted on this computer. Tell us who "
            "you are, then choose a passphrase: it is the only way into your records, so "
            "pick one you will remember. Three or four unrelated words work well.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)

        self.summary = InlineError(self)
        self.summary.setObjectName("firstRunSummary")
        layout.addWidget(self.summary)

        form = QFormLayout()
        self.name = self._line("Your full name", "userName", "Shown on records you complete.")
        form.addRow("Your full &name", self.name)
        self.name_error = self._error_row(form)

        self.role = QComboBox(self)
        self.role.setObjectName("userRole")
        for value, label in ROLE_CHOICES:
            self.role.addItem(label, value)
        self.role.setAccessibleName("Your role")
        self.role.setAccessibleDescription(
            "Designated safeguarding leads also review others' records and send referrals."
        )
        form.addRow("Your &role", self.role)

        self.agency = self._line("Your agency", "userAgency", "Your school, service or team.")
        form.addRow("Your &agency", self.agency)
        self.agency_error = self._error_row(form)

        self.local_authority = QComboBox(self)
        self.local_authority.setObjectName("userLocalAuthority")
        self.local_authority.addItem("Choose…", "")
        for name in LOCAL_AUTHORITIES:
            self.local_authority.addItem(name, name)
        self.local_authority.setAccessibleName("Your local authority")
        self.local_authority.setAccessibleDescription(
            "The area you work in: it chooses the local contacts Haven shows."
        )
        form.addRow("Local a&uthority", self.local_authority)
        self.la_error = self._error_row(form)

        self.passphrase = self._line(
            "Passphrase", "newPassphrase", "At least 10 characters.", password=True
        )
        form.addRow("&Passphrase", self.passphrase)
        self.meter = StrengthMeter(self, "passphraseStrength", "Passphrase strength")
        self.strength, self.strength_label = self.meter.bar, self.meter.label
        form.addRow("Strength", self.meter.row)
        self.passphrase_error = self._error_row(form)

        self.confirm = self._line(
            "Passphrase again",
            "confirmPassphrase",
            "Type the same passphrase again.",
            password=True,
        )
        form.addRow("Passphrase a&gain", self.confirm)
        self.confirm_error = self._error_row(form)
        layout.addLayout(form)

        # Alt+T: Alt+A is the agency.
        self.use_keychain = QCheckBox("Unlock au&tomatically on this computer", self)
        self.use_keychain.setObjectName("useKeychain")
        self.use_keychain.setAccessibleName("Unlock automatically on this computer")
        backend = keychain.backend_name()
        if backend is None:
            self.use_keychain.setEnabled(False)
            self.use_keychain.setAccessibleDescription(
                "Not available: this computer has no secure keychain. You will unlock "
                "Haven with your passphrase."
            )
            self.use_keychain.setToolTip(self.use_keychain.accessibleDescription())
        else:
            self.use_keychain.setAccessibleDescription(
                "Haven opens without your passphrase when you are logged in to this "
                "computer. It still locks when you are away; unlocking after that needs "
                "the passphrase."
            )
        layout.addWidget(self.use_keychain)

        buttons = QHBoxLayout()
        self.practise_button = QPushButton("Practise with &example cases", self)
        self.practise_button.setObjectName("practiseButton")
        self.practise_button.setAccessibleName("Practise with example cases")
        self.practise_button.setAccessibleDescription(
            "Open a separate training profile with fictional children. Nothing in it is "
            "real and it can never send anything."
        )
        self.create_button = QPushButton("&Create my profile", self)
        self.create_button.setObjectName("createProfileButton")
        self.create_button.setAccessibleName("Create my profile")
        self.create_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel")
        buttons.addWidget(self.practise_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.create_button)
        layout.addLayout(buttons)

        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setAccessibleName("Progress")
        layout.addWidget(self.status)

        self.passphrase.textChanged.connect(self._update_strength)
        for edit in (self.name, self.agency, self.passphrase, self.confirm):
            edit.textChanged.connect(self._recheck)
        self.local_authority.currentIndexChanged.connect(self._recheck)
        self.create_button.clicked.connect(self.submit)
        self.practise_button.clicked.connect(self._practise)
        self.cancel_button.clicked.connect(self.reject)
        self.name.setFocus()

    def _line(
        self, name: str, object_name: str, description: str, *, password: bool = False
    ) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(object_name)
        edit.setAccessibleName(name)
        edit.setAccessibleDescription(description)
        if password:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def _error_row(self, form: QFormLayout) -> InlineError:
        label = InlineError(self)
        form.addRow(label)
        return label

    def _update_strength(self, text: str) -> None:
        self.meter.show_for(text)

    # ---- creating ---------------------------------------------------------------------

    def info(self) -> ProfileInfo:
        return ProfileInfo(
            name=self.name.text().strip(),
            role=str(self.role.currentData()),
            agency=self.agency.text().strip(),
            local_authority=str(self.local_authority.currentData() or ""),
        )

    def problems(self) -> list[tuple[InlineError, str, QWidget]]:
        """Every problem with the answers, in the order of the fields."""
        found: list[tuple[InlineError, str, QWidget]] = []
        if not self.name.text().strip():
            found.append((self.name_error, "Enter your full name.", self.name))
        if not self.agency.text().strip():
            found.append((self.agency_error, "Enter your agency.", self.agency))
        if not self.local_authority.currentData():
            found.append(
                (self.la_error, "Choose the local authority you work in.", self.local_authority)
            )
        try:
            keys.check_passphrase_strength(self.passphrase.text())
        except WeakPassphrase as exc:
            found.append((self.passphrase_error, exc.message, self.passphrase))
        else:
            if self.confirm.text() != self.passphrase.text():
                found.append(
                    (self.confirm_error, "The two passphrases are not the same.", self.confirm)
                )
        return found

    def _error_labels(self) -> tuple[InlineError, ...]:
        return (
            self.name_error,
            self.agency_error,
            self.la_error,
            self.passphrase_error,
            self.confirm_error,
        )

    def _show_summary(self, messages: list[str]) -> None:
        if not messages:
            self.summary.clear_message()
            return
        n = len(messages)
        self.summary.show_message(
            ("There is a problem: " if n == 1 else f"There are {n} problems: ") + " ".join(messages)
        )

    def _recheck(self) -> None:
        """Drop the messages whose field is now right (never add one while typing)."""
        if not any(label.isVisibleTo(self) for label in self._error_labels()):
            if self.summary.isVisibleTo(self) and not self.problems():
                self.summary.clear_message()
                self._fit()
            return
        still = {id(label): message for label, message, _w in self.problems()}
        remaining: list[str] = []
        for label in self._error_labels():
            if not label.isVisibleTo(self):
                continue
            message = still.get(id(label))
            if message is None:
                label.clear_message()
            else:
                if message != label.message():
                    label.show_message(message)
                remaining.append(message)
        if remaining != self._summarised:
            self._summarised = remaining
            self._show_summary(remaining)
        self._fit()

    def _fit(self) -> None:
        """Grow (never shrink below what the user chose) to show every message whole."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        width = self.width()
        needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalMinimumSize().height())
        if needed > self.height():
            self.resize(width, needed)

    def submit(self) -> None:
        if self._task is not None:
            return
        for label in self._error_labels():
            label.clear_message()
        problems = self.problems()
        if problems:
            for label, message, _widget in problems:
                label.show_message(message)
            self._summarised = [m for _l, m, _w in problems]
            self._show_summary(self._summarised)
            self._fit()
            problems[0][2].setFocus()
            return
        self._summarised = []
        self.summary.clear_message()
        self._fit()
        self._busy(True, "Creating your encrypted profile…")
        self._task = run_task(
            create_profile,
            self._dir,
            self.info(),
            self.passphrase.text(),
            use_keychain=self.use_keychain.isChecked() and self.use_keychain.isEnabled(),
            kdf=self._kdf,
            context=self,
            on_success=self._created,
            on_failure=self._failed,
        )

    def _busy(self, busy: bool, text: str) -> None:
        for widget in (self.create_button, self.practise_button, self.cancel_button):
            widget.setEnabled(not busy)
        self.status.setText(text)

    def _created(self, session: object) -> None:
        self._task = None
        self._busy(False, "")
        for edit in (self.passphrase, self.confirm):
            edit.clear()
        self.created.emit(session)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._task = None
        self._busy(False, "")
        if isinstance(exc, ProfileError | WeakPassphrase):
            self.summary.show_message(exc.message)
            self._fit()
        else:
            show_error(self, exc)

    def _practise(self) -> None:
        self.practise_requested.emit()
