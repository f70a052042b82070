"""Fixtures for Haven-to-Haven exchange: a teacher, a youth worker and their DSL.

The people themselves (profiles, certificates, constants) are in exchange_people.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from exchange_people import (
    DSL,
    FAST_KDF,
    NOW,
    PASSPHRASE,
    TEACHER,
    YOUTH_WORKER,
    Identity,
    Person,
    PersonMaker,
    _identity,
)

from app.domain import ProfileInfo
from app.exchange.relay import Exchange
from app.export.exports import Exports
from app.profile import create_profile
from app.service import Haven


@pytest.fixture(scope="session")
def identities() -> dict[str, Identity]:
    """One certificate per person for the whole run (RSA 3072 generation is slow)."""
    return {
        "teacher": _identity("Example Academy teacher", TEACHER.email),
        "youth": _identity("Example Youth Service", YOUTH_WORKER.email),
        "dsl": _identity("Example Academy DSL", DSL.email),
        "stranger": _identity("Unknown Organisation", "someone@elsewhere.example"),
    }


@pytest.fixture
def people(tmp_path: Path, identities: dict[str, Identity]) -> Iterator[PersonMaker]:
    """`people(info, identity_name)`: a new profile with that person's certificate."""
    made: list[Person] = []

    def make(info: ProfileInfo, identity: str) -> Person:
        folder = tmp_path / f"profile-{len(made)}-{identity}"
        session = create_profile(folder, info, PASSPHRASE, kdf=FAST_KDF)
        haven = Haven(session, clock=lambda: NOW)
        exports = Exports(haven)
        ident = identities[identity]
        exports.import_certificate(ident.p12, ident.password)
        person = Person(folder, session, haven, exports, Exchange(exports), ident)
        made.append(person)
        return person

    yield make
    for person in made:
        person.lock()


@dataclass
class Trio:
    teacher: Person
    youth: Person
    dsl: Person


@pytest.fixture
def trio(people: PersonMaker) -> Trio:
    """Teacher and youth worker who send to the DSL; everyone trusts everyone's certificate."""
    teacher = people(TEACHER, "teacher")
    youth = people(YOUTH_WORKER, "youth")
    dsl = people(DSL, "dsl")
    for practitioner in (teacher, youth):
        practitioner.exports.set_recipient(
            "dsl", mailbox=DSL.email, certificate_pem=dsl.identity.cert_pem
        )
        practitioner.exchange.trust(dsl.identity.cert_pem, "My DSL")
        dsl.exchange.trust(practitioner.identity.cert_pem, practitioner.session.info.name)
    return Trio(teacher, youth, dsl)
