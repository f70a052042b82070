"""Fixtures for the export flows, end to end: profiles with completed records, the
independent verifiers (poppler, OpenSSL), a real STARTTLS mail server on 127.0.0.1 and
the `haven` command line in a child process.

Helpers are handed out as fixtures, not imported, so these tests work whatever pytest
import mode runs them; test modules import the classes only for type checking.

A profile made once for a whole module keeps the signing certificate's password in a
keychain of its own (`flow_keyring`). The suite's autouse fixture gives every test a fresh
in-memory keychain, which would otherwise forget that password between the module's tests.

The people, fast profiles, certificates and the mail server are tests/haven_testkit.py's,
shared with the other test folders; `examples`, `mail_tls` and `mail_servers` come from
the root conftest.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import keyring
import pytest

from app.domain import ProfileInfo, Record, Subject
from app.export.exports import Exports
from app.profile import Session, unlock
from app.service import Haven
from app.store.repository import Repository
from tests.haven_testkit import (
    CHILD_DOB,
    CHILD_NAME,
    NOW,
    PASSPHRASE,
    MailServers,
    MailTls,
    MemoryKeyring,
    Recorder,
    decision_answers,
    example,
    make_identity,
    new_session,
)

# The tests import these for their annotations (`from conftest import ...` under
# TYPE_CHECKING), so they stay reachable here.
__all__ = ["MailServers", "MailTls", "Recorder"]

USER = ProfileInfo(
    name="Robin Example",
    role="dsl",
    agency="Example Youth Service",
    local_authority="Sandwell",
    email="dsl@example.org",
)
ORG = "Example Youth Service"
SIGNER_CN = f"{ORG} document signing"
FIB = "fib@police.example"


# ---- keychain ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flow_keyring() -> MemoryKeyring:
    """A module's profiles keep the signing certificate's password in a keychain of their
    own; the suite's autouse fixture gives every test a fresh one, which would forget it."""
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture(autouse=True)
def _flow_keyring_pinned(isolated_user_environment: Any, flow_keyring: MemoryKeyring) -> None:
    """After the suite's per-test isolation: the module's keychain again."""
    keyring.set_keyring(flow_keyring)


# ---- profiles and records ------------------------------------------------------------


@dataclass(frozen=True)
class OrgIdentity:
    """The organisation's signing certificate as a PKCS#12 file would bring it."""

    p12: bytes
    password: str
    cert_pem: bytes


@dataclass
class FlowProfile:
    """One unlocked profile and the use cases over it, as the window would hold them."""

    folder: Path
    session: Session
    haven: Haven
    exports: Exports

    @classmethod
    def create(cls, folder: Path, info: ProfileInfo = USER) -> FlowProfile:
        return cls._over(folder, new_session(folder, info))

    @classmethod
    def _over(cls, folder: Path, session: Session) -> FlowProfile:
        haven = Haven(session, clock=lambda: NOW)
        return cls(folder=folder, session=session, haven=haven, exports=Exports(haven))

    @property
    def repo(self) -> Repository:
        return self.session.repo

    def use_certificate(self, org: OrgIdentity) -> None:
        self.exports.import_certificate(org.p12, org.password)

    def add_child(self, name: str = CHILD_NAME, dob: str = CHILD_DOB) -> Subject:
        return self.haven.add_child(name, dob)

    def completed(self, form_id: str, child: Subject) -> Record:
        """A completed record of the form's example answers, about `child`."""
        answers = example(form_id)
        if "child_name" in answers:
            answers["child_name"] = child.name
        draft = self.haven.start_record(child.id, form_id, answers=answers)
        return self.haven.complete(draft.id)

    def decide(self, record: Record, decision: str = "shared") -> Record:
        return self.exports.record_decision(record.id, decision_answers(decision))

    def shared(self, form_id: str, child: Subject) -> Record:
        """A completed record with a recorded decision to share it."""
        record = self.completed(form_id, child)
        self.decide(record)
        return record

    def status(self, record_id: str) -> str:
        return self.haven.record(record_id).status

    def audit(self, record_id: str) -> list[tuple[str, str]]:
        return [(e.action, e.detail) for e in self.repo.audit_entries(record_id)]

    def lock(self) -> None:
        if self.session.is_open:
            self.session.lock()

    def reopen(self) -> None:
        """Quit and start again: lock, then unlock the same folder with the passphrase."""
        self.lock()
        fresh = FlowProfile._over(self.folder, unlock(self.folder, PASSPHRASE))
        self.session, self.haven, self.exports = fresh.session, fresh.haven, fresh.exports


ProfileMaker = Callable[..., FlowProfile]


@pytest.fixture(scope="session")
def org_identity() -> OrgIdentity:
    """One organisation certificate for the run (RSA 3072 key generation is slow)."""
    made = make_identity(ORG, USER.email)
    return OrgIdentity(p12=made.p12, password=made.password, cert_pem=made.cert_pem_bytes)


