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

from app.domain import ProfileInfo
from app.keys import KdfParams
from app.profile import create_profile, unlock

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")

PASSPHRASE = "copper kettle winter lantern"
FAST_KDF = KdfParams(memory_kib=8192, time_cost=1, parallelism=1)
INFO = ProfileInfo(name="Morgan Modes", role="practitioner", agency="A", local_authority="Dudley")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_profile_files_are_owner_only_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        folder = tmp_path / "profile"
        session = create_profile(folder, INFO, PASSPHRASE, kdf=FAST_KDF)
        session.repo.add_subject("Morgan Modes", "Modes Child")  # the -wal exists once written
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
    create_profile(folder, INFO, PASSPHRASE, kdf=FAST_KDF).lock()
    os.chmod(folder / "haven.db", 0o644)  # as Haven made it before
    session = unlock(folder, PASSPHRASE)
    assert mode(folder / "haven.db") == 0o600
    session.lock()
