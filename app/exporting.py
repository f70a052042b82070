"""Export use cases: the sharing decision, signed PDFs, secure packages and the outbox.

What leaves Haven is evidence that the bureau, social care and a court may rely on, so:
- nothing is exported without a completed information-sharing decision that permits it
  (Appendix 13; SPEC 2.5), and every export and send is audited with its recipient;
- a record is marked signed/queued/sent only after that step really succeeded — a signed
  PDF is verified before the record is marked signed (SPEC 3);
- a training profile never queues or sends anything (framework Standard 10).
The PDF, signature, S/MIME and SMTP mechanics live in app.export and app.outbox; this
module decides the order and records what happened.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app import keychain
from app.directory import Recipient, load_recipients, user_overrides_from_json
from app.domain import Record, RecordFilter
from app.errors import (
    CertificateError,
    ExportError,
    InvalidState,
    KeychainUnavailable,
    SendError,
    SharingDecisionRequired,
    TrainingProfileCannotSend,
)
from app.forms import answered_sections, evaluate_outcomes, export_codes, export_permitted
from app.service import Haven

if TYPE_CHECKING:
    from app.export.certificates import SigningIdentity
    from app.export.document import PrintAnswer, PrintDocument
    from app.export.verify import SignatureReport
    from app.outbox.smtp import SmtpSettings

Progress = Callable[[float], None]

SIGNING_P12 = "signing_p12"
SIGNING_PASSWORD_FALLBACK = "signing_p12_password"  # noqa: S105 - a settings key, not a secret
SMTP_SETTINGS = "smtp"
SMTP_PASSWORD_FALLBACK = "smtp_password"  # noqa: S105 - a settings key, not a secret
SMTP_CA = "smtp_ca_pem"
TSA_URL = "tsa_url"
RECIPIENT_OVERRIDES = "recipients"
MAX_SEND_ATTEMPTS = 12


@dataclass(frozen=True)
class ExportedPdf:
    data: bytes
    filename: str
    signed: bool
    report: SignatureReport | None = None


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


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    waiting: int
    messages: list[str]


class Exports:
    """Export and outbox use cases over one unlocked profile."""

    def __init__(self, haven: Haven) -> None:
        self.haven = haven
        self.repo = haven.repo

    # ---- the information-sharing decision (Appendix 13) ---------------------------------

    def sharing_form_id(self) -> str:
        """The form whose completed record gates exports (it declares `permits_export`)."""
        for form in self.haven.registry.latest():
            if form.permits_export is not None:
                return form.id
        raise ExportError("No form in this installation records information-sharing decisions.")

    def record_decision(self, record_id: str, answers: dict[str, Any]) -> Record:
        """Record and complete the sharing decision for a completed record."""
        record = self.haven.record(record_id)
        if record.is_draft:
            raise InvalidState("Complete the record before recording a sharing decision.")
        draft = self.haven.start_record(
            record.subject_id, self.sharing_form_id(), parent_id=record.id, answers=answers
        )
        done = self.haven.complete(draft.id)
        self.repo.audit(self.haven.actor, "share-decision", record.id, done.id)
        return done

    def decision_for(self, record_id: str) -> Record | None:
        """The newest completed sharing decision of a record (or of an earlier version)."""
        record = self.haven.record(record_id)
        ids = [record.id]
        while record.supersedes:
            record = self.haven.record(record.supersedes)
            ids.append(record.id)
        for rid in ids:
            for child in self.repo.children_of(rid, self.sharing_form_id()):
                if not child.is_draft:
                    return child
        return None

    def require_permission(self, record: Record) -> Record:
        decision = self.decision_for(record.id)
        if decision is None:
            raise SharingDecisionRequired()
        form = self.haven.form_for(decision)
        if not export_permitted(form, decision.answers, self.haven.context(decision)):
            raise ExportError(
                "The recorded information-sharing decision is not to share this record, so "
                "Haven will not export it. Record a new decision if that has changed."
            )
        return decision

    # ---- PDF -----------------------------------------------------------------------------

    def print_document(self, record: Record) -> PrintDocument:
        from app.export.document import PrintDocument, PrintOutcome, PrintSection

        form = self.haven.form_for(record)
        ctx = self.haven.context(record)
        subject = self.repo.get_subject(record.subject_id)
        decision = self.decision_for(record.id)
        decision_answers: list[PrintAnswer] | None = None
        if decision is not None:
            dform = self.haven.form_for(decision)
            dctx = self.haven.context(decision)
            decision_answers = [
                answer
                for section in answered_sections(dform, decision.answers, dctx)
                for answer in _print_answers(section.items)
            ]
        outcomes = [
            PrintOutcome(
                label=o.label,
                value_text=_outcome_text(o.value),
                reason=o.reason or None,
                kind=o.kind,
            )
            for o in evaluate_outcomes(form, record.answers, ctx)
        ]
        completed_at = _parse_time(record.completed_at) or datetime.now(UTC)
        return PrintDocument(
            title=form.title,
            form_id=form.id,
            form_version=form.version,
            record_ref=record.ref,
            record_id=record.id,
            child_name=subject.name,
            completed_by=record.completed_by or "",
            completed_at=completed_at,
            marking=self.marking(form.marking),
            training=self.haven.training,
            sections=[
                PrintSection(title=s.title, answers=_print_answers(s.items))
                for s in answered_sections(form, record.answers, ctx)
            ],
            outcomes=outcomes,
            sharing_decision=decision_answers,
        )

    def marking(self, form_marking: str) -> str:
        return self.repo.get_setting("marking") or form_marking

    def export_pdf(
        self, record_id: str, *, sign: bool = False, progress: Progress | None = None
    ) -> ExportedPdf:
        from app.export.pdf import render_pdf

        record = self.haven.record(record_id)
        if record.is_draft:
            raise InvalidState("Only a completed record can be exported.")
        self.require_permission(record)
        doc = self.print_document(record)
        data = render_pdf(doc, progress=_scaled(progress, 0.0, 0.6))
        report = None
        if sign:
            identity = self.signing_identity()
            from app.export.signing import TimestampUnavailable, sign_pdf
            from app.export.verify import verify_pdf

            _tick(progress, 0.7)
            tsa = self.repo.get_setting(TSA_URL) or None

            def signed(url: str | None) -> bytes:
                return sign_pdf(
                    data,
                    identity,
                    reason=f"Completed {doc.title}",
                    signer_name=self.haven.actor,
                    location=self.haven.session.info.agency,
                    timestamper_url=url,
                )

            try:
                # B-T when a timestamp authority is configured and reachable ...
                data = signed(tsa)
            except TimestampUnavailable:
                # ... and B-B with the signer's clock when offline: signing never waits.
                data = signed(None)
            _tick(progress, 0.9)
            report = verify_pdf(data)
            if not (report.signed and report.intact and report.covers_whole_file):
                raise ExportError("The signature could not be verified, so the PDF was not kept.")
            self.repo.set_status(self.haven.actor, record.id, "signed", "sign", "pdf")
        self.repo.audit(self.haven.actor, "export", record.id, "pdf signed" if sign else "pdf")
        _tick(progress, 1.0)
        return ExportedPdf(data=data, filename=f"{record.ref}.pdf", signed=sign, report=report)

    @staticmethod
    def _verify(data: bytes) -> SignatureReport:
        from app.export.verify import verify_pdf

        return verify_pdf(data)

    # ---- signing certificate -------------------------------------------------------------

    def import_certificate(self, p12: bytes, password: str) -> str:
        """Import a PKCS#12 signing certificate; returns its SHA-256 fingerprint."""
        from app.export.certificates import fingerprint_sha256, load_pkcs12

        identity = load_pkcs12(p12, password)
        self._store_secret("signing", SIGNING_PASSWORD_FALLBACK, password)
        self.repo.set_setting(self.haven.actor, SIGNING_P12, base64.b64encode(p12).decode("ascii"))
        return fingerprint_sha256(identity.cert)

    def create_self_signed(self, org: str) -> str:
        """For trials: an organisation certificate made here (recipients must trust it)."""
        from app.export.certificates import create_self_signed, to_pkcs12

        if not org.strip():
            raise CertificateError("Enter the organisation's name for the certificate.")
        key, cert = create_self_signed(org.strip(), email=self.haven.session.info.email or None)
        password = secrets.token_urlsafe(24)
        return self.import_certificate(to_pkcs12(key, cert, password), password)

    def signing_identity(self) -> SigningIdentity:
        from app.export.certificates import load_pkcs12

        raw = self.repo.get_setting(SIGNING_P12)
        if not raw:
            raise CertificateError(
                "No signing certificate is set up. Import your organisation's certificate "
                "in Settings (or create a trial certificate)."
            )
        password = self._load_secret("signing", SIGNING_PASSWORD_FALLBACK)
        if password is None:
            raise CertificateError("The signing certificate's password could not be found.")
        return load_pkcs12(base64.b64decode(raw), password)

    def certificate_pem(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        return self.signing_identity().cert.public_bytes(Encoding.PEM)

    # ---- recipients ------------------------------------------------------------------------

    def recipients(self) -> list[Recipient]:
        return load_recipients(user_overrides_from_json(self.repo.get_setting(RECIPIENT_OVERRIDES)))

    def recipient(self, recipient_id: str) -> Recipient:
        for r in self.recipients():
            if r.id == recipient_id:
                return r
        raise InvalidState("There is no recipient with that id in the directory.")

    def set_recipient(
        self, recipient_id: str, *, mailbox: str | None = None, certificate_pem: str | None = None
    ) -> Recipient:
        current = self.recipient(recipient_id)
        if current.locked:
            raise InvalidState(
                "Your organisation has set this recipient; it cannot be changed here."
            )
        if certificate_pem:
            from app.export.certificates import load_recipient_certificate

            load_recipient_certificate(certificate_pem.encode("ascii"))
        overrides = user_overrides_from_json(self.repo.get_setting(RECIPIENT_OVERRIDES))
        entry = overrides.setdefault(recipient_id, {})
        if mailbox is not None:
            entry["mailbox"] = mailbox.strip()
        if certificate_pem is not None:
            entry["certificate_pem"] = certificate_pem
        self.repo.set_setting(self.haven.actor, RECIPIENT_OVERRIDES, json.dumps(overrides))
        return self.recipient(recipient_id)

    # ---- packages --------------------------------------------------------------------------

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
            self.require_permission(record)
        identity = self.signing_identity()
        pieces: list[PackageRecord] = []
        for index, record in enumerate(records):
            decision = self.require_permission(record)
            reused = (signed_pdfs or {}).get(record.id)
            if reused is not None:
                report = self._verify(reused)
                if not (report.signed and report.intact and report.covers_whole_file):
                    raise ExportError("That PDF's signature does not verify; sign it again.")
                pdf_data = reused
            else:
                pdf_data = self.export_pdf(
                    record.id,
                    sign=True,
                    progress=_scaled(progress, index / len(records) * 0.8, 0.8 / len(records)),
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
        marking = self.marking(self.haven.form_for(records[0]).marking)
        package_id = str(uuid.uuid4())
        sender = self.haven.session.info.email or "haven@localhost.invalid"
        zip_bytes = zip_pass = None
        if certificate is None:
            result, zip_bytes, zip_pass = self._zipped_package(
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
            self.repo.audit(
                self.haven.actor,
                "export",
                record.id,
                f"package to {mailbox} {'smime' if certificate is not None else 'zip'}",
            )
        _tick(progress, 1.0)
        return ExportedPackage(
            message_bytes=result.message_bytes,
            message_id=result.message_id,
            filename=f"{records[0].ref}.eml",
            encrypted=True,
            zip_bytes=zip_bytes,
            zip_passphrase=zip_pass,
        )

    def _zipped_package(
        self,
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

    def queue_package(
        self, package: ExportedPackage, mailbox: str, label: str, record_ids: Sequence[str]
    ) -> str:
        """Place a built package in the outbox (stored encrypted; survives restarts)."""
        if self.haven.training:
            raise TrainingProfileCannotSend()
        item = self.repo.enqueue(
            self.haven.actor,
            record_ids[0] if record_ids else None,
            package.message_id,
            mailbox,
            label,
            package.message_bytes,
        )
        for rid in record_ids:
            self.repo.set_status(self.haven.actor, rid, "queued", "queue", mailbox)
        return item.id

    # ---- outbox ----------------------------------------------------------------------------

    def configure_smtp(
        self,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        *,
        starttls: bool = True,
        ca_pem: str | None = None,
    ) -> None:
        if not host.strip():
            raise InvalidState("Enter the mail server's name.")
        self.repo.set_setting(
            self.haven.actor,
            SMTP_SETTINGS,
            json.dumps(
                {
                    "host": host.strip(),
                    "port": port,
                    "username": username or None,
                    "starttls": starttls,
                }
            ),
        )
        if password is not None:
            self._store_secret("smtp", SMTP_PASSWORD_FALLBACK, password)
        if ca_pem is not None:
            self.repo.set_setting(self.haven.actor, SMTP_CA, ca_pem)

    def smtp_settings(self) -> tuple[SmtpSettings, str | None]:
        import ssl

        from app.outbox.smtp import SmtpSettings

        raw = self.repo.get_setting(SMTP_SETTINGS)
        if not raw:
            raise SendError("No mail server is set up. Add it in Settings.")
        conf = json.loads(raw)
        context = ssl.create_default_context()
        ca = self.repo.get_setting(SMTP_CA)
        if ca:
            context.load_verify_locations(cadata=ca)
        settings = SmtpSettings(
            host=str(conf["host"]),
            port=int(conf.get("port", 587)),
            username=conf.get("username"),
            use_starttls=bool(conf.get("starttls", True)),
            ssl_context=context,
        )
        return settings, self._load_secret("smtp", SMTP_PASSWORD_FALLBACK)

    def send_due(
        self,
        *,
        now: datetime | None = None,
        force: bool = False,
        deliver: Callable[..., Any] | None = None,
    ) -> SendReport:
        """Send every due item once. Items left 'sending' by a crash are sent again with the
        same Message-ID, so a receiving system can drop the duplicate; nothing is lost."""
        from app.outbox import smtp

        if self.haven.training:
            raise TrainingProfileCannotSend()
        deliver = deliver or smtp.deliver
        moment = now or datetime.now(UTC)
        stamp = moment.isoformat(timespec="seconds")
        items = (
            self.repo.list_outbox(("queued", "sending")) if force else self.repo.due_outbox(stamp)
        )
        settings, password = self.smtp_settings()
        sender = self.haven.session.info.email or "haven@localhost.invalid"
        sent = failed = waiting = 0
        messages: list[str] = []
        for item in items:
            self.repo.mark_sending(item.id)
            message = self.repo.outbox_message(item.id)
            try:
                result = deliver(settings, password, message, sender, [item.recipient])
                ok, code, reply, permanent = (
                    result.ok,
                    result.reply_code,
                    result.reply_text,
                    result.permanent,
                )
            except SendError as exc:
                ok, code, reply, permanent = False, None, str(exc), False
            attempts = item.attempts + 1
            give_up = (not ok) and (permanent or attempts >= MAX_SEND_ATTEMPTS)
            delay = smtp.next_attempt_delay(attempts) if not ok else timedelta(0)
            self.repo.record_attempt(
                self.haven.actor,
                item.id,
                ok=ok,
                reply_code=code,
                reply=reply,
                next_attempt_at=(moment + delay).isoformat(timespec="seconds"),
                give_up=give_up,
            )
            if ok:
                sent += 1
            elif give_up:
                failed += 1
                messages.append(f"{item.recipient_label or item.recipient}: not sent ({reply})")
            else:
                waiting += 1
                messages.append(
                    f"{item.recipient_label or item.recipient}: will retry ({reply or 'no reply'})"
                )
        return SendReport(sent=sent, failed=failed, waiting=waiting, messages=messages)

    # ---- secrets: keychain first, else the encrypted store --------------------------------

    def _account(self, name: str) -> str:
        return f"{self.haven.session.meta.profile_id}:{name}"

    def _store_secret(self, name: str, fallback_key: str, value: str) -> None:
        """Keep a password in the keychain; where none exists, in the encrypted store (never
        in a plain file)."""
        try:
            keychain.store_secret(self._account(name), value)
            self.repo.set_setting(self.haven.actor, fallback_key, "", audited=False)
        except KeychainUnavailable:
            self.repo.set_setting(self.haven.actor, fallback_key, value, audited=False)

    def _load_secret(self, name: str, fallback_key: str) -> str | None:
        stored = self.repo.get_setting(fallback_key)
        if stored:
            return stored
        try:
            return keychain.load_secret(self._account(name))
        except KeychainUnavailable:
            return None

    def records_for_referral(self, subject_id: str) -> list[Record]:
        """Completed records of a child that could go in a referral, newest first."""
        sharing = self.sharing_form_id()
        return [
            r
            for r in self.repo.list_records(RecordFilter(subject_id=subject_id))
            if not r.is_draft and r.form_id != sharing
        ]


def _print_answers(items: Sequence[Any]) -> list[PrintAnswer]:
    from app.export.document import PrintAnswer

    out: list[PrintAnswer] = []
    for item in items:
        if item.entries:
            out.append(
                PrintAnswer(
                    label=item.label,
                    entries=[_print_answers(entry.items) for entry in item.entries],
                )
            )
        else:
            out.append(PrintAnswer(label=item.label, text=item.answer if item.answered else None))
    return out


def _outcome_text(value: object) -> str:
    if value is None:
        return "None suggested"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _tick(progress: Progress | None, value: float) -> None:
    if progress is not None:
        progress(max(0.0, min(1.0, value)))


def _scaled(progress: Progress | None, start: float, span: float) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction: _tick(progress, start + span * fraction)
