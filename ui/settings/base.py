"""What every settings tab shares: the profile's use cases, the one background task a tab
may be running, and the dialog's signals. Each tab is a class of its own module over this
one; `SettingsDialog` (ui/settings_dialog.py) joins them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog

from app.directory import Recipient
from app.export.exports import Exports
from app.service import Haven
from ui.workers import Task


class SettingsBase(QDialog):
    idle_minutes_changed = Signal(int)
    signing_changed = Signal()

    _haven: Haven
    _exports: Exports
    _task: Task | None
    _recipients: list[Recipient]

    @property
    def busy(self) -> bool:
        """A tab's background task (reading a certificate, making a key) is running."""
        return self._task is not None
