"""The secure email package, opened by OpenSSL as the bureau would (SPEC 4).

`openssl cms -decrypt` then `openssl cms -verify` must open it; attachments must come out
byte-for-byte; the algorithms are pinned (AES-256-CBC, RSA key transport, SHA-256); a
flipped ciphertext byte must make decrypt or verify fail (security anchors 6, F1-F4);
the clear outer headers carry only the marking and opaque references.
"""

from __future__ import annotations

import base64
import email
import hashlib
import json
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from app.errors import CertificateError, ExportError, SharingDecisionRequired
from app.export.certificates import load_recipient_certificate
from app.export.package import PackageRecord, build_package
from app.export.smime import decrypt_mime, sign_mime, sign_then_encrypt

ALLOWED_OUTER_HEADERS = {
    "from", "to", "date", "subject", "message-id", "x-unsent",
    "mime-version", "content-type", "content-transfer-encoding", "content-disposition",
}  # fmt: skip


@pytest.fixture(scope="module")
def record(signed: bytes, tools) -> PackageRecord:
    return PackageRecord(
        record_ref=tools.record_ref,
        record_id="0b9f3c1e-record",
        form_id="screening",
        form_version=3,
        signed_pdf=signed,
        answers={"child_name": tools.child_name, "indicators": ["missing", "gifts"]},
        sharing_decision={"decision": "shared", "recipients": ["fib"]},
        export_codes={"source_code": 2, "knowledge_code": "B"},
    )


@pytest.fixture(scope="module")
def encrypted(record, signer, recipient, tools):
    return build_package(
        package_id="pkg-0001",
        sender="dsl@school.example",
        recipients=["fib@police.example"],
        marking=tools.marking,
        records=[record],
        identity=signer.identity,
        recipient_certificate=recipient.cert,
        for_mail_client=True,
    )


def openssl_open(tools, path: Path, recipient, signer, tmp_path: Path) -> tuple[int, int, bytes]:
    """Decrypt then verify with OpenSSL; return both exit codes and the verified content."""
    decrypted = tmp_path / "decrypted.eml"
    verified = tmp_path / "verified.eml"
    dec = tools.run(
        ["openssl", "cms", "-decrypt", "-recip", str(recipient.cert_pem),
         "-inkey", str(recipient.key_pem), "-in", str(path), "-out", str(decrypted)]
    )  # fmt: skip
    if dec.returncode != 0:
        return dec.returncode, -1, b""
    ver = tools.run(
        ["openssl", "cms", "-verify", "-CAfile", str(signer.cert_pem), "-purpose", "smimesign",
         "-in", str(decrypted), "-out", str(verified)]
    )  # fmt: skip
    return dec.returncode, ver.returncode, verified.read_bytes() if ver.returncode == 0 else b""


def attachments(entity: EmailMessage) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for part in entity.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[str(part.get_filename())] = payload
    return found


def test_openssl_decrypts_and_verifies_and_attachments_match(
    tools, encrypted, record, signer, recipient, tmp_path
):
    path = tmp_path / "package.eml"
    path.write_bytes(encrypted.message_bytes)
    dec, ver, content = openssl_open(tools, path, recipient, signer, tmp_path)
    assert (dec, ver) == (0, 0)
    inner = email.message_from_bytes(content, policy=policy.default)
    assert isinstance(inner, EmailMessage)
    files = attachments(inner)
    ref = record.record_ref
    assert set(files) == {f"{ref}.pdf", f"answers-{ref}.json", "manifest.json"}
    assert files[f"{ref}.pdf"] == record.signed_pdf
    answers = json.loads(files[f"answers-{ref}.json"])
    assert answers["form_id"] == "screening" and answers["form_version"] == 3
    assert answers["record_id"] == record.record_id
    assert answers["answers"] == dict(record.answers)
    assert answers["export_codes"] == {"source_code": 2, "knowledge_code": "B"}
    assert answers["sharing_decision"]["decision"] == "shared"
    manifest = json.loads(files["manifest.json"])
    assert manifest == encrypted.manifest
    listed = {entry["filename"]: entry for entry in manifest["attachments"]}
    assert set(listed) == {f"{ref}.pdf", f"answers-{ref}.json"}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest()
        assert entry["size"] == len(files[name])


