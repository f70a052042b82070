"""Use cases: what a practitioner does, as functions the window, the CLI and tests share.

`Haven` joins one unlocked profile (app.profile.Session and its repository) with the form
definitions (app.forms). The repository stores; the forms engine validates, computes
outcomes and summaries; this module decides the order of those steps, e.g. that nothing
is marked completed unless it validated (SPEC.md section 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.child_overview import ChildOverview
from app.domain import ChildListing, Subject
from app.errors import AnswersError, InvalidState, NotFound, ValidationFailed
from app.forms.chooser import forms_for_role
from app.forms.dates import parse_date

if TYPE_CHECKING:
    from app.forms.definitions import FormDefinition
    from app.forms.engine import Outcome, Problem
    from app.record_values import Record, SearchHit

# The forms engine (app.forms.engine) is imported in the use cases that need it, not here:
# the first window needs none of it and importing it was a tenth of the start-up (issue 11).


@dataclass(frozen=True)
class SaveResult:
    saved_at: str
    problems: list[Problem]

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")


class Haven(ChildOverview):
    """One unlocked profile plus the form definitions: every use case lives here (the
    basics in app/haven_base.py, flags and chronology in app/child_overview.py)."""

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

    def children_page(self, offset: int, limit: int) -> list[ChildListing]:
        """One page of the children list, in name order (the list fetches more as it scrolls)."""
        return self.repo.listing_page(offset, limit)

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
        from app.forms.engine import carried_answers, prefill, summarise, validate

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

        Neither the search index nor the audit log is written on every keystroke (issue
        11): the transaction queues the index rewrite and owes the coalesced "change"
        entry (index_pending), and `flush_pending()` writes both on search, completion,
        unlock, a section change or when the form is idle, so a save killed mid-typing
        is still found and logged when the profile is next opened.
        """
        from app.forms.engine import validate

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

    def flush_pending(self) -> int:
        """Write everything autosave left owed: the search-index rows and the audit
        log's "change" entries; returns how many records were queued.

        Safe off the UI thread and while saves go on: a save that lands after the queue
        was read stays queued for the next drain (see RecordsStore.index_records). The
        audit entries need no form, so they are written even if summarising fails.
        """
        try:
            return self.index_pending()
        finally:
            self.repo.write_owed_audit()

    def index_pending(self) -> int:
        """Write the search-index rows autosave queued, and the audit entries it owes
        (in the same transaction); returns how many records were queued.

        Summaries are made here, from the stored answers, by the same `summarise` the
        index always used; a record gone since (deleted, purged) just loses its marker,
        after its owed entry is written.
        """
        from app.forms.engine import summarise

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
        from app.forms.engine import validate

        record = self.repo.get_record(record_id)
        values = dict(answers) if answers is not None else record.answers
        return validate(self.form_for(record), values, self.context(record))

    def outcomes(self, record_id: str, answers: Mapping[str, Any] | None = None) -> list[Outcome]:
        from app.forms.engine import evaluate_outcomes

        record = self.repo.get_record(record_id)
        values = dict(answers) if answers is not None else record.answers
        return evaluate_outcomes(self.form_for(record), values, self.context(record))

    def complete(self, record_id: str, answers: Mapping[str, Any] | None = None) -> Record:
        """Lock the record, only if every answer validates (warnings do not block)."""
        from app.forms.engine import summarise, validate

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


def _stub_record(subject_id: str, form: FormDefinition, episode_id: str | None) -> Record:
    from app.record_values import Record  # made when first used (app.domain says why)

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
