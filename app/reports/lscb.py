"""The LSCB CSE dataset for one quarter and the year to date: anonymised counts only.

Framework section 19: "An LSCB CSE performance dataset has been agreed at a regional level
Appendix 14 and should be used by LSCB's as one mechanism to evaluate whether partnership
working and services to tackle CSE are achieving the intended outcomes". Appendix 14's
table is not in the framework text, so the measures are Haven issue 12's, with section
11's missing measures (return interviews within 72 hours, children going missing
repeatedly).

Which form and item means what is data (resources/lscb.yaml), never `if form_id == ...`
here (HOUSE_STYLE). Answers are read through the forms engine with the form version each
record was completed on, so an answer the form hides (not relevant) is never counted.

What leaves this module is counts, never a name, date of birth, record id or typed text:
gender and ethnicity are typed freely on the screening tool, so they are only ever
counted through the groups in the data file. Counts from 1 to 4 are shown as "<5" (see
`suppress` for how totals are kept from giving them away). `LscbReport` keeps each
count's true value so tests can check it; everything that writes the report out
(app.reports.lscb_output) uses `Count.text`, and `Count.shown` for charts, only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from app.errors import ReportPeriodError
from app.forms.registry import FormRegistry
from app.reports.lscb_config import (
    LscbConfig,
    Suppression,
    check_config,
    load_config,
)
from app.reports.lscb_facts import (
    EpisodeFact,
    ScreeningFact,
    ethnicity_group,
    gather_facts,
    gender_group,
)
from app.reports.quarters import (
    Period,
    current_quarter,
    previous_quarter,
    quarter_period,
    quarters_of_year,
    year_to_date,
)
from app.reports.suppression import suppress

if TYPE_CHECKING:
    from app.service import Haven

# Where callers have always found them: the data file, the periods and the suppression
# rule are their own modules now (lscb_config, quarters, suppression).
__all__ = [
    "ALL_CATEGORIES",
    "TOTAL",
    "Count",
    "LscbReport",
    "Measure",
    "Period",
    "ProfileTable",
    "ReportPeriodError",
    "Suppression",
    "check_config",
    "current_quarter",
    "ethnicity_group",
    "gender_group",
    "load_config",
    "lscb_dataset",
    "previous_quarter",
    "quarter_change",
    "quarter_period",
    "suppress",
]

ALL_CATEGORIES = "All categories"
TOTAL = "Total"
PeriodName = Literal["quarter", "year_to_date"]


# ---- the report's values ------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """One number of the report. `text` is what may be published ("12", "0", "<5",
    "[c]", "+3"); `value` is the true count, for tests only."""

    value: int
    text: str
    hidden: bool = False

    @property
    def shown(self) -> int:
        """The value a chart may draw: 0 for a hidden count (its label says why)."""
        return 0 if self.hidden else self.value


@dataclass(frozen=True)
class Measure:
    """One line of the dataset; `year_to_date` is None where it has no meaning."""

    key: str
    section: str
    label: str
    quarter: Count
    year_to_date: Count | None


@dataclass(frozen=True)
class ProfileTable:
    """Children screened by one part of their profile (rows) and final category
    (columns); the last row is the category totals and the last column all categories."""

    key: str
    title: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    quarter: tuple[tuple[Count, ...], ...]
    year_to_date: tuple[tuple[Count, ...], ...]

    def count(self, period: PeriodName, row: str, column: str) -> Count:
        cells = self.quarter if period == "quarter" else self.year_to_date
        return cells[self.rows.index(row)][self.columns.index(column)]


@dataclass(frozen=True)
class LscbReport:
    """The dataset for `quarter` and the year to date, ready to print or save."""

    quarter: Period
    year_to_date: Period
    previous_quarter: Period
    generated_on: date
    quarter_ended: bool
    marking: str
    training: bool
    suppression: Suppression
    screened: tuple[Measure, ...]
    profiles: tuple[ProfileTable, ...]
    measures: tuple[Measure, ...]
    notes: tuple[str, ...]

    def measure(self, key: str) -> Measure:
        for measure in (*self.screened, *self.measures):
            if measure.key == key:
                return measure
        raise KeyError(key)


# ---- counting -----------------------------------------------------------------------------


def _latest_per_child(screenings: Iterable[ScreeningFact], period: Period) -> list[ScreeningFact]:
    """Each child once, by the latest screening in the period (its category and profile)."""
    latest: dict[str, ScreeningFact] = {}
    for screened in screenings:
        if screened.day not in period:
            continue
        held = latest.get(screened.subject_id)
        if held is None or (screened.day, screened.stamp) > (held.day, held.stamp):
            latest[screened.subject_id] = screened
    return list(latest.values())


def _frequent(episodes: Iterable[EpisodeFact], period: Period, threshold: int) -> set[str]:
    counts = Counter(e.subject_id for e in episodes if e.day in period)
    return {subject for subject, n in counts.items() if n >= threshold}


_Key = tuple[str, ...]


def _profile_values(
    children: Sequence[ScreeningFact],
    dimensions: Sequence[tuple[str, tuple[str, ...]]],
    columns: Sequence[str],
) -> dict[_Key, int]:
    values: dict[_Key, int] = {("all",): len(children)}
    for column in columns:
        values[("category", column)] = sum(1 for c in children if c.category == column)
    for key, rows in dimensions:
        for row in rows:
            in_row = [c for c in children if _attribute(c, key) == row]
            values[(key, row, ALL_CATEGORIES)] = len(in_row)
            for column in columns:
                values[(key, row, column)] = sum(1 for c in in_row if c.category == column)
    return values


def _attribute(screened: ScreeningFact, key: str) -> str:
    return {"age": screened.age_band, "gender": screened.gender}.get(key, screened.ethnicity)


def _profile_sums(
    dimensions: Sequence[tuple[str, tuple[str, ...]]], columns: Sequence[str]
) -> list[tuple[_Key, list[_Key]]]:
    """Every total the profile tables show, with the counts that add up to it."""
    sums: list[tuple[_Key, list[_Key]]] = [(("all",), [("category", c) for c in columns])]
    for key, rows in dimensions:
        sums.append((("all",), [(key, row, ALL_CATEGORIES) for row in rows]))
        for row in rows:
            sums.append(((key, row, ALL_CATEGORIES), [(key, row, c) for c in columns]))
        for column in columns:
            sums.append((("category", column), [(key, row, column) for row in rows]))
    return sums


def _counts(
    values: Mapping[_Key, int], sums: Sequence[tuple[_Key, list[_Key]]], rule: Suppression
) -> dict[_Key, Count]:
    primary, complementary = suppress(values, sums, rule.below)
    out: dict[_Key, Count] = {}
    for key, value in values.items():
        if key in primary:
            out[key] = Count(value, rule.shown_as, hidden=True)
        elif key in complementary:
            out[key] = Count(value, rule.complementary, hidden=True)
        else:
            out[key] = Count(value, str(value))
    return out


def _single(value: int, rule: Suppression) -> Count:
    if 0 < value < rule.below:
        return Count(value, rule.shown_as, hidden=True)
    return Count(value, str(value))


def quarter_change(now: int, before: int, rule: Suppression) -> Count:
    """This quarter minus the one before, hidden when either is a small number: with the
    previous report's figure known, a shown change would give a hidden count away."""
    value = now - before
    if 0 < now < rule.below or 0 < before < rule.below:
        return Count(value, rule.complementary, hidden=True)
    return Count(value, f"{value:+d}" if value else "0")