def test_algorithms_are_aes256_rsa_and_sha256(tools, encrypted, signer, recipient, tmp_path):
    path = tmp_path / "package.eml"
    path.write_bytes(encrypted.message_bytes)
    envelope = tools.run(["openssl", "cms", "-cmsout", "-print", "-in", str(path)])
    assert envelope.returncode == 0
    text = envelope.stdout.decode()
    assert "aes-256-cbc" in text
    assert "rsaEncryption" in text
    decrypted = tmp_path / "d.eml"
    tools.run(
        ["openssl", "cms", "-decrypt", "-recip", str(recipient.cert_pem),
         "-inkey", str(recipient.key_pem), "-in", str(path), "-out", str(decrypted)]
    )  # fmt: skip
    signature = tools.run(["openssl", "cms", "-cmsout", "-print", "-in", str(decrypted)])
    signed_text = signature.stdout.decode()
    assert "sha256" in signed_text
    for weak in ("des-", "rc2", "sha1 ", "sha1WithRSA"):
        assert weak not in text.lower() + signed_text.lower()


@pytest.mark.parametrize("where", [0.5, 0.9])
def test_flipped_ciphertext_byte_fails_decrypt_or_verify(
    tools, encrypted, signer, recipient, tmp_path, where
):
    outer = email.message_from_bytes(encrypted.message_bytes, policy=policy.SMTP)
    der = bytearray(outer.get_payload(decode=True))
    der[int(len(der) * where)] ^= 0x01
    lines = base64.encodebytes(bytes(der)).replace(b"\n", b"\r\n")
    head, _, _ = encrypted.message_bytes.partition(b"\r\n\r\n")
    path = tmp_path / "tampered.eml"
    path.write_bytes(head + b"\r\n\r\n" + lines)
    dec, ver, _ = openssl_open(tools, path, recipient, signer, tmp_path)
    assert dec != 0 or ver != 0


def test_python_round_trip_gives_the_signed_entity_back(signer, recipient):
    entity = b"Content-Type: text/plain\r\n\r\nhello\r\n"
    signed = sign_mime(entity, signer.identity)
    assert signed.startswith(b"MIME-Version: 1.0\r\nContent-Type: multipart/signed")
    assert b"\r\n" + entity in signed, "the signed part must be the entity byte for byte"
    enveloped = sign_then_encrypt(entity, signer.identity, recipient.cert)
    decrypted = decrypt_mime(enveloped, recipient.cert, recipient.key)
    assert decrypted.startswith(b"MIME-Version: 1.0\r\nContent-Type: multipart/signed")
    assert b"\r\n" + entity in decrypted
    with pytest.raises(ExportError):
        decrypt_mime(enveloped, signer.cert, signer.key)


def test_outer_headers_carry_only_marking_and_reference(encrypted, tools):
    outer = email.message_from_bytes(encrypted.message_bytes, policy=policy.SMTP)
    assert outer["Subject"] == f"{tools.marking}: Haven ref {tools.record_ref}"
    assert {k.lower() for k in outer} <= ALLOWED_OUTER_HEADERS
    assert outer["X-Unsent"] == "1"
    assert outer.get_content_type() == "application/pkcs7-mime"
    assert outer.get_param("smime-type") == "enveloped-data"
    assert outer.get_filename() == "smime.p7m"
    for canary in tools.name_canaries:
        assert canary.encode() not in encrypted.message_bytes
        assert canary.encode("utf-8") not in encrypted.message_bytes
    assert b"HVN-2026-000123.pdf" not in encrypted.message_bytes, "file names are inside"


def test_message_id_is_derived_from_the_package_id(encrypted, record, signer, recipient, tools):
    assert encrypted.message_id == "<pkg-0001@haven.invalid>"
    again = build_package(
        package_id="pkg-0001",
        sender="dsl@school.example",
        recipients=["fib@police.example"],
        marking=tools.marking,
        records=[record],
        identity=signer.identity,
        recipient_certificate=recipient.cert,
    )
    assert again.message_id == encrypted.message_id
    assert "X-Unsent" not in email.message_from_bytes(again.message_bytes)


