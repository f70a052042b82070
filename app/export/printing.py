"""A completed record as a PDF, signed when asked (SPEC 3 and 4).

The record's answered sections, outcomes and sharing decision become a `PrintDocument`
(app.export.document), drawn by app.export.pdf. A signed PDF is verified before the
record is marked signed, and every export is audited. Signing is PAdES B-T when a
timestamp authority is configured and reachable, else B-B with the signer's clock:
signing never waits for the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.domain import Record
from app.errors import ExportError, InvalidState
from app.export.identity import SigningCertificate
from app.export.progress import Progress, scaled, tick
from app.export.sharing import SharingDecisions
from app.forms import answered_sections, evaluate_outcomes
from app.service import Haven

if TYPE_CHECKING:
    from app.export.document import PrintAnswer, PrintDocument
    from app.export.verify import SignatureReport

TSA_URL = "tsa_url"


@dataclass(frozen=True)
class ExportedPdf:
    data: bytes
    filename: str
    signed: bool
    report: SignatureReport | None = None


class RecordPdfs:
    """Print documents and (signed) PDFs of the records of one unlocked profile."""

    def __init__(
        self, haven: Haven, sharing: SharingDecisions, certificate: SigningCertificate
    ) -> None:
        self.haven = haven
        self.sharing = sharing
        self.certificate = certificate

    def print_document(self, record: Record) -> PrintDocument:
        return self._print_document(record, self.sharing.decision_for(record.id))

    def _print_document(self, record: Record, decision: Record | None) -> PrintDocument:
        """`record` as printed, with its sharing decision (the caller has looked it up:
        finding it reads the record's children, a scan of the records table)."""
        from app.export.document import PrintDocument, PrintOutcome, PrintSection

        form = self.haven.form_for(record)
        ctx = self.haven.context(record)
        subject = self.haven.repo.get_subject(record.subject_id)
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
        """The organisation's protective marking setting, else the form's own."""
        return self.haven.repo.get_setting("marking") or form_marking

    def export_pdf(
        self, record_id: str, *, sign: bool = False, progress: Progress | None = None
    ) -> ExportedPdf:
        from app.export.pdf import render_pdf

        repo = self.haven.repo
        record = self.haven.record(record_id)
        if record.is_draft:
            raise InvalidState("Only a completed record can be exported.")
        doc = self._print_document(record, self.sharing.require_permission(record))
        data = render_pdf(doc, progress=scaled(progress, 0.0, 0.6))
        report = None
        if sign:
            identity = self.certificate.signing_identity()
            from app.export.signing import TimestampUnavailable, sign_pdf
            from app.export.verify import verify_pdf

            tick(progress, 0.7)
            tsa = repo.get_setting(TSA_URL) or None

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
            tick(progress, 0.9)
            report = verify_pdf(data)
            if not (report.signed and report.intact and report.covers_whole_file):
                raise ExportError("The signature could not be verified, so the PDF was not kept.")
            repo.set_status(self.haven.actor, record.id, "signed", "sign", "pdf")
        repo.audit(self.haven.actor, "export", record.id, "pdf signed" if sign else "pdf")
        tick(progress, 1.0)
        return ExportedPdf(data=data, filename=f"{record.ref}.pdf", signed=sign, report=report)


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
