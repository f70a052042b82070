"""The repository's use cases: drafts, completion, amendment, deletion, search, outbox and
missing episodes (SPEC 3 lifecycle: draft -> completed -> signed -> queued -> sent; a
completed record is never edited in place)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain import RecordFilter, Subject
from app.errors import InvalidState, NotFound
from app.keys import new_data_key
from app.store import Repository, open_database
from app.store.repository import fts_query

ACTOR = "Pat Worker"


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    """A fresh store per test, keyed with a random raw key (no passphrase needed here)."""
    db = open_database(tmp_path / "haven.db", new_data_key(), create=True)
    yield Repository(db)
    db.close()


@pytest.fixture
def child(repo: Repository) -> Subject:
    return repo.add_subject(ACTOR, "Jordan Zoë Example", "2011-03-04", known_as="JJ")


def actions(repo: Repository, record_id: str | None = None) -> list[str]:
    return [e.action for e in repo.audit_entries(record_id)]


# ---- drafts ------------------------------------------------------------------------------


def test_draft_is_created_saved_and_listed(repo: Repository, child: Subject) -> None:
    draft = repo.create_draft(ACTOR, child.id, "screening", 3, {"q1": "yes"}, problem_count=2)
    assert draft.is_draft and draft.version == 1
    assert re.fullmatch(r"HVN-\d{4}-[A-Z2-9]{6}", draft.ref)
    assert (draft.answers, draft.problem_count, draft.form_version) == ({"q1": "yes"}, 2, 3)
    assert draft.created_by == ACTOR

    repo.save_draft(ACTOR, draft.id, {"q1": "no", "q2": ["a", "b"]}, problem_count=0)
    saved = repo.get_record(draft.ref)  # by reference as well as by id
    assert saved.answers == {"q1": "no", "q2": ["a", "b"]}
    assert saved.problem_count == 0
    assert [r.id for r in repo.list_records(RecordFilter(subject_id=child.id))] == [draft.id]
    assert repo.list_records(RecordFilter(statuses=("completed",))) == []


def test_save_draft_refuses_unknown_and_completed_records(repo: Repository, child: Subject) -> None:
    with pytest.raises(NotFound):
        repo.save_draft(ACTOR, "no-such-record", {})
    draft = repo.create_draft(ACTOR, child.id, "screening", 1, {"q": 1})
    repo.complete_record(ACTOR, draft.id, {"q": 2})
    with pytest.raises(InvalidState):
        repo.save_draft(ACTOR, draft.id, {"q": 3})
    assert repo.get_record(draft.id).answers == {"q": 2}


def test_complete_locks_the_record(repo: Repository, child: Subject) -> None:
    draft = repo.create_draft(ACTOR, child.id, "screening", 1, {"q": 1}, problem_count=3)
    done = repo.complete_record(ACTOR, draft.id, {"q": 1, "r": 2})
    assert done.status == "completed"
    assert done.completed_by == ACTOR and done.completed_at
    assert done.problem_count == 0 and done.answers == {"q": 1, "r": 2}
    with pytest.raises(InvalidState):
        repo.complete_record(ACTOR, draft.id, {})
    with pytest.raises(InvalidState):
        repo.delete_draft(ACTOR, draft.id)


# ---- amendments --------------------------------------------------------------------------


def test_amend_makes_a_linked_new_version_and_supersedes_the_old(
    repo: Repository, child: Subject
) -> None:
    draft = repo.create_draft(ACTOR, child.id, "missing", 1, {"q": "old"}, summary="first")
    repo.save_draft(ACTOR, draft.id, {"q": "old"}, episode=("2025-01-01T10:00", None))
    old = repo.complete_record(ACTOR, draft.id, {"q": "old"}, summary="first")

    new = repo.amend_record(ACTOR, old.id, "date of return was wrong")
    assert new.is_draft and new.version == 2
    assert new.supersedes == old.id and new.amend_reason == "date of return was wrong"
    assert new.answers == {"q": "old"} and new.ref == f"{old.ref}-v2"
    old_now = repo.get_record(old.id)
    assert old_now.superseded_by == new.id
    assert old_now.status == "completed" and old_now.answers == {"q": "old"}
    assert [r.id for r in repo.list_records()] == [new.id]
    assert {r.id for r in repo.list_records(RecordFilter(include_superseded=True))} == {
        old.id,
        new.id,
    }
    # The missing episode follows the current version; search finds only the current one.
    assert repo.get_episode(new.id).record_id == new.id
    assert [h.item_id for h in repo.search(old.ref) if h.kind == "record"] == [new.id]
    with pytest.raises(InvalidState, match="newest"):
        repo.amend_record(ACTOR, old.id, "again")
    with pytest.raises(InvalidState):
        repo.amend_record(ACTOR, new.id, "a draft is edited, not amended")


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_amend_requires_a_reason_and_changes_nothing_without_one(
    repo: Repository, child: Subject, reason: str
) -> None:
    draft = repo.create_draft(ACTOR, child.id, "screening", 1, {})
    old = repo.complete_record(ACTOR, draft.id, {"q": 1})
    audit_before = repo.audit_entries()
    with pytest.raises(InvalidState, match="why"):
        repo.amend_record(ACTOR, old.id, reason)
    assert repo.get_record(old.id).superseded_by is None
    assert len(repo.list_records(RecordFilter(include_superseded=True))) == 1
    assert repo.audit_entries() == audit_before


def test_deleting_an_amendment_restores_the_previous_version(
    repo: Repository, child: Subject
) -> None:
    draft = repo.create_draft(ACTOR, child.id, "missing", 1, {})
    repo.save_draft(ACTOR, draft.id, {}, episode=("2025-02-01T09:00", None))
    old = repo.complete_record(ACTOR, draft.id, {})
    new = repo.amend_record(ACTOR, old.id, "typo")
    repo.delete_draft(ACTOR, new.id)
    assert repo.get_record(old.id).superseded_by is None
    assert [r.id for r in repo.list_records()] == [old.id]
    assert repo.get_episode(old.id).record_id == old.id


# ---- deleting drafts ---------------------------------------------------------------------


def test_delete_draft_is_audited_and_removes_everything_of_it(
    repo: Repository, child: Subject
) -> None:
    parent = repo.create_draft(ACTOR, child.id, "screening", 1, {})
    draft = repo.create_draft(
        ACTOR, child.id, "missing", 1, {}, summary="Wolverhampton station", parent_id=parent.id
    )
    repo.save_draft(
        ACTOR,
        draft.id,
        {},
        episode=("2025-03-01T08:00", "2025-03-02T08:00"),
        summary="Wolverhampton station",
    )
    sub = repo.create_draft(ACTOR, child.id, "return-interview", 1, {}, parent_id=draft.id)
    assert [r.id for r in repo.children_of(parent.id)] == [draft.id]

    repo.delete_draft(ACTOR, draft.id)
    with pytest.raises(NotFound):
        repo.get_record(draft.id)
    assert repo.list_episodes(child.id) == []
    assert repo.get_record(sub.id).parent_id is None
    assert repo.children_of(parent.id) == []
    assert repo.search("Wolverhampton") == []
    entry = repo.audit_entries()[-1]
    assert (entry.action, entry.record_id, entry.detail) == ("delete", draft.id, "missing")
    assert repo.verify_audit().ok


# ---- state changes, review ---------------------------------------------------------------


def test_status_only_moves_forward_and_review_needs_a_completed_record(
    repo: Repository, child: Subject
) -> None:
    draft = repo.create_draft(ACTOR, child.id, "screening", 1, {})
    with pytest.raises(InvalidState):
        repo.set_status(ACTOR, draft.id, "signed", "sign")
    with pytest.raises(InvalidState):
        repo.review_record(ACTOR, draft.id)
    repo.complete_record(ACTOR, draft.id, {})
    repo.set_status(ACTOR, draft.id, "queued", "queue")
    repo.set_status(ACTOR, draft.id, "signed", "sign")  # a later re-sign: audited, not regressed
    assert repo.get_record(draft.id).status == "queued"
    assert actions(repo, draft.id)[-2:] == ["queue", "sign"]
    with pytest.raises(InvalidState):
        repo.set_status(ACTOR, draft.id, "draft", "change")
    reviewed = repo.review_record("Dana Lead", draft.id, "agreed")
    assert (reviewed.reviewed_by, reviewed.review_comment) == ("Dana Lead", "agreed")
    assert reviewed.reviewed_at


def test_subject_update_and_lookup(repo: Repository, child: Subject) -> None:
    updated = repo.update_subject(ACTOR, child.id, known_as="Jay", local_authority="Dudley")
    assert (updated.name, updated.known_as, updated.local_authority) == (
        "Jordan Zoë Example",
        "Jay",
        "Dudley",
    )
    assert repo.get_subject(child.ref).id == child.id
    assert [h.item_id for h in repo.search("Jay")] == [child.id]
    with pytest.raises(ValueError):
        repo.update_subject(ACTOR, child.id, ref="C-0000-HACKED")
    with pytest.raises(NotFound):
        repo.get_subject("nobody")


# ---- search ------------------------------------------------------------------------------


def test_search_finds_a_child_by_name_prefix_and_a_record_by_summary(
    repo: Repository, child: Subject
) -> None:
    other = repo.add_subject(ACTOR, "Casey Other")
    record = repo.create_draft(ACTOR, child.id, "screening", 1, {}, summary="Seen near canal")
    repo.create_draft(ACTOR, other.id, "screening", 1, {}, summary="School referral")

    assert [h.item_id for h in repo.search("Jor")] == [child.id]
    assert [h.item_id for h in repo.search("jordan exam")] == [child.id]
    assert [h.item_id for h in repo.search("zoe")] == [child.id]  # diacritics folded
    hits = repo.search("canal")
    assert [(h.kind, h.item_id, h.subject_id) for h in hits] == [("record", record.id, child.id)]
    assert "[canal]" in hits[0].snippet
    # A later autosave replaces the summary that is searched.
    repo.save_draft(ACTOR, record.id, {}, summary="Seen near bus station")
    assert repo.search("canal") == []
    assert [h.item_id for h in repo.search("bus")] == [record.id]


HOSTILE = [
    '"',
    '""',
    "*",
    "NEAR(",
    "NEAR(a b",
    "AND OR",
    "OR",
    "NOT",
    "a OR",
    ")",
    "(",
    "-",
    "^",
    ":",
    "body:x",
    "{a b}",
    "'; DROP TABLE records; --",
    "\x00",
    "",
    "   ",
    "ü" * 500,
    "a " * 200,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_search_text_never_raises(repo: Repository, child: Subject, query: str) -> None:
    assert isinstance(repo.search(query), list)
    assert repo.list_subjects() == [child]


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_any_search_text_never_raises(repo: Repository, text: str) -> None:
    assert isinstance(repo.search(text), list)


@given(st.text(max_size=80))
def test_fts_query_is_only_quoted_prefix_terms(text: str) -> None:
    query = fts_query(text)
    assert query == "" or re.fullmatch(r'"[^"]+"\*( "[^"]+"\*)*', query)


# ---- outbox ------------------------------------------------------------------------------


def test_enqueue_is_idempotent_by_message_id(repo: Repository, child: Subject) -> None:
    draft = repo.create_draft(ACTOR, child.id, "screening", 1, {})
    repo.complete_record(ACTOR, draft.id, {})
    first = repo.enqueue(ACTOR, draft.id, "<a@haven>", "mash@example.org", "MASH", b"one")
    again = repo.enqueue(ACTOR, draft.id, "<a@haven>", "mash@example.org", "MASH", b"two")
    assert again == first
    assert [i.id for i in repo.list_outbox()] == [first.id]
    assert repo.outbox_message(first.id) == b"one"
    assert actions(repo, draft.id).count("queue") == 1
    other = repo.enqueue(ACTOR, draft.id, "<b@haven>", "police@example.org", "Police", b"3")
    assert {i.id for i in repo.list_outbox(["queued"])} == {first.id, other.id}


def test_record_attempt_transitions(repo: Repository, child: Subject) -> None:
    draft = repo.create_draft(ACTOR, child.id, "screening", 1, {})
    repo.complete_record(ACTOR, draft.id, {})
    item = repo.enqueue(ACTOR, draft.id, "<a@haven>", "mash@example.org", "MASH", b"m")
    assert item.status == "queued" and item.attempts == 0
    assert [i.id for i in repo.due_outbox("2000-01-01T00:00:00+00:00")] == []
    assert [i.id for i in repo.due_outbox("2999-01-01T00:00:00+00:00")] == [item.id]

    repo.mark_sending(item.id)
    # A crash while sending leaves it 'sending': it is due again at once.
    assert [i.id for i in repo.due_outbox("2000-01-01T00:00:00+00:00")] == [item.id]

    later = "2030-01-01T00:00:00+00:00"
    failed = repo.record_attempt(
        ACTOR, item.id, ok=False, reply_code=451, reply="4.3.0 try later", next_attempt_at=later
    )
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("queued", 1, later)
    assert failed.last_error == "4.3.0 try later" and failed.sent_at is None
    assert repo.due_outbox("2029-12-31T23:59:59+00:00") == []
    assert [i.id for i in repo.due_outbox(later)] == [item.id]
    assert repo.get_record(draft.id).status == "completed"

    sent = repo.record_attempt(
        ACTOR, item.id, ok=True, reply_code=250, reply="2.0.0 queued as X1", next_attempt_at=None
    )
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert sent.sent_at and sent.last_reply == "2.0.0 queued as X1"
    assert repo.get_record(draft.id).status == "sent"
    assert [(ok, code) for _at, ok, code, _reply in repo.outbox_attempts(item.id)] == [
        (False, 451),
        (True, 250),
    ]
    assert actions(repo, draft.id)[-2:] == ["send-failed", "send"]


def test_giving_up_marks_the_item_failed(repo: Repository) -> None:
    item = repo.enqueue(ACTOR, None, "<z@haven>", "mash@example.org", "MASH", b"m")
    gave_up = repo.record_attempt(
        ACTOR,
        item.id,
        ok=False,
        reply_code=550,
        reply="5.1.1 no such user",
        next_attempt_at=None,
        give_up=True,
    )
    assert (gave_up.status, gave_up.attempts) == ("failed", 1)
    assert repo.due_outbox("2999-01-01T00:00:00+00:00") == []
    with pytest.raises(NotFound):
        repo.get_outbox_item("nothing")


# ---- missing episodes --------------------------------------------------------------------


def test_save_draft_upserts_one_episode_per_record(repo: Repository, child: Subject) -> None:
    draft = repo.create_draft(ACTOR, child.id, "missing", 1, {})
    repo.save_draft(ACTOR, draft.id, {}, episode=("2025-04-01T20:00", None))
    (episode,) = repo.list_episodes(child.id)
    assert (episode.record_id, episode.missing_from, episode.returned_at) == (
        draft.id,
        "2025-04-01T20:00",
        None,
    )
    repo.save_draft(ACTOR, draft.id, {}, episode=("2025-04-01T21:00", "2025-04-02T07:30"))
    (updated,) = repo.list_episodes(child.id)
    assert updated.id == episode.id
    assert (updated.missing_from, updated.returned_at) == ("2025-04-01T21:00", "2025-04-02T07:30")
    repo.save_draft(ACTOR, draft.id, {"no": "episode change"})
    assert repo.get_episode(draft.id) == updated
    repo.set_interviewed(ACTOR, updated.id, "2025-04-04T10:00")
    assert repo.get_episode(updated.id).interviewed_at == "2025-04-04T10:00"
    last = repo.audit_entries()[-1]
    assert (last.action, last.record_id, last.detail) == (
        "change",
        draft.id,
        "return interview held",
    )
    with pytest.raises(NotFound):
        repo.get_episode("none")
