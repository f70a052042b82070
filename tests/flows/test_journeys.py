"""SPEC.md section 1 journeys through the service: the youth worker's and the DSL's.

A missing episode, its return interview within 72 hours, the intelligence in it becoming
a prefilled police information report, and the flags the child carries on the way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from app.service import Haven
from tests.haven_testkit import YOUTH_WORKER, example, new_session


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def haven(tmp_path: Path) -> Iterator[tuple[Haven, Clock]]:
    session = new_session(tmp_path / "profile", YOUTH_WORKER)
    # Not the testkit's NOW: the 72-hour flags are timed from a return at 14:10 that day.
    clock = Clock(datetime(2026, 11, 19, 15, 0))
    yield Haven(session, clock=clock), clock
    session.lock()


def test_missing_episode_to_return_interview_to_information_report(
    haven: tuple[Haven, Clock],
) -> None:
    service, clock = haven
    child = service.add_child("Jamie Example", "2012-02-10")
    episode_record = service.start_record(
        child.id,
        "missing-episode",
        answers={
            **example("missing-episode"),
            "missing_from": "2026-11-18T21:30",
            "returned_at": "2026-11-19T14:10",
        },
    )
    service.complete(episode_record.id)
    (episode,) = service.episodes(child.id)
    assert episode.returned_at == "2026-11-19T14:10"

    # 72 hours from 14:10 on the 19th; at 15:00 that day 71 hours are left.
    assert service.episode_flags(episode) == ["Return interview due in 71 hours"]
    flags = service.child_flags(child.id)
    assert any("without a CSE screening" in f for f in flags)  # section 11: screen them
    clock.now = datetime(2026, 11, 22, 14, 10)  # exactly 72 hours: due, not overdue
    assert service.episode_flags(episode) == ["Return interview due in 0 hours"]
    clock.now = datetime(2026, 11, 22, 16, 10)
    assert service.episode_flags(episode) == ["Return interview overdue by 2 hours"]

    interview = service.start_record(
        child.id, "return-interview", parent_id=episode_record.id, episode_id=episode.id
    )
    assert interview.answers["returned_at"] == "2026-11-19T14:10"  # prefilled from the episode
    answers = {**example("return-interview"), "returned_at": "2026-11-19T14:10"}
    service.complete(interview.id, answers=answers)
    (episode,) = service.episodes(child.id)
    assert episode.interviewed_at == answers["interview_at"]
    assert service.episode_flags(episode) == []

    report = service.start_record(child.id, "information-report", parent_id=interview.id)
    assert report.answers["facts"] == answers["intelligence"]
    assert [p["name"] for p in report.answers["people"]] == [
        p["name"] for p in answers["intel_people"]
    ]
    assert "phone" not in report.answers["people"][0]  # only fields the report asks for
    assert report.answers["vehicles"] == answers["intel_vehicles"]
    assert report.answers["addresses"] == answers["intel_places"]
    assert report.parent_id == interview.id


def test_three_episodes_in_three_months_flag_mase(haven: tuple[Haven, Clock]) -> None:
    service, clock = haven
    clock.now = datetime(2026, 11, 25, 9, 0)
    child = service.add_child("Taylor Example", "2011-05-01")
    for day in ("2026-09-01", "2026-10-15", "2026-12-01"):
        service.start_record(
            child.id,
            "missing-episode",
            answers={
                **example("missing-episode"),
                "missing_from": f"{day}T20:00",
                "returned_at": None,
            },
        )
    # 1 September to 1 December is exactly three months: within the window (section 11).
    assert service.repeat_missing_flag(child.id) == (
        "3 missing episodes within 3 months: automatic discussion at MASE (section 11)"
    )
    service.set_setting("repeat_missing_window_days", 30)  # some areas use 3 in 30 days
    assert service.repeat_missing_flag(child.id) is None


def test_category_two_screening_asks_for_a_risk_assessment(haven: tuple[Haven, Clock]) -> None:
    service, clock = haven
    clock.now = datetime(2026, 11, 25, 9, 0)
    child = service.add_child("Jamie Example", "2012-02-10")
    answers = {**example("screening"), "final_category": "2"}
    answers.pop("override_reason", None)
    screening = service.start_record(child.id, "screening", answers=answers)
    service.complete(screening.id)
    assert "Category 2 screening without a risk assessment (section 9)" in service.child_flags(
        child.id
    )
    work = service.my_work()
    assert any("without a risk assessment" in message for _, message in work.needs_action)
    service.start_record(child.id, "risk-assessment", parent_id=screening.id)
    assert not any("risk assessment" in f for f in service.child_flags(child.id))


def test_the_chronology_is_ordered_by_the_forms_own_dates(haven: tuple[Haven, Clock]) -> None:
    service, clock = haven
    clock.now = datetime(2026, 11, 25, 9, 0)
    child = service.add_child("Jamie Example", "2012-02-10")
    november = service.start_record(
        child.id, "screening", answers={**example("screening"), "screening_date": "2026-11-20"}
    )
    # Entered afterwards, about an earlier screening: it belongs further down.
    october = service.start_record(
        child.id, "screening", answers={**example("screening"), "screening_date": "2026-10-01"}
    )
    episode = service.start_record(
        child.id,
        "missing-episode",
        answers={
            **example("missing-episode"),
            "missing_from": "2026-11-01T20:00",
            "returned_at": "2026-11-02T08:00",
        },
    )
    service.save_draft(october.id, {**october.answers, "reason": "Amended later"})
    records = [e.id for e in service.chronology(child.id) if e.kind == "record"]
    assert records.index(november.id) < records.index(october.id)
    whens = {e.id: e.when for e in service.chronology(child.id)}
    assert whens[november.id] == "2026-11-20" and whens[october.id] == "2026-10-01"
    assert whens[episode.id] == "2026-11-01"  # the day the child went missing
    assert records.index(november.id) < records.index(episode.id) < records.index(october.id)
