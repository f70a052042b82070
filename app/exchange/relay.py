"""Haven to Haven: send a record to the DSL, receive it there, review or return it.

The framework's journeys are relays between people (practitioner -> DSL -> MASH/FIB;
youth worker -> DSL). Haven has no server of its own: a package is the signed,
encrypted export package (app.export.package) with an `exchange.json` that lets the
receiving Haven file it, and it travels over the organisation's own mail (the outbox's
SMTP, read back with IMAP) or as an .eml file on a stick or shared folder.

What a receiving profile accepts, in order, each refusal changing nothing but the audit
log (which records that a package was refused and why, never what it held):
1. size: larger than any real package -> refused before it is parsed;
2. encrypted to this profile's certificate -> otherwise "for someone else";
3. the inner S/MIME signature matches its content (app.exchange.signed_mime);
4. the signer is on the trust list (app.exchange.trust);
5. attachments: bounded, names without paths, every one matching the signed manifest;
6. the form and version exist here; the PDF's PAdES signature is intact, covers the
   whole file and was made with the same certificate.
A package already received is a no-op; a newer version of a record becomes a new
version here. A child is matched to a child already here only when someone confirms
it (same name and date of birth is a suggestion, never a silent merge).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

from app.domain import ReceivedPackage, Record, Subject
from app.errors import (
    CertificateError,
    ExportError,
    FormDefinitionError,
    ImportRefused,
    InvalidState,
    NotFound,
    TrainingProfileCannotSend,
)
from app.exchange import format as fmt
from app.exchange.trust import (
    PROFILE_TRUST_KEY,
    TrustedCertificate,
    add_to_profile_trust,
    effective_trust,
    machine_trust,
    parse_certificate,
    trusted_signer,
)
from app.export.exports import Exports
from app.export.packaging import ExportedPackage
from app.export.progress import Progress
from app.forms import export_codes, summarise
from app.store.received import ChildDetails, Filing, Provenance, ReceivedStore

DSL_RECIPIENT = "dsl"


@dataclass(frozen=True)
class ImportResult:
    """What importing one package did. `status` is one of:

    filed     - a new record is in the queue awaiting review
    version   - a newer version of a record already here (the old one is superseded)
    held      - verified, but it may be about a child already here: confirm which
    duplicate - this package (or this record) was imported before; nothing changed
    returned  - a record written here came back from the DSL and needs amending
    """

    status: str
    message: str
    received: ReceivedPackage | None = None
    record_id: str | None = None
    subject_id: str | None = None
    candidates: list[Subject] = field(default_factory=list)


class Exchange:
    """Sending, receiving, reviewing and returning records between Haven profiles."""

    def __init__(self, exports: Exports) -> None:
        self.exports = exports
        self.haven = exports.haven
        self.repo = self.haven.repo
        self.received = ReceivedStore(self.haven.session.db)

    # ---- trust -------------------------------------------------------------------------

    def trust_list(self) -> list[TrustedCertificate]:
        return effective_trust(self.repo.get_setting(PROFILE_TRUST_KEY))

    def trust(self, certificate_pem: str, label: str = "") -> TrustedCertificate:
        """Accept packages signed with this certificate (or issued by this CA)."""
        if machine_trust() is not None:
            raise InvalidState(
                "Your organisation manages the trust list on this computer; ask IT to add "
                "the certificate."
            )
        stored = add_to_profile_trust(
            self.repo.get_setting(PROFILE_TRUST_KEY), label, certificate_pem
        )
        self.repo.set_setting(self.haven.actor, PROFILE_TRUST_KEY, stored)
        cert = parse_certificate(certificate_pem)
        return TrustedCertificate(label, cert, locked=False)

    # ---- sending -----------------------------------------------------------------------

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

    # ---- receiving ---------------------------------------------------------------------

    def import_message(self, data: bytes, *, child: str | None = None) -> ImportResult:
        """Check and file one received package (an .eml file's bytes or an IMAP message).

        `child`: None files under a child linked before or a new child, but holds the
        package when a child here has the same name and date of birth; "new" always
        makes a new child; a child's id or reference files it with that child.
        Raises ImportRefused (nothing stored; the refusal is audited by its reason).
        """
        try:
            try:
                return self._import(data, child)
            except (ValueError, IndexError, KeyError, TypeError, AttributeError) as exc:
                # Parsing untrusted bytes: whatever a library raises on input it cannot
                # read is a refusal, never a crash (that would also block an IMAP inbox).
                raise fmt.refused(
                    "malformed", "The package is damaged or not in the form Haven expects."
                ) from exc
        except ImportRefused as exc:
            self.received.refused(self.haven.actor, exc.reason)
            raise

    def _import(self, data: bytes, child: str | None) -> ImportResult:
        from app.exchange.signed_mime import certificate_pem, is_for, verify_signed_entity
        from app.export.certificates import fingerprint_sha256
        from app.export.smime import decrypt_mime

        if len(data) > fmt.MAX_MESSAGE_BYTES:
            raise fmt.too_large()
        try:
            message = message_from_bytes(data, policy=policy.default)
            content_type = message.get_content_type()
            der = message.get_payload(decode=True) if not message.is_multipart() else None
        except (ValueError, TypeError, IndexError) as exc:
            raise fmt.refused("malformed", "The file is not an email message.") from exc
        if content_type not in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
            raise fmt.refused(
                "not-encrypted",
                "This is not a signed and encrypted Haven package, so Haven will not import "
                "it. Nothing was imported.",
            )
        if not isinstance(der, bytes) or not der:
            raise fmt.refused("malformed", "The package's encrypted part is empty or damaged.")
        try:
            identity = self.exports.signing_identity()
        except CertificateError as exc:
            raise fmt.refused("no-certificate", str(exc)) from exc
        if not is_for(der, identity.cert):
            raise fmt.refused(
                "not-for-this-profile",
                "This package was encrypted for someone else's certificate, not this "
                "profile's, so it cannot be opened here. Nothing was imported.",
            )
        from cryptography.hazmat.primitives.asymmetric import rsa

        if not isinstance(identity.key, rsa.RSAPrivateKey):
            raise fmt.refused("no-certificate", "This profile's certificate cannot decrypt.")
        try:
            entity = decrypt_mime(der, identity.cert, identity.key)
        except ExportError as exc:
            raise fmt.refused(
                "malformed", "The package could not be decrypted: it is damaged."
            ) from exc
        verified = verify_signed_entity(entity)
        signer_fp = fingerprint_sha256(verified.signer)
        if trusted_signer(verified.signer, verified.certificates, self.trust_list()) is None:
            raise fmt.refused(
                "untrusted-signer",
                "The package is signed with a certificate this profile does not trust "
                f"(fingerprint {signer_fp[:23]}...). If you expect records from this "
                "sender, add their certificate to the trust list (or ask IT). Nothing was "
                "imported.",
            )
        files = fmt.read_entity(verified.content)
        if fmt.EXCHANGE_FILE not in files:
            raise fmt.refused(
                "not-exchange",
                "This package is a referral export, not a record sent to this Haven. "
                "Nothing was imported.",
            )
        doc = fmt.load_json(files[fmt.EXCHANGE_FILE].data, "exchange file")
        if doc.get("format") != fmt.EXCHANGE_FORMAT or doc.get("format_version") != 1:
            raise fmt.refused(
                "unknown-format",
                "The package was made by a newer Haven in a format this one does not read. "
                "Update Haven, then import it again.",
            )
        kind = doc.get("kind")
        if kind not in fmt.KINDS:
            raise fmt.refused("malformed", "The package does not say what it holds.")
        mine = fingerprint_sha256(identity.cert)
        recipient: dict[str, Any] = _mapping(doc.get("recipient"))
        if recipient.get("certificate_sha256") != mine:
            raise fmt.refused(
                "not-for-this-profile",
                "This package is addressed to another profile's certificate. Nothing was imported.",
            )
        sender: dict[str, Any] = _mapping(doc.get("sender"))
        if sender.get("certificate_sha256") != signer_fp:
            raise fmt.refused(
                "bad-signature",
                "The package names a different sender from the certificate that signed it. "
                "Nothing was imported.",
            )
        package_id = fmt.text(doc.get("package_id"), "the package id", limit=100)
        existing = self.received.by_package(package_id)
        if existing is not None:
            return ImportResult(
                "duplicate",
                "This package was imported before; nothing changed.",
                received=existing,
                record_id=existing.record_id,
            )
        signed_at = verified.signed_at.isoformat() if verified.signed_at else None
        from app.export.verify import _common_name, _to_asn1

        signer_name = _common_name(_to_asn1(verified.signer)) or ""
        base = dict(
            id=str(uuid.uuid4()),
            package_id=package_id,
            message_id=_message_id(message),
            kind=kind,
            origin_subject_id="",
            version=1,
            form_id="",
            form_version=0,
            sender_name=fmt.text(sender.get("name"), "the sender's name", required=False),
            sender_email=fmt.text(sender.get("email"), "the sender's email", required=False),
            signer_name=signer_name,
            signer_fingerprint=signer_fp,
            signer_certificate=certificate_pem(verified.signer),
            signed_at=signed_at,
        )
        if kind == "return":
            return self._apply_return(doc, base)
        return self._receive_record(doc, files, base, verified.signer, child)

    def _apply_return(self, doc: dict[str, Any], base: dict[str, Any]) -> ImportResult:
        ret = doc.get("return")
        if not isinstance(ret, dict):
            raise fmt.refused("malformed", "The returned-record details are missing.")
        record_id = fmt.text(ret.get("record_id"), "the record id", limit=100)
        fmt.text(ret.get("reason"), "the reason for returning it", limit=20_000)
        try:
            record = self.repo.get_record(record_id)
        except NotFound as exc:
            raise fmt.refused(
                "unknown-record",
                "The DSL returned a record that is not in this profile. Nothing was changed.",
            ) from exc
        if self.received.for_record(record.id) is not None:
            raise fmt.refused(
                "unknown-record", "That record was not written in this profile; nothing changed."
            )
        prov = Provenance(
            **{
                **base,
                "origin_record_id": record.id,
                "version": fmt.integer(ret.get("version", record.version), "the version"),
                "form_id": record.form_id,
                "form_version": record.form_version,
            }
        )
        stored = self.received.record_return(self.haven.actor, prov, {"return": ret}, record.id)
        return ImportResult(
            "returned",
            "Your DSL returned a record for amending; it is in your queue.",
            received=stored,
            record_id=record.id,
            subject_id=record.subject_id,
        )

    def _receive_record(
        self,
        doc: dict[str, Any],
        files: dict[str, fmt.Attachment],
        base: dict[str, Any],
        signer: Any,
        child: str | None,
    ) -> ImportResult:
        from app.export.verify import verify_pdf

        rec = doc.get("record")
        if not isinstance(rec, dict) or not isinstance(rec.get("child"), dict):
            raise fmt.refused("malformed", "The record's details are missing.")
        record_id = fmt.text(rec.get("record_id"), "the record id", limit=100)
        ref = fmt.text(rec.get("record_ref"), "the record reference", limit=100)
        form_id = fmt.text(rec.get("form_id"), "the form id", limit=100)
        form_version = fmt.integer(rec.get("form_version"), "the form version")
        try:
            form = self.haven.registry.get(form_id, form_version)
        except FormDefinitionError as exc:
            raise fmt.refused(
                "unknown-form-version",
                f"The record uses form '{form_id}' version {form_version}, which this copy of "
                "Haven does not have. Update Haven, then import the package again. Nothing "
                "was imported.",
            ) from exc
        answers_file = files.get(f"answers-{ref}.json")
        pdf_file = files.get(f"{ref}.pdf")
        if answers_file is None or pdf_file is None:
            raise fmt.refused("malformed", "The record's answers or its PDF are missing.")
        answers_doc = fmt.load_json(answers_file.data, "answers")
        answers = answers_doc.get("answers")
        if (
            not isinstance(answers, dict)
            or answers_doc.get("record_id") != record_id
            or answers_doc.get("form_id") != form_id
            or answers_doc.get("form_version") != form_version
        ):
            raise fmt.refused("malformed", "The answers do not belong to the record described.")
        report = verify_pdf(pdf_file.data, [signer])
        if not (report.signed and report.intact and report.covers_whole_file and report.trusted):
            raise fmt.refused(
                "bad-pdf-signature",
                "The record's PDF signature does not verify, or it was signed by someone "
                "other than the sender. Nothing was imported.",
            )
        if self.received.record_exists(record_id):
            return ImportResult(
                "duplicate",
                "This record is already here; nothing changed.",
                record_id=record_id,
            )
        kid = rec["child"]
        details = ChildDetails(
            name=fmt.text(kid.get("name"), "the child's name"),
            known_as=fmt.text(kid.get("known_as"), "known as", required=False),
            dob=fmt.text(kid.get("dob"), "date of birth", required=False, limit=20) or None,
            gender=fmt.text(kid.get("gender"), "gender", required=False, limit=100),
            local_authority=fmt.text(kid.get("local_authority"), "area", required=False),
        )
        prov = Provenance(
            **{
                **base,
                "origin_record_id": record_id,
                "origin_subject_id": fmt.text(kid.get("subject_id"), "the child id", limit=100),
                "version": fmt.integer(rec.get("version", 1), "the version"),
                "form_id": form.id,
                "form_version": form.version,
            }
        )
        payload = {"exchange": doc, "answers": answers}
        return self._file(prov, payload, pdf_file.data, details, child)

    def _file(
        self,
        prov: Provenance,
        payload: dict[str, Any],
        pdf: bytes | None,
        details: ChildDetails,
        child: str | None,
    ) -> ImportResult:
        rec = payload["exchange"]["record"]
        answers = payload["answers"]
        subject_id: str | None = None
        supersedes = rec.get("supersedes") if isinstance(rec.get("supersedes"), str) else None
        if supersedes and self.received.record_exists(supersedes):
            subject_id = self.repo.get_record(supersedes).subject_id
        if subject_id is None:
            subject_id = self.received.linked_subject(
                prov.signer_fingerprint, prov.origin_subject_id
            )
        new_child: ChildDetails | None = None
        if subject_id is None:
            if child == "new":
                new_child = details
            elif child:
                subject_id = self.repo.get_subject(child).id
            else:
                candidates = self._same_child(details)
                if candidates:
                    held = self.received.hold(self.haven.actor, prov, payload, pdf)
                    refs = ", ".join(c.ref for c in candidates)
                    return ImportResult(
                        "held",
                        f"This record may be about a child already here ({refs}: same name "
                        "and date of birth). Confirm which child it is about before it is "
                        "filed.",
                        received=held,
                        candidates=candidates,
                    )
                new_child = details
        form = self.haven.registry.get(prov.form_id, prov.form_version)
        ctx = self.haven.context(None, None)
        fields = form.record_fields
        episode = None
        if "missing_from" in fields:
            episode = (
                _str(answers.get(fields["missing_from"])),
                _str(answers.get(fields.get("returned_at", ""))),
            )
        interviewed = None
        if fields.get("interviewed_at"):
            interviewed = _str(answers.get(fields["interviewed_at"])) or _str(
                rec.get("completed_at")
            )
        filing = Filing(
            subject_id=subject_id,
            new_child=new_child,
            record_id=prov.origin_record_id,
            record_ref=str(rec.get("record_ref")),
            answers=answers,
            created_by=fmt.text(rec.get("completed_by"), "author", required=False),
            completed_at=_str(rec.get("completed_at")),
            completed_by=_str(rec.get("completed_by")),
            version=prov.version,
            supersedes=supersedes,
            amend_reason=_str(rec.get("amend_reason")),
            summary=summarise(form, answers, ctx),
            episode=episode,
            closes_episode_of=_str(rec.get("episode_record_id")),
            interviewed_at=interviewed,
        )
        stored = self.received.file_record(self.haven.actor, prov, payload, pdf, filing)
        record = self.repo.get_record(prov.origin_record_id)
        status = "version" if record.supersedes else "filed"
        return ImportResult(
            status,
            f"Received {form.title} ({record.ref}), version {record.version}: awaiting review."
            if status == "version"
            else f"Received {form.title} ({record.ref}): awaiting review.",
            received=stored,
            record_id=record.id,
            subject_id=record.subject_id,
        )

    def _same_child(self, details: ChildDetails) -> list[Subject]:
        wanted = _name_key(details.name)
        return [
            s
            for s in self.repo.list_subjects()
            if _name_key(s.name) == wanted and (s.dob or None) == details.dob
        ]

    def _held_details(self, received_id: str) -> tuple[dict[str, Any], ChildDetails]:
        payload = self.received.payload(received_id)
        kid = _mapping(_mapping(_mapping(payload.get("exchange")).get("record")).get("child"))
        details = ChildDetails(
            name=str(kid.get("name") or ""),
            known_as=str(kid.get("known_as") or ""),
            dob=kid.get("dob") or None,
            gender=str(kid.get("gender") or ""),
            local_authority=str(kid.get("local_authority") or ""),
        )
        return payload, details

    def candidates_for(self, received_id: str) -> list[Subject]:
        """Children here a held package may be about (same name and date of birth)."""
        return self._same_child(self._held_details(received_id)[1])

    def file_held(self, received_id: str, child: str) -> ImportResult:
        """File a held package: `child` is a child's id or reference, or "new"."""
        held = self.received.get(received_id)
        if held.state != "awaiting-child":
            raise InvalidState("That package has already been filed.")
        payload, details = self._held_details(received_id)
        prov = Provenance(**{k: getattr(held, k) for k in Provenance.__dataclass_fields__})
        return self._file(prov, payload, self.received.pdf(received_id), details, child)

    # ---- review and return (the DSL's side) --------------------------------------------

    def provenance(self, record_id: str) -> ReceivedPackage | None:
        return self.received.for_record(record_id)

    def _received_for(self, record_id: str) -> ReceivedPackage:
        record = self.haven.record(record_id)
        pkg = self.received.for_record(record.id)
        if pkg is None:
            raise InvalidState("Only a record received from another Haven can be reviewed here.")
        if pkg.state not in ("awaiting-review", "reviewed"):
            raise InvalidState(
                "This record has been returned to its author or replaced by a newer version."
            )
        return pkg

    def mark_reviewed(self, record_id: str, note: str = "") -> ReceivedPackage:
        pkg = self._received_for(record_id)
        return self.received.decide(self.haven.actor, pkg.id, "reviewed", note.strip(), "review")

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

    def open_returns(self) -> list[tuple[Record, ReceivedPackage]]:
        """Records written here that a DSL returned and that have no completed amendment."""
        out: list[tuple[Record, ReceivedPackage]] = []
        seen: set[str] = set()
        for ret in reversed(self.received.list(kind="return")):
            if not ret.record_id or ret.record_id in seen:
                continue
            seen.add(ret.record_id)
            try:
                record = self.repo.get_record(ret.record_id)
            except NotFound:
                continue
            if not _amended(self, record):
                out.append((record, ret))
        return out

    def return_reason(self, received_id: str) -> str:
        ret = self.received.payload(received_id).get("return") or {}
        return str(ret.get("reason") or "")

    # ---- reading many files ------------------------------------------------------------

    def import_files(
        self, blobs: Sequence[tuple[str, bytes]], *, child: str | None = None
    ) -> list[tuple[str, ImportResult | ImportRefused]]:
        """Import several files; one refusal does not stop the others."""
        out: list[tuple[str, ImportResult | ImportRefused]] = []
        for name, data in blobs:
            try:
                out.append((name, self.import_message(data, child=child)))
            except ImportRefused as exc:
                out.append((name, exc))
        return out


def _amended(exchange: Exchange, record: Record) -> bool:
    """Whether a completed newer version of `record` exists (the return is answered)."""
    current = record
    while current.superseded_by:
        current = exchange.repo.get_record(current.superseded_by)
        if not current.is_draft:
            return True
    return False


def _name_key(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(folded.split())


def _message_id(message: Any) -> str:
    """The outer Message-ID (clear, unsigned): a damaged one refuses the package."""
    try:
        value = message.get("Message-ID", "")
        return fmt.text(str(value or ""), "Message-ID", required=False)
    except (ValueError, IndexError, TypeError, AttributeError) as exc:
        raise fmt.refused("malformed", "The package's Message-ID header is damaged.") from exc


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def summary_json(result: ImportResult) -> dict[str, Any]:
    """A JSON-ready summary for the command line (no answers, no child's name)."""
    return {
        "status": result.status,
        "message": result.message,
        "record_id": result.record_id,
        "subject_id": result.subject_id,
        "received_id": result.received.id if result.received else None,
        "candidates": [c.ref for c in result.candidates],
    }
