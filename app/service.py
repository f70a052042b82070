"""Use cases: what a practitioner does, as functions the window, the CLI and tests share.

`Haven` joins one unlocked profile (app.profile.Session and its repository) with the form
definitions (app.forms). The repository stores; the forms engine validates, computes
outcomes and summaries; this module decides the order of those steps, e.g. that nothing
is marked completed unless it validated (SPEC.md section 3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.domain import MissingEpisode, OutboxItem, Record, RecordFilter, SearchHit, Subject
from app.errors import AnswersError, InvalidState, NotFound, ValidationFailed
from app.forms import (
    EvaluationContext,
    FormDefinition,
    FormRegistry,
    Outcome,
    Problem,
    carried_answers,
    evaluate_outcomes,
    follow_up_messages,
    form_date,
    load_registry,
    prefill,
    summarise,
    validate,
)
from app.forms.chooser import forms_for_role
from app.forms.dates import naive_local, parse_date, parse_datetime
from app.forms.missing import RepeatWindow, repeat_missing, return_interview_status
from app.profile import Session

DEFAULT_SETTINGS: dict[str, object] = {
    # Section 11: 3 or more missing episodes within 3 months -> automatic MASE discussion.
    # Some areas use 3 in 30 days: repeat_missing_window_days overrides the months.
    "repeat_missing_count": 3,
    "repeat_missing_window_months": 3,
    "repeat_missing_window_days": 0,
    # Section 11: the return interview is due within 72 hours of the child's return.
    "return_interview_hours": 72,
    "idle_lock_minutes": 5,
}

# Text settings: an RFC 3161 timestamp authority for PAdES B-T (empty: none, B-B only) and
# a protective marking that replaces the forms' own (e.g. OFFICIAL-SENSITIVE).
TEXT_SETTINGS: dict[str, str] = {"tsa_url": "", "marking": ""}


@dataclass(frozen=True)
class SaveResult:
    saved_at: str
    problems: list[Problem]

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")


@dataclass(frozen=True)
class ChronologyEntry:
    """One line of a child's chronology: a record or a missing episode."""

    kind: str
    id: str
    title: str
    status: str
    when: str
    badges: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MyWork:
    drafts: list[Record]
    needs_action: list[tuple[Record | None, str]]
    outbox: list[OutboxItem]


def _local_now() -> datetime:
    return datetime.now().replace(second=0, microsecond=0)


