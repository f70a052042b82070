"""Load-time check: a rule compares an answer with a value it can never have.

``kind == 'bb'`` when ``kind`` has no option ``bb`` is a typo that would silently make a
question never appear or an alert never fire; like an unknown name (FORMAT.md: "unknown
names are load-time errors") it is caught when the form loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from app.forms.definitions import FIXED_VALUES, Item
from app.forms.expression_syntax import Compare, ListNode, Literal, Membership, Name, Node, walk
from app.forms.expressions import Expression

Resolve = Callable[[str], Item | None]

_CHOICE_TYPES = frozenset({"choice", "multi", *FIXED_VALUES})


def impossible_comparisons(expression: Expression, resolve: Resolve) -> list[str]:
    """A message for each comparison of an item with a literal it can never equal."""
    found: list[str] = []
    for node in walk(expression.root):
        if isinstance(node, Compare) and node.operator in ("==", "!="):
            for name_side, other in ((node.left, node.right), (node.right, node.left)):
                item = _item(name_side, resolve)
                if item is not None and isinstance(other, Literal):
                    found.extend(_equality_problems(item, other.value))
        elif isinstance(node, Membership):
            haystack = _item(node.haystack, resolve)
            if haystack is not None and isinstance(node.needle, Literal):
                found.extend(_member_problems(haystack, node.needle.value))
            needle = _item(node.needle, resolve)
            if needle is not None and isinstance(node.haystack, ListNode):
                for value in _literals(node.haystack):
                    found.extend(_equality_problems(needle, value, allow_multi=True))
    return sorted(set(found))


def _item(node: Node, resolve: Resolve) -> Item | None:
    return resolve(node.name) if isinstance(node, Name) else None


def _literals(node: ListNode) -> Iterator[object]:
    for element in node.items:
        if isinstance(element, Literal):
            yield element.value


def _equality_problems(item: Item, value: object, allow_multi: bool = False) -> list[str]:
    if value is None:
        return []
    if item.type == "tick" and not isinstance(value, bool):
        return [f"'{item.id}' is a tick box (true or false), never {value!r}"]
    if item.type == "multi" and not allow_multi and isinstance(value, str):
        return [f"'{item.id}' is a list of choices: write {value!r} in {item.id}"]
    if item.type in _CHOICE_TYPES and value not in item.allowed_values():
        return [f"'{item.id}' can never be {value!r}: it is not one of its answers"]
    return []


def _member_problems(item: Item, value: object) -> list[str]:
    if value is None or item.type not in _CHOICE_TYPES:
        return []
    if value not in item.allowed_values():
        return [f"'{item.id}' can never contain {value!r}: it is not one of its answers"]
    return []
