"""Records go from a practitioner's Haven to the DSL's and back, as .eml files."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import ImportRefused, InvalidState

CHILD_NAME = "Zoë Łukasiewicz-Ó'Briain"


def test_screening_reaches_dsl_read_only_with_provenance(trio: Any) -> None:
    child = trio.teacher.add_child()
    record = trio.teacher.shared("screening", child)
    package = trio.teacher.exchange.send_record(record.id, queue=False)

    result = trio.dsl.exchange.import_message(package.message_bytes)

    assert result.status == "filed"
    received = trio.dsl.haven.record(record.id)
    assert received.status == "completed"
    assert received.answers == trio.teacher.haven.record(record.id).answers
    assert received.form_id == "screening"
    subject = trio.dsl.haven.child(received.subject_id)
    assert subject.name == CHILD_NAME
    prov = trio.dsl.exchange.provenance(record.id)
    assert prov is not None
    assert prov.state == "awaiting-review"
    assert prov.sender_email == "teacher@school.example"
    assert prov.signer_name == "Example Academy teacher document signing"
    assert prov.signed_at
    assert "receive" in trio.dsl.actions(record.id)
    # read-only: a received record cannot be amended into a local draft
    with pytest.raises(InvalidState):
        trio.dsl.exchange.send_record(record.id, queue=False)


def test_reimport_is_a_no_op(trio: Any) -> None:
    child = trio.teacher.add_child()
    record = trio.teacher.shared("screening", child)
    package = trio.teacher.exchange.send_record(record.id, queue=False)
    trio.dsl.exchange.import_message(package.message_bytes)
    before = trio.dsl.counts()
    again = trio.dsl.exchange.import_message(package.message_bytes)
    assert again.status == "duplicate"
    assert trio.dsl.counts() == before


def test_untrusted_signer_refused(people: Any, trio: Any) -> None:
    from conftest import TEACHER

    stranger = people(TEACHER, "stranger")
    stranger.exports.set_recipient(
        "dsl", mailbox="dsl@school.example", certificate_pem=trio.dsl.identity.cert_pem
    )
    child = stranger.add_child()
    record = stranger.shared("screening", child)
    package = stranger.exchange.send_record(record.id, queue=False)
    before = trio.dsl.counts()
    with pytest.raises(ImportRefused) as caught:
        trio.dsl.exchange.import_message(package.message_bytes)
    assert caught.value.reason == "untrusted-signer"
    assert trio.dsl.counts() == before
