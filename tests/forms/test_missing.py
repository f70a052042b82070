"""Section 11 rules over missing episodes: the 72-hour interview and repeat missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.forms import (
    RepeatWindow,
    add_months,
    repeat_missing,
    return_interview_due,
    return_interview_status,
)


@dataclass(frozen=True)
class Episode:
    id: str
    missing_from: datetime


def episodes(*days: str) -> list[Episode]:
    return [
        Episode(id=f"e{index}", missing_from=datetime.fromisoformat(f"{day}T21:30"))
        for index, day in enumerate(days, start=1)
    ]


RETURNED = datetime(2026, 11, 19, 14, 10)


def test_interview_is_due_72_hours_after_return() -> None:
    assert return_interview_due(RETURNED) == datetime(2026, 11, 22, 14, 10)
    assert return_interview_due(RETURNED, hours=48) == datetime(2026, 11, 21, 14, 10)


def test_exactly_72_hours_is_due_but_not_overdue() -> None:
    due, hours_left, overdue = return_interview_status(RETURNED, RETURNED + timedelta(hours=72))
    assert due == datetime(2026, 11, 22, 14, 10)
    assert hours_left == 0 and overdue is False


def test_one_second_after_72_hours_is_overdue() -> None:
    status = return_interview_status(RETURNED, RETURNED + timedelta(hours=72, seconds=1))
    assert status.overdue is True and status.hours_left < 0


def test_time_left_counts_down() -> None:
    status = return_interview_status(RETURNED, RETURNED + timedelta(hours=30))
    assert status.hours_left == 42 and not status.overdue


def test_a_held_interview_freezes_the_status() -> None:
    on_time = return_interview_status(
        RETURNED, now=RETURNED + timedelta(days=30), interviewed_at=RETURNED + timedelta(hours=70)
    )
    assert not on_time.overdue and on_time.hours_left == 2
    late = return_interview_status(
        RETURNED, now=RETURNED + timedelta(days=30), interviewed_at=RETURNED + timedelta(hours=73)
    )
    assert late.overdue


@pytest.mark.skipif(not Path("/usr/share/zoneinfo/Europe/London").exists(), reason="no tz database")
def test_a_clock_change_does_not_move_the_deadline_for_aware_times() -> None:
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    returned = datetime(2026, 3, 27, 12, 0, tzinfo=london)  # clocks go forward on 29 March
    due = return_interview_due(returned)
    assert due == datetime(2026, 3, 30, 13, 0, tzinfo=london)
    assert due.astimezone(UTC) - returned.astimezone(UTC) == timedelta(hours=72)
    on_the_hour = return_interview_status(returned, datetime(2026, 3, 30, 13, 0, tzinfo=london))
    assert on_the_hour.hours_left == 0 and not on_the_hour.overdue
    an_hour_early = return_interview_status(returned, datetime(2026, 3, 30, 12, 0, tzinfo=london))
    assert an_hour_early.hours_left == 1


# --- repeat missing ------------------------------------------------------------------------


def test_three_episodes_spanning_exactly_three_months_are_repeat_missing() -> None:
    result = repeat_missing(episodes("2026-01-01", "2026-02-15", "2026-04-01"))
    assert result.flag and result.episodes == ["e1", "e2", "e3"]


def test_one_day_past_three_months_is_not_repeat_missing() -> None:
    result = repeat_missing(episodes("2026-01-01", "2026-02-15", "2026-04-02"))
    assert not result.flag and result.episodes == []


def test_month_ends_clamp_to_the_shorter_month() -> None:
    assert repeat_missing(episodes("2026-11-30", "2027-01-10", "2027-02-28")).flag
    assert not repeat_missing(episodes("2026-11-30", "2027-01-10", "2027-03-01")).flag


def test_29_february_in_a_leap_year() -> None:
    assert repeat_missing(episodes("2023-11-30", "2024-01-10", "2024-02-29")).flag
    assert not repeat_missing(episodes("2023-11-30", "2024-01-10", "2024-03-01")).flag
    assert repeat_missing(episodes("2024-02-29", "2024-04-01", "2024-05-29")).flag
    assert not repeat_missing(episodes("2024-02-29", "2024-04-01", "2024-05-30")).flag


def test_a_30_day_window() -> None:
    thirty = RepeatWindow(days=30)
    assert repeat_missing(episodes("2026-01-01", "2026-01-15", "2026-01-31"), window=thirty).flag
    assert not repeat_missing(
        episodes("2026-01-01", "2026-01-15", "2026-02-01"), window=thirty
    ).flag


def test_count_is_configurable() -> None:
    days = episodes("2026-01-01", "2026-01-15", "2026-01-31")
    assert not repeat_missing(days, count=4).flag
    assert repeat_missing(days, count=2).episodes == ["e1", "e2", "e3"]


def test_most_recent_qualifying_window_is_reported() -> None:
    history = episodes(
        "2025-01-01",
        "2025-01-10",
        "2025-01-20",  # an old run
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
        "2026-03-15",  # the current run
    )
    result = repeat_missing(list(reversed(history)))
    assert result.flag and result.episodes == ["e4", "e5", "e6", "e7"]


def test_fewer_than_count_and_empty() -> None:
    assert not repeat_missing([]).flag
    assert not repeat_missing(episodes("2026-01-01", "2026-01-02")).flag


def test_same_day_episodes_count_separately_and_dates_work() -> None:
    @dataclass(frozen=True)
    class DayEpisode:
        id: int
        missing_from: date

    same_day = [DayEpisode(n, date(2026, 5, 1)) for n in range(3)]
    assert repeat_missing(same_day).episodes == [0, 1, 2]


@pytest.mark.parametrize(
    "window", [{"months": 0, "days": 0}, {"months": 3, "days": 30}, {"days": -1}]
)
def test_a_window_is_months_or_days(window: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="months or of days"):
        RepeatWindow(**window)


def test_count_must_be_positive() -> None:
    with pytest.raises(ValueError):
        repeat_missing([], count=0)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 1), 3, date(2026, 4, 1)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected
