"""After a crash: offer to reopen the unfinished draft where the user was (issue 14).

Haven keeps a list of the drafts being edited and where in each the user was (ui.form.
autosave). When the workspace opens and one of them was never closed cleanly, Haven
stopped while it was being worked on: this banner at the top of the workspace says so
and offers to reopen it at its section and question. A banner rather than a dialog: it
does not stand between the user and everything else, yet its button has the focus and
a screen reader hears it at once. Only the record's opaque reference and the form's
title are shown, never a child's name (SPEC 3).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.errors import HavenError
from app.service import Haven
from ui import plain_text
from ui.accessibility import alert
from ui.form.autosave import DraftPlace, saved_place, unfinished_drafts


class ReopenDraftBanner(QFrame):
    """`reopen_requested(record_id, place)`: the user chose to go back to the draft."""

    reopen_requested = Signal(str, object)
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reopenDraftBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.record_id: str | None = None
        self.place: DraftPlace | None = None
        row = QHBoxLayout(self)
        self.message = QLabel(self)
        self.message.setObjectName("reopenDraftText")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        # Alt+P and Alt+C are free in every view of the window (tests/ui/test_keyboard_shell).
        self.reopen_button = QPushButton("Reo&pen where you were", self)
        self.reopen_button.setObjectName("reopenDraftButton")
        self.reopen_button.setAccessibleName("Reopen the unfinished draft where you were")
        self.reopen_button.clicked.connect(self._reopen)
        row.addWidget(self.reopen_button, 0, Qt.AlignmentFlag.AlignTop)
        self.dismiss_button = QPushButton("&Close this message", self)
        self.dismiss_button.setObjectName("reopenDraftDismiss")
        self.dismiss_button.setAccessibleName("Close this message")
        self.dismiss_button.setAccessibleDescription(
            "The draft stays saved; open it later from the child's chronology or My work."
        )
        self.dismiss_button.clicked.connect(self.dismiss)
        row.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(False)

    def load(self, haven: Haven) -> bool:
        """Show the newest draft Haven stopped without closing; False when there is none."""
        for record_id in unfinished_drafts(haven):
            try:
                record = haven.record(record_id)
                title = haven.form_for(record).title
            except HavenError:
                continue
            self.record_id = record.id
            self.place = saved_place(haven, record.id)
            ref = plain_text(record.ref, one_line=True, limit=40)
            where = ""
            if self.place is not None:
                form = haven.form_for(record)
                if self.place.on_check_page:
                    where = " You were on Check your answers."
                elif 0 <= self.place.section_index < len(form.sections):
                    section = form.sections[self.place.section_index].title
                    where = f" You were on “{plain_text(section, one_line=True, limit=80)}”."
            text = (
                f"Haven stopped unexpectedly while you were working on a draft: "
                f"{plain_text(title, one_line=True, limit=80)}, {ref}. Everything up to "
                f"its last save is kept.{where}"
            )
            self.message.setText(text)
            self.setAccessibleName(text)
            self.setVisible(True)
            return True
        self.setVisible(False)
        return False

    def offer(self) -> None:
        """Put the focus on Reopen and say why (the banner is the first thing to read)."""
        self.reopen_button.setFocus(Qt.FocusReason.OtherFocusReason)
        alert(self.message, self.message.text())

    def _reopen(self) -> None:
        record_id, place = self.record_id, self.place
        self.setVisible(False)
        if record_id is not None:
            self.reopen_requested.emit(record_id, place)

    def dismiss(self) -> None:
        self.setVisible(False)
        self.record_id = None
        self.dismissed.emit()
