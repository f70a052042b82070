"""Suite-wide isolation: no test ever touches the real user data folder or OS keychain.

Every test gets its own data folder (XDG_DATA_HOME, read by platformdirs) under tmp_path
and a fresh in-memory keychain. Child processes inherit the environment, so they are
pointed at keyring's null backend, which Haven refuses (it never reaches the real one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """An in-memory keychain for tests; `entries` maps (service, account) to the secret."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")


# Also before any fixture runs (module-scoped ones included): keyring never auto-detects.
keyring.set_keyring(MemoryKeyring())


@pytest.fixture(autouse=True)
def isolated_user_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MemoryKeyring]:
    """Point the data folder at tmp_path and the keychain at a fresh in-memory backend."""
    data_home = tmp_path / "xdg-data"
    data_home.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(MemoryKeyring())