class Haven:
    """One unlocked profile plus the form definitions: every use case lives here."""

    def __init__(
        self,
        session: Session,
        registry: FormRegistry | None = None,
        clock: Callable[[], datetime] = _local_now,
    ) -> None:
        self.session = session
        self.repo = session.repo
        self.registry = registry if registry is not None else load_registry()
        self.clock = clock

    @property
    def training(self) -> bool:
        return self.session.training

    @property
    def actor(self) -> str:
        return self.session.actor

    # ---- settings and context ---------------------------------------------------------

    def settings(self) -> dict[str, object]:
        out = dict(DEFAULT_SETTINGS)
        for key, default in DEFAULT_SETTINGS.items():
            raw = self.repo.get_setting(key)
            if raw is not None and isinstance(default, int):
                try:
                    out[key] = int(raw)
                except ValueError:
                    out[key] = default
        return out

    def set_setting(self, key: str, value: object) -> None:
        """Change one profile setting; numbers are checked, text settings kept as given."""
        if key in TEXT_SETTINGS:
            self.repo.set_setting(self.actor, key, str(value).strip())
            return
        if key not in DEFAULT_SETTINGS:
            raise InvalidState(
                "That is not a setting Haven knows. Settings: "
                + ", ".join(sorted([*DEFAULT_SETTINGS, *TEXT_SETTINGS]))
                + "."
            )
        try:
            number = int(str(value))
        except ValueError as exc:
            raise InvalidState(f"The setting {key} takes a whole number.") from exc
        if number < 0 or (number == 0 and key != "repeat_missing_window_days"):
            raise InvalidState(f"The setting {key} must be a positive whole number.")
        self.repo.set_setting(self.actor, key, str(number))

    def text_setting(self, key: str) -> str:
        return self.repo.get_setting(key) or TEXT_SETTINGS.get(key, "")

    def context(
        self, record: Record | None = None, subject: Subject | None = None
    ) -> EvaluationContext:
        if subject is None and record is not None:
            subject = self.repo.get_subject(record.subject_id)
        info = self.session.info
        episode: MissingEpisode | None = None
        if record is not None and record.episode_id:
            episode = self.repo.get_episode(record.episode_id)
        return EvaluationContext(
            now=self.clock(),
            settings=self.settings(),
            subject={
                "name": subject.name if subject else None,
                "dob": subject.dob if subject else None,
                "known_as": subject.known_as if subject else None,
                "gender": subject.gender if subject else None,
                "local_authority": subject.local_authority if subject else None,
            },
            profile={
                "name": info.name,
                "agency": info.agency,
                "role": info.role,
                "local_authority": info.local_authority,
                "email": info.email,
                "phone": info.phone,
            },
            episode={
                "missing_from": episode.missing_from if episode else None,
                "returned_at": episode.returned_at if episode else None,
            },
        )

    # ---- children ----------------------------------------------------------------------

    def add_child(
        self,
        name: str,
        dob: str | None,
        *,
        known_as: str = "",
        gender: str = "",
        local_authority: str = "",
    ) -> Subject:
        name = name.strip()
        if not name:
            raise AnswersError("Enter the child's name.")
        if dob:
            born = parse_date(dob)
            if born is None:
                raise AnswersError(
                    "Enter the date of birth as a real date, for example 2011-04-27."
                )
            if born > self.clock().date():
                raise AnswersError("The date of birth cannot be in the future.")
        return self.repo.add_subject(
            self.actor,
            name,
            dob or None,
            known_as=known_as.strip(),
            gender=gender.strip(),
            local_authority=local_authority,
        )

    def children(self) -> list[Subject]:
        return self.repo.list_subjects()

    def children_page(self, offset: int, limit: int) -> list[Subject]:
        """One page of the children list, in name order (the list fetches more as it scrolls)."""
        return self.repo.subjects_page(offset, limit)

    def children_count(self) -> int:
        return self.repo.count_subjects()

    def find_children(self, text: str) -> list[Subject]:
        """The children a search finds (by name, reference or a record's words), by name."""
        found: dict[str, Subject] = {}
        for hit in self.search(text):
            if hit.subject_id not in found:
                try:
                    found[hit.subject_id] = self.repo.get_subject(hit.subject_id)
                except NotFound:
                    continue
        return sorted(found.values(), key=lambda s: (s.name.casefold(), s.id))

    def child(self, subject_id: str) -> Subject:
        return self.repo.get_subject(subject_id)

    # ---- records -----------------------------------------------------------------------

    def form_for(self, record: Record) -> FormDefinition:
        """The form VERSION the record was started with, even if the file changed since."""
        return self.registry.get(record.form_id, record.form_version)

    def startable_forms(self) -> list[tuple[str, str]]:
        """(id, title) in the order this profile's role uses them (screening first for a
        practitioner; FORMAT.md ``chooser_order``)."""
        forms = forms_for_role(self.registry.latest(), self.session.info.role)
        return [(f.id, f.title) for f in forms]

    def start_record(
        self,
        subject_id: str,
        form_id: str,
        *,
        parent_id: str | None = None,
        episode_id: str | None = None,
        answers: Mapping[str, Any] | None = None,
    ) -> Record:
        subject = self.repo.get_subject(subject_id)
        form = self.registry.get(form_id)
        if episode_id is not None:
            episode_id = self.repo.get_episode(episode_id).id
        stub = _stub_record(subject.id, form, episode_id)
        ctx = self.context(stub, subject)
        initial: dict[str, Any] = prefill(form, ctx)
        if parent_id is not None:
            parent = self.repo.get_record(parent_id)
            initial.update(carried_answers(form, parent.form_id, parent.answers))
        if answers:
            initial.update(_check_answers_shape(answers))
        problems = validate(form, initial, ctx)
        record = self.repo.create_draft(
            self.actor,
            subject.id,
            form.id,
            form.version,
            initial,
            problem_count=_errors(problems),
            summary=summarise(form, initial, ctx),
            parent_id=parent_id,
            episode_id=episode_id,
        )
        episode = _episode_fields(form, initial)
        if episode is not None:
            # The episodes table follows the answers from the first save (section 11 flags).
            self.repo.save_draft(
                self.actor,
                record.id,
                initial,
                problem_count=record.problem_count,
                summary=summarise(form, initial, ctx),
                episode=episode,
            )
            record = self.repo.get_record(record.id)
        return record

    def record(self, record_id: str, *, audited: bool = False) -> Record:
        return self.repo.get_record(record_id, viewer=self.actor if audited else None)

    def save_draft(self, record_id: str, answers: Mapping[str, Any]) -> SaveResult:
        """Autosave: validate (for the draft's error count), then one short transaction.

        The search index is not rewritten on every keystroke (issue 11): the transaction
        queues it (index_pending) and `index_pending()` writes it on search, completion,
        unlock or when the window is idle, so a save killed mid-typing is still found.
        """
        answers = _check_answers_shape(answers)
        record = self.repo.get_record(record_id)
        form = self.form_for(record)
        ctx = self.context(record)
        problems = validate(form, answers, ctx)
        saved_at = self.repo.save_draft(
            self.actor,
            record.id,
            answers,
            problem_count=_errors(problems),
            episode=_episode_fields(form, answers),
            defer_index=True,
        )
        return SaveResult(saved_at, problems)

    def index_pending(self) -> int:
        """Write the search-index rows autosave queued; returns how many were queued.

        Summaries are made here, from the stored answers, by the same `summarise` the
        index always used; a record gone since (deleted, purged) just loses its marker.
        """
        pending = self.repo.pending_index()
        entries: list[tuple[str, int, str | None]] = []
        for record_id, seq in pending:
            try:
                record = self.repo.get_record(record_id)
            except NotFound:
                entries.append((record_id, seq, None))
                continue
            form = self.form_for(record)
            entries.append((record_id, seq, summarise(form, record.answers, self.context(record))))
        if entries:
            self.repo.index_records(entries)
        return len(entries)

    def check(self, record_id: str, answers: Mapping[str, Any] | None = None) -> list[Problem]:
        record = self.repo.get_record(record_id)
        values = dict(answers) if answers is not None else record.answers
        return validate(self.form_for(record), values, self.context(record))

    def outcomes(self, record_id: str, answers: Mapping[str, Any] | None = None) -> list[Outcome]:
        record = self.repo.get_record(record_id)
        values = dict(answers) if answers is not None else record.answers
        return evaluate_outcomes(self.form_for(record), values, self.context(record))

    def complete(self, record_id: str, answers: Mapping[str, Any] | None = None) -> Record:
        """Lock the record, only if every answer validates (warnings do not block)."""
        record = self.repo.get_record(record_id)
        if not record.is_draft:
            raise InvalidState("This record is already completed.")
        values = _check_answers_shape(answers) if answers is not None else record.answers
        form = self.form_for(record)
        ctx = self.context(record)
        problems = [p for p in validate(form, values, ctx) if p.severity == "error"]
        if problems:
            if answers is not None:
                self.save_draft(record.id, values)
            raise ValidationFailed([f"{p.path}: {p.message}" for p in problems])
        if _episode_fields(form, values) is not None:
            self.repo.save_draft(
                self.actor,
                record.id,
                values,
                episode=_episode_fields(form, values),
                summary=summarise(form, values, ctx),
            )
        done = self.repo.complete_record(
            self.actor, record.id, values, summary=summarise(form, values, ctx)
        )
        interviewed = form.record_fields.get("interviewed_at")
        if interviewed and record.episode_id:
            # The record closes the episode's 72-hour flag even when no interview was
            # possible (the record says why); the time is the interview's when held.
            held = _text(values.get(interviewed)) or done.completed_at
            self.repo.set_interviewed(self.actor, record.episode_id, held)
        return done

    def alert_shown(self, record_id: str, outcome_id: str) -> None:
        """Record that an alert outcome was shown (SPEC 2.2: "records that the prompt was
        shown", e.g. "immediate referral required"); the detail is the form's outcome id."""
        self.repo.audit(self.actor, "alert-shown", record_id, outcome_id)

    def checked(self, record_id: str, problem_count: int) -> None:
        """Record that a draft was checked for errors (a count, never the answers)."""
        self.repo.audit(self.actor, "validate", record_id, f"{problem_count} problem(s)")

    def amend(self, record_id: str, reason: str) -> Record:
        return self.repo.amend_record(self.actor, record_id, reason)

    def delete_draft(self, record_id: str) -> None:
        self.repo.delete_draft(self.actor, record_id)

    def review(self, record_id: str, comment: str = "") -> Record:
        return self.repo.review_record(self.actor, record_id, comment)

    def search(self, text: str) -> list[SearchHit]:
        # Queued autosaves are indexed first, so a search always sees the latest words.
        self.index_pending()
        return self.repo.search(text)

    # ---- missing episodes, flags and chronology ------------------------------------------

    def episodes(self, subject_id: str) -> list[MissingEpisode]:
        return self.repo.list_episodes(subject_id)

    def episode_flags(self, episode: MissingEpisode) -> list[str]:
        returned = parse_datetime(episode.returned_at)
        if returned is None or episode.interviewed_at:
            return []
        hours = int(str(self.settings()["return_interview_hours"]))
        status = return_interview_status(returned, self.clock(), hours=hours)
        if status.overdue:
            late = int(abs(status.hours_left))
            return [f"Return interview overdue by {late} hour{'s' if late != 1 else ''}"]
        left = int(status.hours_left)
        return [f"Return interview due in {left} hour{'s' if left != 1 else ''}"]

    def repeat_missing_flag(self, subject_id: str) -> str | None:
        found = self.repeat_missing_episodes(subject_id)
        return found[1] if found else None

    def repeat_missing_episodes(self, subject_id: str) -> tuple[list[str], str] | None:
        """Section 11: the episode ids that make a child repeat-missing, and the flag text."""
        settings = self.settings()
        episodes = [e for e in self.repo.list_episodes(subject_id) if e.missing_from]
        days = int(str(settings["repeat_missing_window_days"]))
        months = int(str(settings["repeat_missing_window_months"]))
        count = int(str(settings["repeat_missing_count"]))
        window = RepeatWindow(days=days) if days else RepeatWindow(months=months)
        dated = [
            _EpisodeDate(e.id, moment.date())
            for e in episodes
            if (moment := parse_datetime(e.missing_from)) is not None
        ]
        result = repeat_missing(dated, count=count, window=window)
        if not result.flag:
            return None
        span = f"{days} days" if days else f"{months} months"
        return (
            [str(e) for e in result.episodes],
            f"{len(result.episodes)} missing episodes within {span}: automatic discussion "
            "at MASE (section 11)",
        )

    def follow_up_flags(self, subject_id: str) -> list[tuple[Record, str]]:
        """Completed records whose form asks for a follow-up form that was not started."""
        records = self.repo.list_records(RecordFilter(subject_id=subject_id))
        out: list[tuple[Record, str]] = []
        for record in records:
            if record.is_draft:
                continue
            form = self.form_for(record)
            if not form.follow_ups:
                continue
            for wanted, message in follow_up_messages(form, record.answers, self.context(record)):
                later = [
                    r for r in records if r.form_id == wanted and r.created_at >= record.created_at
                ]
                if not later:
                    out.append((record, message))
        return out

    def child_flags(self, subject_id: str) -> list[str]:
        flags: list[str] = []
        for episode in self.repo.list_episodes(subject_id):
            flags.extend(self.episode_flags(episode))
        repeat = self.repeat_missing_flag(subject_id)
        if repeat:
            flags.append(repeat)
        flags.extend(message for _, message in self.follow_up_flags(subject_id))
        return flags

    def chronology(self, subject_id: str) -> list[ChronologyEntry]:
        entries: list[ChronologyEntry] = []
        for record in self.repo.list_records(RecordFilter(subject_id=subject_id)):
            form = self.form_for(record)
            badges = [record.status]
            if record.is_draft and record.problem_count:
                badges.append(f"{record.problem_count} to fix")
            if record.version > 1:
                badges.append(f"version {record.version}")
            # The form's own date (e.g. the screening date) places the record in the
            # child's history; an autosave or amendment later does not move it.
            dated = form_date(form, record.answers)
            entries.append(
                ChronologyEntry(
                    kind="record",
                    id=record.id,
                    title=f"{form.title} ({record.ref})",
                    status=record.status,
                    when=dated.isoformat() if dated is not None else record.created_at,
                    badges=badges,
                )
            )
        for episode in self.repo.list_episodes(subject_id):
            entries.append(
                ChronologyEntry(
                    kind="episode",
                    id=episode.id,
                    title="Missing episode",
                    status="returned" if episode.returned_at else "missing",
                    when=episode.missing_from or episode.created_at,
                    flags=self.episode_flags(episode),
                )
            )
        entries.sort(key=lambda e: _sortable(e.when), reverse=True)
        return entries

    def my_work(self) -> MyWork:
        drafts = self.repo.list_records(RecordFilter(statuses=("draft",)))
        needs: list[tuple[Record | None, str]] = []
        for subject in self.repo.list_subjects():
            for episode in self.repo.list_episodes(subject.id):
                for flag in self.episode_flags(episode):
                    needs.append((None, f"{subject.ref}: {flag}"))
            repeat = self.repeat_missing_flag(subject.id)
            if repeat:
                needs.append((None, f"{subject.ref}: {repeat}"))
            for record, message in self.follow_up_flags(subject.id):
                needs.append((record, message))
        outbox = self.repo.list_outbox(("queued", "sending", "failed"))
        return MyWork(drafts=drafts, needs_action=needs, outbox=outbox)


