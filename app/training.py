"""The training profile: fictional children to practise on (SPEC 5; framework Standard 10,
"staff trained and confident in using the tools").

A training profile is an ordinary encrypted profile whose profile.json says `training`:
every window shows "TRAINING — NOT REAL DATA" and it can never send anything
(app.errors.TrainingProfileCannotSend). Its cases come from `resources/training/*.yaml`
(see the README there) and are created through `app.service.Haven` exactly as a
practitioner would create them, so a completed case is validated by the real forms engine:
a training file that does not fit the real forms fails loudly instead of teaching people
with impossible records.

Dates in the files are relative to the moment the profile is made ("@now-80h"), so the
overdue return interview is overdue and the three missing episodes fall within three
months whenever someone practises.

The training passphrase is published on purpose: the data is fictional, and people need to
practise unlocking after an auto-lock.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import yaml

from app.domain import LOCAL_AUTHORITIES
from app.errors import HavenError
from app.fictional import TRAINEE
from app.forms.dates import add_months

if TYPE_CHECKING:
    from app.keys import KdfParams
    from app.profile import Session
    from app.service import Haven

TRAINING_PASSPHRASE = "practise with example cases"  # noqa: S105 - published on purpose
TRAINING_INFO = TRAINEE

RecordStatus = Literal["draft", "completed"]
Progress = Callable[[int, str], None]

_RELATIVE = re.compile(
    r"@(?P<base>today|now)(?P<terms>(?:[+-]\d+[ydhm])*)(?: (?P<time>\d{2}:\d{2}))?"
)
_TERM = re.compile(r"([+-])(\d+)([ydhm])")


class TrainingDataError(HavenError):
    """A training file is malformed or does not fit the forms; names the file, never data."""


@dataclass(frozen=True)
class TrainingRecord:
    """One record of a case; `episode_of` / `parent` name earlier records by their key."""

    key: str
    form: str
    status: RecordStatus
    answers: Mapping[str, Any]
    episode_of: str | None = None
    parent: str | None = None


@dataclass(frozen=True)
class TrainingCase:
    """One fictional child and their records, from one file."""

    source: str
    name: str
    known_as: str
    dob: str | None
    gender: str
    local_authority: str
    records: tuple[TrainingRecord, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class TrainingSummary:
    children: int
    records: int
    completed: int
    drafts: int


def resources_dir() -> Path:
    """resources/training, from source or from a PyInstaller bundle (app.directory's
    resources folder, the one helper that works both ways)."""
    from app.directory import resources_dir as resources

    return resources() / "training"


def local_now() -> datetime:
    """Answers hold local wall-clock times (FORMAT.md), to the minute."""
    return datetime.now().replace(second=0, microsecond=0)


# ---- relative dates -----------------------------------------------------------------


def resolve_relative(value: object, now: datetime) -> object:
    """Replace "@today…" / "@now…" strings (recursively) with ISO dates and date-times."""
    if isinstance(value, str):
        return _resolve_text(value, now)
    if isinstance(value, list):
        return [resolve_relative(v, now) for v in value]
    if isinstance(value, dict):
        return {k: resolve_relative(v, now) for k, v in value.items()}
    return value


def _resolve_text(text: str, now: datetime) -> str:
    match = _RELATIVE.fullmatch(text)
    if match is None:
        if text.startswith("@"):
            raise TrainingDataError(f"Unknown relative date {text!r}.")
        return text
    moment = now
    for sign, amount, unit in _TERM.findall(match["terms"]):
        n = int(amount) * (1 if sign == "+" else -1)
        if unit == "y":
            moment = datetime.combine(add_months(moment.date(), 12 * n), moment.time())
        elif unit == "d":
            moment += timedelta(days=n)
        elif unit == "h":
            moment += timedelta(hours=n)
        else:
            moment += timedelta(minutes=n)
    if match["time"]:
        hours, minutes = (int(p) for p in match["time"].split(":"))
        moment = moment.replace(hour=hours, minute=minutes, second=0, microsecond=0)
        return moment.strftime("%Y-%m-%dT%H:%M")
    if match["base"] == "now":
        return moment.strftime("%Y-%m-%dT%H:%M")
    return moment.date().isoformat()


# ---- loading ------------------------------------------------------------------------


def load_cases(folder: Path | None = None, *, now: datetime | None = None) -> list[TrainingCase]:
    """Every case file in `folder` (default resources/training), sorted by file name."""
    folder = folder or resources_dir()
    moment = now or local_now()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise TrainingDataError("No training cases were found.")
    return [_case(path, moment) for path in files]


def _case(path: Path, now: datetime) -> TrainingCase:
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TrainingDataError(f"Training file {path.name} cannot be read.") from exc
    if not isinstance(raw, dict):
        raise TrainingDataError(f"Training file {path.name} is not a mapping.")
    body = cast(dict[str, Any], resolve_relative(raw, now))
    child = body.get("child")
    if not isinstance(child, dict) or not isinstance(child.get("name"), str):
        raise TrainingDataError(f"Training file {path.name} needs child.name.")
    local_authority = str(child.get("local_authority") or "")
    if local_authority and local_authority not in LOCAL_AUTHORITIES:
        raise TrainingDataError(f"Training file {path.name}: unknown local authority.")
    dob = child.get("dob")
    if dob is not None and not (isinstance(dob, str) and _is_date(dob)):
        raise TrainingDataError(f"Training file {path.name}: child.dob is not a date.")
    records = body.get("records") or []
    if not isinstance(records, list):
        raise TrainingDataError(f"Training file {path.name}: records must be a list.")
    parsed = tuple(_record(path.name, i, r) for i, r in enumerate(records))
    keys = [r.key for r in parsed]
    if len(set(keys)) != len(keys):
        raise TrainingDataError(f"Training file {path.name}: record keys must be unique.")
    for i, record in enumerate(parsed):
        earlier = set(keys[:i])
        for ref in (record.episode_of, record.parent):
            if ref is not None and ref not in earlier:
                raise TrainingDataError(
                    f"Training file {path.name}: record {record.key!r} refers to "
                    f"{ref!r}, which is not an earlier record."
                )
    return TrainingCase(
        source=path.name,
        name=child["name"],
        known_as=str(child.get("known_as") or ""),
        dob=dob,
        gender=str(child.get("gender") or ""),
        local_authority=local_authority,
        records=parsed,
    )


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _record(source: str, index: int, raw: object) -> TrainingRecord:
    where = f"Training file {source}, record {index + 1}"
    if not isinstance(raw, dict):
        raise TrainingDataError(f"{where} is not a mapping.")
    form = raw.get("form")
    status = raw.get("status", "draft")
    answers = raw.get("answers") or {}
    if not isinstance(form, str) or not form:
        raise TrainingDataError(f"{where} needs a form id.")
    if status not in ("draft", "completed"):
        raise TrainingDataError(f"{where}: status must be draft or completed.")
    if not isinstance(answers, dict) or not all(isinstance(k, str) for k in answers):
        raise TrainingDataError(f"{where}: answers must be a mapping of item ids.")
    episode_of = raw.get("episode_of")
    parent = raw.get("parent")
    return TrainingRecord(
        key=str(raw.get("key") or f"record{index + 1}"),
        form=form,
        status=cast(RecordStatus, status),
        answers=answers,
        episode_of=str(episode_of) if episode_of is not None else None,
        parent=str(parent) if parent is not None else None,
    )


# ---- creating -----------------------------------------------------------------------


def populate(
    haven: Haven, cases: Sequence[TrainingCase], *, progress: Progress | None = None
) -> TrainingSummary:
    """Create every case through the service; completed records must validate."""
    total = sum(1 + len(c.records) for c in cases) or 1
    done = 0
    completed = drafts = 0

    def step(text: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(99, done * 100 // total), text)

    for number, case in enumerate(cases, start=1):
        subject = haven.add_child(
            case.name,
            case.dob,
            known_as=case.known_as,
            gender=case.gender,
            local_authority=case.local_authority,
        )
        step(f"Example child {number} of {len(cases)}")
        made: dict[str, str] = {}
        for record in case.records:
            episode_id = None
            if record.episode_of is not None:
                episode_id = haven.repo.get_episode(made[record.episode_of]).id
            parent_id = made[record.parent] if record.parent is not None else None
            try:
                created = haven.start_record(
                    subject.id,
                    record.form,
                    parent_id=parent_id,
                    episode_id=episode_id,
                    answers=dict(record.answers),
                )
                if record.status == "completed":
                    haven.complete(created.id)
                    completed += 1
                else:
                    drafts += 1
            except HavenError as exc:
                problems = getattr(exc, "problems", None)
                detail = f" ({'; '.join(problems)})" if isinstance(problems, list) else ""
                raise TrainingDataError(
                    f"Training file {case.source}, record {record.key!r} does not fit the "
                    f"{record.form} form: {exc.message}{detail}"
                ) from exc
            made[record.key] = created.id
            step(f"Example child {number} of {len(cases)}")
    return TrainingSummary(
        children=len(cases), records=completed + drafts, completed=completed, drafts=drafts
    )


def create_training_profile(
    folder: Path,
    *,
    now: datetime | None = None,
    cases_folder: Path | None = None,
    kdf: KdfParams | None = None,
    progress: Progress | None = None,
) -> Session:
    """Create the training profile at `folder` and fill it; returns the open session.

    The folder must not hold a profile (create_profile refuses). If filling fails, the
    half-made training profile is removed again: it holds nothing but fictional data.
    """
    from app.profile import ProfilePaths, create_profile
    from app.service import Haven

    moment = now or local_now()
    cases = load_cases(cases_folder, now=moment)
    existed = folder.exists()
    if ProfilePaths(folder).exists():
        from app.errors import ProfileExists

        raise ProfileExists()
    if progress is not None:
        progress(1, "Creating the training profile")
    session = create_profile(folder, TRAINING_INFO, TRAINING_PASSPHRASE, kdf=kdf)
    try:
        populate(Haven(session, clock=lambda: moment), cases, progress=progress)
    except BaseException:
        session.lock()
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            for path in folder.iterdir():
                if path.name.startswith(("haven.", "profile.json", ".haven")):
                    path.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(100, "The training profile is ready")
    return session
