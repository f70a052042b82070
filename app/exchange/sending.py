"""Sending to another Haven: a completed record to the DSL, or a received record back to
its author to amend (SPEC: Haven to Haven).

A record goes as the signed, encrypted export package (app.export.package) with an
`exchange.json` that lets the receiving Haven file it; as for every export it needs a
sharing decision that permits it (Appendix 13), and a training profile never queues
anything (framework Standard 10). The sender describes itself, but the receiver trusts
only the certificate that signed the package.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.domain import Record
from app.errors import InvalidState, NotFound, TrainingProfileCannotSend
from app.exchange import format as fmt
from app.exchange.participant import ExchangeParticipant
from app.exchange.trust import parse_certificate
from app.export.packaging import ExportedPackage
from app.export.progress import Progress
from app.forms import export_codes

DSL_RECIPIENT = "dsl"


class Sending(ExchangeParticipant):
    """Records and returns leaving this profile for another Haven."""

    def send_record(
        self,
        record_id: str,
        recipient_id: str = DSL_RECIPIENT,
        *,
        queue: bool = True,
        progress: Progress | None = None,
    ) -> ExportedPackage:
        """Sign, package and (by default) queue a completed record for another Haven.

        As for any export, the record needs a sharing decision that permits it
        (Appendix 13). With `queue=False` the package is only returned, to be saved as
        an .eml file and carried by hand.
        """
        from app.export.certificates import fingerprint_sha256, load_recipient_certificate
        from app.export.package import PackageRecord, build_package

        record = self.haven.record(record_id)
        if record.is_draft:
            raise InvalidState("Complete the record before sending it.")
        if self.received.for_record(record.id) is not None:
            raise InvalidState(
                "This record was received from another Haven; it is sent on as a referral "
                "(Export), not back through the DSL relay."
            )
        decision = self.exports.require_permission(record)
        recipient = self.exports.recipient(recipient_id)
        if not recipient.mailbox or not recipient.certificate_pem:
            raise InvalidState(
                f"{recipient.label} is not set up yet: Haven needs their email address and "
                "certificate (Settings, or 'haven recipients set dsl --mailbox ... --cert ...')."
            )
        their_cert = load_recipient_certificate(recipient.certificate_pem.encode()).certificate
        identity = self.exports.signing_identity()
        pdf = self.exports.export_pdf(record.id, sign=True, progress=progress).data
        form = self.haven.form_for(record)
        subject = self.repo.get_subject(record.subject_id)
        info = self.haven.session.info
        package_id = str(uuid.uuid4())
        document = {
            "kind": "record",
            "package_id": package_id,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sender": self._sender(identity.cert),
            "recipient": {
                "mailbox": recipient.mailbox,
                "certificate_sha256": fingerprint_sha256(their_cert),
            },
            "record": {
                "record_id": record.id,
                "record_ref": record.ref,
                "form_id": form.id,
                "form_version": form.version,
                "version": record.version,
                "supersedes": record.supersedes,
                "amend_reason": record.amend_reason,
                "completed_at": record.completed_at,
                "completed_by": record.completed_by,
                "episode_record_id": self._episode_record_id(record),
                "child": {
                    "subject_id": subject.id,
                    "name": subject.name,
                    "known_as": subject.known_as,
                    "dob": subject.dob,
                    "gender": subject.gender,
                    "local_authority": subject.local_authority,
                },
            },
        }
        built = build_package(
            package_id=package_id,
            sender=info.email or "haven@localhost.invalid",
            recipients=[recipient.mailbox],
            marking=self.exports.marking(form.marking),
            records=[
                PackageRecord(
                    record_ref=record.ref,
                    record_id=record.id,
                    form_id=form.id,
                    form_version=form.version,
                    signed_pdf=pdf,
                    answers=record.answers,
                    sharing_decision=decision.answers,
                    export_codes=export_codes(form, record.answers),
                )
            ],
            identity=identity,
            recipient_certificate=their_cert,
            extra_files=[(fmt.EXCHANGE_FILE, fmt.exchange_json(document))],
        )
        self.repo.audit(self.haven.actor, "export", record.id, f"package to {recipient.id} haven")
        package = ExportedPackage(
            message_bytes=built.message_bytes,
            message_id=built.message_id,
            filename=f"{record.ref}.eml",
            encrypted=True,
        )
        if queue:
            outbox_id = self.exports.queue_package(
                package, recipient.mailbox, recipient.label, [record.id]
            )
            package = ExportedPackage(
                message_bytes=package.message_bytes,
                message_id=package.message_id,
                filename=package.filename,
                encrypted=True,
                outbox_id=outbox_id,
            )
        return package

    def return_to_author(
        self, record_id: str, reason: str, *, queue: bool = True
    ) -> ExportedPackage:
        """Send a received record back to its author to amend, with the reason."""
        from app.export.certificates import fingerprint_sha256
        from app.export.package import build_package

        if not reason.strip():
            raise InvalidState("Say why the record is being returned, so its author can amend it.")
        if queue and self.haven.training:
            raise TrainingProfileCannotSend()
        pkg = self._received_for(record_id)
        record = self.haven.record(record_id)
        author_cert = parse_certificate(pkg.signer_certificate)
        if not pkg.sender_email:
            raise InvalidState("The sender's package gave no email address to return it to.")
        identity = self.exports.signing_identity()
        info = self.haven.session.info
        package_id = str(uuid.uuid4())
        document = {
            "kind": "return",
            "package_id": package_id,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sender": self._sender(identity.cert),
            "recipient": {
                "mailbox": pkg.sender_email,
                "certificate_sha256": fingerprint_sha256(author_cert),
            },
            "return": {
                "record_id": pkg.origin_record_id,
                "record_ref": record.ref,
                "version": record.version,
                "reason": reason.strip(),
                "returned_by": info.name,
                "returned_at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        }
        form = self.haven.form_for(record)
        built = build_package(
            package_id=package_id,
            sender=info.email or "haven@localhost.invalid",
            recipients=[pkg.sender_email],
            marking=self.exports.marking(form.marking),
            records=[],
            identity=identity,
            recipient_certificate=author_cert,
            extra_files=[(fmt.EXCHANGE_FILE, fmt.exchange_json(document))],
            subject_refs=[record.ref],
        )
        self.received.decide(self.haven.actor, pkg.id, "returned", reason.strip(), "return")
        package = ExportedPackage(
            message_bytes=built.message_bytes,
            message_id=built.message_id,
            filename=f"{record.ref}-returned.eml",
            encrypted=True,
        )
        if queue:
            item = self.repo.enqueue(
                self.haven.actor,
                None,
                built.message_id,
                pkg.sender_email,
                pkg.sender_name or "author",
                built.message_bytes,
            )
            package = ExportedPackage(
                message_bytes=package.message_bytes,
                message_id=package.message_id,
                filename=package.filename,
                encrypted=True,
                outbox_id=item.id,
            )
        return package

    def _sender(self, cert: Any) -> dict[str, str]:
        """Who the package is from, as this profile describes itself; the receiver trusts
        only the certificate, which must be the one that signed the package."""
        from app.export.certificates import fingerprint_sha256

        info = self.haven.session.info
        return {
            "name": info.name,
            "role": info.role,
            "agency": info.agency,
            "email": info.email,
            "certificate_sha256": fingerprint_sha256(cert),
        }

    def _episode_record_id(self, record: Record) -> str | None:
        if not record.episode_id:
            return None
        try:
            return self.repo.get_episode(record.episode_id).record_id
        except NotFound:
            return None
