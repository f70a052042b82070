"""People for the Haven-to-Haven tests: a teacher, a youth worker and their DSL.

Each person has a profile of their own (fast Argon2 settings) with their own signing and
encryption certificate, made once per run (the people, constants and certificates are
tests/haven_testkit.py's, shared with the other test folders); the practitioners name the
DSL as their "dsl" recipient and the DSL trusts the practitioners' certificates (and they
trust the DSL's, so returns come back). A module with its own name (not conftest) so that
tests can import these whatever other conftest modules are loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.domain import Record, Subject
from app.exchange.relay import Exchange
from app.export.exports import Exports
from app.profile import Session
from app.service import Haven
from tests.haven_testkit import (
    CHILD_DOB,
    CHILD_NAME,
    DSL,
    FAST_KDF,
    NOW,
    PASSPHRASE,
    RAW_NAME_CANARIES,
    TEACHER,
    YOUTH_WORKER,
    Identity,
    example,
)

# The exchange tests import the shared people and constants from here.
__all__ = [
    "CHILD_NAME",
    "DSL",
    "FAST_KDF",
    "NOW",
    "PASSPHRASE",
    "RAW_NAME_CANARIES",
    "TEACHER",
    "YOUTH_WORKER",
    "Identity",
    "Person",
    "PersonMaker",
    "example",
]


@dataclass
class Person:
    """One person's unlocked profile and the use cases over it."""

    folder: Path
    session: Session
    haven: Haven
    exports: Exports
    exchange: Exchange
    identity: Identity

    def add_child(self, name: str = CHILD_NAME, dob: str = CHILD_DOB) -> Subject:
        return self.haven.add_child(name, dob, gender="Female")

    def completed(self, form_id: str, child: Subject, **changes: Any) -> Record:
        answers = example(form_id)
        if "child_name" in answers:
            answers["child_name"] = child.name
        answers.update(changes)
        draft = self.haven.start_record(child.id, form_id, answers=answers)
        return self.haven.complete(draft.id)

    def shared(self, form_id: str, child: Subject, **changes: Any) -> Record:
        record = self.completed(form_id, child, **changes)
        self.exports.record_decision(record.id, {**example("sharing-decision")})
        return record

    def actions(self, record_id: str | None = None) -> list[str]:
        return [e.action for e in self.haven.repo.audit_entries(record_id)]

    def counts(self) -> dict[str, int]:
        """Rows in the tables an import may write: a refused import changes none."""
        db = self.session.db
        return {
            table: int(db.execute(f"SELECT COUNT(*) FROM {table}")[0][0])
            for table in ("records", "subjects", "received", "subject_links", "missing_episodes")
        }

    def lock(self) -> None:
        if self.session.is_open:
            self.session.lock()


PersonMaker = Callable[..., Person]
