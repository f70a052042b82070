"""The forms engine over small inline forms: relevance, validation, outcomes, words, codes.

Rules are tested on forms written here, not on the real form files, so a wording change in
forms/ never breaks an engine test; one test at the end checks the real forms and their
worked examples.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from form_samples import DEMO, LoadForm, WriteForms

from app.errors import AnswersError
from app.forms import (
    EvaluationContext,
    FormDefinition,
    Item,
    Problem,
    Section,
    answered_sections,
    carried_answers,
    compile_expression,
    default_forms_dir,
    evaluate_outcomes,
    export_codes,
    form_date,
    has_errors,
    load_registry,
    prefill,
    record_field_values,
    summarise,
    validate,
    visible_entry_items,
    visible_items,
    visible_sections,
)

NOW = datetime(2026, 11, 25, 12, 0)


@pytest.fixture
def form(load_form: LoadForm) -> FormDefinition:
    return load_form(DEMO)


def _valid() -> dict[str, object]:
    return {
        "form_date": "2026-11-20",
        "child_name": "Jamie Example",
        "dob": "2012-02-10",
        "sig_missing": ["current"],
        "final_category": "2",
    }


def _ids(problems: list[Problem]) -> list[str]:
    return [problem.path for problem in problems]


# --- relevance -----------------------------------------------------------------------------


def test_sections_and_items_follow_relevance(form: FormDefinition, ctx: EvaluationContext) -> None:
    answers: dict[str, object] = {}
    assert "reliability" not in [s.id for s in visible_sections(form, answers, ctx)]
    shown = [item.id for _, item in visible_items(form, answers, ctx)]
    assert "risk_gifts" not in shown and "police_detail" not in shown
    assert "override_reason" not in shown
    answers = {"sig_vehicles": ["prior"], "risk_phone": True, "known_to_police": "yes"}
    assert "reliability" in [s.id for s in visible_sections(form, answers, ctx)]
    shown = [item.id for _, item in visible_items(form, answers, ctx)]
    assert {"risk_gifts", "police_detail", "source_reliability"} <= set(shown)


def test_relevance_inside_group_entries_is_per_entry(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    answers = {"suspects": [{"name": "A", "has_car": "yes"}, {"name": "B", "has_car": "no"}]}
    first = [item.id for item in visible_entry_items(form, answers, ctx, "suspects", 0)]
    second = [item.id for item in visible_entry_items(form, answers, ctx, "suspects", 1)]
    assert "registration" in first and "registration" not in second
    assert visible_entry_items(form, answers, ctx, "suspects", 5) == []
    assert visible_entry_items(form, answers, ctx, "child_name", 0) == []


# --- validation ----------------------------------------------------------------------------


def test_a_complete_record_has_no_problems(form: FormDefinition, ctx: EvaluationContext) -> None:
    assert validate(form, _valid(), ctx) == []


def test_every_problem_is_reported_not_just_the_first(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    answers = {
        "form_date": "2026-02-30",
        "dob": "tomorrow",
        "worker_email": "not an email",
        "worker_phone": "call me",
        "siblings": 25,
        "postcode": "b1 1aa",
        "authority": "atlantis",
        "sig_missing": ["current", "sometimes"],
        "known_to_police": "maybe",
        "unknown_key": 1,
    }
    problems = validate(form, answers, ctx)
    assert _ids(problems) == [
        "form_date",
        "child_name",
        "dob",
        "worker_email",
        "worker_phone",
        "authority",
        "postcode",
        "siblings",
        "sig_missing",
        "known_to_police",
        "unknown_key",
    ]
    assert all(problem.severity == "error" for problem in problems)
    by_path = {problem.path: problem.message for problem in problems}
    assert by_path["form_date"] == "“Date of screening” must be a real date."
    assert by_path["child_name"] == "Enter an answer for “Child's name”."
    assert by_path["postcode"] == "Enter a real postcode, like B1 1AA."
    assert by_path["siblings"] == "“Number of siblings” must be 20 or less."
    assert "not one of its options" in by_path["sig_missing"]
    assert by_path["known_to_police"] == "“Known to police” must be answered Yes, No or Not known."
    assert "does not belong to any question" in by_path["unknown_key"]


def test_irrelevant_answers_are_ignored(form: FormDefinition, ctx: EvaluationContext) -> None:
    answers = _valid() | {
        "risk_gifts": "garbage",  # relevant only when risk_phone is ticked
        "police_detail": 12,  # relevant only when known to police
        "source_reliability": "nonsense",
    }
    answers["sig_missing"] = None
    answers["final_category"] = None
    assert validate(form, answers, ctx) == []


def test_required_expression_and_outcome_reference(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    answers = _valid() | {"final_category": "3"}
    problems = validate(form, answers, ctx)
    assert [(p.path, p.message) for p in problems] == [
        ("override_reason", "Enter an answer for “Why you chose a different category”.")
    ]
    answers["override_reason"] = "My professional judgement."
    assert validate(form, answers, ctx) == []


def test_types_are_checked(form: FormDefinition, ctx: EvaluationContext) -> None:
    answers = _valid() | {
        "child_name": ["a", "list"],
        "risk_phone": "yes",
        "siblings": "3",
        "sig_vehicles": "current",
        "dob": "20120210",
        "returned_at": "2026-11-20 10:00",
        "suspects": {"name": "x"},
    }
    problems = validate(form, answers, ctx)
    assert sorted(_ids(problems)) == sorted(
        ["child_name", "risk_phone", "siblings", "sig_vehicles", "dob", "returned_at", "suspects"]
    )


def test_booleans_are_not_numbers(form: FormDefinition, ctx: EvaluationContext) -> None:
    problems = validate(form, _valid() | {"siblings": True}, ctx)
    assert [p.message for p in problems] == ["“Number of siblings” must be a number."]


def test_text_limits_lines_and_control_characters(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    for bad in ["x" * 41, "two\nlines", "nul\x00byte"]:
        problems = validate(form, _valid() | {"child_name": bad}, ctx)
        assert _ids(problems) == ["child_name"], bad
    assert validate(form, _valid() | {"child_name": "ناصر"}, ctx) == []


def test_date_and_datetime_bounds_use_the_context_time(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    future = validate(form, _valid() | {"form_date": "2026-11-26"}, ctx)
    assert [p.message for p in future] == ["“Date of screening” must be today or in the past."]
    assert validate(form, _valid() | {"form_date": "2026-11-25"}, ctx) == []
    later = validate(form, _valid() | {"returned_at": "2026-11-25T12:01"}, ctx)
    assert [p.message for p in later] == ["“Returned” must be now or earlier."]
    assert validate(form, _valid() | {"returned_at": "2026-11-25T12:00"}, ctx) == []


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("sam.sample@example.org", True),
        ("a+b@sub.example.gov.uk", True),
        ("no-at-sign.example.org", False),
        ("two@@example.org", False),
        ("space in@example.org", False),
        ("name@localhost", False),
        ("name@example.org\n", False),
    ],
)
def test_email_format(form: FormDefinition, ctx: EvaluationContext, email: str, ok: bool) -> None:
    problems = validate(form, _valid() | {"worker_email": email}, ctx)
    assert (problems == []) is ok


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("07700 900123", True),
        ("+44 (0)121 496 0000", True),
        ("116 000", True),
        ("999", True),
        ("12", False),
        ("0121 496 0000 ext 2", False),
        ("٠١٢٣٤٥", False),
    ],
)
def test_phone_format(form: FormDefinition, ctx: EvaluationContext, phone: str, ok: bool) -> None:
    problems = validate(form, _valid() | {"worker_phone": phone}, ctx)
    assert (problems == []) is ok


def test_constraints_errors_and_warnings(form: FormDefinition, ctx: EvaluationContext) -> None:
    over = validate(form, _valid() | {"dob": "2008-11-20"}, ctx)
    assert [(p.message, p.severity) for p in over] == [
        ("The child must be under 18 on the date of screening.", "error")
    ]
    young = validate(form, _valid() | {"dob": "2014-01-01"}, ctx)
    assert [p.severity for p in young] == ["warning"]
    assert not has_errors(young) and has_errors(over)


def test_groups_validate_each_entry_with_paths(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    answers = _valid() | {
        "suspects": [
            {"name": "Dee", "has_car": "yes"},
            {"alias": "D"},
            {},
            "not an entry",
            {"name": "E", "colour": "red"},
        ]
    }
    problems = validate(form, answers, ctx)
    assert [(p.path, p.message) for p in problems] == [
        ("suspects", "“Suspects” can have at most 3 entries."),
    ]
    answers["suspects"] = answers["suspects"][:3]  # type: ignore[index]
    answers["suspects"][0]["reg_kind"] = "martian"  # type: ignore[index]
    problems = validate(form, answers, ctx)
    assert [(p.item_id, p.path, p.message) for p in problems] == [
        (
            "registration",
            "suspects[0].registration",
            "Person 1 in “Suspects”: Enter an answer for “Registration”.",
        ),
        (
            "reg_kind",
            "suspects[0].reg_kind",
            "Person 1 in “Suspects”: The answer to “Plate kind” is not one of its options.",
        ),
        (
            "suspects",
            "suspects[2]",
            "Person 3 in “Suspects”: this entry is empty: fill it in or remove it.",
        ),
    ]


def test_group_entries_report_unknown_and_malformed_entries(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    answers = _valid() | {"suspects": ["text", {"name": "E", "colour": "red"}]}
    problems = validate(form, answers, ctx)
    assert [p.path for p in problems] == ["suspects[0]", "suspects[1].colour"]


def test_messages_never_echo_answer_values(form: FormDefinition, ctx: EvaluationContext) -> None:
    secret = "SECRET-Jamie-2012"
    answers = {
        key: secret
        for key in (
            "form_date",
            "child_name",
            "dob",
            "worker_email",
            "worker_phone",
            "authority",
            "returned_at",
            "postcode",
            "siblings",
            "sig_missing",
            "risk_phone",
            "known_to_police",
            "suspects",
            "final_category",
        )
    }
    answers["child_name"] = secret * 10
    problems = validate(form, answers, ctx)
    assert len(problems) >= 12
    assert all(secret not in p.message and secret not in p.path for p in problems)


def test_answers_must_be_a_mapping(form: FormDefinition, ctx: EvaluationContext) -> None:
    with pytest.raises(AnswersError):
        validate(form, ["not", "a", "mapping"], ctx)  # type: ignore[arg-type]


def test_info_items_take_no_answer(form: FormDefinition, ctx: EvaluationContext) -> None:
    problems = validate(form, _valid() | {"intro": "x"}, ctx)
    assert [p.message for p in problems] == [
        "“Read this first.” is information only and takes no answer."
    ]


# --- outcomes ------------------------------------------------------------------------------


def test_first_rule_wins_with_reason_interpolated(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    answers = {"sig_missing": ["current"], "sig_vehicles": ["current", "prior"]}
    [suggested] = evaluate_outcomes(form, answers, ctx)
    assert (suggested.id, suggested.kind, suggested.value, suggested.rule) == (
        "suggested_category",
        "suggestion",
        "3",
        0,
    )
    assert suggested.reason == (
        "2 significant indicators current: Going missing; Entering vehicles with unknown adults."
    )
    one = evaluate_outcomes(form, {"sig_missing": ["current"], "risk_phone": True}, ctx)[0]
    assert (one.value, one.rule) == ("2", 1)


def test_otherwise_applies_when_no_rule_holds(form: FormDefinition, ctx: EvaluationContext) -> None:
    [suggested] = evaluate_outcomes(form, {}, ctx)
    assert suggested.value is None and suggested.rule is None
    assert suggested.reason == "No indicators are ticked, so no category is suggested."


def test_count_tagged_ignores_irrelevant_items(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    only_gifts = evaluate_outcomes(form, {"risk_gifts": True}, ctx)[0]
    assert only_gifts.value is None  # risk_gifts is hidden unless risk_phone is ticked
    both = evaluate_outcomes(form, {"risk_phone": True, "risk_gifts": True}, ctx)[0]
    assert both.value == "1"
    assert both.reason == "2 risk indicator(s): Unexplained phone; Unexplained gifts."


def test_outcomes_can_use_earlier_outcomes_and_labels(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    answers = {
        "sig_missing": ["current"],
        "final_category": "3",
        "known_to_police": "yes",
        "risk_phone": True,
        "risk_gifts": True,
    }
    outcomes = {o.id: o for o in evaluate_outcomes(form, answers, ctx)}
    assert outcomes["override_needed"].reason == "You chose Category 3; the suggestion was 2."
    assert outcomes["police_alert"].kind == "alert"
    absent = {o.id for o in evaluate_outcomes(form, {"final_category": "2"}, ctx)}
    assert "police_alert" not in absent


# --- words, summaries and codes ------------------------------------------------------------


def test_answered_sections_use_words_and_skip_hidden_items(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    answers = _valid() | {
        "authority": "dudley",
        "sig_missing": ["prior", "current"],
        "risk_phone": True,
        "known_to_police": "not_known",
        "returned_at": "2026-11-19T14:10",
        "suspects": [{"name": "Dee", "has_car": "yes", "registration": "AB12 CDE"}],
    }
    sections = {s.section_id: s for s in answered_sections(form, answers, ctx)}
    child = {i.item_id: i for i in sections["child"].items}
    assert child["form_date"].answer == "20 November 2026"
    assert child["authority"].answer == "Dudley"
    assert child["returned_at"].answer == "19 November 2026, 14:10"
    assert child["postcode"].answer == "Not answered" and not child["postcode"].answered
    assert "intro" not in child
    indicators = {i.item_id: i for i in sections["indicators"].items}
    assert indicators["sig_missing"].answer == (
        "Current or in the past 6 months; Prior to 6 months ago"
    )
    assert indicators["sig_vehicles"].answer == "Not answered"
    assert indicators["risk_phone"].answer == "Ticked"
    assert indicators["risk_gifts"].answer == "Not ticked"
    assert indicators["known_to_police"].answer == "Not known"
    assert "police_detail" not in indicators
    [suspects] = sections["people"].items
    [entry] = suspects.entries
    assert entry.title == "Person 1"
    assert [(i.label, i.answer) for i in entry.items] == [
        ("Name", "Dee"),
        ("Alias", "Not answered"),
        ("Has a car", "Yes"),
        ("Registration", "AB12 CDE"),
        ("Plate kind", "Not answered"),
    ]


def test_summarise_lists_answered_items_as_lines(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    answers = _valid() | {
        "suspects": [{"name": "Dee\x07", "has_car": "no"}],
        "known_to_police": "yes",
        "police_detail": "Line one\nLine two",
    }
    text = summarise(form, answers, ctx)
    lines = text.splitlines()
    assert "Child / Child's name: Jamie Example" in lines
    assert "Indicators / Going missing: Current or in the past 6 months" in lines
    assert "People / Suspects / Person 1 / Name: Dee" in lines
    assert "People / Suspects / Person 1 / Has a car: No" in lines
    assert "Indicators / Police details: Line one\n  Line two" in text
    assert "Decision / Final category: Category 2" in lines
    assert "Not answered" not in text and "\x07" not in text


def test_export_codes_of_chosen_options(form: FormDefinition, ctx: EvaluationContext) -> None:
    answers = {
        "sig_missing": ["current", "prior"],
        "source_reliability": "always",
        "suspects": [{"name": "D", "has_car": "yes", "reg_kind": "uk"}, {"name": "E"}],
    }
    assert export_codes(form, answers, ctx) == {
        "sig_missing": {"flag": ["C", "P"]},
        "source_reliability": {"police_source": "1"},
        "suspects[0].reg_kind": {"plate": "GB"},
    }
    hidden = {"source_reliability": "always"}  # its section is shown only with indicators
    assert export_codes(form, hidden, ctx) == {}
    assert export_codes(form, {"source_reliability": "always", "sig_missing": ["prior"]}) == {
        "sig_missing": {"flag": ["P"]},
        "source_reliability": {"police_source": "1"},
    }


# --- prefill -------------------------------------------------------------------------------


def test_prefill_fills_from_subject_profile_episode_and_clock(form: FormDefinition) -> None:
    context = EvaluationContext(
        now=datetime(2026, 11, 25, 9, 41, 30),
        subject={"name": " Jamie Example ", "dob": "2012-02-10"},
        profile={"email": "sam@example.org", "phone": "07700 900123", "local_authority": "Dudley"},
        episode={"returned_at": datetime(2026, 11, 19, 14, 10)},
    )
    assert prefill(form, context) == {
        "form_date": "2026-11-25",
        "child_name": "Jamie Example",
        "dob": "2012-02-10",
        "worker_email": "sam@example.org",
        "worker_phone": "07700 900123",
        "authority": "dudley",
        "returned_at": "2026-11-19T14:10",
        "started": "2026-11-25T09:41",
    }


def test_prefill_leaves_out_values_that_do_not_fit(form: FormDefinition) -> None:
    context = EvaluationContext(
        now=NOW,
        subject={"name": "", "dob": "not a date"},
        profile={"local_authority": "Atlantis", "phone": 7},
        episode={"returned_at": "yesterday"},
    )
    assert prefill(form, context) == {"form_date": "2026-11-25", "started": "2026-11-25T12:00"}


# --- the real forms ------------------------------------------------------------------------

FORMS_DIR = default_forms_dir()
FORM_FOLDERS = (
    sorted(p.name for p in FORMS_DIR.iterdir() if p.is_dir() and any(p.glob("*.yaml")))
    if FORMS_DIR.is_dir()
    else []
)


@pytest.mark.skipif(not FORM_FOLDERS, reason="forms/ has no form folders yet")
def test_real_forms_load_and_their_examples_complete_without_errors() -> None:
    registry = load_registry(FORMS_DIR)
    assert registry.ids() == FORM_FOLDERS
    examples = FORMS_DIR / "examples"
    context = EvaluationContext(now=datetime(2026, 11, 25, 12, 0))
    checked = 0
    for form in registry.latest():
        example = examples / f"{form.id}.json"
        if not example.is_file():
            continue
        answers = json.loads(example.read_text(encoding="utf-8"))
        problems = validate(form, answers, context)
        assert [p for p in problems if p.severity == "error"] == [], form.id
        assert summarise(form, answers, context)
        evaluate_outcomes(form, answers, context)
        checked += 1
    assert checked == len([p for p in examples.glob("*.json") if Path(p).stem in registry])


# --- record columns and the form date ------------------------------------------------------

EPISODE = """
id: episode
title: Missing episode
version: 1
marking: OFFICIAL-SENSITIVE
source: Test fixture
date_item: missing_from
record_fields:
  missing_from: missing_from
  returned_at: returned_at
