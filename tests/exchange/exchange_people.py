"""People for the Haven-to-Haven tests: a teacher, a youth worker and their DSL.

Each person has a profile of their own (fast Argon2 settings) with their own signing and
encryption certificate, made once per run; the practitioners name the DSL as their "dsl"
recipient and the DSL trusts the practitioners' certificates (and they trust the DSL's,
so returns come back). A module with its own name (not conftest) so that tests can
import these constants whatever other conftest modules are loaded.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from app.domain import ProfileInfo, Record, Subject
from app.exchange.relay import Exchange
from app.export.exports import Exports
from app.keys import KdfParams
from app.profile import Session
from app.service import Haven

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "forms" / "examples"
PASSPHRASE = "copper kettle winter lantern"
FAST_KDF = KdfParams(memory_kib=8192, time_cost=1, parallelism=1)
NOW = dt.datetime(2026, 11, 25, 9, 30)
CHILD_NAME = "Zoë Łukasiewicz-Ó'Briain"
CHILD_DOB = "2012-02-10"
RAW_NAME_CANARIES = (b"Zo\xc3\xab", "Łukasiewicz".encode(), b"Lukasiewicz", b"Briain")

TEACHER = ProfileInfo(
    name="Sam Teacher",
    role="practitioner",
    agency="Example Academy",
    local_authority="Sandwell",
    email="teacher@school.example",
)
YOUTH_WORKER = ProfileInfo(
    name="Jo Youthworker",
    role="practitioner",
    agency="Example Youth Service",
    local_authority="Sandwell",
    email="youth@youth.example",
)
DSL = ProfileInfo(
    name="Robin Lead",
    role="dsl",
    agency="Example Academy",
    local_authority="Sandwell",
    email="dsl@school.example",
)


def example(form_id: str) -> dict[str, Any]:
    answers: dict[str, Any] = json.loads((EXAMPLES / f"{form_id}.json").read_text("utf-8"))
    return answers


@dataclass(frozen=True)
class Identity:
    p12: bytes
    password: str
    cert_pem: str


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


def _identity(org: str, email: str) -> Identity:
    from app.export.certificates import create_self_signed, to_pkcs12

    key, cert = create_self_signed(org, email=email)
    password = "pkcs12 test password"
    return Identity(
        p12=to_pkcs12(key, cert, password),
        password=password,
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )


PersonMaker = Callable[..., Person]
