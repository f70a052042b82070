"""Reporting periods: quarters of a reporting year that starts in any month (calendar
quarters by default; the UK financial year starts in April), the year to date and the
quarter before, each a run of whole days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from app.errors import (
    ReportPeriodError,
)
from app.forms.dates import (
    add_months,
    format_date,
)

if TYPE_CHECKING:
    pass

_QUARTER_RE = re.compile(r"\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*")


# ---- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A run of whole days, both ends included."""

    name: str
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def words(self) -> str:
        return f"{format_date(self.start)} to {format_date(self.end)}"


def quarter_period(name: str, year_starts_month: int = 1) -> Period:
    """ "2026Q3" as dates: the third quarter of the reporting year named 2026.

    With calendar quarters (year_starts_month 1) that is July to September 2026; with the
    UK financial year (4) it is October to December 2026. Raises ReportPeriodError.
    """
    match = _QUARTER_RE.fullmatch(name)
    if match is None:
        raise ReportPeriodError()
    year, number = int(match.group(1)), int(match.group(2))
    if not 1900 <= year <= 2999:
        raise ReportPeriodError("Give a quarter between 1900Q1 and 2999Q4.")
    start = add_months(date(year, year_starts_month, 1), 3 * (number - 1))
    end = add_months(start, 3) - timedelta(days=1)
    return Period(name=f"{year}Q{number}", start=start, end=end)


def year_to_date(quarter: Period, year_starts_month: int = 1) -> Period:
    """From the start of the quarter's reporting year to the end of the quarter."""
    return Period(
        name=f"{quarter.name} year to date",
        start=date(int(quarter.name[:4]), year_starts_month, 1),
        end=quarter.end,
    )


def previous_quarter(quarter: Period, year_starts_month: int = 1) -> Period:
    year, number = int(quarter.name[:4]), int(quarter.name[-1])
    if number == 1:
        return quarter_period(f"{year - 1}Q4", year_starts_month)
    return quarter_period(f"{year}Q{number - 1}", year_starts_month)


def quarters_of_year(quarter: Period, year_starts_month: int = 1) -> list[Period]:
    """The quarters of the reporting year up to and including `quarter`."""
    year, number = int(quarter.name[:4]), int(quarter.name[-1])
    return [quarter_period(f"{year}Q{n}", year_starts_month) for n in range(1, number + 1)]


def current_quarter(today: date, year_starts_month: int = 1) -> Period:
    """The quarter `today` falls in."""
    months = (today.year * 12 + today.month - 1) - (year_starts_month - 1)
    year, month0 = divmod(months, 12)
    return quarter_period(f"{year}Q{month0 // 3 + 1}", year_starts_month)
