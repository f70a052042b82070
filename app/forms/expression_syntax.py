"""Tokenizer, syntax tree and recursive-descent parser for form expressions.

The language is the one in forms/FORMAT.md ("Expressions"). It is parsed by hand, never
with ``eval``/``exec``/``ast``, because form files are data: a rule must not be able to run
code (HOUSE_STYLE: form knowledge lives in data, the engine stays small and safe).

Chains of ``and``/``or``/``+``/``*`` are kept as flat n-ary nodes, so the only way to make
the tree deep is explicit nesting (brackets, ``not``, unary minus, calls, lists); that
nesting is capped, and so is the source length, so hostile or careless input fails with an
ExpressionError instead of a RecursionError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import ExpressionError

MAX_SOURCE_LENGTH = 4000
"""Longest expression accepted: the longest rule in the framework's forms is far shorter."""

MAX_NESTING = 48
"""Deepest nesting of brackets, calls, lists, ``not`` and unary minus accepted."""

MAX_NUMBER_LENGTH = 30
"""Longest number literal: scores and counts, never big enough to need more digits."""

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
SPECIAL_NAMES = frozenset({"now", "today"})
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")


@dataclass(frozen=True, slots=True)
class FunctionSignature:
    """How many arguments a function takes and which must be written literally."""

    min_args: int
    max_args: int | None
    literal_string_args: tuple[int, ...] = ()
    name_args: tuple[int, ...] = ()


FUNCTIONS: dict[str, FunctionSignature] = {
    "answered": FunctionSignature(1, 1),
    "count": FunctionSignature(1, None),
    "count_tagged": FunctionSignature(1, 2, literal_string_args=(0,)),
    "labels_tagged": FunctionSignature(1, 2, literal_string_args=(0,)),
    "len": FunctionSignature(1, 1),
    "date": FunctionSignature(1, 1),
    "datetime": FunctionSignature(1, 1),
    "age": FunctionSignature(2, 2),
    "days_between": FunctionSignature(2, 2),
    "hours_between": FunctionSignature(2, 2),
    "add_hours": FunctionSignature(2, 2),
    "add_days": FunctionSignature(2, 2),
    "min": FunctionSignature(1, None),
    "max": FunctionSignature(1, None),
    "coalesce": FunctionSignature(1, None),
    "setting": FunctionSignature(1, 1, literal_string_args=(0,)),
    "label": FunctionSignature(1, 1, name_args=(0,)),
    "outcome": FunctionSignature(1, 1, literal_string_args=(0,)),
}
"""Exactly the functions FORMAT.md lists; anything else is a load-time error."""


# --- syntax tree -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: object


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class ListNode:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class BoolOp:
    operator: str  # "and" | "or"
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    operator: str  # one of COMPARISONS
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Membership:
    needle: Node
    haystack: Node
    negated: bool


@dataclass(frozen=True, slots=True)
class Arithmetic:
    first: Node
    rest: tuple[tuple[str, Node], ...]  # ("+" | "-" | "*" | "/", operand)


Node = Literal | Name | ListNode | Call | Negate | Not | BoolOp | Compare | Membership | Arithmetic


# --- tokenizer ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "number" | "string" | "name" | "op" | "end"
    text: str
    value: object
    position: int


_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER_RE = re.compile(r"\d+(\.\d+)?")
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}


def _fail(problem: str, position: int) -> ExpressionError:
    return ExpressionError(f"{problem} (at character {position + 1})")


def tokenize(source: str) -> list[Token]:
    """Split an expression into tokens; any character outside the language is an error."""
    tokens: list[Token] = []
    i = 0
    length = len(source)
    while i < length:
        char = source[i]
        if char in " \t\r\n":
            i += 1
            continue
        if char in "'\"":
            text, i_next = _read_string(source, i)
            tokens.append(Token("string", source[i:i_next], text, i))
            i = i_next
            continue
        number = _NUMBER_RE.match(source, i)
        if number:
            tokens.append(_number_token(number.group(), i))
            i = number.end()
            continue
        name = _NAME_RE.match(source, i)
        if name:
            tokens.append(Token("name", name.group(), name.group(), i))
            i = name.end()
            continue
        for operator in _OPERATORS:
            if source.startswith(operator, i):
                tokens.append(Token("op", operator, operator, i))
                i += len(operator)
                break
        else:
            if char == "=":
                raise _fail("a single '=' is not allowed; compare with '=='", i)
            raise _fail("this character is not allowed in an expression", i)
    tokens.append(Token("end", "", None, length))
    return tokens