def lscb_dataset(haven: Haven, quarter: str, config: LscbConfig | None = None) -> LscbReport:
    """The dataset for `quarter` ("2026Q3") and its year to date, from this profile.

    Raises ReportPeriodError for a quarter Haven cannot read and FormDefinitionError when
    resources/lscb.yaml does not fit the forms.
    """
    config = config or load_config()
    check_config(config, haven.registry)
    months = config.year_starts_month
    period = quarter_period(quarter, months)
    ytd = year_to_date(period, months)
    before = previous_quarter(period, months)
    rule = config.suppression
    facts = gather_facts(haven, config)
    today = haven.clock().date()

    columns = tuple(c.value for c in config.screening.categories)
    labels = {c.value: c.label for c in config.screening.categories}
    dimensions = (
        ("age", (*(b.label for b in config.age_bands), config.unknown)),
        ("gender", (*(g.label for g in config.genders), config.unknown)),
        ("ethnicity", (*(g.label for g in config.ethnicities), config.unknown)),
    )
    titles = {"age": "Age band", "gender": "Gender", "ethnicity": "Ethnicity"}
    sums = _profile_sums(dimensions, columns)
    by_period = {
        name: _counts(
            _profile_values(_latest_per_child(facts.screenings, window), dimensions, columns),
            sums,
            rule,
        )
        for name, window in (("quarter", period), ("year_to_date", ytd))
    }

    def profile_key(row: str, column: str, key: str) -> _Key:
        if row == TOTAL:
            return ("all",) if column == ALL_CATEGORIES else ("category", column)
        return (key, row, column)

    profiles = tuple(
        ProfileTable(
            key=key,
            title=titles[key],
            rows=(*rows, TOTAL),
            columns=(*(labels[c] for c in columns), ALL_CATEGORIES),
            quarter=tuple(
                tuple(
                    by_period["quarter"][profile_key(row, c, key)]
                    for c in (*columns, ALL_CATEGORIES)
                )
                for row in (*rows, TOTAL)
            ),
            year_to_date=tuple(
                tuple(
                    by_period["year_to_date"][profile_key(row, c, key)]
                    for c in (*columns, ALL_CATEGORIES)
                )
                for row in (*rows, TOTAL)
            ),
        )
        for key, rows in dimensions
    )
    section = "Children screened for CSE"
    screened = (
        *(
            Measure(
                key=f"screened.{column}",
                section=section,
                label=labels[column],
                quarter=by_period["quarter"][("category", column)],
                year_to_date=by_period["year_to_date"][("category", column)],
            )
            for column in columns
        ),
        Measure(
            key="screened",
            section=section,
            label="All children screened",
            quarter=by_period["quarter"][("all",)],
            year_to_date=by_period["year_to_date"][("all",)],
        ),
    )

    def count_in(days: Iterable[date], window: Period) -> int:
        return sum(1 for day in days if day in window)

    def both(days: Sequence[date]) -> tuple[Count, Count]:
        return _single(count_in(days, period), rule), _single(count_in(days, ytd), rule)

    threshold = config.frequently_missing
    frequent_now = _frequent(facts.episodes, period, threshold)
    frequent_before = _frequent(facts.episodes, before, threshold)
    frequent_year: set[str] = set()
    for part in quarters_of_year(period, months):
        frequent_year |= _frequent(facts.episodes, part, threshold)
    episode_days = [e.day for e in facts.episodes]
    interviews = facts.interviews
    hours = config.return_interview.within_hours

    def children_missing(window: Period) -> int:
        return len({e.subject_id for e in facts.episodes if e.day in window})

    measures: list[Measure] = []

    def add(key: str, part: str, label: str, counts: tuple[Count, Count | None]) -> None:
        measures.append(Measure(key, part, label, counts[0], counts[1]))

    add(
        "risk_assessments",
        "Risk assessments",
        "CSE risk assessments completed",
        both(facts.risk_assessments),
    )
    add("missing_episodes", "Missing", "Missing episodes", both(episode_days))
    add(
        "children_missing",
        "Missing",
        "Children with a missing episode",
        (_single(children_missing(period), rule), _single(children_missing(ytd), rule)),
    )
    add(
        "frequently_missing",
        "Missing",
        f"Children missing {threshold} or more times in a quarter",
        (_single(len(frequent_now), rule), _single(len(frequent_year), rule)),
    )
    add(
        "frequently_missing_change",
        "Missing",
        f"Change in children missing {threshold} or more times, from {before.name}",
        (quarter_change(len(frequent_now), len(frequent_before), rule), None),
    )
    add(
        "return_interviews_offered",
        "Return interviews",
        "Return interviews offered",
        both([i.day for i in interviews if i.offered]),
    )
    add(
        "return_interviews_completed",
        "Return interviews",
        "Return interviews completed",
        both([i.day for i in interviews if i.completed]),
    )
    add(
        "return_interviews_in_time",
        "Return interviews",
        f"Return interviews completed within {hours} hours of return",
        both([i.day for i in interviews if i.in_time]),
    )
    add(
        "information_reports_sent",
        "Information reports",
        "Information reports sent to police",
        both(facts.reports_sent),
    )

    return LscbReport(
        quarter=period,
        year_to_date=ytd,
        previous_quarter=before,
        generated_on=today,
        quarter_ended=period.end < today,
        marking=haven.text_setting("marking") or config.marking,
        training=haven.training,
        suppression=rule,
        screened=screened,
        profiles=profiles,
        measures=tuple(measures),
        notes=_notes(config, period, ytd, before, _offered_words(haven.registry, config)),
    )


