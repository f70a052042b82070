"""The expression language of forms/FORMAT.md: parsing, evaluation and its failures."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.errors import ExpressionError
from app.forms import SimpleEnvironment, compile_expression, compile_template, referenced_names
from app.forms.expressions import evaluate, format_value, is_answered, truthy

NOW = datetime(2026, 11, 25, 12, 30)


def run(source: str, **values: object) -> object:
    env = SimpleEnvironment(
        values=values,
        now=NOW,
        settings={"repeat_missing_count": 3, "area": "Dudley"},
        outcomes={"suggested_category": "2"},
        labels={"category": "Category 2"},
    )
    return evaluate(compile_expression(source), env)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("3", 3),
        ("2.5", 2.5),
        ("'text'", "text"),
        ('"double"', "double"),
        ("'it\\'s'", "it's"),
        ("true", True),
        ("false", False),
        ("null", None),
        ("['a', 'b']", ["a", "b"]),
        ("[]", []),
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("7 / 2", 3.5),
        ("6 / 3", 2),
        ("-3 + 5", 2),
        ("--3", 3),
        ("1 / 0", None),
        ("1 + 'a'", None),
        ("true + 1", None),
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 4", False),
        ("'a' < 'b'", True),
        ("1 == 1.0", True),
        ("'3' == 3", False),
        ("true == 1", False),
        ("null == null", True),
        ("null != 1", True),
        ("null < 3", False),
        ("null >= 3", False),
        ("3 > null", False),
        ("'a' < 3", False),
        ("not null", True),
        ("true and false", False),
        ("false or 'yes'", True),
        ("'no' or 'not_known'", False),
        ("not 'no'", True),
        ("'x' in ['x', 'y']", True),
        ("'z' in ['x', 'y']", False),
        ("'z' not in ['x', 'y']", True),
        ("'x' in 'x'", True),
        ("'x' in null", False),
        ("null in ['x']", False),
        ("'x' not in null", True),
        ("1 + 1 + 1 + 1 == 4 and not false", True),
    ],
)
def test_operators(source: str, expected: object) -> None:
    assert run(source) == expected
    if isinstance(expected, bool):
        assert isinstance(run(source), bool)


def test_names_and_special_names() -> None:
    assert run("a + b", a=1, b=2) == 3
    assert run("now") == NOW
    assert run("today") == NOW.date()
    assert run("'current' in sig", sig=["current", "prior"]) is True
    assert run("x == null", x=None) is True


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("answered(a)", True),
        ("answered(empty)", False),
        ("answered(blank)", False),
        ("answered(nothing)", False),
        ("answered(unticked)", False),
        ("answered(zero)", True),
        ("count(a, empty, yes, no, unticked, ticked)", 3),
        ("len(items)", 2),
        ("len(a)", 5),
        ("len(nothing)", 0),
        ("len(zero)", None),
        ("date('2011-04-02')", date(2011, 4, 2)),
        ("date('2011-02-30')", None),
        ("date('20110402')", None),
        ("date(3)", None),
        ("datetime('2026-11-18T21:30')", datetime(2026, 11, 18, 21, 30)),
        ("datetime('2026-11-18')", datetime(2026, 11, 18)),
        ("datetime('soon')", None),
        ("days_between('2026-01-01', '2026-03-01')", 59),
        ("days_between('2026-03-01', '2026-01-01')", -59),
        ("days_between('2026-01-01T00:00', '2026-01-02T12:00')", 1.5),
        ("hours_between('2026-11-18T21:30', '2026-11-21T21:30')", 72),
        ("hours_between('2026-11-18T21:30', 'x')", None),
        ("add_hours('2026-11-18T21:30', 72)", datetime(2026, 11, 21, 21, 30)),
        ("add_hours('x', 72)", None),
        ("add_hours('2026-11-18T21:30', 'a')", None),
        ("add_days('2026-01-31', 1)", date(2026, 2, 1)),
        ("add_days('2026-01-31T10:00', 1)", datetime(2026, 2, 1, 10, 0)),
        ("add_days('2026-01-31', 10000000000)", None),
        ("add_days('2026-01-31', true)", None),
        ("min(3, 1, 2)", 1),
        ("max(3, 1, null, 2)", 3),
        ("max([1, 5], 2)", 5),
        ("min('b', 'a')", "a"),
        ("min(1, 'a')", None),
        ("max(null)", None),
        ("max(date('2026-01-01'), date('2026-02-01'))", date(2026, 2, 1)),
        ("coalesce(nothing, blank, 'x', 'y')", "x"),
        ("coalesce(nothing)", None),
        ("setting('repeat_missing_count')", 3),
        ("setting('unknown_setting')", None),
        ("outcome('suggested_category')", "2"),
        ("outcome('other')", None),
        ("label(category)", "Category 2"),
        ("age('2008-02-29', '2026-02-28')", 17),
        ("age('2008-02-29', '2026-03-01')", 18),
        ("age('2030-01-01', '2026-03-01')", None),
        ("age(1, 2)", None),
    ],
)
def test_functions(source: str, expected: object) -> None:
    values = {
        "a": "hello",
        "empty": "",
        "blank": "   ",
        "nothing": None,
        "unticked": False,
        "ticked": True,
        "zero": 0,
        "yes": "yes",
        "no": "no",
        "items": [{"x": 1}, {"x": 2}],
        "category": "2",
    }
    assert run(source, **values) == expected


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a <", "expected a value"),
        ("a < b < c", "cannot be chained"),
        ("a = 1", "single '='"),
        ("(a", "expected ')'"),
        ("a)", "unexpected"),
        ("1 2", "unexpected"),
        ("'open", "not closed"),
        ("'bad \\q escape'", "escape"),
        ("a.b", "not allowed"),
        ("a ; b", "not allowed"),
        ("foo(1)", "unknown function 'foo'"),
        ("__import__('os')", "unknown function"),
        ("eval('1')", "unknown function"),
        ("count()", "count() takes 1 or more"),
        ("answered(a, b)", "answered() takes 1 argument"),
        ("age(a)", "age() takes 2 arguments"),
        ("count_tagged(a)", "text in quotes"),
        ("setting(a)", "text in quotes"),
        ("outcome(1)", "text in quotes"),
        ("label('a')", "question id"),
        ("[1, 2", "expected ',' or ']'"),
        ("and", "cannot be used here"),
        ("1e5", "unexpected"),
        ("9" * 40, "too long"),
        ("x" * 5000, "longer than"),
    ],
)
def test_syntax_errors_are_expression_errors(source: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "source",
    [
        "(" * 200 + "1" + ")" * 200,
        "not " * 300 + "true",
        "-" * 500 + "1",
        "[" * 100 + "]" * 100,
        "count(" * 60 + "1" + ")" * 60,
        "(" * 3000,
    ],
)
def test_deep_nesting_is_an_expression_error_not_a_recursion_error(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(source)


def test_long_flat_chains_parse_and_evaluate_without_recursion() -> None:
    assert run("+".join(["1"] * 1900)) == 1900
    assert run(" and ".join(["true"] * 400)) is True
    assert run(" or ".join(["false"] * 400)) is False


def test_referenced_names_lists_items_not_specials_or_functions() -> None:
    names = referenced_names(
        "count(a, b) > 1 and label(c) == 'x' and now > d and today > e and setting('s') == f"
    )
    assert names == {"a", "b", "c", "d", "e", "f"}


def test_compiled_expression_records_tags_outcomes_settings() -> None:
    expression = compile_expression(
        "count_tagged('significant', 'current') + count_tagged('risk') > 0 "
        "and outcome('first') == setting('area') and label(cat) != null"
    )
    assert ("significant", "current", True) in expression.tags
    assert ("risk", None, False) in expression.tags
    assert expression.outcomes == {"first"}
    assert expression.settings == {"area"}
    assert expression.label_targets == {"cat"}


def test_expressions_are_parsed_once_and_cached() -> None:
    assert compile_expression("a == 1") is compile_expression("a == 1")


def test_unknown_name_at_evaluation_is_a_programming_error() -> None:
    with pytest.raises(ExpressionError):
        run("unknown_name == 1")


def test_templates_interpolate_expressions_and_escape_braces() -> None:
    env = SimpleEnvironment(values={"n": 2, "d": date(2011, 4, 2), "f": 2.50}, now=NOW)
    template = compile_template("{n} indicators {{braces}} on {d}: {f} {'}'}")
    assert template.render(env) == "2 indicators {braces} on 2 April 2011: 2.5 }"
    assert [str(part) for part in template.expressions] == ["n", "d", "f", "'}'"]


@pytest.mark.parametrize("source", ["{unclosed", "{1 +}", "{}"])
def test_bad_templates_are_expression_errors(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_template(source)


def test_format_value_words() -> None:
    assert format_value(None) == ""
    assert format_value(True) == "yes"
    assert format_value(3.0) == "3"
    assert format_value(1 / 3) == "0.33"
    assert format_value(datetime(2026, 1, 2, 9, 5)) == "2 January 2026, 09:05"
    assert format_value(["a", 1]) == "a; 1"


def test_truthiness_and_answered_follow_format_md() -> None:
    assert truthy("yes") and truthy("current") and truthy(1) and truthy(["x"])
    assert not truthy("no") and not truthy("not_known") and not truthy(0)
    assert not truthy(float("nan")) and not truthy("") and not truthy([])
    assert is_answered("no") and is_answered(0)
    assert not is_answered(None) and not is_answered("") and not is_answered([])
