"""Files Haven writes are owner-only: 0600 files, 0700 folders (issue 12).

The store is encrypted either way; owner-only modes keep other accounts on a shared
school laptop from copying it for an offline attack on the passphrase.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from app.profile import unlock
from tests.haven_testkit import PASSPHRASE, TEACHER, new_session

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_profile_files_are_owner_only_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        folder = tmp_path / "profile"
        session = new_session(folder, TEACHER)
        session.repo.add_subject(session.actor, "Modes Child")  # the -wal exists once written
        files = [p for p in folder.iterdir() if p.is_file()]
        assert {p.name for p in files} >= {"haven.db", "haven.db-wal", "haven.db-shm"}
        for path in files:
            assert mode(path) == 0o600, path.name
        assert mode(folder) == 0o700
        session.lock()
    finally:
        os.umask(old)


def test_an_older_world_readable_store_is_tightened_on_unlock(tmp_path: Path) -> None:
    folder = tmp_path / "profile"
    new_session(folder, TEACHER).lock()
    os.chmod(folder / "haven.db", 0o644)  # as Haven made it before
    session = unlock(folder, PASSPHRASE)
    assert mode(folder / "haven.db") == 0o600
    session.lock()
