"""The functions form expressions may call, exactly those FORMAT.md lists.

Each takes already-evaluated arguments and returns null for values of the wrong kind
instead of raising: a rule over a half-filled draft must still evaluate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol, cast

from app.forms.dates import age_on, parse_date, parse_datetime
from app.forms.expression_syntax import FUNCTIONS
from app.forms.expression_values import (
    Value,
    as_moment,
    is_answered,
    is_number,
    tidy_number,
    truthy,
)


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
    return tidy_number((end - start).total_seconds() / 86400)


def _fn_hours_between(args: Sequence[Value], env: Environment) -> Value:
    start, end = parse_datetime(args[0]), parse_datetime(args[1])
    if start is None or end is None:
        return None
    return tidy_number((end - start).total_seconds() / 3600)


def _fn_add_hours(args: Sequence[Value], env: Environment) -> Value:
    start, hours = parse_datetime(args[0]), args[1]
    if start is None or not is_number(hours):
        return None
    return start + timedelta(hours=cast(float, hours))


def _fn_add_days(args: Sequence[Value], env: Environment) -> Value:
    base, days = args
    if not is_number(days):
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
    if all(is_number(v) for v in values):
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
    moment = as_moment(value)
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


FUNCTION_IMPLS: dict[str, _Impl] = dict(
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
assert set(FUNCTION_IMPLS) | {"label"} == set(FUNCTIONS), "every listed function is implemented"
