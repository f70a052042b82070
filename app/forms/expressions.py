"""The form expression language: compile once at load, evaluate against answers.

FORMAT.md ("Expressions") is the contract. Parsing lives in ``expression_syntax``; this
module holds the compiled ``Expression``, ``{expr}`` reason templates, and the evaluator.

Evaluation never raises because of answer data: a rule over a half-filled draft must still
give an answer, so unanswered values are ``null``, comparing ``null`` with ``<`` is false,
and a function given the wrong kind of value returns ``null`` (as ODK treats blanks,
mission-anchors 1.1). Only programming errors (an environment that does not know a name
the form loader already checked) raise ExpressionError.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol, TypeAlias, cast

from app.errors import ExpressionError
from app.forms.dates import age_on, format_date, format_datetime, parse_date, parse_datetime
from app.forms.expression_syntax import (
    FUNCTIONS,
    SPECIAL_NAMES,
    Arithmetic,
    BoolOp,
    Call,
    Compare,
    ListNode,
    Literal,
    Membership,
    Name,
    Negate,
    Node,
    Not,
    parse,
    walk,
)

Value: TypeAlias = object
"""null (None), bool, int, float, str, date, datetime, a list of values, or a group entry."""

_MAX_INT = 10**30
"""Results beyond this are treated as nonsense (null) so that text conversion stays cheap."""

_FALSY_WORDS = frozenset({"no", "not_known"})


class Environment(Protocol):
    """What an expression can see: answers by item id, tagged items, settings, outcomes."""

    @property
    def now(self) -> datetime: ...

    def value_of(self, name: str) -> Value: ...

    def count_tagged(self, tag: str, value: Value, match_value: bool) -> int: ...

    def labels_tagged(self, tag: str, value: Value, match_value: bool) -> str: ...

    def setting(self, name: str) -> Value: ...

    def label_of(self, name: str) -> Value: ...

    def outcome(self, outcome_id: str) -> Value: ...


@dataclass(frozen=True)
class Expression:
    """A parsed expression and what it refers to, for load-time checks and evaluation."""

    source: str
    root: Node = field(repr=False, compare=False)
    names: frozenset[str] = field(compare=False)
    """Item ids named (including the argument of ``label()``); not ``now``/``today``."""
    tags: tuple[tuple[str, Value, bool], ...] = field(compare=False)
    """(tag, literal value or None, whether a value was given) for count/labels_tagged."""
    outcomes: frozenset[str] = field(compare=False)
    settings: frozenset[str] = field(compare=False)
    label_targets: frozenset[str] = field(compare=False)

    def __str__(self) -> str:
        return self.source


@lru_cache(maxsize=8192)
def compile_expression(source: str) -> Expression:
    """Parse expression text once (cached) and list the names, tags and outcomes it uses."""
    root = parse(source)
    names: set[str] = set()
    tags: list[tuple[str, Value, bool]] = []
    outcomes: set[str] = set()
    settings: set[str] = set()
    label_targets: set[str] = set()
    for node in walk(root):
        if isinstance(node, Name) and node.name not in SPECIAL_NAMES:
            names.add(node.name)
        elif isinstance(node, Call):
            first = node.args[0] if node.args else None
            literal = first.value if isinstance(first, Literal) else None
            if node.function in ("count_tagged", "labels_tagged") and isinstance(literal, str):
                second = node.args[1] if len(node.args) > 1 else None
                given = second is not None
                value = second.value if isinstance(second, Literal) else None
                tags.append((literal, value, given and isinstance(second, Literal)))
            elif node.function == "outcome" and isinstance(literal, str):
                outcomes.add(literal)
            elif node.function == "setting" and isinstance(literal, str):
                settings.add(literal)
            elif node.function == "label" and isinstance(first, Name):
                label_targets.add(first.name)
    return Expression(
        source=source,
        root=root,
        names=frozenset(names),
        tags=tuple(tags),
        outcomes=frozenset(outcomes),
        settings=frozenset(settings),
        label_targets=frozenset(label_targets),
    )


def referenced_names(source: str) -> frozenset[str]:
    """The item ids an expression names, for the loader's "unknown names" check."""
    return compile_expression(source).names


