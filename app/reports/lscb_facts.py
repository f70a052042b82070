"""What the records say, for the LSCB dataset: each child's settled screenings, the return
interviews, missing episodes and information reports of a profile, read through the forms
engine with the form version each record was completed on, so an answer the form hides is
never counted. Only the groups of the data file (resources/lscb.yaml) leave here: gender
and ethnicity are typed freely, so they are never passed on as typed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from app.domain import MissingEpisode, Record, RecordFilter, Subject
from app.forms.dates import (
    age_on,
    naive_local,
    parse_date,
    parse_datetime,
)
from app.forms.definitions import FormDefinition
from app.forms.evaluation import FormState
from app.forms.missing import return_interview_status
from app.reports.lscb_config import (
    AgeBand,
    Group,
    LscbConfig,
    words_of,
)

if TYPE_CHECKING:
    from app.service import Haven

_DONE_STATUSES = ("completed", "signed", "queued", "sent")
"""A record in one of these states counts: it was completed, whatever happened after."""


# ---- what the records say -----------------------------------------------------------------


@dataclass(frozen=True)
class ScreeningFact:
    subject_id: str
    day: date
    stamp: str
    category: str
    age_band: str
    gender: str
    ethnicity: str


@dataclass(frozen=True)
class InterviewFact:
    day: date
    offered: bool
    completed: bool
    in_time: bool


@dataclass(frozen=True)
class EpisodeFact:
    subject_id: str
    day: date


@dataclass
class Facts:
    screenings: list[ScreeningFact]
    risk_assessments: list[date]
    episodes: list[EpisodeFact]
    interviews: list[InterviewFact]
    reports_sent: list[date]


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


def completed_day(record: Record) -> date:
    """The local day the record was completed (the store keeps UTC stamps)."""
    stamp = record.completed_at or record.updated_at
    try:
        return naive_local(datetime.fromisoformat(stamp)).date()
    except ValueError:
        return date.min


def day_of(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def moment_of(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


def settled_records(
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


def gather_facts(haven: Haven, config: LscbConfig) -> Facts:
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
        return day_of(value) or completed_day(record)

    facts = Facts([], [], [], [], [])
    source = config.screening
    categories = {c.value for c in source.categories}
    for record, _ in settled_records(haven, source.form_id):
        found, form = state(record)
        category = found.root.value_of(source.category_item)
        if not isinstance(category, str) or category not in categories:
            continue
        when = day_of(found.root.value_of(form.date_item)) if form.date_item else None
        when = when or completed_day(record)
        subject = subjects.get(record.subject_id)
        born = day_of(found.root.value_of(source.dob_item)) or parse_date(
            subject.dob if subject else None
        )
        gender = found.root.value_of(source.gender_item)
        ethnicity = found.root.value_of(source.ethnicity_item)
        facts.screenings.append(
            ScreeningFact(
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
    for record, _ in settled_records(haven, config.risk_assessment.form_id):
        facts.risk_assessments.append(day(record, config.risk_assessment.date_item))
    for record, _ in settled_records(haven, config.missing_episode.form_id):
        facts.episodes.append(
            EpisodeFact(record.subject_id, day(record, config.missing_episode.date_item))
        )
    interview = config.return_interview
    for record, _ in settled_records(haven, interview.form_id):
        found, _form = state(record)
        episode = episodes.get(record.episode_id or "")
        # The episode's own return time wins: it is what the 72 hours run from (section
        # 11), and an amended episode moves it; the interview's copy is a prefill.
        returned = episode_return(episode) or moment_of(found.root.value_of(interview.date_item))
        status = found.root.value_of(interview.status_item)
        held = moment_of(found.root.value_of(interview.interview_item))
        completed = status in interview.completed
        in_time = (
            completed
            and held is not None
            and returned is not None
            and held >= returned
            and not return_interview_status(returned, held, held, interview.within_hours).overdue
        )
        facts.interviews.append(
            InterviewFact(
                day=returned.date() if returned is not None else completed_day(record),
                offered=status in interview.offered,
                completed=completed,
                in_time=in_time,
            )
        )
    report = config.information_report
    for record, sent in settled_records(haven, report.form_id, report.sent_statuses):
        if sent:
            facts.reports_sent.append(day(record, report.date_item))
    return facts


def episode_return(episode: MissingEpisode | None) -> datetime | None:
    return parse_datetime(episode.returned_at) if episode is not None else None
