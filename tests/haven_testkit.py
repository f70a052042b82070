"""The test set-up every test folder shares: fictional people, fast profiles, certificates,
an in-memory keychain and a real STARTTLS mail server on 127.0.0.1.

One uniquely named module (never `conftest`, which pytest imports under one name per
folder), imported as `tests.haven_testkit`: pytest puts the project root on sys.path
(`pythonpath = ["."]`). The root conftest hands the expensive pieces out as fixtures; the
folders' conftests and tests import the builders and constants from here.

Every profile uses cheap Argon2 settings (8 MiB, one pass): these tests are about records,
exports and exchange, not key derivation, and the key file records the settings so the
command line unlocks just as fast. Everything here is fictional.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import selectors
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from keyring.backend import KeyringBackend

from app.domain import ProfileInfo
from app.keys import KdfParams
from app.profile import Session, create_profile

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "forms" / "examples"
PASSPHRASE = "copper kettle winter lantern"
FAST_KDF = KdfParams(memory_kib=8192, time_cost=1, parallelism=1)
# The in-process clock: after every date in forms/examples, so they all validate.
NOW = dt.datetime(2026, 11, 25, 9, 30)

# A child's name in several Latin scripts, so extraction and leak tests have something to
# look for. Raw bytes use only these canaries, which cannot turn up by chance in base64.
CHILD_NAME = "Zoë Łukasiewicz-Ó'Briain"
CHILD_DOB = "2012-02-10"
RAW_NAME_CANARIES = (b"Zo\xc3\xab", "Łukasiewicz".encode(), b"Lukasiewicz", b"Briain")
MARKING = "OFFICIAL-SENSITIVE"
TRAINING_WATERMARK = "TRAINING — NOT REAL DATA"
P12_PASSWORD = "pkcs12 test password"

TEACHER = ProfileInfo(
    name="Sam Teacher",
    role="practitioner",
    agency="Example Academy",
    local_authority="Sandwell",
    email="teacher@school.example",
)
YOUTH_WORKER = ProfileInfo(
    name="Jo Youthworker",
    role="practitioner",
    agency="Example Youth Service",
    local_authority="Sandwell",
    email="youth@youth.example",
)
DSL = ProfileInfo(
    name="Robin Lead",
    role="dsl",
    agency="Example Academy",
    local_authority="Sandwell",
    email="dsl@school.example",
)


def example(form_id: str) -> dict[str, Any]:
    """Complete, valid answers for a form (forms/examples/<form-id>.json), a fresh copy."""
    answers: dict[str, Any] = json.loads((EXAMPLES / f"{form_id}.json").read_text("utf-8"))
    return answers


def decision_answers(decision: str = "shared") -> dict[str, Any]:
    """The example sharing decision; 'not_shared' keeps its rationale, which that needs."""
    return {**example("sharing-decision"), "decision": decision}


def new_session(folder: Path, info: ProfileInfo, passphrase: str = PASSPHRASE) -> Session:
    """A new, unlocked profile in `folder` with the fast key-derivation settings."""
    return create_profile(folder, info, passphrase, kdf=FAST_KDF)


# ---- keychain ------------------------------------------------------------------------


class MemoryKeyring(KeyringBackend):
    """An in-memory keychain; `entries` maps (service, account) to the secret."""

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


# ---- signing and encryption certificates ---------------------------------------------


@dataclass(frozen=True)
class Identity:
    """A person's or organisation's certificate as a PKCS#12 file would bring it."""

    p12: bytes
    password: str
    cert_pem: str

    @property
    def cert_pem_bytes(self) -> bytes:
        return self.cert_pem.encode("ascii")


def make_identity(org: str, email: str | None) -> Identity:
    """A self-signed signing and encryption identity (RSA 3072: slow, so make it once)."""
    from app.export.certificates import create_self_signed, to_pkcs12

    key, cert = create_self_signed(org, email=email)
    return Identity(
        p12=to_pkcs12(key, cert, P12_PASSWORD),
        password=P12_PASSWORD,
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )


# ---- a real mail server on 127.0.0.1 ---------------------------------------------------

SERVER_REPLY = "2.0.0 Ok: queued as HAVEN1"


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
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it."""

    server_context: ssl.SSLContext
    ca_pem: str
    ca_file: Path


def make_mail_tls(folder: Path) -> MailTls:
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _certificate(ca_key, "Haven Test Mail CA")
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


def child_env(home: Path) -> dict[str, str]:
    """The environment for a Haven process a test starts: its own home, data and config
    folders under `home`, keyring's null backend (which Haven refuses, so nothing reaches
    the real keychain) and Qt's offscreen platform."""
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The next line a child process reports on stdout, or a failed test after `timeout`
    seconds (a child that hangs must not hang the run)."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError("the child did not report in time")
    return process.stdout.readline().strip()


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
        self, *, data_reply: str | None = None, port: int | None = None, handler: Any = None
    ) -> tuple[Any, int]:
        """A server on `port` (default: a free one) answering DATA with `data_reply`, or
        with `handler` (an aiosmtpd handler of the test's own)."""
        if handler is None:
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


def running_mail_servers(tls: MailTls) -> Iterator[MailServers]:
    """The body of the `mail_servers` fixture: servers stopped however the test ends."""
    servers = MailServers(tls)
    try:
        yield servers
    finally:
        servers.stop_all()


# ---- the people's certificates -----------------------------------------------------------

PEOPLE_CERTIFICATES = {
    "teacher": ("Example Academy teacher", TEACHER.email),
    "youth": ("Example Youth Service", YOUTH_WORKER.email),
    "dsl": ("Example Academy DSL", DSL.email),
    "stranger": ("Unknown Organisation", "someone@elsewhere.example"),
}


class Identities(dict[str, Identity]):
    """The people's certificates by name, each made when first asked for."""

    def __missing__(self, name: str) -> Identity:
        org, email = PEOPLE_CERTIFICATES[name]
        made = self[name] = make_identity(org, email)
        return made
