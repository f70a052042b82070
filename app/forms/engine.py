"""The forms engine's use cases: what is shown, prefill, problems, outcomes, words, codes.

Every function takes the form definition, the record's answers (one flat JSON object,
FORMAT.md) and an EvaluationContext, and is pure: the UI, the CLI and the tests all call
these (HOUSE_STYLE: "everything a user can do is a function in app first").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from app.forms.context import EvaluationContext
from app.forms.dates import is_iso_date, is_iso_datetime, parse_date, parse_datetime
from app.forms.definitions import FormDefinition, Item, Section
from app.forms.evaluation import (
    FormState,
    Outcome,
    Scope,
    iter_visible,
    outcomes_of,
    require_answers,
    unanswered,
    visible_in_entry,
)
from app.forms.expressions import evaluate, truthy
from app.forms.presentation import (
    AnsweredEntry,
    AnsweredItem,
    AnsweredSection,
    answered_sections_of,
    summary_lines,
)
from app.forms.validation import Problem, has_errors, validate_answers

__all__ = [
    "AnsweredEntry",
    "AnsweredItem",
    "AnsweredSection",
    "EvaluationContext",
    "Outcome",
    "Problem",
    "answered_sections",
    "carried_answers",
    "evaluate_outcomes",
    "export_codes",
    "export_permitted",
    "follow_up_messages",
    "form_date",
    "has_errors",
    "prefill",
    "record_field_values",
    "suggested_answers",
    "summarise",
    "validate",
    "visible_entry_items",
    "visible_items",
    "visible_sections",
]

Answers = Mapping[str, object]


def visible_sections(
    form: FormDefinition, answers: Answers, ctx: EvaluationContext
) -> list[Section]:
    """Sections whose ``relevant`` holds (or that have none), in form order."""
    state = FormState(form, answers, ctx)
    return [section for section in form.sections if state.section_relevant(section)]


def visible_items(
    form: FormDefinition, answers: Answers, ctx: EvaluationContext
) -> list[tuple[Section, Item]]:
    """Top-level items shown now: section and item relevance both hold."""
    return list(iter_visible(FormState(form, answers, ctx)))


def visible_entry_items(
    form: FormDefinition, answers: Answers, ctx: EvaluationContext, group_id: str, entry: int
) -> list[Item]:
    """Sub-items shown in one entry (counting from 0) of a top-level group.

    Empty when the group itself is not shown or has no such entry.
    """
    state = FormState(form, answers, ctx)
    group = form.item(group_id)
    if group is None or group.type != "group" or not state.root.is_relevant(group):
        return []
    scopes = state.root.entry_scopes(group)
    if not 0 <= entry < len(scopes):
        return []
    return visible_in_entry(scopes[entry])


def validate(form: FormDefinition, answers: Answers, ctx: EvaluationContext) -> list[Problem]:
    """Every problem with the answers, in form order; irrelevant answers are ignored.

    Raises AnswersError only when ``answers`` is not a mapping at all.
    """
    return validate_answers(FormState(form, answers, ctx))


def evaluate_outcomes(
    form: FormDefinition, answers: Answers, ctx: EvaluationContext
) -> list[Outcome]:
    """The outcomes that apply (first rule holding, else ``otherwise``), with reasons."""
    return outcomes_of(FormState(form, answers, ctx))


def suggested_answers(
    form: FormDefinition, answers: Answers, ctx: EvaluationContext
) -> dict[str, str]:
    """{item id: option value} for each choice whose ``suggested_by`` outcome now names
    one of its options (the UI puts the keyboard focus there; the user still chooses)."""
    wanting = [item for _, item in form.iter_items() if item.suggested_by is not None]
    if not wanting:
        return {}
    values = {outcome.id: outcome.value for outcome in evaluate_outcomes(form, answers, ctx)}
    out: dict[str, str] = {}
    for item in wanting:
        value = values.get(item.suggested_by or "")
        if value is not None and item.option(str(value)) is not None:
            out[item.id] = str(value)
    return out


def answered_sections(
    form: FormDefinition, answers: Answers, ctx: EvaluationContext
) -> list[AnsweredSection]:
    """Shown sections and questions with answers in words, for the PDF and check page."""
    return answered_sections_of(FormState(form, answers, ctx))


def summarise(form: FormDefinition, answers: Answers, ctx: EvaluationContext) -> str:
    """Plain text, one "Section / Label: answer" line per shown, answered item."""
    return "\n".join(summary_lines(answered_sections(form, answers, ctx)))


# --- record columns ----------------------------------------------------------------------


def form_date(form: FormDefinition, answers: Answers) -> date | None:
    """The form's date (``date_item``, FORMAT.md), e.g. the screening date, if answered."""
    if form.date_item is None:
        return None
    return parse_date(require_answers(answers).get(form.date_item))


def record_field_values(
    form: FormDefinition, answers: Answers, ctx: EvaluationContext
) -> dict[str, object]:
    """Store columns from ``record_fields`` (e.g. the episodes table's ``missing_from``).

    Values are the answers as typed values (dates, date-times, text); unanswered,
    malformed or not-shown answers give None, so the store never keeps a hidden answer.
    """
    state = FormState(form, answers, ctx)
    values: dict[str, object] = {}
    for column, item_id in form.record_fields.items():
        item = form.item(item_id)
        shown = item is not None and state.root.is_relevant(item)
        values[column] = state.root.typed(item) if item is not None and shown else None
    return values


