"""Age on the form's date (SPEC 2.1: under 18 on the screening date; warn under 13)."""

from __future__ import annotations

from datetime import date

import pytest
from form_samples import LoadForm

from app.forms import EvaluationContext, FormDefinition, age_on, validate

FORM = """
id: ages
title: Ages
version: 1
marking: OFFICIAL-SENSITIVE
source: Test fixture
date_item: screening_date
sections:
  - id: child
    title: Child
    items:
      - id: screening_date
        type: date
        label: Date of screening
        required: true
      - id: dob
        type: date
        label: Date of birth
        required: true
        constraints:
          - check: "not answered(screening_date) or dob <= screening_date"
            message: The date of birth must be on or before the date of screening.
          - check: "not answered(screening_date) or age(dob, screening_date) < 18"
            message: The child must be under 18 on the date of screening.
          - check: "not answered(screening_date) or age(dob, screening_date) >= 13"
            message: The child is under 13; any sexual activity is statutory rape.
            severity: warning
"""


@pytest.fixture
def form(load_form: LoadForm) -> FormDefinition:
    return load_form(FORM)


def _messages(form: FormDefinition, ctx: EvaluationContext, dob: str, on: str) -> list[str]:
    return [p.message for p in validate(form, {"dob": dob, "screening_date": on}, ctx)]


@pytest.mark.parametrize(
    ("dob", "on", "expected"),
    [
        (date(2008, 11, 20), date(2026, 11, 20), 18),  # 18th birthday on the form date
        (date(2008, 11, 21), date(2026, 11, 20), 17),  # the day before the 18th birthday
        (date(2013, 5, 1), date(2026, 5, 1), 13),
        (date(2013, 5, 2), date(2026, 5, 1), 12),
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # 29 Feb birthday, non-leap year
        (date(2008, 2, 29), date(2026, 3, 1), 18),  # ... turns 18 on 1 March
        (date(2008, 2, 29), date(2024, 2, 29), 16),  # leap year: on the day itself
        (date(2008, 2, 29), date(2024, 2, 28), 15),
        (date(2026, 11, 20), date(2026, 11, 20), 0),  # born today
    ],
)
def test_age_in_whole_years(dob: date, on: date, expected: int) -> None:
    assert age_on(dob, on) == expected


def test_future_date_of_birth_has_no_age() -> None:
    assert age_on(date(2027, 1, 1), date(2026, 11, 20)) is None


def test_18th_birthday_on_the_form_date_is_not_under_18(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    assert _messages(form, ctx, "2008-11-20", "2026-11-20") == [
        "The child must be under 18 on the date of screening."
    ]
    assert _messages(form, ctx, "2008-11-21", "2026-11-20") == []


def test_13th_birthday_is_not_under_13(form: FormDefinition, ctx: EvaluationContext) -> None:
    assert _messages(form, ctx, "2013-11-20", "2026-11-20") == []
    [warning] = validate(form, {"dob": "2013-11-21", "screening_date": "2026-11-20"}, ctx)
    assert warning.severity == "warning"
    assert warning.message == "The child is under 13; any sexual activity is statutory rape."


def test_29_february_birthday_turns_18_on_1_march(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    assert _messages(form, ctx, "2008-02-29", "2026-02-28") == []
    assert _messages(form, ctx, "2008-02-29", "2026-03-01") == [
        "The child must be under 18 on the date of screening."
    ]


def test_future_date_of_birth_is_an_error(form: FormDefinition, ctx: EvaluationContext) -> None:
    messages = _messages(form, ctx, "2026-12-01", "2026-11-20")
    assert "The date of birth must be on or before the date of screening." in messages


def test_no_age_checks_without_the_form_date(form: FormDefinition, ctx: EvaluationContext) -> None:
    problems = validate(form, {"dob": "2000-01-01"}, ctx)
    assert [p.path for p in problems] == ["screening_date"]
