"""Shared fixtures for the export tests: certificates, a sample record, external verifiers.

Certificates are generated once per session (RSA 3072 key generation is slow) and never
leave tmp folders. The sample record is fictional; its child's name uses several Latin
scripts' letters so extraction and metadata tests have something to look for.

Helpers are handed out as fixtures (`tools`, `certs`, `make_document`), not imported, so
these tests work whatever pytest import mode runs them (as in tests/foundation). The
fictional child and the marking are tests/haven_testkit.py's, as in every test folder.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.export.certificates import SigningIdentity, create_self_signed
from app.export.document import (
    PrintAnswer,
    PrintDocument,
    PrintOutcome,
    PrintSection,
)
from tests.haven_testkit import CHILD_NAME, MARKING

NAME_CANARIES = ("Zoë", "Łukasiewicz", "Briain", "Lukasiewicz")
RECORD_REF = "HVN-2026-000123"


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (poppler-utils / libnss3-tools / openssl)")
    return path


def run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    require_tool(args[0])
    return subprocess.run(args, input=stdin, capture_output=True, timeout=120, check=False)


@dataclass(frozen=True)
class KeyPair:
    """A key and certificate, also written as PEM files for the command-line tools."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    key_pem: Path
    cert_pem: Path

    @property
    def identity(self) -> SigningIdentity:
        return SigningIdentity(key=self.key, cert=self.cert)