def test_unencrypted_package_is_reproducible_and_complete(record, tools):
    import datetime as dt

    when = dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)
    kwargs = {
        "package_id": "pkg-0002",
        "sender": "dsl@school.example",
        "recipients": ["mash@council.example", "fib@police.example"],
        "marking": tools.marking,
        "records": [record],
        "created_at": when,
    }
    first = build_package(**kwargs)
    assert first.message_bytes == build_package(**kwargs).message_bytes
    assert not first.encrypted
    message = email.message_from_bytes(first.message_bytes, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "mash@council.example, fib@police.example"
    assert message["Date"] == "Wed, 04 Mar 2026 09:30:00 +0000"
    files = attachments(message)
    assert files[f"{tools.record_ref}.pdf"] == record.signed_pdf
    body = message.get_body(("plain",))
    assert body is not None and tools.marking in body.get_content()
    assert first.message_bytes.count(b"\r\n") > 10 and b"\r\r" not in first.message_bytes


def test_header_injection_is_stripped_or_refused(record, tools):
    package = build_package(
        package_id="pkg-0003",
        sender="dsl@school.example",
        recipients=["fib@police.example"],
        marking="OFFICIAL-SENSITIVE\r\nBcc: spy@example.com",
        records=[record],
    )
    head = package.message_bytes.partition(b"\r\n\r\n")[0]
    assert b"\r\nBcc:" not in head
    assert b"Subject: OFFICIAL-SENSITIVE Bcc: spy@example.com: Haven ref" in head
    with pytest.raises(ExportError):
        build_package(
            package_id="pkg-0004",
            sender="dsl@school.example\r\nBcc: spy@example.com",
            recipients=["fib@police.example"],
            marking=tools.marking,
            records=[record],
        )
    with pytest.raises(ExportError):
        build_package(
            package_id="pkg-0004\r\nX: y",
            sender="dsl@school.example",
            recipients=["fib@police.example"],
            marking=tools.marking,
            records=[record],
        )


def test_a_record_without_a_sharing_decision_cannot_be_packaged(record, tools):
    from dataclasses import replace

    with pytest.raises(SharingDecisionRequired):
        build_package(
            package_id="pkg-0005",
            sender="dsl@school.example",
            recipients=["fib@police.example"],
            marking=tools.marking,
            records=[replace(record, sharing_decision=None)],
        )


def test_a_record_reference_that_is_not_opaque_is_refused(record, tools):
    from dataclasses import replace

    with pytest.raises(ExportError):
        build_package(
            package_id="pkg-0006",
            sender="dsl@school.example",
            recipients=["fib@police.example"],
            marking=tools.marking,
            records=[replace(record, record_ref="Zoe Smith")],
        )


def test_encryption_without_a_signing_identity_is_refused(record, recipient, tools):
    with pytest.raises(ExportError):
        build_package(
            package_id="pkg-0007",
            sender="dsl@school.example",
            recipients=["fib@police.example"],
            marking=tools.marking,
            records=[record],
            recipient_certificate=recipient.cert,
        )


def test_recipient_key_of_1024_bits_is_refused(certs):
    key = certs.rsa_key(1024)
    cert = certs.certificate(key, key_usage=certs.key_usage(key_encipherment=True))
    with pytest.raises(CertificateError, match="too short"):
        load_recipient_certificate(cert.public_bytes(serialization.Encoding.PEM))


def test_recipient_key_of_2048_bits_is_accepted_with_a_warning(certs):
    key = certs.rsa_key(2048)
    cert = certs.certificate(key, key_usage=certs.key_usage(key_encipherment=True))
    loaded = load_recipient_certificate(cert.public_bytes(serialization.Encoding.DER))
    assert loaded.key_bits == 2048 and loaded.below_recommended


def test_3072_bit_recipient_is_accepted_without_warning(recipient):
    loaded = load_recipient_certificate(recipient.cert_pem.read_bytes())
    assert loaded.key_bits == 3072 and not loaded.below_recommended
    assert loaded.certificate == recipient.cert
