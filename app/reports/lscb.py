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

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from app.domain import MissingEpisode, Record, RecordFilter, Subject
from app.errors import (
    FormDefinitionError,
    ReportPeriodError,
)
from app.forms.dates import (
    add_months,
    age_on,
    format_date,
    naive_local,
    parse_date,
    parse_datetime,
)
from app.forms.definitions import FormDefinition, ItemType
from app.forms.evaluation import FormState
from app.forms.missing import return_interview_status
from app.forms.registry import FormRegistry

if TYPE_CHECKING:
    from app.service import Haven

CONFIG_NAME = "lscb.yaml"
ALL_CATEGORIES = "All categories"
TOTAL = "Total"
PeriodName = Literal["quarter", "year_to_date"]

_QUARTER_RE = re.compile(r"\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*")
_DONE_STATUSES = ("completed", "signed", "queued", "sent")


# ---- the data file ------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    value: str
    label: str


@dataclass(frozen=True)
class AgeBand:
    """Ages from the band before's `below` up to, not including, `below`."""

    label: str
    below: int


@dataclass(frozen=True)
class Group:
    """A gender or ethnicity group and the typed words that put a child in it, each held
    as a tuple of lower-case words (punctuation dropped)."""

    label: str
    phrases: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Suppression:
    below: int
    shown_as: str
    complementary: str


@dataclass(frozen=True)
class ScreeningSource:
    form_id: str
    category_item: str
    categories: tuple[Category, ...]
    dob_item: str
    gender_item: str
    ethnicity_item: str


@dataclass(frozen=True)
class DatedSource:
    """A form counted by date; `date_item` None means the form's own date_item."""

    form_id: str
    date_item: str | None = None


@dataclass(frozen=True)
class ReturnInterviewSource:
    form_id: str
    date_item: str
    status_item: str
    interview_item: str
    offered: frozenset[str]
    completed: frozenset[str]
    within_hours: int


@dataclass(frozen=True)
class InformationReportSource:
    form_id: str
    date_item: str | None
    sent_statuses: frozenset[str]


@dataclass(frozen=True)
class LscbConfig:
    marking: str
    year_starts_month: int
    suppression: Suppression
    frequently_missing: int
    screening: ScreeningSource
    age_bands: tuple[AgeBand, ...]
    genders: tuple[Group, ...]
    ethnicities: tuple[Group, ...]
    unknown: str
    risk_assessment: DatedSource
    missing_episode: DatedSource
    return_interview: ReturnInterviewSource
    information_report: InformationReportSource


def default_config_path() -> Path:
    from app.export.pdf import resources_dir

    return resources_dir() / CONFIG_NAME


def load_config(path: Path | None = None) -> LscbConfig:
    """Read and shape-check resources/lscb.yaml (cached per path).

    Raises FormDefinitionError naming the file and the path inside it.
    """
    return _load_config(path or default_config_path())


