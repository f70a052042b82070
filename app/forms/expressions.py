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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import cast

from app.errors import ExpressionError
from app.forms.expression_functions import FUNCTION_IMPLS, Environment
from app.forms.expression_syntax import (
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
from app.forms.expression_values import (
    Value,
    contains,
    format_value,
    is_answered,
    is_number,
    ordered,
    tidy_number,
    truthy,
    values_equal,
)

__all__ = [
    "Environment",
    "Expression",
    "SimpleEnvironment",
    "Template",
    "Value",
    "compile_expression",
    "compile_template",
    "evaluate",
    "format_value",
    "holds",
    "is_answered",
    "referenced_names",
    "truthy",
    "values_equal",
]


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
        return ordered(node.operator, left, right)
    if isinstance(node, Membership):
        found = contains(_eval(node.needle, env), _eval(node.haystack, env))
        return not found if node.negated else found
    if isinstance(node, Arithmetic):
        return _arithmetic(node, env)
    if isinstance(node, Negate):
        operand = _eval(node.operand, env)
        return tidy_number(-cast(float, operand)) if is_number(operand) else None
    if isinstance(node, ListNode):
        return [_eval(item, env) for item in node.items]
    return _call(node, env)


def _arithmetic(node: Arithmetic, env: Environment) -> Value:
    total = _eval(node.first, env)
    for operator, operand_node in node.rest:
        operand = _eval(operand_node, env)
        if not (is_number(total) and is_number(operand)):
            return None
        a, b = cast(float, total), cast(float, operand)
        try:
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
        except ArithmeticError:
            return None
        total = tidy_number(result)
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
        return FUNCTION_IMPLS[name](args, env)
    except (ArithmeticError, ValueError):
        # Date arithmetic far outside the calendar (add_days(d, 10**12)) is a data problem.
        return None


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