# --- templates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """Reason text with ``{expression}`` parts; ``{{`` and ``}}`` stand for braces."""

    source: str
    parts: tuple[str | Expression, ...] = field(repr=False, compare=False)

    @property
    def expressions(self) -> tuple[Expression, ...]:
        return tuple(part for part in self.parts if isinstance(part, Expression))

    def render(self, env: Environment) -> str:
        """The text with every ``{expression}`` evaluated and written in words."""
        return "".join(
            part if isinstance(part, str) else format_value(evaluate(part, env))
            for part in self.parts
        )

    def __str__(self) -> str:
        return self.source


@lru_cache(maxsize=2048)
def compile_template(source: str) -> Template:
    """Split reason text into literal text and compiled expressions, or raise ExpressionError."""
    parts: list[str | Expression] = []
    text: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char in "{}" and source.startswith(char * 2, i):
            text.append(char)
            i += 2
            continue
        if char == "{":
            end = _closing_brace(source, i)
            if text:
                parts.append("".join(text))
                text = []
            inner = source[i + 1 : end]
            try:
                parts.append(compile_expression(inner))
            except ExpressionError as exc:
                raise ExpressionError(f"in '{{...}}' part {len(parts) + 1}: {exc}") from exc
            i = end + 1
            continue
        text.append(char)
        i += 1
    if text:
        parts.append("".join(text))
    return Template(source=source, parts=tuple(parts))


