"""Suite-wide isolation and the shared set-up every test folder may ask for.

Every test gets its own data folder (XDG_DATA_HOME, read by platformdirs) under tmp_path
and a fresh in-memory keychain. Child processes inherit the environment, so they are
pointed at keyring's null backend, which Haven refuses (it never reaches the real one).

The shared fixtures (`examples`, `identities`, `mail_tls`, `mail_servers`) are built from
tests/haven_testkit.py, where the builders and fictional people live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from tests.haven_testkit import (
    Identities,
    MailServers,
    MailTls,
    MemoryKeyring,
    example,
    make_mail_tls,
    running_mail_servers,
)

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


@pytest.fixture(scope="session")
def examples() -> Callable[[str], dict[str, Any]]:
    """`examples(form_id)`: a fresh copy of that form's complete example answers."""
    return example


@pytest.fixture(scope="session")
def identities() -> Identities:
    """The fictional people's certificates, each made on first use and kept for the run
    (RSA 3072 generation is slow): `identities["teacher"]`, "youth", "dsl", "stranger"."""
    return Identities()


@pytest.fixture(scope="session")
def mail_tls(tmp_path_factory: pytest.TempPathFactory) -> MailTls:
    """A throwaway CA and a certificate for 127.0.0.1, for the test mail servers."""
    return make_mail_tls(tmp_path_factory.mktemp("mail-tls"))


@pytest.fixture
def mail_servers(mail_tls: MailTls) -> Iterator[MailServers]:
    """aiosmtpd servers requiring STARTTLS on 127.0.0.1, stopped after the test."""
    yield from running_mail_servers(mail_tls)
