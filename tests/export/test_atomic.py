"""Atomic writes: owner-only, all-or-nothing, no leftovers (HOUSE_STYLE habit 6, anchors F5)."""

from __future__ import annotations

import errno
import os
import stat
import sys

import pytest

from app.errors import ExportError
from app.export import atomic
from app.export.atomic import write_atomic

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


@pytest.fixture
def folder(tmp_path):
    """An empty folder of our own (tmp_path also holds the suite's data folder)."""
    path = tmp_path / "exports"
    path.mkdir()
    return path


def test_writes_the_bytes(folder):
    target = folder / "HVN-2026-000123.pdf"
    write_atomic(target, b"%PDF-1.4 content")
    assert target.read_bytes() == b"%PDF-1.4 content"
    assert [p.name for p in folder.iterdir()] == [target.name]


@posix_only
def test_file_is_readable_by_its_owner_only(folder):
    target = folder / "out.eml"
    old_umask = os.umask(0)
    try:
        write_atomic(target, b"data")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@posix_only
def test_replacing_a_world_readable_file_leaves_it_private(folder):
    target = folder / "out.pdf"
    target.write_bytes(b"old")
    target.chmod(0o644)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_the_temporary_file_is_private_while_being_written(folder, monkeypatch):
    seen: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        temps = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
        for temp in temps:
            seen.append(stat.S_IMODE(temp.stat().st_mode))
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", spy)
    write_atomic(folder / "x.pdf", b"secret")
    assert seen and all(mode == 0o600 for mode in seen)


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failure_keeps_the_old_file_and_leaves_no_temporary(folder, monkeypatch, failing):
    target = folder / "out.pdf"
    target.write_bytes(b"previous complete version")

    def disk_full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, failing, disk_full)
    with pytest.raises(ExportError) as caught:
        write_atomic(target, b"new version that never lands")
    assert target.read_bytes() == b"previous complete version"
    assert [p.name for p in folder.iterdir()] == ["out.pdf"]
    assert "No space left on device" in str(caught.value)
    assert str(folder) not in str(caught.value), "paths can contain user names"


def test_missing_folder_raises_export_error(folder):
    with pytest.raises(ExportError):
        write_atomic(folder / "no-such-folder" / "x.pdf", b"data")


@posix_only
def test_the_folder_is_fsynced_after_the_rename(folder, monkeypatch):
    synced: list[bool] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", spy)
    write_atomic(folder / "x.pdf", b"data")
    assert synced == [False, True], "file first, then its folder"
