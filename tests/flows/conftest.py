"""Fixtures for the export flows, end to end: profiles with completed records, the
independent verifiers (poppler, OpenSSL), a real STARTTLS mail server on 127.0.0.1 and
the `haven` command line in a child process.

Helpers are handed out as fixtures, not imported, so these tests work whatever pytest
import mode runs them; test modules import the classes only for type checking.

A profile made once for a whole module keeps the signing certificate's password in a
keychain of its own (`flow_keyring`). The suite's autouse fixture gives every test a fresh
in-memory keychain, which would otherwise forget that password between the module's tests.

Every profile uses cheap Argon2 settings (8 MiB, one pass): the flows test exports, not
key derivation, and the key file records the settings so the CLI unlocks just as fast.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import keyring
import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from keyring.backend import KeyringBackend

from app.domain import ProfileInfo, Record, Subject
from app.export.exports import Exports
from app.keys import KdfParams
from app.profile import Session, create_profile, unlock
from app.service import Haven
from app.store.repository import Repository

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "forms" / "examples"
PASSPHRASE = "copper kettle winter lantern"
FAST_KDF = KdfParams(memory_kib=8192, time_cost=1, parallelism=1)
# The in-process clock: after every date in forms/examples, so they all validate.
NOW = dt.datetime(2026, 11, 25, 9, 30)

CHILD_NAME = "Zoë Łukasiewicz-Ó'Briain"
CHILD_DOB = "2012-02-10"
# Pieces of the child's name to look for where it must never appear. Checked against
# text (PDF metadata, decoded headers); raw bytes use only RAW_NAME_CANARIES, which
# cannot turn up by chance inside base64 (too long, or not ASCII).
NAME_CANARIES = ("Zoë", "Zoe", "Łukasiewicz", "Lukasiewicz", "Briain")
RAW_NAME_CANARIES = (b"Zo\xc3\xab", "Łukasiewicz".encode(), b"Lukasiewicz", b"Briain")

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
MARKING = "OFFICIAL-SENSITIVE"
TRAINING_WATERMARK = "TRAINING — NOT REAL DATA"
SERVER_REPLY = "2.0.0 Ok: queued as HAVEN1"


def example(form_id: str) -> dict[str, Any]:
    """Complete, valid answers for a form (forms/examples/<form-id>.json)."""
    answers: dict[str, Any] = json.loads((EXAMPLES / f"{form_id}.json").read_text("utf-8"))
    return answers


def decision_answers(decision: str = "shared") -> dict[str, Any]:
    """The example sharing decision; 'not_shared' keeps its rationale, which that needs."""
    return {**example("sharing-decision"), "decision": decision}


@pytest.fixture(scope="session")
def examples() -> Callable[[str], dict[str, Any]]:
    """`examples(form_id)`: a fresh copy of that form's complete example answers."""
    return example


# ---- keychain ------------------------------------------------------------------------


class FlowKeyring(KeyringBackend):
    """An in-memory keychain that lives as long as a module's profile."""

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


@pytest.fixture(scope="module")
def flow_keyring() -> FlowKeyring:
    backend = FlowKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture(autouse=True)
def _flow_keyring_pinned(isolated_user_environment: Any, flow_keyring: FlowKeyring) -> None:
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
        return cls._over(folder, create_profile(folder, info, PASSPHRASE, kdf=FAST_KDF))

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
    from app.export.certificates import create_self_signed, to_pkcs12

    key, cert = create_self_signed(ORG, email=USER.email)
    password = "pkcs12 test password"
    return OrgIdentity(
        p12=to_pkcs12(key, cert, password),
        password=password,
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
    )


@pytest.fixture(scope="module")
def module_profiles(
    tmp_path_factory: pytest.TempPathFactory, flow_keyring: FlowKeyring
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


# ---- a real mail server on 127.0.0.1 ---------------------------------------------------


def _certificate(
    key: rsa.RSAPrivateKey,
    name: str,
    issuer: tuple[rsa.RSAPrivateKey, x509.Certificate] | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    signing_key, issuer_name = (key, subject) if issuer is None else (issuer[0], issuer[1].subject)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is None:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        ).add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
    return builder.sign(signing_key, hashes.SHA256())


@dataclass(frozen=True)
class MailTls:
    server_context: ssl.SSLContext
    ca_pem: str
    ca_file: Path


@pytest.fixture(scope="session")
def mail_tls(tmp_path_factory: pytest.TempPathFactory) -> MailTls:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it."""
    folder = tmp_path_factory.mktemp("mail-tls")
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _certificate(ca_key, "Haven Flow Test Mail CA")
    server_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = _certificate(server_key, "127.0.0.1", issuer=(ca_key, ca))
    chain, key_file = folder / "server.pem", folder / "server.key"
    chain.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain, key_file)
    ca_pem = ca.public_bytes(serialization.Encoding.PEM).decode("ascii")
    ca_file = folder / "mail-ca.pem"
    ca_file.write_text(ca_pem, "ascii")
    return MailTls(server_context=context, ca_pem=ca_pem, ca_file=ca_file)


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it accepted and answers DATA as configured."""

    data_reply: str = f"250 {SERVER_REPLY}"
    envelopes: list[Any] = field(default_factory=list)
    over_tls: list[bool] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
            self.over_tls.append(session.ssl is not None)
        return self.data_reply

    @property
    def received(self) -> list[bytes]:
        """The DATA of each accepted message, exactly as it came off the wire."""
        return [bytes(e.original_content) for e in self.envelopes]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (a mail server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServers:
    """Starts aiosmtpd servers requiring STARTTLS on 127.0.0.1; stops them at teardown."""

    def __init__(self, tls: MailTls) -> None:
        self.tls = tls
        self.controllers: list[Controller] = []
        self.free_port = free_port

    def start(
        self, *, data_reply: str | None = None, port: int | None = None
    ) -> tuple[Recorder, int]:
        """A server on `port` (default: a free one) answering DATA with `data_reply`."""
        handler = Recorder(data_reply=data_reply) if data_reply else Recorder()
        port = port or free_port()
        controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=port,
            tls_context=self.tls.server_context,
            require_starttls=True,
        )
        controller.start()
        self.controllers.append(controller)
        return handler, port

    def stop_all(self) -> None:
        for controller in self.controllers:
            controller.stop()
        self.controllers.clear()


@pytest.fixture
def mail_servers(mail_tls: MailTls) -> Iterator[MailServers]:
    servers = MailServers(mail_tls)
    yield servers
    servers.stop_all()


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