def write_pair(folder: Path, name: str, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> KeyPair:
    key_pem = folder / f"{name}.key.pem"
    cert_pem = folder / f"{name}.pem"
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return KeyPair(key, cert, key_pem, cert_pem)


@pytest.fixture(scope="session")
def cert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("certs")


@pytest.fixture(scope="session")
def signer(cert_dir: Path) -> KeyPair:
    """The organisation's self-signed signing identity."""
    key, cert = create_self_signed("Haven Test School", email="dsl@school.example")
    return write_pair(cert_dir, "signer", key, cert)


@pytest.fixture(scope="session")
def recipient(cert_dir: Path) -> KeyPair:
    """The bureau's encryption certificate (self-signed, as a pilot would have)."""
    key, cert = create_self_signed("Test Force Intelligence Bureau", email="fib@police.example")
    return write_pair(cert_dir, "recipient", key, cert)


def make_certificate(
    key: rsa.RSAPrivateKey,
    *,
    common_name: str = "Test certificate",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_usage: x509.KeyUsage | None = None,
    extended_key_usage: list[x509.ObjectIdentifier] | None = None,
    eku_critical: bool = False,
    issuer: tuple[rsa.RSAPrivateKey, x509.Certificate] | None = None,
    ca: bool = False,
    san: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    """A certificate with exactly the properties a test needs (expired, 1024-bit, ...)."""
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_key, issuer_name = (key, name) if issuer is None else (issuer[0], issuer[1].subject)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    if extended_key_usage is not None:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(extended_key_usage), critical=eku_critical
        )
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def key_usage(**flags: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
    )
    values = {n: flags.get(n, False) for n in names}
    return x509.KeyUsage(**values, encipher_only=False, decipher_only=False)


@pytest.fixture(scope="session")
def tsa(cert_dir: Path) -> KeyPair:
    """A test timestamp authority certificate (critical timeStamping EKU, RFC 3161)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = make_certificate(
        key,
        common_name="Haven Test TSA",
        key_usage=key_usage(digital_signature=True),
        extended_key_usage=[ExtendedKeyUsageOID.TIME_STAMPING],
        eku_critical=True,
    )
    return write_pair(cert_dir, "tsa", key, cert)


def answers(prefix: str, count: int, *, unanswered_every: int = 4) -> list[PrintAnswer]:
    """`count` answers; every `unanswered_every`-th one is unanswered (text None)."""
    return [
        PrintAnswer(
            label=f"{prefix} question {i}",
            text=None if i % unanswered_every == 0 else f"{prefix} answer {i}",
        )
        for i in range(1, count + 1)
    ]


def sample_document(*, training: bool = False, sections: int = 6) -> PrintDocument:
    """A fictional record long enough to run over several pages."""
    suspects = PrintAnswer(
        label="Details of known suspects",
        entries=[
            [
                PrintAnswer("Name", "Suspect Alpha"),
                PrintAnswer("Nickname or alias", None),
                PrintAnswer(
                    "Vehicles",
                    entries=[
                        [PrintAnswer("Registration", "AB12 CDE"), PrintAnswer("Colour", "Silver")]
                    ],
                ),
            ],
            [PrintAnswer("Name", "Suspect Beta"), PrintAnswer("Nickname or alias", "Bee")],
        ],
    )
    body = [
        PrintSection(title=f"Section {n}", answers=answers(f"S{n}", 14))
        for n in range(1, sections + 1)
    ]
    body.append(
        PrintSection(
            title="Child or young person",
            answers=[
                PrintAnswer("Name", CHILD_NAME),
                PrintAnswer("Free text with markup", "Tom & Jerry <b>not bold</b> 5 > 3"),
                PrintAnswer("Multi-line", "First line\nSecond line"),
                suspects,
                PrintAnswer("Empty group", entries=[]),
            ],
        )
    )
    return PrintDocument(
        title="CSE screening tool",
        form_id="screening",
        form_version=3,
        record_ref=RECORD_REF,
        record_id="0b9f3c1e-record",
        child_name=CHILD_NAME,
        completed_by="Pat Practitioner",
        completed_at=dt.datetime(2026, 3, 3, 14, 5, tzinfo=dt.UTC),
        marking=MARKING,
        training=training,
        sections=body,
        outcomes=[
            PrintOutcome(
                "Suggested category",
                "Category 2",
                "2 significant indicators in the past 6 months",
                "suggested",
            ),
            PrintOutcome("Final category", "Category 3", "Disclosure during interview", "override"),
        ],
        sharing_decision=[
            PrintAnswer("Decision", "Share (information shared or referral made)"),
            PrintAnswer("With whom", "MASH / children's social care"),
        ],
    )


def count_unanswered(items: list[PrintAnswer]) -> int:
    """How many 'Not answered' cells the renderer should print for these answers."""
    total = 0
    for item in items:
        if item.entries:
            for entry in item.entries:
                plain = [a for a in entry if not a.entries]
                total += sum(1 for a in plain if a.text is None) + (0 if plain else 1)
                total += count_unanswered([a for a in entry if a.entries])
        elif item.text is None:
            total += 1
    return total


@pytest.fixture(scope="session")
def document() -> PrintDocument:
    return sample_document()


@pytest.fixture(scope="session")
def rendered(document: PrintDocument) -> bytes:
    from app.export.pdf import render_pdf

    return render_pdf(document)


@pytest.fixture(scope="session")
def signed(rendered: bytes, signer: KeyPair) -> bytes:
    from app.export.signing import sign_pdf

    return sign_pdf(
        rendered,
        signer.identity,
        reason="Completed CSE screening",
        signer_name="Dr Zoë Łukasiewicz-Ó'Briain",
        location="Birmingham",
    )


@pytest.fixture
def pdf_file(tmp_path: Path) -> Callable[[bytes], Path]:
    """Write PDF bytes to a fresh file under tmp_path for the command-line verifiers."""
    counter = iter(range(1_000_000))

    def write(data: bytes) -> Path:
        path = tmp_path / f"doc-{next(counter)}.pdf"
        path.write_bytes(data)
        return path

    return write


class Tools:
    """The independent verifiers (poppler, NSS, OpenSSL) as small typed helpers."""

    child_name = CHILD_NAME
    name_canaries = NAME_CANARIES
    record_ref = RECORD_REF
    marking = MARKING

    @staticmethod
    def run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return run(args, stdin)

    @staticmethod
    def pdftotext(path: Path, *extra: str) -> str:
        result = run(["pdftotext", "-enc", "UTF-8", *extra, str(path), "-"])
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout.decode("utf-8")

    @staticmethod
    def pdfinfo(path: Path) -> dict[str, str]:
        result = run(["pdfinfo", "-enc", "UTF-8", str(path)])
        assert result.returncode == 0, result.stderr.decode()
        info: dict[str, str] = {}
        for line in result.stdout.decode("utf-8").splitlines():
            key, _, value = line.partition(":")
            info[key.strip()] = value.strip()
        return info

    @staticmethod
    def pdfsig(path: Path, *extra: str) -> str:
        """pdfsig's report. It exits 0 even on a digest mismatch, so callers parse it."""
        result = run(["pdfsig", *extra, str(path)])
        return result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")

    @staticmethod
    def count_unanswered(items: list[PrintAnswer]) -> int:
        return count_unanswered(items)


@pytest.fixture(scope="session")
def tools() -> Tools:
    return Tools()


@pytest.fixture(scope="session")
def make_document() -> Callable[..., PrintDocument]:
    return sample_document


class CertFactory:
    """Builds certificates with exactly the flaw a test needs (expired, short key, ...)."""

    certificate = staticmethod(make_certificate)
    key_usage = staticmethod(key_usage)

    @staticmethod
    def rsa_key(bits: int) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@pytest.fixture(scope="session")
def certs() -> CertFactory:
    return CertFactory()
