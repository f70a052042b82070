"""One profile with a signing certificate and a child whose screening may be shared, for
the export job and wizard tests (a module with its own name, never `conftest`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.domain import ProfileInfo, Record, Subject
from app.export.exports import Exports
from app.profile import Session
from app.service import Haven
from tests.haven_testkit import (
    CHILD_DOB,
    CHILD_NAME,
    DSL,
    NOW,
    Identity,
    decision_answers,
    example,
    new_session,
)


@dataclass
class ExportDesk:
    session: Session
    haven: Haven
    exports: Exports
    child: Subject

    @classmethod
    def open(cls, folder: Path, identity: Identity | None, info: ProfileInfo = DSL) -> ExportDesk:
        session = new_session(folder, info)
        haven = Haven(session, clock=lambda: NOW)
        exports = Exports(haven)
        if identity is not None:
            exports.import_certificate(identity.p12, identity.password)
        return cls(session, haven, exports, haven.add_child(CHILD_NAME, CHILD_DOB))

    def completed(self, form_id: str = "screening") -> Record:
        answers = example(form_id)
        if "child_name" in answers:
            answers["child_name"] = self.child.name
        draft = self.haven.start_record(self.child.id, form_id, answers=answers)
        return self.haven.complete(draft.id)

    def shared(self, form_id: str = "screening", decision: str = "shared") -> Record:
        record = self.completed(form_id)
        self.exports.record_decision(record.id, decision_answers(decision))
        return record

    def status(self, record_id: str) -> str:
        return self.haven.record(record_id).status

    def audit(self, record_id: str) -> list[tuple[str, str]]:
        return [(e.action, e.detail) for e in self.haven.repo.audit_entries(record_id)]

    def close(self) -> None:
        if self.session.is_open:
            self.session.lock()
