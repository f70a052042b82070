"""The "New child" dialog: name, known as, date of birth, gender, local authority.

Apart from the children list (ui/children.py) because the list is part of the first
window and this dialog is not: made when the user asks for it (issue 11: start-up).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain import LOCAL_AUTHORITIES
from app.errors import HavenError
from app.service import Haven
from ui.errors import InlineError, show_error
from ui.theme import heading, training_banner


class NewChildDialog(QDialog):
    """Name, known as, date of birth (GOV.UK three boxes), gender, local authority."""

    created = Signal(object)

    def __init__(
        self,
        haven: Haven,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newChildDialog")
        self.setWindowTitle("New child")
        self.setAccessibleName("New child")
        self._haven = haven
        layout = QVBoxLayout(self)
        if haven.training:
            layout.addWidget(training_banner(self))
        layout.addWidget(heading("Add a child or young person", self))

        self.summary = InlineError(self)
        layout.addWidget(self.summary)

        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setObjectName("childName")
        self.name.setAccessibleName("Full name")
        self.name.setAccessibleDescription("The child's full legal name, as far as known.")
        form.addRow("Full &name", self.name)
        self.name_error = InlineError(self)
        form.addRow(self.name_error)

        self.known_as = QLineEdit(self)
        self.known_as.setObjectName("childKnownAs")
        self.known_as.setAccessibleName("Also known as")
        self.known_as.setAccessibleDescription("Nicknames or other names, if any. Optional.")
        form.addRow("Also &known as", self.known_as)

        from ui.widgets.date_input import DateInput  # only this dialog asks for a date

        self.dob = DateInput("Date of birth", self, must_be_past=True, today=today)
        self.dob.setObjectName("childDob")
        dob_label = QLabel("Date of &birth (optional)", self)
        dob_label.setBuddy(self.dob.day)
        form.addRow(dob_label, self.dob)
        self.dob_error = InlineError(self)
        form.addRow(self.dob_error)

        self.gender = QLineEdit(self)
        self.gender.setObjectName("childGender")
        self.gender.setAccessibleName("Gender")
        self.gender.setAccessibleDescription("As the child describes it. Optional.")
        form.addRow("&Gender", self.gender)

        self.local_authority = QComboBox(self)
        self.local_authority.setObjectName("childLocalAuthority")
        self.local_authority.addItem("Not known", "")
        for name in LOCAL_AUTHORITIES:
            self.local_authority.addItem(name, name)
        own = haven.session.info.local_authority
        if own in LOCAL_AUTHORITIES:
            self.local_authority.setCurrentIndex(LOCAL_AUTHORITIES.index(own) + 1)
        self.local_authority.setAccessibleName("Local authority")
        self.local_authority.setAccessibleDescription("Where the child lives.")
        form.addRow("&Local authority", self.local_authority)
        layout.addLayout(form)

        buttons = QDialogButtonBox(self)
        self.add_button = buttons.addButton("&Add child", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("addChildButton")
        self.add_button.setAccessibleName("Add child")
        self.add_button.setDefault(True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name.setFocus()

    def submit(self) -> None:
        errors: list[tuple[InlineError, str, QWidget]] = []
        self.name_error.clear_message()
        self.dob_error.clear_message()
        if not self.name.text().strip():
            errors.append((self.name_error, "Enter the child's full name.", self.name))
        dob_problem = self.dob.error()
        if dob_problem:
            errors.append((self.dob_error, dob_problem, self.dob.first_invalid_part()))
        if errors:
            for label, message, _w in errors:
                label.show_message(message)
            count = len(errors)
            self.summary.show_message(
                f"There {'is a problem' if count == 1 else f'are {count} problems'}: "
                + " ".join(m for _l, m, _w in errors)
            )
            errors[0][2].setFocus()
            return
        self.summary.clear_message()
        try:
            subject = self._haven.add_child(
                self.name.text(),
                self.dob.value(),
                known_as=self.known_as.text(),
                gender=self.gender.text(),
                local_authority=str(self.local_authority.currentData() or ""),
            )
        except HavenError as exc:
            self.summary.show_message(exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - bugs go to the one error dialog
            show_error(self, exc)
            return
        self.created.emit(subject)
        self.accept()
