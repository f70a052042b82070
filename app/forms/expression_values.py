"""What values mean in form expressions: answered, truthy, equal, ordered, in words.

FORMAT.md: an answer that is null, "" or [] is unanswered; comparing null with ``<`` is
false, never an error. These rules are shared by the evaluator, the validator and the
printed summaries so that "answered" means the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeAlias

from app.forms.dates import format_date, format_datetime

Value: TypeAlias = object
"""null (None), bool, int, float, str, date, datetime, a list of values, or a group entry."""

_MAX_INT = 10**30
"""Results beyond this are treated as nonsense (null) so that text conversion stays cheap."""

_FALSY_WORDS = frozenset({"no", "not_known"})


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


def is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_moment(value: Value) -> datetime | None:
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
    if is_number(left) and is_number(right):
        return left == right
    if isinstance(left, date) and isinstance(right, date):
        return as_moment(left) == as_moment(right)
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(
            values_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left == right
    return False


def ordered(operator: str, left: Value, right: Value) -> bool:
    """``<`` and friends: numbers with numbers, text with text, dates with dates; else false."""
    a: Any
    b: Any
    both_numbers = is_number(left) and is_number(right)
    if both_numbers or (isinstance(left, str) and isinstance(right, str)):
        a, b = left, right
    elif isinstance(left, date) and isinstance(right, date):
        a, b = as_moment(left), as_moment(right)
    else:
        return False
    if operator == "<":
        return bool(a < b)
    if operator == "<=":
        return bool(a <= b)
    if operator == ">":
        return bool(a > b)
    return bool(a >= b)


def contains(needle: Value, haystack: Value) -> bool:
    """``'v' in item``: a list holds it, or a single answer equals it (choice or multi)."""
    if needle is None or haystack is None:
        return False
    if isinstance(haystack, list | tuple):
        return any(values_equal(needle, element) for element in haystack)
    return values_equal(needle, haystack)


def tidy_number(value: float | int) -> int | float | None:
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
        tidy = tidy_number(value)
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
