"""A completed screening becomes a signed PDF (SPEC 3): checked by pdfsig, pdftotext and
pdfinfo (poppler, not Haven), and by `haven verify` in its own process.

The record is marked 'signed' only after the signature was made and verified; a signing
that fails leaves it 'completed'. The child's name is in the body, never in the PDF's
metadata, its signature dictionary or its file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.domain import Record, Subject
from app.errors import CertificateError, ExportError
from app.export.printing import ExportedPdf

if TYPE_CHECKING:
    from conftest import Cli, FlowProfile, OrgIdentity, ProfileMaker, Tools

CHILD_NAME = "Zoë Łukasiewicz-Ó'Briain"
NAME_CANARIES = ("Zoë", "Zoe", "Łukasiewicz", "Lukasiewicz", "Briain")
SIGNER_CN = "Example Youth Service document signing"


@dataclass(frozen=True)
class SignedCase:
    desk: FlowProfile
    child: Subject
    record: Record
    status_before: str
    pdf: ExportedPdf
    path: Path
    org_cert: Path


@pytest.fixture(scope="module")
def case(
    module_profiles: ProfileMaker,
    org_identity: OrgIdentity,
    tmp_path_factory: pytest.TempPathFactory,
) -> SignedCase:
    """One screening signed once for the module; the tests only read it."""
    desk = module_profiles()
    desk.use_certificate(org_identity)
    child = desk.add_child(CHILD_NAME)
    record = desk.shared("screening", child)
    status_before = desk.status(record.id)
    pdf = desk.exports.export_pdf(record.id, sign=True)
    folder = tmp_path_factory.mktemp("signed-pdf")
    path = folder / pdf.filename
    path.write_bytes(pdf.data)
    org_cert = folder / "orgcert.pem"
    org_cert.write_bytes(org_identity.cert_pem)
    return SignedCase(desk, child, record, status_before, pdf, path, org_cert)


def byte_range(data: bytes) -> tuple[int, int, int, int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert match is not None, "no signature byte range in the PDF"
    start1, length1, start2, length2 = (int(g) for g in match.groups())
    return start1, length1, start2, length2


def test_pdfsig_accepts_the_signature(case: SignedCase, tools: Tools) -> None:
    report = tools.pdfsig(case.path)

    assert "Signature is Valid." in report, report
    assert "Total document signed" in report, report
    assert "ETSI.CAdES.detached" in report, report
    assert SIGNER_CN in report


def test_the_record_is_signed_only_after_the_signature_was_verified(case: SignedCase) -> None:
    assert case.status_before == "completed"
    assert case.pdf.signed
    assert case.pdf.report is not None and case.pdf.report.intact
    assert case.desk.status(case.record.id) == "signed"
    actions = [a for a, _ in case.desk.audit(case.record.id)]
    assert actions.index("sign") < actions.index("export")
    assert ("export", "pdf signed") in case.desk.audit(case.record.id)


def test_the_child_is_named_in_the_body_and_nowhere_else(case: SignedCase, tools: Tools) -> None:
    body = tools.pdftotext(case.path)
    assert CHILD_NAME in body

    metadata = "\n".join(f"{k}: {v}" for k, v in tools.pdfinfo(case.path).items())
    signature = tools.pdfsig(case.path)
    for canary in NAME_CANARIES:
        assert canary not in case.pdf.filename
        assert canary not in case.path.name
        assert canary not in metadata, metadata
        assert canary not in signature, signature
    assert case.pdf.filename == f"{case.record.ref}.pdf"
    assert case.record.ref in tools.pdfinfo(case.path)["Title"]


def test_haven_verify_names_the_signer_and_finds_no_change(case: SignedCase, cli: Cli) -> None:
    result = cli.run("verify", case.path, "--trust", case.org_cert, stdin=None)

    assert result.returncode == 0, result.stderr
    assert f"Signed by: {SIGNER_CN}" in result.stdout
    assert "Changed since signing: no" in result.stdout
    assert "The signer's certificate is trusted." in result.stdout


def flipped_at(data: bytes, where: str) -> int:
    """An offset inside the signed byte ranges: the header's binary comment, compressed
    page content, or the signature dictionary's /Location text after the signature."""
    start1, length1, start2, length2 = byte_range(data)
    if where == "header comment":
        offset = data.index(b"\n%", start1) + 2
    elif where == "page content":
        offset = data.index(b"stream\n", length1 // 2) + len(b"stream\n") + 16
    else:
        offset = data.index(b"/Location (", start2) + len(b"/Location (") + 3
    assert start1 <= offset < start1 + length1 or start2 <= offset < start2 + length2
    return offset


@pytest.mark.parametrize("where", ["header comment", "page content", "signature dictionary"])
def test_one_flipped_byte_is_reported_as_a_change(
    case: SignedCase, cli: Cli, tools: Tools, tmp_path: Path, where: str
) -> None:
    data = bytearray(case.pdf.data)
    data[flipped_at(case.pdf.data, where)] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))

    result = cli.run("verify", tampered, stdin=None)

    assert result.returncode == 1
    assert "Changed since signing: YES" in result.stdout, result.stdout
    assert "Signature is Valid." not in tools.pdfsig(tampered)


def test_no_certificate_means_no_signature_and_the_record_stays_completed(
    new_profile: ProfileMaker,
) -> None:
    desk = new_profile()
    record = desk.shared("screening", desk.add_child(CHILD_NAME))

    with pytest.raises(CertificateError):
        desk.exports.export_pdf(record.id, sign=True)

    assert desk.status(record.id) == "completed"
    assert [a for a, _ in desk.audit(record.id) if a in ("sign", "export")] == []


def test_a_signature_that_does_not_verify_is_not_kept(
    case: SignedCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signer hands back a PDF without a valid signature: nothing is marked signed."""
    import app.export.signing

    record = case.desk.shared("screening", case.child)
    monkeypatch.setattr(app.export.signing, "sign_pdf", lambda pdf, *args, **kwargs: pdf)

    with pytest.raises(ExportError, match="could not be verified"):
        case.desk.exports.export_pdf(record.id, sign=True)

    assert case.desk.status(record.id) == "completed"
    assert [a for a, _ in case.desk.audit(record.id) if a in ("sign", "export")] == []