def _offered_words(registry: FormRegistry, config: LscbConfig) -> list[str]:
    """The interview statuses that count as offered, in the form's own words."""
    source = config.return_interview
    item = registry.get(source.form_id).item(source.status_item)
    options = item.options if item is not None else ()
    return [o.label for o in options if o.value in source.offered] or sorted(source.offered)


def _notes(
    config: LscbConfig, period: Period, ytd: Period, before: Period, offered: list[str]
) -> tuple[str, ...]:
    """The definitions printed with the figures, so a reader knows what each one counts."""
    rule = config.suppression
    interview = config.return_interview
    return (
        f"Quarter {period.name}: {period.words()}. Year to date: {ytd.words()}.",
        "Counted: completed records only, never drafts; of an amended record, only its "
        "newest completed version.",
        "Children screened: each child once per period, by their latest screening in it "
        "(its final category, as the practitioner decided it); age on the screening date.",
        "Gender and ethnicity are counted in groups only; anything typed that fits no group, "
        f"or nothing, is '{config.unknown}'.",
        f"Missing episodes are counted by the day the child went missing. Children missing "
        f"{config.frequently_missing} or more times in a quarter: in the year-to-date column, "
        f"in any one quarter of the year so far. The change compares {period.name} with "
        f"{before.name}.",
        "Return interviews are counted by the day the child returned. Offered: "
        + "; ".join(offered)
        + f". Within {interview.within_hours} hours: held no later than "
        f"{interview.within_hours} hours after the return.",
        "Information reports sent: sent from Haven's outbox, counted by the day the "
        "information was received.",
        f"Counts from 1 to {rule.below - 1} are shown as '{rule.shown_as}'. Where counts "
        f"add up to a total shown, a second count may be hidden as '{rule.complementary}' "
        "so that the small one cannot be worked out; a change is hidden as "
        f"'{rule.complementary}' when either quarter's count is small.",
    )
