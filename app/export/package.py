"""The secure email package: one RFC 5322 message per export (SPEC 4).

This is the one place Haven builds MIME (HOUSE_STYLE). The message carries, for each
record, the signed PDF (`<record_ref>.pdf`) and a machine-readable copy of the answers
(`answers-<record_ref>.json`), plus `manifest.json` listing the SHA-256 of every other
attachment so a recipient can check nothing was swapped or lost.

With a recipient certificate, the whole inner entity (body and attachments) is signed and
then encrypted (`app.export.smime`); the outer message then has only From, To, Date,
Subject and Message-ID (and `X-Unsent` for a mail-client draft) besides the MIME headers
of the encrypted part. Those outer headers travel in clear, so they carry only the
protective marking and opaque references: never a child's name (security anchors 6, F4).

The Message-ID is derived from the package id, so building the same package again (after
a crash, or to resend from the outbox) gives the same Message-ID and receiving systems can
spot a duplicate.

Appendix 13: nothing leaves Haven without a recorded information-sharing decision, so
every record in a package must carry one (`SharingDecisionRequired` otherwise).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime
from typing import Any

from cryptography import x509

from app import __version__
from app.errors import ExportError, SharingDecisionRequired
from app.export.certificates import SigningIdentity

MAIL_DOMAIN = "haven.invalid"
"""Message-IDs use the reserved `.invalid` domain: they must be unique, not routable,
and must not reveal the sending organisation's internal host names."""

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
ANSWERS_FORMAT = "haven-answers"
ANSWERS_FORMAT_VERSION = 1
MANIFEST_FORMAT = "haven-manifest"


@dataclass(frozen=True)
class PackageRecord:
    """One record in a package: its signed PDF and the answers as JSON-ready values.

    `answers`, `export_codes` (e.g. the police 3x5x2 codes mapped from plain-word answers,
    SPEC 2.3) and `sharing_decision` must be JSON-serialisable (str, int, float, bool,
    None, lists and string-keyed dicts).
    """

    record_ref: str
    record_id: str
    form_id: str
    form_version: int
    signed_pdf: bytes
    answers: Mapping[str, Any]
    sharing_decision: Mapping[str, Any] | None
    export_codes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PackageResult:
    """The serialised message (CRLF line endings), its Message-ID and the manifest."""

    message_bytes: bytes
    message_id: str
    manifest: dict[str, Any]
    encrypted: bool


def header_safe(text: str) -> str:
    """`text` with control characters removed and whitespace runs collapsed.

    HOUSE_STYLE habit 7: untrusted text never reaches a mail header with CR/LF or other
    controls in it, which could otherwise inject extra headers.
    """
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return " ".join(cleaned.split())


def message_id_for(package_id: str) -> str:
    """The Message-ID for a package: stable, so a rebuilt package is recognisably the same."""
    return f"<{_checked_id(package_id, 'package id')}@{MAIL_DOMAIN}>"


def subject_for(marking: str, record_refs: Sequence[str]) -> str:
    """'<MARKING>: Haven ref <ref>[, <ref>...]' - marking and opaque references only."""
    refs = ", ".join(_checked_id(ref, "record reference") for ref in record_refs)
    return f"{header_safe(marking)}: Haven ref {refs}"


