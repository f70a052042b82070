"""The information-sharing decision that gates every export (Appendix 13; SPEC 2.5).

Nothing leaves Haven without a completed decision that permits it; the decision is a
record of the form that declares `permits_export`, attached to the record it is about.
"""

from __future__ import annotations

from typing import Any

from app.domain import Record, RecordFilter
from app.errors import ExportError, InvalidState, SharingDecisionRequired
from app.forms import export_permitted
from app.service import Haven


class SharingDecisions:
    """Record, find and enforce the sharing decisions of one unlocked profile."""

    def __init__(self, haven: Haven) -> None:
        self.haven = haven

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
        self.haven.repo.audit(self.haven.actor, "share-decision", record.id, done.id)
        return done

    def decision_for(self, record_id: str) -> Record | None:
        """The newest completed sharing decision of a record (or of an earlier version)."""
        record = self.haven.record(record_id)
        ids = [record.id]
        while record.supersedes:
            record = self.haven.record(record.supersedes)
            ids.append(record.id)
        for rid in ids:
            for child in self.haven.repo.children_of(rid, self.sharing_form_id()):
                if not child.is_draft:
                    return child
        return None

    def require_permission(self, record: Record) -> Record:
        """The decision permitting `record` to leave; refuses when there is none or it says no."""
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

    def records_for_referral(self, subject_id: str) -> list[Record]:
        """Completed records of a child that could go in a referral, newest first."""
        sharing = self.sharing_form_id()
        return [
            r
            for r in self.haven.repo.list_records(RecordFilter(subject_id=subject_id))
            if not r.is_draft and r.form_id != sharing
        ]