@functools.lru_cache(maxsize=8)
def _load_config(path: Path) -> LscbConfig:
    import yaml

    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FormDefinitionError(f"{path.name}: the file could not be read.") from exc
    where = path.name
    top = _mapping(raw, where)
    quarters = _mapping(top.get("quarters"), f"{where}: quarters")
    start_month = _whole(quarters, "year_starts_month", f"{where}: quarters", 1, 12)
    hiding = _mapping(top.get("suppression"), f"{where}: suppression")
    screening = _mapping(top.get("screening"), f"{where}: screening")
    categories = _list(screening.get("categories"), f"{where}: screening.categories")
    interview = _mapping(top.get("return_interview"), f"{where}: return_interview")
    report = _mapping(top.get("information_report"), f"{where}: information_report")
    bands = tuple(
        AgeBand(
            label=_text(band, "label", here),
            below=_whole(band, "below", here, 1, 150),
        )
        for index, entry in enumerate(_list(top.get("age_bands"), f"{where}: age_bands"))
        for here in [f"{where}: age_bands[{index}]"]
        for band in [_mapping(entry, here)]
    )
    if [b.below for b in bands] != sorted({b.below for b in bands}):
        raise FormDefinitionError(f"{where}: age_bands must go up in age, with no band twice.")
    return LscbConfig(
        marking=_text(top, "marking", where),
        year_starts_month=start_month,
        suppression=Suppression(
            below=_whole(hiding, "below", f"{where}: suppression", 1, 1000),
            shown_as=_text(hiding, "shown_as", f"{where}: suppression"),
            complementary=_text(hiding, "complementary", f"{where}: suppression"),
        ),
        frequently_missing=_whole(top, "frequently_missing", where, 1, 1000),
        screening=ScreeningSource(
            form_id=_text(screening, "form", f"{where}: screening"),
            category_item=_text(screening, "category_item", f"{where}: screening"),
            categories=tuple(
                Category(value=_text(cat, "value", here), label=_text(cat, "label", here))
                for index, entry in enumerate(categories)
                for here in [f"{where}: screening.categories[{index}]"]
                for cat in [_mapping(entry, here)]
            ),
            dob_item=_text(screening, "dob_item", f"{where}: screening"),
            gender_item=_text(screening, "gender_item", f"{where}: screening"),
            ethnicity_item=_text(screening, "ethnicity_item", f"{where}: screening"),
        ),
        age_bands=bands,
        genders=_groups(top.get("genders"), "matches", f"{where}: genders"),
        ethnicities=_groups(top.get("ethnicities"), "words", f"{where}: ethnicities"),
        unknown=_text(top, "unknown", where),
        risk_assessment=_dated(top.get("risk_assessment"), f"{where}: risk_assessment"),
        missing_episode=_dated(top.get("missing_episode"), f"{where}: missing_episode"),
        return_interview=ReturnInterviewSource(
            form_id=_text(interview, "form", f"{where}: return_interview"),
            date_item=_text(interview, "date_item", f"{where}: return_interview"),
            status_item=_text(interview, "status_item", f"{where}: return_interview"),
            interview_item=_text(interview, "interview_item", f"{where}: return_interview"),
            offered=_values(interview, "offered", f"{where}: return_interview"),
            completed=_values(interview, "completed", f"{where}: return_interview"),
            within_hours=_whole(interview, "within_hours", f"{where}: return_interview", 1, 1000),
        ),
        information_report=InformationReportSource(
            form_id=_text(report, "form", f"{where}: information_report"),
            date_item=_optional_text(report, "date_item", f"{where}: information_report"),
            sent_statuses=_values(report, "sent_statuses", f"{where}: information_report"),
        ),
    )


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise FormDefinitionError(f"{where}: expected a mapping of names to values.")
    return value


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list) or not value:
        raise FormDefinitionError(f"{where}: expected a list with at least one entry.")
    return value


