"""Rules over missing episodes that span records rather than living in one form.

Section 11 of the framework: a return interview is due within 72 hours of the child's
return, and 3 or more missing episodes within 3 months mean an automatic discussion at
MASE. SPEC 2.4 makes the count and window settings (some areas use 3 in 30 days), so both
are parameters here. Only the standard library is used (no dateutil): month arithmetic is
``dates.add_months``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Generic, NamedTuple, Protocol, TypeVar

from app.forms.dates import add_months

RETURN_INTERVIEW_HOURS = 72
"""Section 11 / statutory guidance: interview within 72 hours of return."""


def return_interview_due(returned_at: datetime, hours: int = RETURN_INTERVIEW_HOURS) -> datetime:
    """When the return interview is due: ``hours`` real hours after the return.

    Naive (local wall-clock) times are added as wall-clock hours, like every time in the
    answers. For zone-aware times the hours are counted in UTC, so a clock change inside
    the 72 hours does not move the deadline by an hour.
    """
    if returned_at.tzinfo is None:
        return returned_at + timedelta(hours=hours)
    return (returned_at.astimezone(UTC) + timedelta(hours=hours)).astimezone(returned_at.tzinfo)


class ReturnInterviewStatus(NamedTuple):
    """``due``; ``hours_left`` until due (negative once past); ``overdue``."""

    due: datetime
    hours_left: float
    overdue: bool


def return_interview_status(
    returned_at: datetime,
    now: datetime,
    interviewed_at: datetime | None = None,
    hours: int = RETURN_INTERVIEW_HOURS,
) -> ReturnInterviewStatus:
    """How the 72-hour deadline stands at ``now`` (or at the interview, once held).

    Exactly 72 hours after the return is still on time; overdue means strictly later. When
    the interview has happened, the status is frozen at the interview time: it was either
    held in time or late.
    """
    due = return_interview_due(returned_at, hours)
    moment = interviewed_at if interviewed_at is not None else now
    # Python compares and subtracts aware times sharing a tzinfo by wall clock; UTC is exact.
    exact_due, exact_moment = _exact(due), _exact(moment)
    hours_left = (exact_due - exact_moment).total_seconds() / 3600
    return ReturnInterviewStatus(due=due, hours_left=hours_left, overdue=exact_moment > exact_due)


def _exact(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC)


_Id = TypeVar("_Id", covariant=True)
_IdT = TypeVar("_IdT")


class EpisodeLike(Protocol[_Id]):
    """Anything with an ``id`` and the date-time the child went missing."""

    @property
    def id(self) -> _Id: ...

    @property
    def missing_from(self) -> date: ...


@dataclass(frozen=True)
class DatedEpisode:
    """An episode's id and the date the child went missing: what `repeat_missing` reads."""

    id: str
    missing_from: date


@dataclass(frozen=True)
class RepeatWindow:
    """A window of calendar ``months`` or of ``days`` (exactly one of them, positive)."""

    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if (self.months > 0) == (self.days > 0) or self.months < 0 or self.days < 0:
            raise ValueError("a repeat-missing window is a number of months or of days")

    def end_from(self, start: date) -> date:
        """The last day still inside a window that starts on ``start`` (inclusive)."""
        try:
            if self.months:
                return add_months(start, self.months)
            return start + timedelta(days=self.days)
        except (ValueError, OverflowError):
            return date.max


THREE_MONTHS = RepeatWindow(months=3)


@dataclass(frozen=True)
class RepeatMissing(Generic[_IdT]):
    """Whether the child is repeat-missing, and the episodes that make it so (by id)."""

    flag: bool
    episodes: list[_IdT] = field(default_factory=list)


def _day(moment: date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def repeat_missing(
    episodes: Sequence[EpisodeLike[_IdT]],
    count: int = 3,
    window: RepeatWindow = THREE_MONTHS,
) -> RepeatMissing[_IdT]:
    """Flag ``count`` or more episodes whose start falls within one window (section 11).

    Boundary choice: the window is counted in calendar days, inclusive at both ends. Its
    last day is the first episode's date plus the window: 1 January + 3 months is 1 April,
    so episodes on 1 January, 15 February and 1 April *are* within 3 months; with a
    30-day window, 1 and 31 January are within it. Month ends follow ``add_months``
    (30 November + 3 months is 28/29 February). Times of day are ignored, so two episodes
    on the edge days count however late the second began. This errs towards flagging: a
    MASE discussion that was not needed costs less than one that was missed.

    ``episodes`` lists the ids (oldest first) in the most recent qualifying window: the
    window ending at the latest episode that completes a qualifying run, stretched back to
    the earliest episode still within the window of it.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    ordered = sorted(episodes, key=lambda episode: _day(episode.missing_from))
    days = [_day(episode.missing_from) for episode in ordered]
    start = 0
    best: tuple[int, int] | None = None
    for end in range(len(days)):
        while window.end_from(days[start]) < days[end]:
            start += 1
        if end - start + 1 >= count:
            best = (start, end)
    if best is None:
        return RepeatMissing(flag=False, episodes=[])
    first, last = best
    return RepeatMissing(flag=True, episodes=[episode.id for episode in ordered[first : last + 1]])