def _number_token(text: str, position: int) -> Token:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _fail("number is too long", position)
    value: int | float = int(text) if "." not in text else float(text)
    return Token("number", text, value, position)


def _read_string(source: str, start: int) -> tuple[str, int]:
    quote = source[start]
    parts: list[str] = []
    i = start + 1
    while i < len(source):
        char = source[i]
        if char == quote:
            return "".join(parts), i + 1
        if char == "\\":
            if i + 1 >= len(source):
                break
            escaped = source[i + 1]
            if escaped not in _ESCAPES:
                raise _fail("unknown escape in text; use \\\\, \\', \\\", \\n or \\t", i)
            parts.append(_ESCAPES[escaped])
            i += 2
            continue
        parts.append(char)
        i += 1
    raise _fail("text in quotes is not closed", start)


# --- parser ------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the token list; see the grammar in each method's docstring."""

    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self._depth = 0

    # helpers
    def _peek(self, offset: int = 0) -> Token:
        return self._tokens[min(self._index + offset, len(self._tokens) - 1)]

    def _next(self) -> Token:
        token = self._tokens[self._index]
        if token.kind != "end":
            self._index += 1
        return token

    def _is(self, kind: str, text: str | None = None, offset: int = 0) -> bool:
        token = self._peek(offset)
        return token.kind == kind and (text is None or token.text == text)

    def _expect_op(self, text: str) -> Token:
        token = self._peek()
        if not (token.kind == "op" and token.text == text):
            raise _fail(f"expected '{text}' {_describe(token)}", token.position)
        return self._next()

    def _enter(self, token: Token) -> None:
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise _fail("the expression is nested too deeply", token.position)

    def _leave(self) -> None:
        self._depth -= 1

    # grammar
    def parse(self) -> Node:
        """expression := or_expr END"""
        if self._is("end"):
            raise _fail("the expression is empty", 0)
        node = self._or()
        token = self._peek()
        if token.kind != "end":
            raise _fail(
                f"unexpected '{token.text[:20]}': an operator such as 'and' may be missing",
                token.position,
            )
        return node

    def _or(self) -> Node:
        """or_expr := and_expr ('or' and_expr)*"""
        operands = [self._and()]
        while self._is("name", "or"):
            self._next()
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def _and(self) -> Node:
        """and_expr := not_expr ('and' not_expr)*"""
        operands = [self._not()]
        while self._is("name", "and"):
            self._next()
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def _not(self) -> Node:
        """not_expr := 'not' not_expr | comparison"""
        if self._is("name", "not") and not self._is("name", "in", offset=1):
            token = self._next()
            self._enter(token)
            try:
                return Not(self._not())
            finally:
                self._leave()
        return self._comparison()

    def _comparison(self) -> Node:
        """comparison := additive [(== != < <= > >= | in | not in) additive]

        Comparisons do not chain (``a < b < c`` is an error) so that a rule reads the way
        it is evaluated.
        """
        left = self._additive()
        node: Node
        token = self._peek()
        if token.kind == "op" and token.text in COMPARISONS:
            self._next()
            node = Compare(token.text, left, self._additive())
        elif self._is("name", "in"):
            self._next()
            node = Membership(left, self._additive(), negated=False)
        elif self._is("name", "not") and self._is("name", "in", offset=1):
            self._next()
            self._next()
            node = Membership(left, self._additive(), negated=True)
        else:
            return left
        after = self._peek()
        if (after.kind == "op" and after.text in COMPARISONS) or (
            after.kind == "name" and after.text == "in"
        ):
            raise _fail("comparisons cannot be chained; join them with 'and'", after.position)
        return node

    def _additive(self) -> Node:
        """additive := term (('+' | '-') term)*"""
        first = self._term()
        rest: list[tuple[str, Node]] = []
        while self._is("op", "+") or self._is("op", "-"):
            operator = self._next().text
            rest.append((operator, self._term()))
        return first if not rest else Arithmetic(first, tuple(rest))

    def _term(self) -> Node:
        """term := unary (('*' | '/') unary)*"""
        first = self._unary()
        rest: list[tuple[str, Node]] = []
        while self._is("op", "*") or self._is("op", "/"):
            operator = self._next().text
            rest.append((operator, self._unary()))
        return first if not rest else Arithmetic(first, tuple(rest))

    def _unary(self) -> Node:
        """unary := '-' unary | primary"""
        if self._is("op", "-"):
            token = self._next()
            self._enter(token)
            try:
                return Negate(self._unary())
            finally:
                self._leave()
        return self._primary()

    def _primary(self) -> Node:
        """primary := number | string | true | false | null | name | call | (expr) | [list]"""
        token = self._peek()
        if token.kind in ("number", "string"):
            self._next()
            return Literal(token.value)
        if token.kind == "op" and token.text == "(":
            self._next()
            self._enter(token)
            try:
                node = self._or()
            finally:
                self._leave()
            self._expect_op(")")
            return node
        if token.kind == "op" and token.text == "[":
            return self._list()
        if token.kind == "name":
            return self._name_or_call()
        raise _fail(f"expected a value {_describe(token)}", token.position)

    def _list(self) -> Node:
        """list := '[' [or_expr (',' or_expr)* [',']] ']'"""
        opening = self._next()
        self._enter(opening)
        try:
            items = self._sequence("]")
        finally:
            self._leave()
        return ListNode(tuple(items))

    def _sequence(self, closing: str) -> list[Node]:
        items: list[Node] = []
        while not self._is("op", closing):
            items.append(self._or())
            if self._is("op", ","):
                self._next()
            elif not self._is("op", closing):
                token = self._peek()
                raise _fail(f"expected ',' or '{closing}' {_describe(token)}", token.position)
        self._next()
        return items

    def _name_or_call(self) -> Node:
        token = self._next()
        word = token.text
        if word == "true":
            return Literal(True)
        if word == "false":
            return Literal(False)
        if word == "null":
            return Literal(None)
        if word in KEYWORDS:
            raise _fail(f"'{word}' cannot be used here", token.position)
        if not self._is("op", "("):
            return Name(word)
        signature = FUNCTIONS.get(word)
        if signature is None:
            raise _fail(f"unknown function '{word}'", token.position)
        opening = self._next()
        self._enter(opening)
        try:
            args = tuple(self._sequence(")"))
        finally:
            self._leave()
        _check_call(word, signature, args, token.position)
        return Call(word, args)


