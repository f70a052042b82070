"""Records go from a practitioner's Haven to the DSL's and back, as .eml files."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from exchange_people import TEACHER, example

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
    # read-only: a received record cannot be amended here, nor relayed on as if written here
    with pytest.raises(InvalidState, match="read-only"):
        trio.dsl.haven.amend(record.id, "I would like to change it")
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


def _send(person: Any, record: Any) -> bytes:
    return bytes(person.exchange.send_record(record.id, queue=False).message_bytes)


def test_return_travels_back_and_the_amendment_flows_in_as_a_new_version(trio: Any) -> None:
    child = trio.teacher.add_child()
    record = trio.teacher.shared("screening", child)
    trio.dsl.exchange.import_message(_send(trio.teacher, record))

    with pytest.raises(InvalidState):
        trio.dsl.exchange.return_to_author(record.id, "   ")
    returned = trio.dsl.exchange.return_to_author(
        record.id, "Add the referrer's phone", queue=False
    )
    assert trio.dsl.exchange.provenance(record.id).state == "returned"
    assert "return" in trio.dsl.actions(record.id)

    result = trio.teacher.exchange.import_message(returned.message_bytes)
    assert result.status == "returned"
    assert "returned" in trio.teacher.actions(record.id)
    open_returns = trio.teacher.exchange.open_returns()
    assert [r.id for r, _ in open_returns] == [record.id]
    assert trio.teacher.exchange.return_reason(open_returns[0][1].id) == "Add the referrer's phone"

    amended = trio.teacher.haven.amend(record.id, "DSL asked for the referrer's phone")
    trio.teacher.haven.complete(amended.id)
    assert trio.teacher.exchange.open_returns() == []
    trio.teacher.exports.record_decision(amended.id, example("sharing-decision"))

    result = trio.dsl.exchange.import_message(
        _send(trio.teacher, trio.teacher.haven.record(amended.id))
    )
    assert result.status == "version"
    new = trio.dsl.haven.record(amended.id)
    old = trio.dsl.haven.record(record.id)
    assert new.version == 2 and new.supersedes == record.id
    assert old.superseded_by == amended.id
    assert new.subject_id == old.subject_id
    assert trio.dsl.exchange.provenance(record.id).state == "superseded"
    assert trio.dsl.exchange.provenance(amended.id).state == "awaiting-review"

    trio.dsl.exchange.mark_reviewed(amended.id, "Thanks")
    assert trio.dsl.exchange.provenance(amended.id).state == "reviewed"
    assert trio.dsl.haven.record(amended.id).reviewed_by == "Robin Lead"
    assert "review" in trio.dsl.actions(amended.id)


def test_same_name_and_dob_is_held_until_confirmed(trio: Any) -> None:
    local = trio.dsl.add_child()  # the DSL already knows a child with this name and DOB
    child = trio.teacher.add_child()
    record = trio.teacher.shared("screening", child)
    data = _send(trio.teacher, record)

    before = trio.dsl.counts()
    held = trio.dsl.exchange.import_message(data)
    assert held.status == "held"
    assert [c.id for c in held.candidates] == [local.id]
    after = trio.dsl.counts()
    assert after["records"] == before["records"]
    assert after["subjects"] == before["subjects"]

    filed = trio.dsl.exchange.file_held(held.received.id, local.id)
    assert filed.status == "filed"
    assert trio.dsl.haven.record(record.id).subject_id == local.id

    # the next record about the same child is filed with the same child, no question asked
    second = trio.teacher.shared("screening", child)
    again = trio.dsl.exchange.import_message(_send(trio.teacher, second))
    assert again.status == "filed"
    assert trio.dsl.haven.record(second.id).subject_id == local.id


def test_held_package_can_become_a_new_child(trio: Any) -> None:
    local = trio.dsl.add_child()
    child = trio.teacher.add_child()
    record = trio.teacher.shared("screening", child)
    held = trio.dsl.exchange.import_message(_send(trio.teacher, record))
    filed = trio.dsl.exchange.file_held(held.received.id, "new")
    assert filed.subject_id != local.id
    assert len(trio.dsl.haven.children()) == 2


def test_sending_needs_a_sharing_decision_and_a_configured_dsl(trio: Any, people: Any) -> None:
    from app.errors import SharingDecisionRequired

    child = trio.teacher.add_child()
    record = trio.teacher.completed("screening", child)
    with pytest.raises(SharingDecisionRequired):
        trio.teacher.exchange.send_record(record.id, queue=False)

    lonely = people(TEACHER, "teacher")
    child = lonely.add_child()
    record = lonely.shared("screening", child)
    with pytest.raises(InvalidState, match="not set up yet"):
        lonely.exchange.send_record(record.id, queue=False)


def test_send_queues_in_the_outbox_and_marks_the_record_queued(trio: Any) -> None:
    child = trio.teacher.add_child()
    record = trio.teacher.shared("screening", child)
    package = trio.teacher.exchange.send_record(record.id)
    items = trio.teacher.haven.repo.list_outbox()
    assert [i.id for i in items] == [package.outbox_id]
    assert items[0].recipient == "dsl@school.example"
    assert trio.teacher.haven.record(record.id).status == "queued"


def test_youth_worker_episode_and_interview_reach_the_dsl(trio: Any) -> None:
    child = trio.youth.add_child()
    episode_record = trio.youth.shared("missing-episode", child)
    episode = trio.youth.haven.repo.get_episode(episode_record.id)
    interview_draft = trio.youth.haven.start_record(
        child.id, "return-interview", episode_id=episode.id, answers=example("return-interview")
    )
    interview = trio.youth.haven.complete(interview_draft.id)
    trio.youth.exports.record_decision(interview.id, example("sharing-decision"))

    trio.dsl.exchange.import_message(_send(trio.youth, episode_record))
    trio.dsl.exchange.import_message(_send(trio.youth, interview))

    episodes = trio.dsl.haven.episodes(trio.dsl.haven.record(episode_record.id).subject_id)
    assert len(episodes) == 1
    assert episodes[0].record_id == episode_record.id
    assert episodes[0].missing_from == example("missing-episode")["missing_from"]
    assert episodes[0].interviewed_at  # the interview closed the 72-hour flag here too


def test_held_package_offers_its_candidates_again_later(trio: Any) -> None:
    local = trio.dsl.add_child()
    record = trio.teacher.shared("screening", trio.teacher.add_child())
    held = trio.dsl.exchange.import_message(_send(trio.teacher, record))
    assert [c.id for c in trio.dsl.exchange.candidates_for(held.received.id)] == [local.id]
    trio.dsl.exchange.file_held(held.received.id, local.id)
    with pytest.raises(InvalidState):
        trio.dsl.exchange.file_held(held.received.id, "new")


def test_a_training_profile_cannot_queue_a_return_and_nothing_changes(trio: Any) -> None:
    from app.errors import TrainingProfileCannotSend

    record = trio.teacher.shared("screening", trio.teacher.add_child())
    trio.dsl.exchange.import_message(_send(trio.teacher, record))
    # the same DSL, as if its profile were a training one
    trio.dsl.session.meta = dataclasses.replace(trio.dsl.session.meta, training=True)
    with pytest.raises(TrainingProfileCannotSend):
        trio.dsl.exchange.return_to_author(record.id, "Please amend")
    assert trio.dsl.exchange.provenance(record.id).state == "awaiting-review"
    assert trio.dsl.haven.repo.list_outbox() == []