def build_package(
    *,
    package_id: str,
    sender: str,
    recipients: Sequence[str],
    marking: str,
    records: Sequence[PackageRecord],
    identity: SigningIdentity | None = None,
    recipient_certificate: x509.Certificate | None = None,
    also_encrypt_to: Sequence[x509.Certificate] = (),
    for_mail_client: bool = False,
    created_at: datetime | None = None,
    extra_files: Sequence[tuple[str, bytes]] = (),
    subject_refs: Sequence[str] | None = None,
) -> PackageResult:
    """Build the package message; S/MIME sign-then-encrypt when a certificate is given.

    `for_mail_client` adds `X-Unsent: 1` so Outlook opens the saved .eml as an editable
    draft (ecosystem anchors 4.3); a client cannot edit an encrypted body, so drafts are
    normally built without a recipient certificate and the organisation's own mail
    controls (Egress, labels, TLS) protect them in transit.

    `extra_files` (name, JSON bytes) adds machine-readable attachments, e.g. the
    `exchange.json` that lets another Haven file the package (app.exchange); they are
    listed in the manifest like every other attachment. `subject_refs` replaces the
    record references in the Subject (a return carries no record of its own).

    `created_at` (default: now) becomes the Date header and the manifest's time. Raises
    SharingDecisionRequired if any record lacks its information-sharing decision,
    ExportError for unusable input, and CertificateError from the encryption step.
    """
    if not records and not extra_files:
        raise ExportError("There is nothing to put in the package.")
    for record in records:
        if record.sharing_decision is None:
            raise SharingDecisionRequired()
    if recipient_certificate is not None and identity is None:
        raise ExportError("An encrypted package must also be signed: choose a signing certificate.")
    if not recipients:
        raise ExportError("Add at least one recipient.")
    if not header_safe(marking):
        raise ExportError("The package needs a protective marking.")
    when = created_at or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    refs = [record.record_ref for record in records]
    if len(set(refs)) != len(refs):
        raise ExportError("The same record is in the package twice.")

    attachments = _attachments(records) + [
        _Attachment(_checked_id(name, "attachment name"), "application", "json", data)
        for name, data in extra_files
    ]
    manifest = _manifest(package_id, marking, records, attachments, when)
    boundary = _boundary(package_id)

    outer = EmailMessage(policy=policy.SMTP)
    outer["From"] = _address(sender)
    outer["To"] = ", ".join(_address(r) for r in recipients)
    outer["Date"] = format_datetime(when)
    outer["Subject"] = subject_for(marking, refs if subject_refs is None else subject_refs)
    outer["Message-ID"] = message_id_for(package_id)
    if for_mail_client:
        outer["X-Unsent"] = "1"

    if recipient_certificate is not None:
        assert identity is not None
        from app.export.smime import sign_then_encrypt

        inner = MIMEPart(policy=policy.SMTP)
        _fill_entity(inner, marking, records, attachments, manifest, boundary)
        inner_bytes = inner.as_bytes(policy=policy.SMTP)
        enveloped = sign_then_encrypt(inner_bytes, identity, recipient_certificate, also_encrypt_to)
        outer.set_content(
            enveloped,
            maintype="application",
            subtype="pkcs7-mime",
            params={"smime-type": "enveloped-data"},
            disposition="attachment",
            filename="smime.p7m",
        )
        # name= on Content-Type as well as filename= on the disposition: older S/MIME
        # clients look only at the former (OpenSSL writes both too).
        outer.set_param("name", "smime.p7m")
    else:
        _fill_entity(outer, marking, records, attachments, manifest, boundary)
    return PackageResult(
        message_bytes=outer.as_bytes(policy=policy.SMTP),
        message_id=message_id_for(package_id),
        manifest=manifest,
        encrypted=recipient_certificate is not None,
    )


def _boundary(package_id: str) -> str:
    """A MIME boundary derived from the package id, so a rebuilt package is identical.

    "=_" cannot occur in quoted-printable or base64 text, so it cannot clash with content.
    """
    digest = hashlib.sha256(_checked_id(package_id, "package id").encode("ascii")).hexdigest()
    return f"=_haven_{digest[:32]}"


def _checked_id(value: str, what: str) -> str:
    """Opaque ids go into headers and file names, so they must be plain tokens."""
    if not _SAFE_ID.fullmatch(value):
        raise ExportError(f"The {what} is not in the expected format.")
    return value


def _address(value: str) -> str:
    """A single email address, checked and stripped of anything that could break a header."""
    cleaned = header_safe(value)
    if cleaned.count("@") != 1 or any(ch in cleaned for ch in "<>,;\"'()[]\\ "):
        raise ExportError("An email address in the package is not valid.")
    try:
        address = Address(addr_spec=cleaned)
    except (ValueError, IndexError) as exc:
        raise ExportError("An email address in the package is not valid.") from exc
    return str(address)