sections:
  - id: times
    title: Times
    items:
      - id: missing_from
        type: datetime
        label: Missing from
      - id: returned
        type: yes_no
        label: Has the child returned?
      - id: returned_at
        type: datetime
        label: Returned at
        relevant: "returned == 'yes'"
"""


def test_record_fields_map_shown_answers_to_columns(
    load_form: LoadForm, ctx: EvaluationContext
) -> None:
    episode = load_form(EPISODE)
    answers = {
        "missing_from": "2026-11-18T21:30",
        "returned": "no",
        "returned_at": "2026-11-19T14:10",
    }
    assert record_field_values(episode, answers, ctx) == {
        "missing_from": datetime(2026, 11, 18, 21, 30),
        "returned_at": None,  # not shown, so not stored
    }
    answers["returned"] = "yes"
    assert record_field_values(episode, answers, ctx)["returned_at"] == datetime(
        2026, 11, 19, 14, 10
    )
    assert form_date(episode, answers) == date(2026, 11, 18)
    assert form_date(episode, {}) is None


# --- loops that slip past the loader -------------------------------------------------------


def test_a_relevance_loop_built_by_hand_does_not_recurse_forever(ctx: EvaluationContext) -> None:
    """The loader refuses loops; a definition built in code gets "not shown" instead."""
    a = Item(id="a", type="text", label="A", relevant=compile_expression("answered(b)"))
    b = Item(id="b", type="text", label="B", relevant=compile_expression("answered(a)"))
    looped = FormDefinition(
        id="loop",
        title="Loop",
        version=1,
        marking="M",
        source="S",
        sections=(Section(id="s", title="S", items=(a, b)),),
    )
    assert visible_items(looped, {"a": "x", "b": "y"}, ctx) == []
    assert validate(looped, {"a": "x", "b": "y"}, ctx) == []


REPORT = """
id: report
title: Report
version: 1
marking: OFFICIAL-SENSITIVE
source: Test fixture
prefill_from:
  - form: interview
    map: {information: intelligence, people: intel_people}
sections:
  - id: s
    title: S
    items:
      - id: information
        type: long_text
        label: Information
      - id: people
        type: group
        label: People
        items:
          - {id: name, type: text, label: Name}
"""

INTERVIEW = """
id: interview
title: Interview
version: 1
marking: OFFICIAL-SENSITIVE
source: Test fixture
sections:
  - id: s
    title: S
    items:
      - {id: intelligence, type: long_text, label: Intelligence}
      - id: intel_people
        type: group
        label: People
        items:
          - {id: name, type: text, label: Name}
"""


def test_carried_answers_follow_prefill_from(write_forms: WriteForms) -> None:
    root = write_forms({"report/1.yaml": REPORT, "interview/1.yaml": INTERVIEW})
    report = load_registry(root).get("report")
    parent = {"intelligence": "Seen with an adult", "intel_people": [], "other": "x"}
    assert carried_answers(report, "interview", parent) == {"information": "Seen with an adult"}
    assert carried_answers(report, "screening", parent) == {}
