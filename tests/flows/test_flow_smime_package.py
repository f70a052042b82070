"""A referral package for a recipient with a certificate (SPEC 4): S/MIME signed, then
enveloped, opened with OpenSSL as the bureau would, against the organisation certificate
that `haven cert create-self-signed --out` wrote.

Inside: one signed PDF per record, the answers as JSON, and a manifest with the SHA-256 of
every attachment - compared byte for byte with what Exports produced. Outside: only the
marking and opaque references, never the child's name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.domain import Record
from app.errors import InvalidState
from app.export.exports import Exports
from app.export.packaging import ExportedPackage

if TYPE_CHECKING:
    from conftest import Cli, FlowProfile, Mime, ProfileMaker, Tools

CHILD_NAME = "Zoë Łukasiewicz-Ó'Briain"
NAME_CANARIES = ("Zoë", "Zoe", "Łukasiewicz", "Lukasiewicz", "Briain")
RAW_NAME_CANARIES = (b"Zo\xc3\xab", "Łukasiewicz".encode(), b"Lukasiewicz", b"Briain")
FIB = "fib@police.example"
MARKING = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class Recipient:
    key_pem: Path
    cert_pem: Path


@pytest.fixture(scope="module")
def recipient(tmp_path_factory: pytest.TempPathFactory) -> Recipient:
    """The bureau's encryption certificate: an RSA 3072 key made here, self-signed."""
    folder = tmp_path_factory.mktemp("recipient")
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Force Intelligence Bureau")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, True, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(FIB)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem, cert_pem = folder / "r.key", folder / "r.pem"
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Recipient(key_pem, cert_pem)


@dataclass(frozen=True)
class Referral:
    desk: FlowProfile
    screening: Record
    risk: Record
    other_child_record: Record
    package: ExportedPackage
    produced_pdfs: dict[str, bytes]
    eml: Path
    org_cert: Path
    folder: Path


@pytest.fixture(scope="module")
def referral(
    module_profiles: ProfileMaker,
    cli: Cli,
    recipient: Recipient,
    tmp_path_factory: pytest.TempPathFactory,
) -> Referral:
    """A screening and a risk assessment of one child, packaged once for the bureau."""
    folder = tmp_path_factory.mktemp("referral")
    desk = module_profiles()
    child = desk.add_child(CHILD_NAME)
    screening = desk.shared("screening", child)
    risk = desk.shared("risk-assessment", child)
    other = desk.shared("screening", desk.add_child("Kai Sample"))

    # The organisation certificate, made the way a trial user makes it: on the command line.
    desk.lock()
    org_cert = folder / "orgcert.pem"
    made = cli.run(
        "cert", "create-self-signed", "--profile-dir", desk.folder, "--passphrase-stdin",
        "--org", "Example Youth Service", "--out", org_cert,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    desk.reopen()

    produced: dict[str, bytes] = {}
    real_export_pdf = Exports.export_pdf

    def keep_pdf(self: Exports, record_id: str, **kwargs: Any) -> Any:
        result = real_export_pdf(self, record_id, **kwargs)
        produced[record_id] = result.data
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Exports, "export_pdf", keep_pdf)
        package = desk.exports.build_package(
            [screening.id, risk.id],
            mailbox=FIB,
            recipient_certificate_pem=recipient.cert_pem.read_bytes(),
        )
    eml = folder / package.filename
    eml.write_bytes(package.message_bytes)
    return Referral(desk, screening, risk, other, package, produced, eml, org_cert, folder)


@dataclass(frozen=True)
class Opened:
    decrypt_rc: int
    verify_rc: int
    inner: bytes
    errors: str


def open_with_openssl(tools: Tools, eml: Path, recipient: Recipient, org_cert: Path) -> Opened:
    """`openssl cms -decrypt` with the bureau's key, then `openssl cms -verify`."""
    decrypted, inner = eml.with_suffix(".decrypted"), eml.with_suffix(".inner")
    dec = tools.openssl(
        "cms", "-decrypt", "-recip", str(recipient.cert_pem), "-inkey", str(recipient.key_pem),
        "-in", str(eml), "-out", str(decrypted),
    )  # fmt: skip
    if dec.returncode != 0:
        return Opened(dec.returncode, -1, b"", dec.stderr.decode("utf-8", "replace"))
    ver = tools.openssl(
        "cms", "-verify", "-CAfile", str(org_cert), "-in", str(decrypted), "-out", str(inner)
    )
    return Opened(
        dec.returncode,
        ver.returncode,
        inner.read_bytes() if ver.returncode == 0 else b"",
        ver.stderr.decode("utf-8", "replace"),
    )


@pytest.fixture(scope="module")
def opened(referral: Referral, recipient: Recipient, tools: Tools) -> Opened:
    return open_with_openssl(tools, referral.eml, recipient, referral.org_cert)


@pytest.fixture(scope="module")
def inner_files(opened: Opened, mime: Mime) -> dict[str, bytes]:
    assert opened.inner, opened.errors
    return mime.attachments(mime.parse(opened.inner))


def test_openssl_decrypts_with_the_bureau_key_and_verifies_the_organisation(
    opened: Opened,
) -> None:
    assert opened.decrypt_rc == 0, opened.errors
    assert opened.verify_rc == 0, opened.errors
    assert b"multipart/mixed" in opened.inner


