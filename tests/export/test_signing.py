"""PAdES signing checked by two independent validators: poppler's pdfsig and pyHanko.

Security anchors 5 / E1-E2: a good file says "Signature is Valid." and "Total document
signed" with subfilter ETSI.CAdES.detached; a flipped byte inside the signed ranges gives
"Digest Mismatch"/invalid; junk appended gives "Not total document signed". pdfsig exits
0 in all these cases, so its text is parsed, never its exit code.
"""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from app.errors import ExportError
from app.export.certificates import create_self_signed
from app.export.pdf import SIGNATURE_BOX, render_pdf
from app.export.signing import FIELD_NAME, sign_pdf
from app.export.verify import verify_pdf

TAMPERED = re.compile(r"Digest Mismatch|Signature is Invalid|Signature has not yet been verified")


def byte_range(data: bytes) -> tuple[int, int, int, int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert match, "signed PDF has no /ByteRange"
    a, b, c, d = (int(g) for g in match.groups())
    return a, b, c, d


def stream_offsets(data: bytes, start: int, end: int) -> list[int]:
    """Offsets a little way into each stream body inside [start, end)."""
    offsets = []
    for match in re.finditer(rb"stream\r?\n", data[start:end]):
        keyword_at = start + match.start()
        position = start + match.end() + 12
        if position < end and data[keyword_at - 3 : keyword_at] != b"end":
            offsets.append(position)
    return offsets


def flipped(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def test_pdfsig_says_valid_whole_document_pades(tools, signed, pdf_file):
    report = tools.pdfsig(pdf_file(signed))
    assert "Signature is Valid." in report
    assert "Total document signed" in report
    assert "Not total document signed" not in report
    assert "ETSI.CAdES.detached" in report
    assert f"Signature Field Name: {FIELD_NAME}" in report
    assert "SHA-256" in report


def test_pdfsig_trusts_the_signer_when_its_certificate_is_imported(
    tools, signed, signer, pdf_file, tmp_path
):
    nss = tmp_path / "nssdb"
    nss.mkdir()
    assert tools.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"]).returncode == 0
    # "P": a trusted peer - the self-signed organisation certificate is its own anchor.
    added = tools.run(
        ["certutil", "-A", "-d", f"sql:{nss}", "-n", "org", "-t", "P,P,P",
         "-i", str(signer.cert_pem)]
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    report = tools.pdfsig(pdf_file(signed), "-nssdir", f"sql:{nss}")
    assert "Signature is Valid." in report
    assert "Certificate is Trusted." in report


def test_pyhanko_validator_reports_intact_whole_file(signed, signer):
    report = verify_pdf(signed)
    assert report.signed and report.intact and report.covers_whole_file
    assert report.trusted is None
    assert report.signer == "Haven Test School document signing"
    assert report.signed_at is not None and not report.timestamped
    assert "signer's own computer" in report.summary

    assert verify_pdf(signed, [signer.cert]).trusted is True
    _key, stranger = create_self_signed("Somebody Else")
    untrusted = verify_pdf(signed, [stranger])
    assert untrusted.trusted is False and untrusted.intact


@pytest.mark.parametrize("which_range", [0, 1])
def test_one_flipped_byte_in_signed_content_is_detected_by_both(
    tools, signed, pdf_file, which_range
):
    a, b, c, d = byte_range(signed)
    start, end = [(a, a + b), (c, c + d)][which_range]
    offsets = stream_offsets(signed, start, end)
    assert offsets, "expected streams inside the signed range"
    for position in offsets[:3]:
        tampered = flipped(signed, position)
        report = tools.pdfsig(pdf_file(tampered))
        assert TAMPERED.search(report), report
        assert "Signature is Valid." not in report
        result = verify_pdf(tampered)
        assert result.signed and not result.intact
        assert "changed since" in result.summary


def test_appended_data_is_not_covered(tools, signed, pdf_file):
    extended = signed + b"\n% appended after signing\n1 0 obj\n(junk)\nendobj\n"
    report = tools.pdfsig(pdf_file(extended))
    assert "Not total document signed" in report
    result = verify_pdf(extended)
    assert result.signed and result.intact
    assert not result.covers_whole_file
    assert "added to the file after it was signed" in result.summary


def test_truncated_and_unsigned_files_are_not_reported_as_signed(tools, signed, rendered, pdf_file):
    truncated = signed[: len(signed) // 2]
    assert "Signature is Valid." not in tools.pdfsig(pdf_file(truncated))
    assert not verify_pdf(truncated).intact
    unsigned = verify_pdf(rendered)
    assert not unsigned.signed and unsigned.summary == "This PDF is not signed."
    assert not verify_pdf(b"not a pdf at all").signed


def test_visible_field_sits_in_the_reserved_box_on_the_last_page(signed):
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(signed))
    fields = reader.root["/AcroForm"]["/Fields"]
    widget = next(f.get_object() for f in fields if f.get_object()["/T"] == FIELD_NAME)
    rect = tuple(round(float(v)) for v in widget["/Rect"])
    assert rect == SIGNATURE_BOX
    last_page = reader.root["/Pages"]["/Kids"][-1].get_object()
    assert widget["/P"].get_object() == last_page or widget.get("/P") is None
    annots = [a.get_object() for a in last_page["/Annots"]]
    assert any(a.get("/T") == FIELD_NAME for a in annots)
    assert "/AP" in widget, "the signature must have a visible appearance"


def test_stamp_font_is_embedded(tools, signed, pdf_file):
    result = tools.run(["pdffonts", str(pdf_file(signed))])
    rows = result.stdout.decode().splitlines()[2:]
    assert any("Identity-H" in row for row in rows), "stamp font (CID, DejaVu) expected"
    for row in rows:
        assert row.split()[-5] == "yes", f"not embedded: {row}"


def test_signature_metadata_carries_reason_and_signer(signed):
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(signed))
    embedded = reader.embedded_signatures[0]
    sig = embedded.sig_object
    assert sig["/Reason"] == "Completed CSE screening"
    assert sig["/Location"] == "Birmingham"
    assert sig["/Name"] == "Dr Zoë Łukasiewicz-Ó'Briain"
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"


def test_timestamped_signature_is_pades_b_t(tools, rendered, signer, tsa, pdf_file):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    timestamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa.cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )
    stamped = sign_pdf(
        rendered, signer.identity, "Completed CSE screening", "Pat", timestamper=timestamper
    )
    result = verify_pdf(stamped)
    assert result.intact and result.covers_whole_file
    assert result.timestamped
    assert "signer's own computer" not in result.summary
    report = tools.pdfsig(pdf_file(stamped))
    assert "Signature is Valid." in report and "Total document signed" in report


def test_signing_something_that_is_not_a_pdf_raises_export_error(signer):
    with pytest.raises(ExportError):
        sign_pdf(b"definitely not a PDF", signer.identity, "reason", "name")


def test_unreachable_timestamp_service_raises_export_error(rendered, signer):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ExportError, match="timestamp service"):
        sign_pdf(
            rendered, signer.identity, "Completed", "Pat",
            timestamper_url=f"http://127.0.0.1:{port}/tsa",
        )  # fmt: skip


def test_signing_leaves_the_original_unchanged_and_appends(rendered, signed):
    assert signed.startswith(rendered)
    assert len(signed) > len(rendered)


def test_a_long_document_signs_with_the_box_on_its_last_page(
    tools, make_document, signer, pdf_file
):
    pdf = render_pdf(make_document(sections=12))
    result = sign_pdf(pdf, signer.identity, "Completed", "Pat")
    path: Path = pdf_file(result)
    report = tools.pdfsig(path)
    assert "Signature is Valid." in report and "Total document signed" in report
