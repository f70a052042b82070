"""Hostile and random input never crashes the engine (HOUSE_STYLE: property-based tests for
parsers, the expression engine and validation).

Allowed outcomes: an ExpressionError for text that is not an expression, a list of
explained Problems for answers. Anything else (RecursionError, TypeError, ...) is a bug.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

import pytest
from form_samples import DEMO, GUIDANCE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import ExpressionError
from app.forms import (
    EvaluationContext,
    FormDefinition,
    SimpleEnvironment,
    answered_sections,
    compile_expression,
    compile_template,
    default_forms_dir,
    evaluate,
    evaluate_outcomes,
    export_codes,
    load_registry,
    summarise,
    validate,
    visible_items,
)

PROFILE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CTX = EvaluationContext(now=datetime(2026, 11, 25, 12, 0), settings={"repeat_missing_count": 3})
MARK = "§§"
"""Every generated text answer starts with this, so a message echoing an answer is caught."""


@pytest.fixture(scope="module")
def demo_form(tmp_path_factory: pytest.TempPathFactory) -> FormDefinition:
    root = tmp_path_factory.mktemp("forms")
    (root / "demo").mkdir()
    (root / "demo" / "1.yaml").write_text(textwrap.dedent(DEMO).lstrip(), encoding="utf-8")
    (root / "guidance.yaml").write_text(textwrap.dedent(GUIDANCE), encoding="utf-8")
    return load_registry(root).get("demo")


@pytest.fixture(scope="module")
def real_forms() -> list[FormDefinition]:
    forms_dir = default_forms_dir()
    if not any(p.is_dir() and any(p.glob("*.yaml")) for p in forms_dir.iterdir()):
        pytest.skip("forms/ has no form folders yet")
    return load_registry(forms_dir).latest()


hostile_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "\u202eevil\u202c",
            "مرحبا بالعالم",
            "שלום",
            "\r\n\t\x1b[31m",
            "x" * 200_000,
            "2026-02-30",
            "2026-11-20",
            "2026-11-20T25:61",
            "yes",
            "no",
            "not_known",
            "current",
        ]
    ),
).map(lambda text: MARK + text)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
answer_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=8,
)


def _answers_for(form: FormDefinition) -> st.SearchStrategy[dict[str, object]]:
    ids = [item.id for _, item in form.iter_items()]
    # Unknown keys are shown in the problem's path on purpose (validation._safe_key): the
    # mark stands for answer values, so a generated key must not contain it.
    keys = st.one_of(st.sampled_from(ids), st.text(max_size=10).filter(lambda key: MARK not in key))
    return st.dictionaries(keys, answer_values, max_size=25)


def _group_answers(form: FormDefinition) -> st.SearchStrategy[dict[str, object]]:
    """Answers shaped like real entries, so group sub-items get exercised too."""
    groups = [item for _, item in form.iter_items() if item.type == "group"]
    if not groups:
        return st.just({})
    group = groups[0]
    entry = st.dictionaries(
        st.sampled_from([sub.id for sub in group.items]), answer_values, max_size=5
    )
    return st.fixed_dictionaries({group.id: st.lists(entry, max_size=4)})


def _exercise(form: FormDefinition, answers: dict[str, object]) -> None:
    problems = validate(form, answers, CTX)
    for problem in problems:
        assert problem.severity in ("error", "warning")
        assert problem.message and MARK not in problem.message
        assert isinstance(problem.path, str) and MARK not in problem.path
    evaluate_outcomes(form, answers, CTX)
    visible_items(form, answers, CTX)
    answered_sections(form, answers, CTX)
    summarise(form, answers, CTX)
    export_codes(form, answers, CTX)


@PROFILE
@given(data=st.data())
def test_random_answers_give_explained_problems_not_crashes(
    demo_form: FormDefinition, data: st.DataObject
) -> None:
    answers = data.draw(_answers_for(demo_form))
    answers.update(data.draw(_group_answers(demo_form)))
    _exercise(demo_form, answers)


@PROFILE
@given(data=st.data())
def test_random_answers_on_the_real_forms(
    real_forms: list[FormDefinition], data: st.DataObject
) -> None:
    form = data.draw(st.sampled_from(real_forms))
    answers = data.draw(_answers_for(form))
    answers.update(data.draw(_group_answers(form)))
    _exercise(form, answers)


def _evaluate_if_parses(source: str, values: dict[str, object]) -> None:
    try:
        expression = compile_expression(source)
    except ExpressionError:
        return
    env = SimpleEnvironment(
        values={name: values.get(name) for name in expression.names},
        now=CTX.now,
        settings={"x": 1},
    )
    evaluate(expression, env)


@PROFILE
@given(source=st.text(max_size=300), value=scalars)
def test_random_text_is_an_expression_or_an_expression_error(source: str, value: object) -> None:
    _evaluate_if_parses(source, {"a": value})


TOKENS = [
    "a",
    "b",
    "c",
    "1",
    "2.5",
    "0",
    "'x'",
    '"yes"',
    "true",
    "false",
    "null",
    "now",
    "today",
    "and",
    "or",
    "not",
    "in",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    ",",
    "answered(",
    "count(",
    "len(",
    "date(",
    "datetime(",
    "age(",
    "days_between(",
    "hours_between(",
    "add_hours(",
    "add_days(",
    "min(",
    "max(",
    "coalesce(",
    "setting('x')",
    "label(a)",
    "outcome('o')",
    "count_tagged('t')",
    "labels_tagged('t', 'v')",
    "'2026-01-31'",
    "'2026-01-31T10:00'",
]


@PROFILE
@given(
    tokens=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=40),
    a=scalars,
    b=answer_values,
    c=st.sampled_from(["2026-02-29", "2024-02-29", "2026-11-20T10:00", ["current"], 10**30]),
)
def test_token_soup_evaluates_or_fails_cleanly(
    tokens: list[str], a: object, b: object, c: object
) -> None:
    _evaluate_if_parses(" ".join(tokens), {"a": a, "b": b, "c": c})


@PROFILE
@given(
    depth=st.integers(min_value=1, max_value=5000),
    opener=st.sampled_from(["(", "not ", "-", "[", "len("]),
)
def test_deep_nesting_never_raises_recursion_error(depth: int, opener: str) -> None:
    closer = {"(": ")", "not ": "", "-": "", "[": "]", "len(": ")"}[opener]
    source = opener * depth + "1" + closer * depth
    try:
        compile_expression(source)
    except ExpressionError:
        return


@PROFILE
@given(source=st.text(max_size=200), value=scalars)
def test_random_reason_templates_render_or_fail_cleanly(source: str, value: object) -> None:
    try:
        template = compile_template(source)
    except ExpressionError:
        return
    names = {name for part in template.expressions for name in part.names}
    env = SimpleEnvironment(values=dict.fromkeys(names, value), now=CTX.now)
    assert isinstance(template.render(env), str)


def test_the_real_forms_directory_exists() -> None:
    assert Path(default_forms_dir()).is_dir()
