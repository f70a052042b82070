"""Atomic file writes for everything Haven saves outside its store (HOUSE_STYLE habit 6).

PDFs, .eml packages and archives hold personal data and may be written while the
machine loses power. Writing to a temporary file in the same folder, with owner-only
permissions from the moment it exists, then fsync and os.replace, means a reader sees
either the old file or the complete new one - never a partial file under the final name
(security anchors F5) - and nobody else on the machine can read it in between.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from app.errors import ExportError

FILE_MODE = 0o600


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically; the file ends up readable by its owner only.

    Raises ExportError (naming no paths: they can contain user names) if anything fails;
    the previous file, if any, is then left unchanged and no temporary file remains.
    """
    path = Path(path)
    folder = path.parent
    try:
        # mkstemp creates the file with mode 0600 and O_EXCL, so the content is never
        # readable by others, even for a moment.
        fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".haven-", suffix=".tmp")
    except OSError as exc:
        raise ExportError(_message(exc)) from exc
    temp_path = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_path, FILE_MODE)
        os.replace(temp_path, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp_path.unlink()
        raise ExportError(_message(exc)) from exc
    _fsync_directory(folder)


def _fsync_directory(folder: Path) -> None:
    """Make the rename itself durable. Windows cannot open a folder for fsync, and some
    network file systems refuse it (EINVAL/ENOTSUP): there is nothing more to do then."""
    if os.name == "nt":
        return
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        if exc.errno in (errno.EINVAL, errno.ENOTSUP):
            return
        reason = exc.strerror or "unknown error"
        raise ExportError(
            f"The file was saved, but Haven could not confirm it reached the disk ({reason})."
        ) from exc


def _message(exc: OSError) -> str:
    reason = exc.strerror or "unknown error"
    return f"Haven could not save the file ({reason}). Nothing was replaced."
