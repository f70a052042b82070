"""The platform's save dialog for files Haven writes (PDFs, .eml files, reports), starting
in the folder last used and with a suggested name that is never a child's name (SPEC 3)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

_last_folder: str | None = None


def _default_folder() -> str:
    if _last_folder:
        return _last_folder
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)


def ask_save_path(parent: QWidget, caption: str, file_name: str, file_filter: str) -> Path | None:
    """The platform's save dialog, starting with `file_name` (a record reference)."""
    global _last_folder
    suffix = Path(file_name).suffix
    chosen, _selected = QFileDialog.getSaveFileName(
        parent, caption, str(Path(_default_folder()) / file_name), file_filter
    )
    if not chosen:
        return None
    path = Path(chosen)
    if suffix and path.suffix.lower() != suffix:
        path = path.with_name(path.name + suffix)
    _last_folder = str(path.parent)
    return path