def test_the_attachments_are_what_exports_produced(
    referral: Referral, inner_files: dict[str, bytes]
) -> None:
    s, r = referral.screening, referral.risk
    assert set(inner_files) == {
        f"{s.ref}.pdf", f"answers-{s.ref}.json",
        f"{r.ref}.pdf", f"answers-{r.ref}.json",
        "manifest.json",
    }  # fmt: skip
    assert inner_files[f"{s.ref}.pdf"] == referral.produced_pdfs[s.id]
    assert inner_files[f"{r.ref}.pdf"] == referral.produced_pdfs[r.id]

    manifest = json.loads(inner_files["manifest.json"])
    listed = {a["filename"]: a for a in manifest["attachments"]}
    assert set(listed) == set(inner_files) - {"manifest.json"}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(inner_files[name]).hexdigest(), name
        assert entry["size"] == len(inner_files[name])
    assert [(m["record_id"], m["form_id"]) for m in manifest["records"]] == [
        (s.id, "screening"),
        (r.id, "risk-assessment"),
    ]
    assert manifest["marking"] == MARKING


@pytest.mark.parametrize("which", ["screening", "risk"])
def test_the_answers_json_carries_form_version_and_record(
    referral: Referral, inner_files: dict[str, bytes], which: str
) -> None:
    record: Record = getattr(referral, which)
    answers: dict[str, Any] = json.loads(inner_files[f"answers-{record.ref}.json"])
    decision = referral.desk.exports.decision_for(record.id)
    assert decision is not None

    assert answers["form_id"] == record.form_id
    assert answers["form_version"] == record.form_version
    assert answers["record_id"] == record.id
    assert answers["record_ref"] == record.ref
    assert answers["answers"] == referral.desk.haven.record(record.id).answers
    assert answers["sharing_decision"] == decision.answers


@pytest.mark.parametrize("which", ["screening", "risk"])
def test_one_signed_pdf_per_record(
    referral: Referral, inner_files: dict[str, bytes], tools: Tools, which: str
) -> None:
    record: Record = getattr(referral, which)
    path = referral.folder / f"extracted-{record.ref}.pdf"
    path.write_bytes(inner_files[f"{record.ref}.pdf"])

    report = tools.pdfsig(path)
    assert "Signature is Valid." in report and "Total document signed" in report, report
    text = tools.pdftotext(path)
    assert referral.desk.haven.form_for(record).title in text
    assert f"Haven ref {record.ref}" in text
    assert CHILD_NAME in text
    assert referral.desk.status(record.id) == "signed"


def flip_inside_envelope(message: bytes) -> bytes:
    """Change one base64 character in the middle of the encrypted body."""
    body = message.index(b"\r\n\r\n") + 4
    middle = body + (len(message) - body) // 2
    while not chr(message[middle]).isalnum():
        middle += 1
    replacement = b"B" if message[middle : middle + 1] == b"A" else b"A"
    return message[:middle] + replacement + message[middle + 1 :]


def test_a_flipped_byte_in_the_envelope_is_detected(
    referral: Referral, recipient: Recipient, tools: Tools
) -> None:
    tampered = referral.folder / "tampered.eml"
    tampered.write_bytes(flip_inside_envelope(referral.package.message_bytes))

    result = open_with_openssl(tools, tampered, recipient, referral.org_cert)

    assert result.decrypt_rc != 0 or result.verify_rc != 0


def test_the_envelope_shows_the_marking_and_references_only(referral: Referral, mime: Mime) -> None:
    message: EmailMessage = mime.parse(referral.package.message_bytes)
    subject = str(message["Subject"])
    assert subject.startswith(f"{MARKING}: ")
    assert "Haven ref" in subject
    assert referral.screening.ref in subject and referral.risk.ref in subject
    assert message.get_content_type() == "application/pkcs7-mime"
    assert message.get_param("smime-type") == "enveloped-data"
    assert str(message["Message-ID"]) == referral.package.message_id

    headers = "\n".join(f"{k}: {v}" for k, v in message.items())
    for canary in NAME_CANARIES:
        assert canary not in headers, headers
    for raw in RAW_NAME_CANARIES:
        assert raw not in referral.package.message_bytes
    assert referral.package.filename == f"{referral.screening.ref}.eml"


def test_each_record_is_audited_as_exported_to_the_bureau(referral: Referral) -> None:
    for record in (referral.screening, referral.risk):
        details = [d for a, d in referral.desk.audit(record.id) if a == "export"]
        assert f"package to {FIB} smime" in details, details


def test_records_of_two_children_are_refused(referral: Referral) -> None:
    desk, other = referral.desk, referral.other_child_record
    exports_before = [d for a, d in desk.audit(other.id) if a == "export"]

    with pytest.raises(InvalidState, match="one child"):
        desk.exports.build_package(
            [referral.screening.id, other.id],
            mailbox=FIB,
            recipient_certificate_pem=referral.org_cert.read_bytes(),
        )

    assert desk.status(other.id) == "completed"
    assert [d for a, d in desk.audit(other.id) if a == "export"] == exports_before
