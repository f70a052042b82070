"""Calendar arithmetic the forms rely on, with the stdlib only.

Answers hold dates as ``YYYY-MM-DD`` and date-times as ``YYYY-MM-DDTHH:MM`` local wall-clock
time with no zone (FORMAT.md, "Item types and their answer values"). The parsers here
accept exactly those shapes (seconds are tolerated on date-times) rather than everything
``fromisoformat`` would take, so ``20110402`` or a week date is never silently read as a
date of birth.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")


def parse_date(text: object) -> date | None:
    """The date in ``YYYY-MM-DD`` text (a date-time's date part too), or None if not one."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if not isinstance(text, str):
        return None
    if _DATE_RE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    parsed = parse_datetime(text)
    return parsed.date() if parsed is not None else None


def parse_datetime(text: object) -> datetime | None:
    """The local date-time in ``YYYY-MM-DDTHH:MM[:SS]`` text, or None if not one.

    A bare date is read as midnight so that "returned on 3 May" can be compared with a
    date-time; zone-aware values are converted to local wall-clock time, the only kind
    answers hold.
    """
    if isinstance(text, datetime):
        return naive_local(text)
    if isinstance(text, date):
        return datetime.combine(text, time())
    if not isinstance(text, str):
        return None
    if _DATETIME_RE.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None
    if _DATE_RE.fullmatch(text):
        try:
            return datetime.combine(date.fromisoformat(text), time())
        except ValueError:
            return None
    return None


def is_iso_date(text: object) -> bool:
    """True only for a real calendar date written exactly ``YYYY-MM-DD``."""
    return isinstance(text, str) and bool(_DATE_RE.fullmatch(text)) and parse_date(text) is not None


def is_iso_datetime(text: object) -> bool:
    """True only for a real local date-time written ``YYYY-MM-DDTHH:MM`` (or with seconds)."""
    return (
        isinstance(text, str)
        and bool(_DATETIME_RE.fullmatch(text))
        and parse_datetime(text) is not None
    )


def naive_local(moment: datetime) -> datetime:
    """Answers are local wall-clock times with no zone, so compare like with like."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone().replace(tzinfo=None)


def age_on(dob: date, on: date) -> int | None:
    """Whole years of age on a day, or None when the date of birth is after that day.

    A child born on 29 February turns a year older on 1 March in non-leap years: comparing
    (month, day) pairs gives exactly that, because (2, 28) sorts before (2, 29). This is the
    reading of the Family Law Reform Act 1969 s.9 used by the courts and the framework's
    "under 18 on the screening date" rule (SPEC 2.1).
    """
    if dob > on:
        return None
    years = on.year - dob.year
    if (on.month, on.day) < (dob.month, dob.day):
        years -= 1
    return years


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (or earlier when negative).

    When that month is shorter the result is its last day, so 31 January + 1 month is
    28 February (29 in a leap year), as people count "a month later".
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    last = _days_in_month(year, month)
    return day.replace(year=year, month=month, day=min(day.day, last))


def _days_in_month(year: int, month: int) -> int:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - date(year, month, 1)).days


# English month names, whatever the computer's language: the forms, the records and what
# is shared are in English (calendar.month_name follows the locale Qt sets at start-up,
# and importing calendar and locale was a little of every start, issue 11).
MONTH_NAMES = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(day: date) -> str:
    """A date in words as GOV.UK writes them: ``2 April 2011``."""
    return f"{day.day} {MONTH_NAMES[day.month]} {day.year}"


def format_datetime(moment: datetime) -> str:
    """A date-time in words: ``2 April 2011, 14:05`` (24-hour clock)."""
    return f"{format_date(moment.date())}, {moment.hour:02d}:{moment.minute:02d}"