@pytest.fixture(scope="module")
def module_profiles(
    tmp_path_factory: pytest.TempPathFactory, flow_keyring: MemoryKeyring
) -> Iterator[ProfileMaker]:
    """Profiles that last for a module (state its tests only read, or add to)."""
    made: list[FlowProfile] = []

    def make(*, training: bool = False) -> FlowProfile:
        info = replace(USER, training=training)
        profile = FlowProfile.create(tmp_path_factory.mktemp("flow-profile") / "profile", info)
        made.append(profile)
        return profile

    yield make
    for profile in made:
        profile.lock()


@pytest.fixture
def new_profile(tmp_path: Path) -> Iterator[ProfileMaker]:
    """Profiles for one test (an outbox of its own, a certificate or not)."""
    made: list[FlowProfile] = []

    def make(*, training: bool = False) -> FlowProfile:
        info = replace(USER, training=training)
        profile = FlowProfile.create(tmp_path / f"profile-{len(made)}", info)
        made.append(profile)
        return profile

    yield make
    for profile in made:
        profile.lock()


# ---- independent verifiers -------------------------------------------------------------


def _run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    if shutil.which(args[0]) is None:
        pytest.skip(f"{args[0]} is not installed (poppler-utils / openssl)")
    return subprocess.run(args, input=stdin, capture_output=True, timeout=120, check=False)


_RUNNING_LINE = re.compile(r"(Haven ref \S+ · form .*|Page \d+ of \d+)")


class Tools:
    """poppler and OpenSSL as small typed helpers; none of them is Haven's own code."""

    @staticmethod
    def pdftotext(path: Path, *extra: str) -> str:
        result = _run(["pdftotext", "-enc", "UTF-8", *extra, str(path), "-"])
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout.decode("utf-8")

    @staticmethod
    def pdf_pages(path: Path) -> list[str]:
        """The text of each page (pdftotext ends every page with a form feed)."""
        pages = Tools.pdftotext(path).split("\f")
        assert pages[-1].strip() == ""
        return pages[:-1]

    @staticmethod
    def body_text(path: Path, running: tuple[str, ...]) -> str:
        """The document's text with running headers and footers removed and whitespace
        collapsed, so an answer that wraps or runs over a page break reads as one line."""
        kept = [
            line
            for line in Tools.pdftotext(path).replace("\f", "\n").splitlines()
            if line.strip() not in running and not _RUNNING_LINE.fullmatch(line.strip())
        ]
        return " ".join(" ".join(kept).split())

    @staticmethod
    def pdfinfo(path: Path) -> dict[str, str]:
        result = _run(["pdfinfo", "-enc", "UTF-8", str(path)])
        assert result.returncode == 0, result.stderr.decode()
        info: dict[str, str] = {}
        for line in result.stdout.decode("utf-8").splitlines():
            key, _, value = line.partition(":")
            info[key.strip()] = value.strip()
        return info

    @staticmethod
    def pdfsig(path: Path) -> str:
        """pdfsig's report. It exits 0 even on a digest mismatch, so callers read it."""
        result = _run(["pdfsig", str(path)])
        return result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")

    @staticmethod
    def openssl(*args: str) -> subprocess.CompletedProcess[bytes]:
        return _run(["openssl", *args])


@pytest.fixture(scope="session")
def tools() -> Tools:
    return Tools()


def parse_message(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def attachments(entity: EmailMessage) -> dict[str, bytes]:
    """Every attachment of a MIME entity, by file name, decoded."""
    found: dict[str, bytes] = {}
    for part in entity.walk():
        name = part.get_filename()
        if name:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[name] = payload
    return found


class Mime:
    """Reading .eml files the way a recipient's mail client would (stdlib email)."""

    parse = staticmethod(parse_message)
    attachments = staticmethod(attachments)


@pytest.fixture(scope="session")
def mime() -> Mime:
    return Mime()


# ---- the command line in a child process ---------------------------------------------


class Cli:
    """`haven ...` as a user runs it, in its own process, with the passphrase on stdin.

    The child gets a data folder under tmp and keyring's null backend (which Haven
    refuses), so it can never reach the real keychain: secrets go to the encrypted store.
    """

    def __init__(self, home: Path) -> None:
        self.executable = Path(sys.executable).with_name("haven")
        if not self.executable.exists():
            pytest.skip("the haven console script is not installed in this environment")
        self.env = {
            **os.environ,
            "XDG_DATA_HOME": str(home),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "QT_QPA_PLATFORM": "offscreen",
        }

    def run(
        self, *args: str | Path, stdin: str | None = PASSPHRASE + "\n"
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.executable), *map(str, args)],
            input=stdin or "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=180,
            env=self.env,
            check=False,
        )


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    home = tmp_path_factory.mktemp("cli-data-home")
    return Cli(home)
