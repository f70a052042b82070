"""The DSL's queue: every kind of waiting work, each entry pointing at what it is about."""

from __future__ import annotations

from typing import Any

from exchange_people import example

from app.exchange.queue import QUEUE_KINDS, build_queue, queue_json


def _episode(person: Any, child: Any, missing_from: str, returned_at: str) -> Any:
    answers = {**example("missing-episode"), "missing_from": missing_from}
    answers["returned_at"] = returned_at
    draft = person.haven.start_record(child.id, "missing-episode", answers=answers)
    return person.haven.complete(draft.id)


def test_queue_lists_every_kind_of_waiting_work(trio: Any) -> None:
    dsl = trio.dsl
    # received from the teacher, awaiting review
    pupil = trio.teacher.add_child("Pupil Example", "2011-05-05")
    sent = trio.teacher.shared("screening", pupil)
    dsl.exchange.import_message(
        trio.teacher.exchange.send_record(sent.id, queue=False).message_bytes
    )
    # a Category 3 screening of the DSL's own with no risk assessment
    own = dsl.add_child("Own Example", "2010-01-01")
    screening = dsl.completed("screening", own)
    # return interviews: one overdue (returned 19 Nov), one due within 24 hours
    overdue_child = dsl.add_child("Overdue Example", "2010-02-02")
    overdue = _episode(dsl, overdue_child, "2026-11-18T21:30", "2026-11-19T14:10")
    soon_child = dsl.add_child("Soon Example", "2010-03-03")
    soon = _episode(dsl, soon_child, "2026-11-22T10:00", "2026-11-22T15:00")
    # not due yet: returned this morning, 72 hours to go
    later_child = dsl.add_child("Later Example", "2010-04-04")
    _episode(dsl, later_child, "2026-11-24T20:00", "2026-11-25T08:00")
    # three episodes within three months: MASE
    repeat = dsl.add_child("Repeat Example", "2010-05-05")
    episodes = [
        _episode(dsl, repeat, "2026-09-01T20:00", "2026-09-02T08:00"),
        _episode(dsl, repeat, "2026-10-01T20:00", "2026-10-02T08:00"),
        _episode(dsl, repeat, "2026-11-01T20:00", "2026-11-02T08:00"),
    ]
    # an information report completed but not sent to the FIB
    report = dsl.completed("information-report", own)
    # an outbox item the server refused for good
    item = dsl.haven.repo.enqueue(
        dsl.haven.actor, None, "<x@haven.invalid>", "m@x.example", "MASH", b"x"
    )
    dsl.haven.repo.record_attempt(
        dsl.haven.actor, item.id, ok=False, reply_code=550, reply="550 no such user",
        next_attempt_at=None, give_up=True,
    )  # fmt: skip

    queue = build_queue(dsl.exchange)
    counts = queue.counts()

    assert list(counts) == list(QUEUE_KINDS)
    assert [e.record_id for e in queue.of("awaiting-review")] == [sent.id]
    follow_ups = {e.record_id: e for e in queue.of("follow-up")}
    assert screening.id in follow_ups
    # (other follow-ups, e.g. a missing episode's screening, may sort first by time)
    assert "risk assessment" in follow_ups[screening.id].detail
    overdue_records = {e.record_id for e in queue.of("interview-overdue")}
    # the repeat-missing child's three episodes have no interview either
    assert overdue_records == {overdue.id, *(r.id for r in episodes)}
    assert [e.subject_id for e in queue.of("interview-due")] == [soon_child.id]
    assert queue.of("interview-due")[0].record_id == soon.id
    interviews = queue.of("interview-due") + queue.of("interview-overdue")
    assert later_child.id not in {e.subject_id for e in interviews}
    mase = queue.of("mase")
    assert [e.subject_id for e in mase] == [repeat.id]
    expected = {dsl.haven.repo.get_episode(r.id).id for r in episodes}
    assert set(mase[0].episode_ids) == expected
    assert [e.record_id for e in queue.of("report-unsent")] == [report.id]
    assert [e.outbox_id for e in queue.of("outbox-failed")] == [item.id]
    assert counts["returned-to-me"] == 0

    # --json carries ids and references, never a child's name
    text = str(queue_json(queue))
    for name in ("Pupil", "Own Example", "Repeat Example"):
        assert name not in text

    # reviewing takes the record out of the queue
    dsl.exchange.mark_reviewed(sent.id, "Seen")
    assert build_queue(dsl.exchange).of("awaiting-review") == []


def test_practitioner_queue_shows_a_return_until_the_amendment_is_completed(trio: Any) -> None:
    child = trio.teacher.add_child()
    record = trio.teacher.shared("screening", child)
    trio.dsl.exchange.import_message(
        trio.teacher.exchange.send_record(record.id, queue=False).message_bytes
    )
    back = trio.dsl.exchange.return_to_author(record.id, "Please add the dates", queue=False)
    trio.teacher.exchange.import_message(back.message_bytes)

    entries = build_queue(trio.teacher.exchange).of("returned-to-me")
    assert [e.record_id for e in entries] == [record.id]
    assert "Please add the dates" in entries[0].detail

    draft = trio.teacher.haven.amend(record.id, "Dates added")
    assert build_queue(trio.teacher.exchange).of("returned-to-me") != []  # still a draft
    trio.teacher.haven.complete(draft.id)
    assert build_queue(trio.teacher.exchange).of("returned-to-me") == []