def _text(spec: Mapping[str, object], key: str, where: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FormDefinitionError(f"{where}.{key}: expected some text.")
    return " ".join(value.split())


def _optional_text(spec: Mapping[str, object], key: str, where: str) -> str | None:
    return _text(spec, key, where) if spec.get(key) is not None else None


def _whole(spec: Mapping[str, object], key: str, where: str, low: int, high: int) -> int:
    value = spec.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FormDefinitionError(f"{where}.{key}: expected a whole number from {low} to {high}.")
    return value


def _values(spec: Mapping[str, object], key: str, where: str) -> frozenset[str]:
    value = spec.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise FormDefinitionError(f"{where}.{key}: expected a list of answer values.")
    return frozenset(str(v) for v in value)


def _dated(raw: object, where: str) -> DatedSource:
    spec = _mapping(raw, where)
    return DatedSource(
        form_id=_text(spec, "form", where), date_item=_optional_text(spec, "date_item", where)
    )


def _groups(raw: object, key: str, where: str) -> tuple[Group, ...]:
    groups: list[Group] = []
    for index, entry in enumerate(_list(raw, where)):
        here = f"{where}[{index}]"
        spec = _mapping(entry, here)
        phrases = spec.get(key)
        if not isinstance(phrases, list) or not phrases:
            raise FormDefinitionError(f"{here}.{key}: expected a list of words.")
        words = tuple(words_of(str(phrase)) for phrase in phrases)
        if not all(words):
            raise FormDefinitionError(f"{here}.{key}: every entry needs a letter or digit.")
        groups.append(Group(label=_text(spec, "label", here), phrases=words))
    return tuple(groups)


_ItemKinds = tuple[ItemType, ...]
_DAY_KINDS: _ItemKinds = ("date", "datetime")
_TEXT_KINDS: _ItemKinds = ("text", "long_text")


def check_config(config: LscbConfig, registry: FormRegistry) -> None:
    """Every named form exists and every version of it has the named items, of a usable
    type; the screening categories and interview statuses are options of their items.

    Every version, not just the latest, because old records keep the version they were
    completed on (FORMAT.md).
    """
    screening = config.screening
    interview = config.return_interview
    report = config.information_report
    # (form, key in the file, [(item or None for the form's date_item, usable types)],
    #  (choice item, the answer values the file names))
    wanted: list[tuple[str, str, list[tuple[str | None, _ItemKinds]], tuple[str, set[str]]]] = [
        (
            screening.form_id,
            "screening",
            [
                (screening.category_item, ("choice",)),
                (screening.dob_item, ("date",)),
                (screening.gender_item, _TEXT_KINDS),
                (screening.ethnicity_item, _TEXT_KINDS),
                (None, _DAY_KINDS),
            ],
            (screening.category_item, {c.value for c in screening.categories}),
        ),
        (
            config.risk_assessment.form_id,
            "risk_assessment",
            [(config.risk_assessment.date_item, _DAY_KINDS)],
            ("", set()),
        ),
        (
            config.missing_episode.form_id,
            "missing_episode",
            [(config.missing_episode.date_item, _DAY_KINDS)],
            ("", set()),
        ),
        (
            interview.form_id,
            "return_interview",
            [
                (interview.date_item, ("datetime",)),
                (interview.status_item, ("choice",)),
                (interview.interview_item, ("datetime",)),
            ],
            (interview.status_item, set(interview.offered | interview.completed)),
        ),
        (
            report.form_id,
            "information_report",
            [(report.date_item, _DAY_KINDS)],
            ("", set()),
        ),
    ]
    for form_id, key, items, (choice_id, options) in wanted:
        where = f"{CONFIG_NAME}: {key}"
        versions = registry.versions(form_id)
        if not versions:
            raise FormDefinitionError(f"{where}.form: there is no form '{form_id}'.")
        for version in versions:
            form = registry.get(form_id, version)
            for item_id, kinds in items:
                name = item_id or form.date_item
                if name is None:
                    raise FormDefinitionError(
                        f"{where}: version {version} of '{form_id}' has no date_item; "
                        "name one here."
                    )
                _check_item(form, name, kinds, where)
            choice = form.item(choice_id) if options else None
            allowed = set(choice.allowed_values()) if choice is not None else set()
            unknown = sorted(options - allowed)
            if unknown:
                raise FormDefinitionError(
                    f"{where}: version {version} of '{form_id}' has no answer "
                    f"'{unknown[0]}' for '{choice_id}'."
                )


def _check_item(form: FormDefinition, item_id: str, kinds: _ItemKinds, where: str) -> None:
    item = form.item(item_id)
    if item is None or item.type not in kinds:
        raise FormDefinitionError(
            f"{where}: version {form.version} of '{form.id}' has no "
            f"{' or '.join(kinds)} item '{item_id}'."
        )


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


# ---- suppression --------------------------------------------------------------------------

_K = TypeVar("_K", bound=Hashable)


def suppress(
    values: Mapping[_K, int],
    sums: Sequence[tuple[_K, Sequence[_K]]],
    below: int,
) -> tuple[set[_K], set[_K]]:
    """The counts to hide: (primary, complementary).

    Primary: every count from 1 to below-1 (0 stays: there is nobody to identify).
    Complementary: each `(total, parts)` in `sums` says total = sum of parts, and all of
    them are shown somewhere in the report. If exactly one of them is hidden, anyone could
    work it out from the others, so one more is hidden: a non-zero part (the total only
    when no part can be), preferring a part whose hiding also pairs up a hidden count in
    another sum it belongs to, and then one that leaves no other sum with a single hidden
    count, and then the smallest, and then the first listed, so the result is the same
    every run. Repeated until no sum has exactly one hidden count, because hiding a count
    can leave another sum it belongs to with exactly one.
    """
    primary = {key for key, value in values.items() if 0 < value < below}
    hidden = set(primary)
    member_of: dict[_K, list[int]] = defaultdict(list)
    for index, (total, parts) in enumerate(sums):
        for key in (total, *parts):
            member_of[key].append(index)

    def hidden_in(index: int) -> int:
        total, parts = sums[index]
        return sum(1 for key in (total, *parts) if key in hidden)

    def effect(key: _K, current: int) -> int:
        """+1 for each other sum this pairs up, -1 for each it leaves with one hidden."""
        score = 0
        for index in member_of[key]:
            if index == current:
                continue
            already = hidden_in(index)
            score += 1 if already == 1 else -1 if already == 0 else 0
        return score

    changed = True
    while changed:
        changed = False
        for index, (total, parts) in enumerate(sums):
            if hidden_in(index) != 1:
                continue
            candidates = [key for key in parts if key not in hidden and values[key] > 0]
            if not candidates and total not in hidden and values[total] > 0:
                candidates = [total]
            if not candidates:
                continue
            order = {key: position for position, key in enumerate(candidates)}
            chosen = min(candidates, key=lambda key: (-effect(key, index), values[key], order[key]))
            hidden.add(chosen)
            changed = True
    return primary, hidden - primary


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


# ---- what the records say -----------------------------------------------------------------


@dataclass(frozen=True)
class _Screened:
    subject_id: str
    day: date
    stamp: str
    category: str
    age_band: str
    gender: str
    ethnicity: str


@dataclass(frozen=True)
class _Interview:
    day: date
    offered: bool
    completed: bool
    in_time: bool


@dataclass(frozen=True)
class _Episode:
    subject_id: str
    day: date


@dataclass
class _Facts:
    screenings: list[_Screened]
    risk_assessments: list[date]
    episodes: list[_Episode]
    interviews: list[_Interview]
    reports_sent: list[date]


def words_of(text: str) -> tuple[str, ...]:
    """Lower-case words, punctuation dropped: "Non-Binary." -> ("non", "binary")."""
    return tuple("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())


def gender_group(text: str | None, groups: Sequence[Group], unknown: str) -> str:
    """The group whose words are the whole of what was typed, or `unknown`."""
    typed = words_of(text or "")
    joined = "".join(typed)
    for group in groups:
        for phrase in group.phrases:
            if typed == phrase or (joined and joined == "".join(phrase)):
                return group.label
    return unknown


def ethnicity_group(text: str | None, groups: Sequence[Group], unknown: str) -> str:
    """The first group (in the file's order) one of whose phrases appears as whole words."""
    typed = words_of(text or "")
    for group in groups:
        for phrase in group.phrases:
            size = len(phrase)
            if any(typed[i : i + size] == phrase for i in range(len(typed) - size + 1)):
                return group.label
    return unknown


def age_band(age: int | None, bands: Sequence[AgeBand], unknown: str) -> str:
    if age is None or age < 0:
        return unknown
    for band in bands:
        if age < band.below:
            return band.label
    return unknown


def _completed_day(record: Record) -> date:
    """The local day the record was completed (the store keeps UTC stamps)."""
    stamp = record.completed_at or record.updated_at
    try:
        return naive_local(datetime.fromisoformat(stamp)).date()
    except ValueError:
        return date.min


def _day_of(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _moment_of(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _settled(
    haven: Haven, form_id: str, statuses: frozenset[str] = frozenset()
) -> list[tuple[Record, bool]]:
    """The newest completed version of each record of the form, and whether any version
    of it reached one of `statuses` (a sent report stays sent when amended later)."""
    records = haven.repo.list_records(RecordFilter(form_id=form_id, include_superseded=True))
    by_id = {record.id: record for record in records}
    chains: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        root, seen = record, {record.id}
        while root.supersedes and root.supersedes in by_id and root.supersedes not in seen:
            root = by_id[root.supersedes]
            seen.add(root.id)
        chains[root.id].append(record)
    settled: list[tuple[Record, bool]] = []
    for versions in chains.values():
        done = [r for r in versions if r.status in _DONE_STATUSES]
        if not done:
            continue
        newest = max(done, key=lambda r: (r.version, r.completed_at or ""))
        settled.append((newest, any(r.status in statuses for r in versions)))
    return settled


def _gather(haven: Haven, config: LscbConfig) -> _Facts:
    subjects: dict[str, Subject] = {s.id: s for s in haven.children()}
    episodes: dict[str, MissingEpisode] = {e.id: e for e in haven.repo.list_episodes()}

    def state(record: Record) -> tuple[FormState, FormDefinition]:
        form = haven.form_for(record)
        ctx = haven.context(record, subjects.get(record.subject_id))
        return FormState(form, record.answers, ctx), form

    def day(record: Record, item_id: str | None) -> date:
        found, form = state(record)
        name = item_id or form.date_item
        value = found.root.value_of(name) if name else None
        return _day_of(value) or _completed_day(record)

    facts = _Facts([], [], [], [], [])
    source = config.screening
    categories = {c.value for c in source.categories}
    for record, _ in _settled(haven, source.form_id):
        found, form = state(record)
        category = found.root.value_of(source.category_item)
        if not isinstance(category, str) or category not in categories:
            continue
        when = _day_of(found.root.value_of(form.date_item)) if form.date_item else None
        when = when or _completed_day(record)
        subject = subjects.get(record.subject_id)
        born = _day_of(found.root.value_of(source.dob_item)) or parse_date(
            subject.dob if subject else None
        )
        gender = found.root.value_of(source.gender_item)
        ethnicity = found.root.value_of(source.ethnicity_item)
        facts.screenings.append(
            _Screened(
                subject_id=record.subject_id,
                day=when,
                stamp=record.completed_at or record.updated_at,
                category=category,
                age_band=age_band(
                    age_on(born, when) if born else None, config.age_bands, config.unknown
                ),
                gender=gender_group(
                    gender if isinstance(gender, str) else (subject.gender if subject else None),
                    config.genders,
                    config.unknown,
                ),
                ethnicity=ethnicity_group(
                    ethnicity if isinstance(ethnicity, str) else None,
                    config.ethnicities,
                    config.unknown,
                ),
            )
        )
    for record, _ in _settled(haven, config.risk_assessment.form_id):
        facts.risk_assessments.append(day(record, config.risk_assessment.date_item))
    for record, _ in _settled(haven, config.missing_episode.form_id):
        facts.episodes.append(
            _Episode(record.subject_id, day(record, config.missing_episode.date_item))
        )
    interview = config.return_interview
    for record, _ in _settled(haven, interview.form_id):
        found, _form = state(record)
        episode = episodes.get(record.episode_id or "")
        # The episode's own return time wins: it is what the 72 hours run from (section
        # 11), and an amended episode moves it; the interview's copy is a prefill.
        returned = _episode_return(episode) or _moment_of(found.root.value_of(interview.date_item))
        status = found.root.value_of(interview.status_item)
        held = _moment_of(found.root.value_of(interview.interview_item))
        completed = status in interview.completed
        in_time = (
            completed
            and held is not None
            and returned is not None
            and held >= returned
            and not return_interview_status(returned, held, held, interview.within_hours).overdue
        )
        facts.interviews.append(
            _Interview(
                day=returned.date() if returned is not None else _completed_day(record),
                offered=status in interview.offered,
                completed=completed,
                in_time=in_time,
            )
        )
    report = config.information_report
    for record, sent in _settled(haven, report.form_id, report.sent_statuses):
        if sent:
            facts.reports_sent.append(day(record, report.date_item))
    return facts


def _episode_return(episode: MissingEpisode | None) -> datetime | None:
    return parse_datetime(episode.returned_at) if episode is not None else None


# ---- counting -----------------------------------------------------------------------------


def _latest_per_child(screenings: Iterable[_Screened], period: Period) -> list[_Screened]:
    """Each child once, by the latest screening in the period (its category and profile)."""
    latest: dict[str, _Screened] = {}
    for screened in screenings:
        if screened.day not in period:
            continue
        held = latest.get(screened.subject_id)
        if held is None or (screened.day, screened.stamp) > (held.day, held.stamp):
            latest[screened.subject_id] = screened
    return list(latest.values())


def _frequent(episodes: Iterable[_Episode], period: Period, threshold: int) -> set[str]:
    counts = Counter(e.subject_id for e in episodes if e.day in period)
    return {subject for subject, n in counts.items() if n >= threshold}


_Key = tuple[str, ...]


def _profile_values(
    children: Sequence[_Screened],
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


def _attribute(screened: _Screened, key: str) -> str:
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
    facts = _gather(haven, config)
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