def _check_call(
    function: str, signature: FunctionSignature, args: tuple[Node, ...], position: int
) -> None:
    count = len(args)
    too_many = signature.max_args is not None and count > signature.max_args
    if count < signature.min_args or too_many:
        raise _fail(f"{function}() takes {_arity(signature)}, not {count}", position)
    for index in signature.literal_string_args:
        if index < count:
            arg = args[index]
            if not (isinstance(arg, Literal) and isinstance(arg.value, str)):
                raise _fail(f"{function}() needs text in quotes as argument {index + 1}", position)
    for index in signature.name_args:
        if index < count and not isinstance(args[index], Name):
            raise _fail(f"{function}() needs a question id as argument {index + 1}", position)


def _arity(signature: FunctionSignature) -> str:
    low, high = signature.min_args, signature.max_args
    if high is None:
        return f"{low} or more arguments" if low != 1 else "1 or more arguments"
    if low == high:
        return f"{low} argument" + ("" if low == 1 else "s")
    return f"{low} to {high} arguments"


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "but the expression ended"
    return f"but found '{token.text[:20]}'"


def parse(source: str) -> Node:
    """Parse expression text into a syntax tree, or raise ExpressionError saying why."""
    if not isinstance(source, str):
        raise ExpressionError("an expression must be text")
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_SOURCE_LENGTH} characters")
    return _Parser(tokenize(source)).parse()


def walk(node: Node) -> list[Node]:
    """Every node of a tree, parents before children, without recursion."""
    found: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, ListNode):
            stack.extend(reversed(current.items))
        elif isinstance(current, Call):
            stack.extend(reversed(current.args))
        elif isinstance(current, Negate | Not):
            stack.append(current.operand)
        elif isinstance(current, BoolOp):
            stack.extend(reversed(current.operands))
        elif isinstance(current, Compare):
            stack.extend((current.right, current.left))
        elif isinstance(current, Membership):
            stack.extend((current.haystack, current.needle))
        elif isinstance(current, Arithmetic):
            stack.extend(reversed([operand for _, operand in current.rest]))
            stack.append(current.first)
    return found