def _answers_json(record: PackageRecord) -> bytes:
    document = {
        "format": ANSWERS_FORMAT,
        "format_version": ANSWERS_FORMAT_VERSION,
        "record_ref": record.record_ref,
        "record_id": record.record_id,
        "form_id": record.form_id,
        "form_version": record.form_version,
        "answers": record.answers,
        "export_codes": record.export_codes,
        "sharing_decision": record.sharing_decision,
    }
    try:
        text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        # Never echo the offending value: answers are personal data.
        raise ExportError("The answers could not be written as JSON.") from exc
    return (text + "\n").encode("utf-8")


@dataclass(frozen=True)
class _Attachment:
    filename: str
    maintype: str
    subtype: str
    data: bytes


def _attachments(records: Sequence[PackageRecord]) -> list[_Attachment]:
    files: list[_Attachment] = []
    for record in records:
        ref = _checked_id(record.record_ref, "record reference")
        if not record.signed_pdf.startswith(b"%PDF-"):
            raise ExportError("A document in the package is not a PDF.")
        files.append(_Attachment(f"{ref}.pdf", "application", "pdf", record.signed_pdf))
        files.append(
            _Attachment(f"answers-{ref}.json", "application", "json", _answers_json(record))
        )
    return files


def _manifest(
    package_id: str,
    marking: str,
    records: Sequence[PackageRecord],
    attachments: Sequence[_Attachment],
    when: datetime,
) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "format_version": 1,
        "generator": f"Haven {__version__}",
        "package_id": _checked_id(package_id, "package id"),
        "created_at": when.astimezone(UTC).isoformat(),
        "marking": header_safe(marking),
        "records": [
            {
                "record_ref": r.record_ref,
                "record_id": r.record_id,
                "form_id": r.form_id,
                "form_version": r.form_version,
            }
            for r in records
        ],
        "attachments": [
            {
                "filename": a.filename,
                "content_type": f"{a.maintype}/{a.subtype}",
                "size": len(a.data),
                "sha256": hashlib.sha256(a.data).hexdigest(),
            }
            for a in attachments
        ],
    }


def _body_text(marking: str, records: Sequence[PackageRecord]) -> str:
    mark = header_safe(marking)
    refs = ", ".join(r.record_ref for r in records)
    return (
        f"{mark}\n\n"
        f"This message from Haven contains {len(records)} record(s), Haven reference(s): "
        f"{refs}.\n\n"
        "Each PDF is digitally signed (PAdES); open it in a PDF reader to check the "
        "signature. Each answers-<reference>.json file is a machine-readable copy of the "
        "same record. manifest.json lists a SHA-256 checksum of every attachment.\n\n"
        f"Handle this message and its attachments in line with the {mark} marking. "
        "If you have received it in error, tell the sender and delete it.\n\n"
        f"{mark}\n"
    )


def _fill_entity(
    entity: MIMEPart,
    marking: str,
    records: Sequence[PackageRecord],
    attachments: Sequence[_Attachment],
    manifest: Mapping[str, Any],
    boundary: str,
) -> None:
    """Make `entity` multipart/mixed: text, PDFs and JSON files, manifest; all 7-bit safe.

    Quoted-printable and base64 keep the entity byte-stable in transit, which a detached
    S/MIME signature needs. `entity` is either the whole message (unencrypted: its
    From/To/... headers stay on top) or a bare part to be signed and encrypted.
    """
    entity.set_content(_body_text(marking, records), subtype="plain", cte="quoted-printable")
    entity.make_mixed(boundary=boundary)
    for attachment in attachments:
        entity.add_attachment(
            attachment.data,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
            cte="base64",
        )
    manifest_bytes = (
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    ).encode("utf-8")
    entity.add_attachment(
        manifest_bytes,
        maintype="application",
        subtype="json",
        filename="manifest.json",
        cte="base64",
    )
