"""What a MASE pack holds (framework section 11: a child missing 3 or more times in 3
months is discussed at MASE), gathered from one child's records: the child's details, the
risk over time, the missing episodes with their return interviews, the chronology and the
latest screening and risk assessment in full. Plain values only; drawing them is
app.reports.mase_pack_pdf and signing them app.reports.mase_pack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from app.domain import Record, Subject
from app.forms import form_date, return_interview_status
from app.forms.dates import age_on, format_date, format_datetime, naive_local, parse_date
from app.forms.dates import parse_datetime as parse_answer_datetime
from app.reports.risk_over_time import (
    RiskPoint,
    current_completed,
    load_config,
    risk_over_time,
)

if TYPE_CHECKING:
    from app.export.document import PrintDocument
    from app.export.exports import Exports
    from app.service import Haven

PACK_TITLE = "MASE pack"
PACK_LAYOUT = "mase-pack"
PACK_LAYOUT_VERSION = 1
"""What the page header shows where a record's PDF shows its form id and version."""
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class EpisodeRow:
    """One missing episode in words, with its flags (section 11)."""

    missing_from: str
    returned: str
    return_interview: str
    repeat_missing: bool


@dataclass(frozen=True)
class ChronologyRow:
    when: str
    what: str
    status: str
    needs_attention: str


@dataclass(frozen=True)
class MasePackContent:
    """Everything the pack prints, as plain values: the renderer needs no store."""

    subject_ref: str
    details: list[tuple[str, str]]
    flags: list[str]
    points: list[RiskPoint]
    episodes: list[EpisodeRow]
    repeat_missing: str
    chronology: list[ChronologyRow]
    records: list[tuple[str, PrintDocument | None]]
    """(form title, its latest completed record's printable form or None)."""
    marking: str
    prepared_by: str
    prepared_at: datetime
    confidentiality: str
    confidentiality_source: str
    training: bool = False


# ---- gathering --------------------------------------------------------------------------


def gather(exports: Exports, subject: Subject) -> MasePackContent:
    """The pack's content from the store, through the same use cases the window uses."""
    haven = exports.haven
    config = load_config()
    now = haven.clock()
    points = risk_over_time(haven, subject.id, config)
    repeat = haven.repeat_missing_episodes(subject.id)
    repeat_ids = set(repeat[0]) if repeat else set()
    settings = haven.settings()
    hours = int(str(settings["return_interview_hours"]))
    episodes = [
        EpisodeRow(
            missing_from=_when_words(e.missing_from) if e.missing_from else NOT_RECORDED,
            returned=_when_words(e.returned_at) if e.returned_at else "Not returned",
            return_interview=_interview_words(haven, e, now, hours),
            repeat_missing=e.id in repeat_ids,
        )
        for e in sorted(haven.episodes(subject.id), key=lambda e: e.missing_from or e.created_at)
    ]
    if repeat:
        repeat_text = repeat[1]
    else:
        count = settings["repeat_missing_count"]
        days = int(str(settings["repeat_missing_window_days"]))
        span = f"{days} days" if days else f"{settings['repeat_missing_window_months']} months"
        repeat_text = f"Not repeat-missing: fewer than {count} missing episodes within {span}."
    # Drafts are unchecked work in progress: a signed pack for a multi-agency meeting
    # carries completed records and the episodes only.
    chronology = [
        ChronologyRow(
            when=_when_words(entry.when),
            what=entry.title,
            status=", ".join(dict.fromkeys([entry.status, *entry.badges])).capitalize(),
            needs_attention="; ".join(entry.flags),
        )
        for entry in haven.chronology(subject.id)
        if entry.status != "draft"
    ]
    records: list[tuple[str, PrintDocument | None]] = []
    for form_id in config.mase_pack.latest_in_full:
        latest = _latest_completed(haven, subject.id, form_id)
        title = haven.registry.get(form_id).title
        records.append((title, exports.print_document(latest) if latest is not None else None))
    info = haven.session.info
    return MasePackContent(
        subject_ref=subject.ref,
        details=_child_details(subject, now.date()),
        flags=haven.child_flags(subject.id),
        points=points,
        episodes=episodes,
        repeat_missing=repeat_text,
        chronology=chronology,
        records=records,
        marking=exports.marking(config.mase_pack.marking),
        prepared_by=f"{info.name}, {info.agency}" if info.agency else info.name,
        prepared_at=now,
        confidentiality=config.mase_pack.confidentiality,
        confidentiality_source=config.mase_pack.confidentiality_source,
        training=haven.training,
    )


def _child_details(subject: Subject, today: date) -> list[tuple[str, str]]:
    born = parse_date(subject.dob) if subject.dob else None
    dob = NOT_RECORDED
    if born is not None:
        age = age_on(born, today)
        dob = format_date(born) + (f" (age {age})" if age is not None else "")
    return [
        ("Haven reference", subject.ref),
        ("Name", subject.name),
        ("Known as", subject.known_as or NOT_RECORDED),
        ("Date of birth", dob),
        ("Gender", subject.gender or NOT_RECORDED),
        ("Local authority", subject.local_authority or NOT_RECORDED),
    ]


def _latest_completed(haven: Haven, subject_id: str, form_id: str) -> Record | None:
    """The newest completed, current version of a form, by the form's own date."""
    best: tuple[tuple[date, str], Record] | None = None
    for record in current_completed(haven, subject_id, form_id):
        stamp = record.completed_at or record.updated_at
        dated = form_date(haven.form_for(record), record.answers) or _day(stamp)
        key = (dated, stamp)
        if best is None or key > best[0]:
            best = (key, record)
    return best[1] if best is not None else None


def _interview_words(haven: Haven, episode: Any, now: datetime, hours: int) -> str:
    """Section 11: the return interview is due within 72 hours of the child's return."""
    returned = parse_answer_datetime(episode.returned_at)
    if returned is None:
        return "Not due until the child returns"
    if episode.interviewed_at:
        held = _moment(episode.interviewed_at)
        if held is None:
            return "Recorded"
        status = return_interview_status(returned, now, held, hours=hours)
        timing = f"within {hours} hours" if not status.overdue else f"after {hours} hours"
        return f"Held {format_datetime(held)} ({timing})"
    flags = haven.episode_flags(episode)
    return "; ".join(flags) if flags else "Not held"


def _moment(text: str) -> datetime | None:
    """An answer's local time, or a store stamp (UTC, with zone) in local time."""
    moment = parse_answer_datetime(text)
    if moment is not None:
        return moment
    try:
        return naive_local(datetime.fromisoformat(text))
    except ValueError:
        return None


def _when_words(text: str) -> str:
    if "T" in text:
        moment = _moment(text)
        if moment is not None:
            return format_datetime(moment)
    day = parse_date(text)
    return format_date(day) if day is not None else text


def _day(stamp: str) -> date:
    moment = _moment(stamp)
    return moment.date() if moment is not None else date.min
