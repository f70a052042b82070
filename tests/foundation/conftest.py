"""Fixtures shared by the foundation tests: profiles, file snapshots and byte searches.

Helpers are handed out as fixtures (not imported) so these tests work whatever pytest
import mode runs them and never clash with other suites' module names.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.domain import ProfileInfo
from app.profile import Session, create_profile
from tests.haven_testkit import PASSPHRASE

USER_NAME = "Morgan Testworker"

# (sha256 of the content, mtime in ns, size) for each file, keyed by path relative to root.
FileStates = dict[str, tuple[str, int, int]]
ProfileFactory = Callable[..., Session]


@pytest.fixture
def passphrase() -> str:
    return PASSPHRASE


@pytest.fixture
def profile_info() -> ProfileInfo:
    return ProfileInfo(
        name=USER_NAME,
        role="practitioner",
        agency="Test Agency",
        local_authority="Sandwell",
        email="team@example.org",
    )


@pytest.fixture
def new_profile(profile_info: ProfileInfo) -> Iterator[ProfileFactory]:
    """Create a profile in a folder (default passphrase and user); locked at teardown."""
    sessions: list[Session] = []

    def make(
        folder: Path,
        passphrase: str = PASSPHRASE,
        *,
        info: ProfileInfo | None = None,
        use_keychain: bool = False,
        recovery_public_key: bytes | None = None,
    ) -> Session:
        session = create_profile(
            folder,
            info or profile_info,
            passphrase,
            use_keychain=use_keychain,
            recovery_public_key=recovery_public_key,
        )
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        if session.is_open:
            session.lock()


def file_states(root: Path) -> FileStates:
    states: FileStates = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        st = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        states[str(path.relative_to(root))] = (digest, st.st_mtime_ns, st.st_size)
    return states


@pytest.fixture
def snapshot() -> Callable[[Path], FileStates]:
    """Every file under a folder with its hash, mtime and size (for "nothing changed")."""
    return file_states


def files_containing(root: Path, needles: dict[str, bytes]) -> list[str]:
    """'<relative path>: <needle label>' for every needle found in any file under root."""
    hits: list[str] = []
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            try:
                data = path.read_bytes()
            except OSError:
                continue
            for label, needle in needles.items():
                if needle in data:
                    hits.append(f"{path.relative_to(root)}: {label}")
    return hits


@pytest.fixture
def find_in_files() -> Callable[[Path, dict[str, bytes]], list[str]]:
    """Search every file under a folder for byte strings (canaries, key material)."""
    return files_containing
