"""The signing identity is opened once per unlocked session (issue 11: a signed PDF warm
within 1.2x of reportlab + pyHanko with a key-caching signer).

Opening the PKCS#12 (and pyHanko parsing the private key again for each of its raw
signatures) was most of a signature's cost. These tests count those reads through the real
export path and check that what is signed from the kept key still verifies with pdfsig.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from export_desk import ExportDesk

import app.export.certificates as certificates
from app.export.certificates import SigningIdentity
from app.export.pdf import render_pdf
from app.export.signing import sign_pdf
from tests.haven_testkit import Identities


@pytest.fixture
def desk(tmp_path: Path, identities: Identities) -> Iterator[ExportDesk]:
    made = ExportDesk.open(tmp_path / "profile", identities["dsl"])
    yield made
    made.close()


@pytest.fixture
def key_reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the PKCS#12 is opened and a DER private key parsed (pyHanko's default)."""
    counts = {"pkcs12": 0, "der_key": 0}
    load_pkcs12 = certificates.load_pkcs12
    load_der = serialization.load_der_private_key

    def counting_pkcs12(*args: Any, **kwargs: Any) -> SigningIdentity:
        counts["pkcs12"] += 1
        return load_pkcs12(*args, **kwargs)

    def counting_der(*args: Any, **kwargs: Any) -> Any:
        counts["der_key"] += 1
        return load_der(*args, **kwargs)

    monkeypatch.setattr(certificates, "load_pkcs12", counting_pkcs12)
    monkeypatch.setattr(serialization, "load_der_private_key", counting_der)
    return counts


def test_a_second_signature_in_the_session_does_not_reopen_the_key(
    desk: ExportDesk, key_reads: dict[str, int], tools: Any, pdf_file: Any
) -> None:
    record = desk.shared()

    first = desk.exports.export_pdf(record.id, sign=True)
    assert key_reads == {"pkcs12": 1, "der_key": 0}
    second = desk.exports.export_pdf(record.id, sign=True)

    assert key_reads == {"pkcs12": 1, "der_key": 0}
    for exported in (first, second):
        assert exported.signed and exported.report is not None and exported.report.intact
        report = tools.pdfsig(pdf_file(exported.data))
        assert "Signature is Valid." in report
        assert "ETSI.CAdES.detached" in report
        assert "Total document signed" in report


def test_a_newly_imported_certificate_replaces_the_kept_one(
    desk: ExportDesk, identities: Identities, key_reads: dict[str, int]
) -> None:
    record = desk.shared()
    desk.exports.export_pdf(record.id, sign=True)
    teacher = identities["teacher"]

    desk.exports.import_certificate(teacher.p12, teacher.password)
    signed = desk.exports.export_pdf(record.id, sign=True)

    pem = desk.exports.signing_identity().cert.public_bytes(serialization.Encoding.PEM)
    assert pem == teacher.cert_pem_bytes
    assert signed.report is not None and signed.report.intact
    # The first export, the import's own check, and the new certificate once.
    assert key_reads["pkcs12"] == 3


def test_a_new_session_opens_the_key_again(
    desk: ExportDesk, identities: Identities, tmp_path: Path, key_reads: dict[str, int]
) -> None:
    desk.exports.export_pdf(desk.shared().id, sign=True)
    other = ExportDesk.open(tmp_path / "other", identities["dsl"])
    try:
        other.exports.export_pdf(other.shared().id, sign=True)
    finally:
        other.close()

    # This session's export, then the other profile's import check and its own export
    # (`desk` imported its certificate before the counting began).
    assert key_reads["pkcs12"] == 3


def _ec_identity() -> SigningIdentity:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EC signing test")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return SigningIdentity(key=key, cert=cert)


def test_an_elliptic_curve_key_signs_repeatedly_from_memory(
    make_document: Any, tools: Any, pdf_file: Any, key_reads: dict[str, int]
) -> None:
    identity = _ec_identity()
    pdf = render_pdf(make_document(sections=2))

    # ECDSA signatures vary in length: the room kept from the first must fit the others.
    signed = [sign_pdf(pdf, identity, "Completed", "Test Worker") for _ in range(3)]

    assert key_reads["der_key"] == 0
    for data in signed:
        report = tools.pdfsig(pdf_file(data))
        assert "Signature is Valid." in report and "Total document signed" in report


FRESH_PROCESS = """
import sys
from datetime import UTC, datetime
from app.export.certificates import SigningIdentity, create_self_signed
from app.export.document import PrintAnswer, PrintDocument, PrintSection
from app.export.pdf import render_pdf
from app.export.signing import TimestampUnavailable, sign_pdf
from app.export.verify import verify_pdf

doc = PrintDocument(
    title="Screening", form_id="screening", form_version=1, record_ref="HVN-2026-000001",
    record_id="r1", child_name="Test Child", completed_by="Test Worker",
    completed_at=datetime(2026, 3, 1, tzinfo=UTC), marking="OFFICIAL-SENSITIVE",
    sections=[PrintSection(title="About", answers=[PrintAnswer(label="Q", text="A")])],
)
key, cert = create_self_signed("Test School")
identity = SigningIdentity(key=key, cert=cert)
pdf = render_pdf(doc)
signed = sign_pdf(pdf, identity, "Completed", "Test Worker")
print("aiohttp after signing", "aiohttp" in sys.modules)
print("font subsetter imported", hasattr(sys.modules.get("fontTools.subset"), "__file__"))
report = verify_pdf(signed)
print("verified", report.signed and report.intact and report.covers_whole_file)
try:
    sign_pdf(pdf, identity, "Completed", "Test Worker", timestamper_url="http://127.0.0.1:9/")
except TimestampUnavailable:
    print("timestamp service unreachable", "aiohttp" in sys.modules)
sys.stdout.buffer.write(signed)
"""


def test_an_offline_signature_in_a_fresh_process_imports_no_http_client_or_subsetter(
    tmp_path: Path, tools: Any
) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS],
        capture_output=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    lines = done.stdout.split(b"\n", 4)

    assert lines[:4] == [
        b"aiohttp after signing False",
        b"font subsetter imported False",
        b"verified True",
        b"timestamp service unreachable True",
    ]
    path = tmp_path / "fresh.pdf"
    path.write_bytes(lines[4])
    report = tools.pdfsig(path)
    assert "Signature is Valid." in report and "ETSI.CAdES.detached" in report
