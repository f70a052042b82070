"""Receiving from another Haven: what a package must be before anything is stored.

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
version here. Filing it under a child is app.exchange.filing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from email import message_from_bytes, policy
from typing import Any

from app.errors import (
    CertificateError,
    ExportError,
    FormDefinitionError,
    ImportRefused,
    NotFound,
)
from app.exchange import format as fmt
from app.exchange.filing import ChildFiling
from app.exchange.participant import ImportResult
from app.exchange.trust import trusted_signer
from app.store.received import ChildDetails, Provenance


class Receiving(ChildFiling):
    """Check, open and file packages that arrive (an .eml file or an IMAP message)."""

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
        recipient: dict[str, Any] = fmt.mapping(doc.get("recipient"))
        if recipient.get("certificate_sha256") != mine:
            raise fmt.refused(
                "not-for-this-profile",
                "This package is addressed to another profile's certificate. Nothing was imported.",
            )
        sender: dict[str, Any] = fmt.mapping(doc.get("sender"))
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
        from app.export.verify import common_name, to_asn1

        signer_name = common_name(to_asn1(verified.signer)) or ""
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


def _message_id(message: Any) -> str:
    """The outer Message-ID (clear, unsigned): a damaged one refuses the package."""
    try:
        value = message.get("Message-ID", "")
        return fmt.text(str(value or ""), "Message-ID", required=False)
    except (ValueError, IndexError, TypeError, AttributeError) as exc:
        raise fmt.refused("malformed", "The package's Message-ID header is damaged.") from exc


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