def _closing_brace(source: str, start: int) -> int:
    quote: str | None = None
    i = start + 1
    while i < len(source):
        char = source[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "}":
            return i
        i += 1
    raise ExpressionError("a '{' in the text has no matching '}' (write '{{' for a brace)")


# --- value semantics ---------------------------------------------------------------------


def is_answered(value: Value) -> bool:
    """FORMAT.md: null, "" and [] count as unanswered; so do blank text and an unticked box."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | tuple | Mapping):
        return len(value) > 0
    return True


def truthy(value: Value) -> bool:
    """Ticked, "yes", a non-zero number, non-empty text other than "no"/"not_known", or
    a non-empty list. This is FORMAT.md's meaning of "truthy" for ``count()``, used for
    every condition so that ``relevant: "willing_to_engage"`` reads as "answered yes".
    """
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, str):
        word = value.strip()
        return word != "" and word not in _FALSY_WORDS
    if isinstance(value, list | tuple | Mapping):
        return len(value) > 0
    return True


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _moment(value: Value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    return None


def values_equal(left: Value, right: Value) -> bool:
    """Equality without surprises: null equals only null, "3" is not 3, true is not 1."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _is_number(left) and _is_number(right):
        return left == right
    if isinstance(left, date) and isinstance(right, date):
        return _moment(left) == _moment(right)
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(
            values_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left == right
    return False


def _order(operator: str, left: Value, right: Value) -> bool:
    """``<`` and friends: numbers with numbers, text with text, dates with dates; else false."""
    a: Any
    b: Any
    both_numbers = _is_number(left) and _is_number(right)
    if both_numbers or (isinstance(left, str) and isinstance(right, str)):
        a, b = left, right
    elif isinstance(left, date) and isinstance(right, date):
        a, b = _moment(left), _moment(right)
    else:
        return False
    if operator == "<":
        return bool(a < b)
    if operator == "<=":
        return bool(a <= b)
    if operator == ">":
        return bool(a > b)
    return bool(a >= b)


def _contains(needle: Value, haystack: Value) -> bool:
    """``'v' in item``: a list holds it, or a single answer equals it (choice or multi)."""
    if needle is None or haystack is None:
        return False
    if isinstance(haystack, list | tuple):
        return any(values_equal(needle, element) for element in haystack)
    return values_equal(needle, haystack)


def _tidy_number(value: float | int) -> int | float | None:
    """Keep numbers finite and modest; whole floats become ints so reasons read "3" not "3.0"."""
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > 1e300:
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    return value if abs(value) <= _MAX_INT else None


def format_value(value: Value) -> str:
    """A value in words for reason text and summaries."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        tidy = _tidy_number(value)
        if isinstance(tidy, int):
            return str(tidy)
        return "" if tidy is None else f"{tidy:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(format_value(element) for element in value)
    return ""


# --- evaluation --------------------------------------------------------------------------


def evaluate(expression: Expression, env: Environment) -> Value:
    """The value of a compiled expression in an environment (never raises on data)."""
    return _eval(expression.root, env)


def holds(expression: Expression, env: Environment) -> bool:
    """Whether a condition (relevant, required, when, check) holds."""
    return truthy(_eval(expression.root, env))


def _eval(node: Node, env: Environment) -> Value:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        if node.name == "now":
            return env.now
        if node.name == "today":
            return env.now.date()
        return env.value_of(node.name)
    if isinstance(node, BoolOp):
        if node.operator == "and":
            return all(truthy(_eval(operand, env)) for operand in node.operands)
        return any(truthy(_eval(operand, env)) for operand in node.operands)
    if isinstance(node, Not):
        return not truthy(_eval(node.operand, env))
    if isinstance(node, Compare):
        left, right = _eval(node.left, env), _eval(node.right, env)
        if node.operator == "==":
            return values_equal(left, right)
        if node.operator == "!=":
            return not values_equal(left, right)
        return _order(node.operator, left, right)
    if isinstance(node, Membership):
        found = _contains(_eval(node.needle, env), _eval(node.haystack, env))
        return not found if node.negated else found
    if isinstance(node, Arithmetic):
        return _arithmetic(node, env)
    if isinstance(node, Negate):
        operand = _eval(node.operand, env)
        return _tidy_number(-cast(float, operand)) if _is_number(operand) else None
    if isinstance(node, ListNode):
        return [_eval(item, env) for item in node.items]
    return _call(node, env)


def _arithmetic(node: Arithmetic, env: Environment) -> Value:
    total = _eval(node.first, env)
    for operator, operand_node in node.rest:
        operand = _eval(operand_node, env)
        if not (_is_number(total) and _is_number(operand)):
            return None
        a, b = cast(float, total), cast(float, operand)
        if operator == "+":
            result = a + b
        elif operator == "-":
            result = a - b
        elif operator == "*":
            result = a * b
        elif b == 0:
            return None
        else:
            result = a / b
        total = _tidy_number(result)
        if total is None:
            return None
    return total


def _call(node: Call, env: Environment) -> Value:
    name = node.function
    if name == "label":
        target = node.args[0]
        return env.label_of(target.name) if isinstance(target, Name) else None
    args = [_eval(arg, env) for arg in node.args]
    try:
        return _FUNCTION_IMPLS[name](args, env)
    except (ArithmeticError, ValueError):
        # Date arithmetic far outside the calendar (add_days(d, 10**12)) is a data problem.
        return None


def _fn_count_tagged(args: Sequence[Value], env: Environment) -> Value:
    tag = args[0]
    if not isinstance(tag, str):
        return 0
    return env.count_tagged(tag, args[1] if len(args) > 1 else None, len(args) > 1)


def _fn_labels_tagged(args: Sequence[Value], env: Environment) -> Value:
    tag = args[0]
    if not isinstance(tag, str):
        return ""
    return env.labels_tagged(tag, args[1] if len(args) > 1 else None, len(args) > 1)


def _fn_len(args: Sequence[Value], env: Environment) -> Value:
    value = args[0]
    if value is None:
        return 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value)
    return None


def _fn_age(args: Sequence[Value], env: Environment) -> Value:
    dob, on = parse_date(args[0]), parse_date(args[1])
    if dob is None or on is None:
        return None
    return age_on(dob, on)


def _is_pure_date(value: Value) -> bool:
    if isinstance(value, datetime):
        return False
    if isinstance(value, date):
        return True
    return isinstance(value, str) and len(value) == 10 and parse_date(value) is not None


def _fn_days_between(args: Sequence[Value], env: Environment) -> Value:
    a, b = args
    if _is_pure_date(a) and _is_pure_date(b):
        first, second = parse_date(a), parse_date(b)
        return None if first is None or second is None else (second - first).days
    start, end = parse_datetime(a), parse_datetime(b)
    if start is None or end is None:
        return None
    return _tidy_number((end - start).total_seconds() / 86400)


def _fn_hours_between(args: Sequence[Value], env: Environment) -> Value:
    start, end = parse_datetime(args[0]), parse_datetime(args[1])
    if start is None or end is None:
        return None
    return _tidy_number((end - start).total_seconds() / 3600)


def _fn_add_hours(args: Sequence[Value], env: Environment) -> Value:
    start, hours = parse_datetime(args[0]), args[1]
    if start is None or not _is_number(hours):
        return None
    return start + timedelta(hours=cast(float, hours))


def _fn_add_days(args: Sequence[Value], env: Environment) -> Value:
    base, days = args
    if not _is_number(days):
        return None
    delta = timedelta(days=cast(float, days))
    if _is_pure_date(base):
        day = parse_date(base)
        return None if day is None else day + timedelta(days=delta.days)
    start = parse_datetime(base)
    return None if start is None else start + delta


def _flatten(args: Sequence[Value]) -> list[Value]:
    flat: list[Value] = []
    for arg in args:
        if isinstance(arg, list | tuple):
            flat.extend(arg)
        else:
            flat.append(arg)
    return [value for value in flat if value is not None]


def _extreme(args: Sequence[Value], largest: bool) -> Value:
    values = _flatten(args)
    if not values:
        return None
    if all(_is_number(v) for v in values):
        numbers = cast(list[float], values)
        return max(numbers) if largest else min(numbers)
    if all(isinstance(v, str) for v in values):
        texts = cast(list[str], values)
        return max(texts) if largest else min(texts)
    if all(isinstance(v, date) for v in values):
        moments = cast(list[date], values)
        return max(moments, key=_sort_moment) if largest else min(moments, key=_sort_moment)
    return None


def _sort_moment(value: date) -> datetime:
    moment = _moment(value)
    assert moment is not None
    return moment


def _fn_coalesce(args: Sequence[Value], env: Environment) -> Value:
    for value in args:
        if is_answered(value):
            return value
    return None


def _fn_setting(args: Sequence[Value], env: Environment) -> Value:
    return env.setting(args[0]) if isinstance(args[0], str) else None


def _fn_outcome(args: Sequence[Value], env: Environment) -> Value:
    return env.outcome(args[0]) if isinstance(args[0], str) else None


class _Impl(Protocol):
    def __call__(self, args: Sequence[Value], env: Environment, /) -> Value: ...


_FUNCTION_IMPLS: dict[str, _Impl] = dict(
    {
        "answered": lambda args, env: is_answered(args[0]),
        "count": lambda args, env: sum(1 for value in args if truthy(value)),
        "count_tagged": _fn_count_tagged,
        "labels_tagged": _fn_labels_tagged,
        "len": _fn_len,
        "date": lambda args, env: parse_date(args[0]),
        "datetime": lambda args, env: parse_datetime(args[0]),
        "age": _fn_age,
        "days_between": _fn_days_between,
        "hours_between": _fn_hours_between,
        "add_hours": _fn_add_hours,
        "add_days": _fn_add_days,
        "min": lambda args, env: _extreme(args, largest=False),
        "max": lambda args, env: _extreme(args, largest=True),
        "coalesce": _fn_coalesce,
        "setting": _fn_setting,
        "outcome": _fn_outcome,
    }
)
assert set(_FUNCTION_IMPLS) | {"label"} == set(FUNCTIONS), "every listed function is implemented"


@dataclass
class SimpleEnvironment:
    """An environment over plain values, for callers outside a form (and for tests)."""

    values: Mapping[str, Value] = field(default_factory=dict)
    now: datetime = field(default_factory=datetime.now)
    settings: Mapping[str, Value] = field(default_factory=dict)
    outcomes: Mapping[str, Value] = field(default_factory=dict)
    labels: Mapping[str, Value] = field(default_factory=dict)

    def value_of(self, name: str) -> Value:
        if name not in self.values:
            raise ExpressionError(f"the name '{name}' is not known here")
        return self.values[name]

    def count_tagged(self, tag: str, value: Value, match_value: bool) -> int:
        return 0

    def labels_tagged(self, tag: str, value: Value, match_value: bool) -> str:
        return ""

    def setting(self, name: str) -> Value:
        return self.settings.get(name)

    def label_of(self, name: str) -> Value:
        return self.labels.get(name)

    def outcome(self, outcome_id: str) -> Value:
        return self.outcomes.get(outcome_id)
