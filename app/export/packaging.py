"""One child's records packed for one recipient: a signed PDF per record, the answers as
JSON and a manifest, signed and encrypted (SPEC 5).

The MIME itself is built by app.export.package; this module checks that every record may
leave (Appendix 13), chooses S/MIME or an encrypted ZIP by whether the recipient has a
certificate, and audits each record with its recipient.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.errors import ExportError, InvalidState
from app.export.identity import SigningCertificate
from app.export.printing import ExportedPdf
from app.export.progress import Progress, scaled, tick
from app.export.sharing import SharingDecisions
from app.forms import export_codes
from app.service import Haven


@dataclass(frozen=True)
class ExportedPackage:
    message_bytes: bytes
    message_id: str
    filename: str
    encrypted: bool
    zip_bytes: bytes | None = None
    zip_passphrase: str | None = None
    outbox_id: str | None = None


@dataclass(frozen=True)
class _Message:
    message_bytes: bytes
    message_id: str


class PdfSource(Protocol):
    """Where the package's PDFs come from: the `Exports` façade, so a PDF made for a
    package goes through the same (replaceable) `export_pdf` as one saved by hand."""

    def export_pdf(
        self, record_id: str, *, sign: bool = False, progress: Progress | None = None
    ) -> ExportedPdf: ...

    def marking(self, form_marking: str) -> str: ...


class Packaging:
    """Build the secure packages of one unlocked profile."""

    def __init__(
        self,
        haven: Haven,
        sharing: SharingDecisions,
        certificate: SigningCertificate,
        pdfs: PdfSource,
    ) -> None:
        self.haven = haven
        self.sharing = sharing
        self.certificate = certificate
        self.pdfs = pdfs

    def build_package(
        self,
        record_ids: Sequence[str],
        *,
        mailbox: str,
        recipient_label: str = "",
        recipient_certificate_pem: bytes | None = None,
        for_mail_client: bool = False,
        progress: Progress | None = None,
        signed_pdfs: Mapping[str, bytes] | None = None,
    ) -> ExportedPackage:
        """One package for one child: a signed PDF per record, answers JSON and a manifest.

        `signed_pdfs` (record id -> PDF) reuses PDFs just signed and saved, so the package
        carries the very file the user kept instead of a second signature.

        With a recipient certificate: S/MIME signed, then enveloped (AES-256-CBC). Without
        one: the attachments travel inside an AES-256 ZIP whose passphrase is returned to
        be shown once and sent by another channel.
        """
        from app.export.package import PackageRecord, build_package
        from app.export.verify import verify_pdf

        if not record_ids:
            raise InvalidState("Choose at least one completed record to send.")
        if not mailbox.strip():
            raise InvalidState("This recipient has no mailbox set up yet.")
        records = [self.haven.record(rid) for rid in record_ids]
        if len({r.subject_id for r in records}) != 1:
            raise InvalidState("A referral package holds the records of one child only.")
        for record in records:
            if record.is_draft:
                raise InvalidState("Only completed records can be sent.")
            self.sharing.require_permission(record)
        identity = self.certificate.signing_identity()
        pieces: list[PackageRecord] = []
        for index, record in enumerate(records):
            decision = self.sharing.require_permission(record)
            reused = (signed_pdfs or {}).get(record.id)
            if reused is not None:
                report = verify_pdf(reused)
                if not (report.signed and report.intact and report.covers_whole_file):
                    raise ExportError("That PDF's signature does not verify; sign it again.")
                pdf_data = reused
            else:
                pdf_data = self.pdfs.export_pdf(
                    record.id,
                    sign=True,
                    progress=scaled(progress, index / len(records) * 0.8, 0.8 / len(records)),
                ).data
            form = self.haven.form_for(record)
            pieces.append(
                PackageRecord(
                    record_ref=record.ref,
                    record_id=record.id,
                    form_id=form.id,
                    form_version=form.version,
                    signed_pdf=pdf_data,
                    answers=record.answers,
                    sharing_decision=decision.answers,
                    export_codes=export_codes(form, record.answers),
                )
            )
        certificate = None
        if recipient_certificate_pem:
            from app.export.certificates import load_recipient_certificate

            certificate = load_recipient_certificate(recipient_certificate_pem).certificate
        marking = self.pdfs.marking(self.haven.form_for(records[0]).marking)
        import uuid  # not at import: it loads `platform`, and most exports make no package

        package_id = str(uuid.uuid4())
        sender = self.haven.session.info.email or "haven@localhost.invalid"
        zip_bytes = zip_pass = None
        if certificate is None:
            result, zip_bytes, zip_pass = _zipped_package(
                package_id, sender, mailbox, marking, pieces, for_mail_client
            )
        else:
            built = build_package(
                package_id=package_id,
                sender=sender,
                recipients=[mailbox],
                marking=marking,
                records=pieces,
                identity=identity,
                recipient_certificate=certificate,
                for_mail_client=for_mail_client,
            )
            result = _Message(built.message_bytes, built.message_id)
        for record in records:
            self.haven.repo.audit(
                self.haven.actor,
                "export",
                record.id,
                f"package to {mailbox} {'smime' if certificate is not None else 'zip'}",
            )
        tick(progress, 1.0)
        return ExportedPackage(
            message_bytes=result.message_bytes,
            message_id=result.message_id,
            filename=f"{records[0].ref}.eml",
            encrypted=True,
            zip_bytes=zip_bytes,
            zip_passphrase=zip_pass,
        )


def _zipped_package(
    package_id: str,
    sender: str,
    mailbox: str,
    marking: str,
    pieces: Sequence[Any],
    for_mail_client: bool,
) -> tuple[_Message, bytes, str]:
    """No recipient certificate: the package's files inside an AES-256 ZIP."""
    from email import message_from_bytes
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import formatdate

    from app.export.archive import encrypted_zip
    from app.export.package import build_package

    inner = build_package(
        package_id=package_id,
        sender=sender,
        recipients=[mailbox],
        marking=marking,
        records=pieces,
    )
    files: dict[str, bytes] = {}
    parsed = message_from_bytes(inner.message_bytes, policy=SMTP)
    for part in parsed.walk():
        name = part.get_filename()
        if name:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                files[name] = payload
    zip_bytes, passphrase = encrypted_zip(files)
    ref = pieces[0].record_ref
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = mailbox
    msg["Date"] = formatdate(localtime=True)
    msg["Subject"] = f"{marking}: Haven ref {ref}"
    msg["Message-ID"] = inner.message_id
    if for_mail_client:
        msg["X-Unsent"] = "1"
    msg.set_content(
        f"{marking}\n\nThe attached archive is encrypted (AES-256). The passphrase is "
        "being sent to you separately by another channel.\n"
    )
    msg.add_attachment(zip_bytes, maintype="application", subtype="zip", filename=f"{ref}.zip")
    return _Message(msg.as_bytes(), inner.message_id), zip_bytes, passphrase