@dataclass(frozen=True)
class _EpisodeDate:
    id: str
    missing_from: date


def _stub_record(subject_id: str, form: FormDefinition, episode_id: str | None) -> Record:
    return Record(
        id="",
        ref="",
        subject_id=subject_id,
        form_id=form.id,
        form_version=form.version,
        status="draft",
        answers={},
        problem_count=0,
        created_at="",
        updated_at="",
        created_by="",
        completed_at=None,
        completed_by=None,
        version=1,
        supersedes=None,
        superseded_by=None,
        amend_reason=None,
        parent_id=None,
        episode_id=episode_id,
    )


def _errors(problems: list[Problem]) -> int:
    return sum(1 for p in problems if p.severity == "error")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _episode_fields(
    form: FormDefinition, answers: Mapping[str, Any]
) -> tuple[str | None, str | None] | None:
    fields = form.record_fields
    if "missing_from" not in fields:
        return None
    return (
        _text(answers.get(fields["missing_from"])),
        _text(answers.get(fields.get("returned_at", ""))),
    )


def _check_answers_shape(answers: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(answers, Mapping):
        raise AnswersError("Answers must be a JSON object of item ids and answers.")
    out: dict[str, Any] = {}
    for key, value in answers.items():
        if not isinstance(key, str):
            raise AnswersError("Every answer must be keyed by an item id.")
        out[key] = value
    return out


def _sortable(when: str) -> str:
    """One comparable local time for answers (local, naive) and store stamps (UTC)."""
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return when
    if moment.tzinfo is not None:
        moment = naive_local(moment)
    return moment.isoformat()