def carried_answers(
    form: FormDefinition, parent_form_id: str, parent_answers: Answers
) -> dict[str, object]:
    """Answers carried from the record this one was started from (``prefill_from``).

    Only answered values are carried; the new record is validated as usual, so a carried
    value that does not fit is reported, never silently kept.
    """
    parent = require_answers(parent_answers)
    for source in form.prefill_from:
        if source.form == parent_form_id:
            carried: dict[str, object] = {}
            for target, origin in source.map.items():
                if origin not in parent or unanswered(parent[origin]):
                    continue
                item = form.item(target)
                value = parent[origin]
                if item is not None and item.type == "group" and isinstance(value, list):
                    # Entries keep only the sub-answers this form's group asks for (a
                    # return interview's phone beside a person is not a person's field here).
                    wanted = {sub.id for sub in item.items}
                    value = [
                        {k: v for k, v in entry.items() if k in wanted}
                        for entry in value
                        if isinstance(entry, dict)
                    ]
                    value = [entry for entry in value if entry]
                carried[target] = value
            return carried
    return {}


# --- prefill -----------------------------------------------------------------------------


def _source_value(source: str, ctx: EvaluationContext) -> object:
    if source == "now":
        return ctx.local_now
    if source == "today":
        return ctx.local_now.date()
    group, _, key = source.partition(".")
    values: Mapping[str, object] = {
        "subject": ctx.subject,
        "profile": ctx.profile,
        "episode": ctx.episode,
    }.get(group, {})
    return values.get(key)


def _as_answer(item: Item, value: object) -> object:
    """A prefill value in the item's answer shape, or None when it does not fit."""
    if value is None:
        return None
    if item.type == "date":
        day = parse_date(value) if isinstance(value, date) or is_iso_date(value) else None
        if day is None and isinstance(value, str) and is_iso_datetime(value):
            day = parse_date(value)
        return day.isoformat() if day is not None else None
    if item.type == "datetime":
        ok = isinstance(value, date) or is_iso_datetime(value) or is_iso_date(value)
        moment = parse_datetime(value) if ok else None
        return moment.strftime("%Y-%m-%dT%H:%M") if moment is not None else None
    if item.type == "choice":
        if not isinstance(value, str):
            return None
        if item.option(value) is not None:
            return value
        for option in item.options:
            if option.label.casefold() == value.strip().casefold():
                return option.value
        return None
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def prefill(form: FormDefinition, ctx: EvaluationContext) -> dict[str, object]:
    """Initial answers from each item's ``prefill`` source (FORMAT.md, ``prefill``).

    Sources that are missing or do not fit the item (a DOB that is not a date) are left
    out, so the practitioner is asked instead of being given a wrong answer.
    """
    answers: dict[str, object] = {}
    for _, item in form.iter_items():
        if item.prefill is None:
            continue
        value = _as_answer(item, _source_value(item.prefill, ctx))
        if value is not None:
            answers[item.id] = value
    return answers


# --- export codes ------------------------------------------------------------------------


def _codes_for(item: Item, raw: object) -> dict[str, object]:
    if item.type == "choice":
        option = item.option(raw) if isinstance(raw, str) else None
        return dict(option.codes) if option is not None else {}
    if item.type == "multi" and isinstance(raw, list):
        combined: dict[str, object] = {}
        for option in item.options:
            if option.value in raw:
                for name, code in option.codes.items():
                    listed = combined.setdefault(name, [])
                    assert isinstance(listed, list)
                    listed.append(code)
        return combined
    return {}


def _collect_codes(
    scope: Scope, items: list[Item], prefix: str, out: dict[str, dict[str, object]]
) -> None:
    for item in items:
        path = f"{prefix}{item.id}"
        raw = scope.raw(item)
        codes = _codes_for(item, raw)
        if codes:
            out[path] = codes
        if item.type == "group":
            for index, entry in enumerate(scope.entry_scopes(item)):
                _collect_codes(entry, visible_in_entry(entry), f"{path}[{index}].", out)


def export_codes(
    form: FormDefinition, answers: Answers, ctx: EvaluationContext | None = None
) -> dict[str, dict[str, object]]:
    """Machine-readable codes of the chosen options, keyed by item id (sub-items by path).

    SPEC 2.3: the export carries the nearest police 3x5x2 codes while the questions stay
    in plain words. For a ``choice`` each code name maps to one value; for a ``multi`` to
    the list of values of the chosen options. Items not shown are left out.
    """
    state = FormState(form, answers, ctx or EvaluationContext(now=datetime.now()))
    out: dict[str, dict[str, object]] = {}
    _collect_codes(state.root, [item for _, item in iter_visible(state)], "", out)
    return out


def export_permitted(form: FormDefinition, answers: Answers, ctx: EvaluationContext) -> bool:
    """Whether a completed sharing decision permits export (its ``permits_export`` rule).

    Appendix 13: a decision not to share is recorded with the same form; only a decision
    whose rule holds lets anything leave Haven.
    """
    if form.permits_export is None:
        return False
    state = FormState(form, answers, ctx)
    return truthy(evaluate(form.permits_export, state.root))


def follow_up_messages(
    form: FormDefinition, answers: Answers, ctx: EvaluationContext
) -> list[tuple[str, str]]:
    """(form id asked for, message) for each follow-up whose ``when`` holds."""
    state = FormState(form, answers, ctx)
    return [
        (follow.form, follow.message.render(state.root))
        for follow in form.follow_ups
        if truthy(evaluate(follow.when, state.root))
    ]
