"""Check a record's answers against its form: every problem, in form order, in words.

SPEC 3: a draft can be checked without completing it and every draft shows whether it has
errors, so ``validate`` never stops at the first problem. Items that are not relevant are
skipped entirely (FORMAT.md: "otherwise its answer is ignored"). Messages name the
question by its label and never repeat the answer: answers are personal data and
messages may reach logs (errors.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from app.forms.dates import (
    format_date,
    format_datetime,
    is_iso_date,
    is_iso_datetime,
    parse_date,
    parse_datetime,
)
from app.forms.definitions import FIXED_VALUES, Item, Severity
from app.forms.evaluation import FormState, Scope, entries_of, unanswered
from app.forms.expressions import Expression, holds

DEFAULT_MAX_LENGTH = {"text": 2000, "long_text": 100_000, "email": 254, "phone": 40}
"""Length limits when an item sets none: far beyond any real answer, they stop a pasted
document or hostile input from bloating the store and the PDF."""

MIN_PHONE_DIGITS = 3
"""116 000 and 999 are real numbers to record; anything shorter is not a phone number."""

_EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_PHONE_RE = re.compile(r"[0-9 +()\-]+")
_MAX_LABEL_IN_MESSAGE = 120


@dataclass(frozen=True)
class Problem:
    """One thing to fix before completing (``error``) or to consider (``warning``).

    ``path`` locates the answer: ``dob``, or ``suspects[1].name`` for the second entry
    (entries count from 0 in paths; messages count from 1, as people do).
    """

    item_id: str
    path: str
    message: str
    severity: Severity = "error"


def _quoted(item: Item) -> str:
    label = " ".join(item.label.split())
    if len(label) > _MAX_LABEL_IN_MESSAGE:
        label = label[: _MAX_LABEL_IN_MESSAGE - 1].rstrip() + "…"
    return f"“{label}”"


def _safe_key(key: object) -> str:
    """An unknown answer key shown in a path: printable, short, never an answer value."""
    text = key if isinstance(key, str) else "?"
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:60] or "?"


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Unicode category Cc (C0, DEL, C1) except tab and line breaks, which have their own rule."""


def _has_control(text: str) -> bool:
    return _CONTROL_RE.search(text) is not None


class _Validator:
    def __init__(self, state: FormState) -> None:
        self.state = state
        self.problems: list[Problem] = []

    def add(
        self, item: Item, path: str, message: str, prefix: str, severity: Severity = "error"
    ) -> None:
        self.problems.append(Problem(item.id, path, prefix + message, severity))

    # --- walking ---------------------------------------------------------------------

    def run(self) -> list[Problem]:
        state = self.state
        for section in state.form.sections:
            if not state.section_relevant(section):
                continue
            for item in section.items:
                if state.root.is_relevant(item):
                    self.item(state.root, item, item.id, "")
        self.unknown_keys(state.root, "", "")
        return self.problems

    def unknown_keys(self, scope: Scope, path_prefix: str, prefix: str) -> None:
        for key in scope.values:
            item = scope.items.get(key) if isinstance(key, str) else None
            path = f"{path_prefix}{_safe_key(key)}"
            if item is None:
                self.problems.append(
                    Problem(
                        _safe_key(key),
                        path,
                        prefix + "This answer does not belong to any question in this version "
                        "of the form.",
                    )
                )

    def item(self, scope: Scope, item: Item, path: str, prefix: str) -> None:
        raw = scope.raw(item)
        if item.type == "info":
            if not unanswered(raw):
                self.add(
                    item, path, f"{_quoted(item)} is information only and takes no answer.", prefix
                )
            return
        if unanswered(raw):
            self.missing(scope, item, path, prefix)
            return
        if not self.well_formed(item, raw, path, prefix):
            return
        if item.type == "group":
            self.group(scope, item, path, prefix)
        for constraint in item.constraints:
            if not holds(constraint.check, scope):
                self.add(item, path, constraint.message, prefix, constraint.severity)

    def missing(self, scope: Scope, item: Item, path: str, prefix: str) -> None:
        required = item.required
        needed = holds(required, scope) if isinstance(required, Expression) else required
        if item.type == "group" and (item.min_entries or 0) > 0:
            needed = True
        if not needed:
            return
        quoted = _quoted(item)
        kind = item.type
        if kind == "tick":
            message = f"Tick {quoted} to continue."
        elif kind == "multi":
            message = f"Select at least one option for {quoted}."
        elif kind in FIXED_VALUES or kind == "choice":
            message = f"Select an answer for {quoted}."
        elif kind == "group":
            noun = (item.entry_label or "entry").lower()
            least = max(item.min_entries or 1, 1)
            message = (
                f"Add at least {least} {noun} to {quoted}."
                if least == 1
                else (f"{quoted} needs at least {least} entries.")
            )
        elif kind in ("date", "datetime"):
            message = (
                f"Enter a date for {quoted}."
                if kind == "date"
                else (f"Enter a date and time for {quoted}.")
            )
        else:
            message = f"Enter an answer for {quoted}."
        self.add(item, path, message, prefix)

    # --- types -----------------------------------------------------------------------

    def well_formed(self, item: Item, raw: object, path: str, prefix: str) -> bool:
        """Type, options, format and limits; True when later checks can rely on the value."""
        before = len(self.problems)
        checkers = {
            "tick": self.check_tick,
            "yes_no": self.check_yes_no,
            "yes_no_unknown": self.check_yes_no_unknown,
            "choice": self.check_choice,
            "multi": self.check_multi,
            "text": self.check_text,
            "long_text": self.check_long_text,
            "email": self.check_email,
            "phone": self.check_phone,
            "number": self.check_number,
            "date": self.check_date,
            "datetime": self.check_datetime,
            "group": self.check_group,
        }
        checkers[item.type](item, raw, path, prefix)
        return len(self.problems) == before

    def check_tick(self, item: Item, raw: object, path: str, prefix: str) -> None:
        if raw is not True:
            self.add(item, path, f"{_quoted(item)} must be ticked or left unticked.", prefix)

    def check_yes_no(self, item: Item, raw: object, path: str, prefix: str) -> None:
        if not (isinstance(raw, str) and raw in item.allowed_values()):
            self.add(item, path, f"{_quoted(item)} must be answered Yes or No.", prefix)

    def check_yes_no_unknown(self, item: Item, raw: object, path: str, prefix: str) -> None:
        if not (isinstance(raw, str) and raw in item.allowed_values()):
            self.add(item, path, f"{_quoted(item)} must be answered Yes, No or Not known.", prefix)

    def check_choice(self, item: Item, raw: object, path: str, prefix: str) -> None:
        if not (isinstance(raw, str) and item.option(raw) is not None):
            self.add(
                item, path, f"The answer to {_quoted(item)} is not one of its options.", prefix
            )

    def check_multi(self, item: Item, raw: object, path: str, prefix: str) -> None:
        quoted = _quoted(item)
        if not isinstance(raw, list) or not all(isinstance(value, str) for value in raw):
            self.add(item, path, f"The answer to {quoted} must be a list of its options.", prefix)
            return
        if any(item.option(value) is None for value in raw):
            self.add(
                item,
                path,
                f"The answer to {quoted} includes a choice that is not one of its options.",
                prefix,
            )
        if len(set(raw)) != len(raw):
            self.add(item, path, f"The answer to {quoted} includes the same choice twice.", prefix)

    def _text(self, item: Item, raw: object, path: str, prefix: str, multiline: bool) -> str | None:
        quoted = _quoted(item)
        if not isinstance(raw, str):
            self.add(item, path, f"The answer to {quoted} must be text.", prefix)
            return None
        if not multiline and ("\n" in raw or "\r" in raw):
            self.add(item, path, f"The answer to {quoted} must be on one line.", prefix)
        if _has_control(raw):
            self.add(
                item,
                path,
                f"The answer to {quoted} contains control characters that "
                "cannot be kept; retype it.",
                prefix,
            )
        longest = item.max_length or DEFAULT_MAX_LENGTH.get(item.type, 2000)
        if len(raw) > longest:
            message = item.message or f"{quoted} must be {longest} characters or fewer."
            self.add(item, path, message, prefix)
        if item.min_length is not None and len(raw.strip()) < item.min_length:
            message = item.message or f"{quoted} must be at least {item.min_length} characters."
            self.add(item, path, message, prefix)
        return raw

    def _pattern(self, item: Item, text: str, path: str, prefix: str) -> None:
        if item.pattern is not None and item.pattern.fullmatch(text) is None:
            message = item.message or f"The answer to {_quoted(item)} is not in the expected form."
            self.add(item, path, message, prefix)

    def check_text(self, item: Item, raw: object, path: str, prefix: str) -> None:
        text = self._text(item, raw, path, prefix, multiline=False)
        if text is not None:
            self._pattern(item, text, path, prefix)

    def check_long_text(self, item: Item, raw: object, path: str, prefix: str) -> None:
        self._text(item, raw, path, prefix, multiline=True)

    def check_email(self, item: Item, raw: object, path: str, prefix: str) -> None:
        text = self._text(item, raw, path, prefix, multiline=False)
        if text is not None and _EMAIL_RE.fullmatch(text.strip()) is None:
            self.add(
                item,
                path,
                f"{_quoted(item)} must be an email address in the correct "
                "format, like name@example.org.",
                prefix,
            )

    def check_phone(self, item: Item, raw: object, path: str, prefix: str) -> None:
        text = self._text(item, raw, path, prefix, multiline=False)
        if text is None:
            return
        digits = sum(ch.isdigit() for ch in text)
        if _PHONE_RE.fullmatch(text.strip()) is None or not text.isascii():
            self.add(
                item,
                path,
                f"{_quoted(item)} must be a telephone number: digits, spaces, "
                "+, brackets and hyphens only.",
                prefix,
            )
        elif digits < MIN_PHONE_DIGITS:
            self.add(
                item,
                path,
                f"{_quoted(item)} must be a telephone number with at least "
                f"{MIN_PHONE_DIGITS} digits.",
                prefix,
            )
        else:
            self._pattern(item, text, path, prefix)

    def check_number(self, item: Item, raw: object, path: str, prefix: str) -> None:
        quoted = _quoted(item)
        if not isinstance(raw, int | float) or isinstance(raw, bool) or not math.isfinite(raw):
            self.add(item, path, f"{quoted} must be a number.", prefix)
            return
        low, high = item.min, item.max
        if isinstance(low, int | float) and raw < low:
            self.add(item, path, item.message or f"{quoted} must be {low} or more.", prefix)
        if isinstance(high, int | float) and raw > high:
            self.add(item, path, item.message or f"{quoted} must be {high} or less.", prefix)

    def check_date(self, item: Item, raw: object, path: str, prefix: str) -> None:
        quoted = _quoted(item)
        day = parse_date(raw) if is_iso_date(raw) else None
        if day is None:
            self.add(item, path, f"{quoted} must be a real date.", prefix)
            return
        today = self.state.now.date()
        low, high = _date_bound(item.min, today), _date_bound(item.max, today)
        if low is not None and day < low:
            words = (
                "today or in the future"
                if item.min in ("today", "now")
                else (f"on or after {format_date(low)}")
            )
            self.add(item, path, item.message or f"{quoted} must be {words}.", prefix)
        if high is not None and day > high:
            words = (
                "today or in the past"
                if item.max in ("today", "now")
                else (f"on or before {format_date(high)}")
            )
            self.add(item, path, item.message or f"{quoted} must be {words}.", prefix)

    def check_datetime(self, item: Item, raw: object, path: str, prefix: str) -> None:
        quoted = _quoted(item)
        moment = parse_datetime(raw) if is_iso_datetime(raw) else None
        if moment is None:
            self.add(item, path, f"{quoted} must be a real date and time.", prefix)
            return
        now = self.state.now
        low, high = (
            _moment_bound(item.min, now, upper=False),
            _moment_bound(item.max, now, upper=True),
        )
        if low is not None and moment < low:
            words = (
                "now or later"
                if item.min in ("today", "now")
                else (f"on or after {format_datetime(low)}")
            )
            self.add(item, path, item.message or f"{quoted} must be {words}.", prefix)
        if high is not None and moment > high:
            words = (
                "now or earlier"
                if item.max == "now"
                else (
                    "today or earlier"
                    if item.max == "today"
                    else f"on or before {format_datetime(high)}"
                )
            )
            self.add(item, path, item.message or f"{quoted} must be {words}.", prefix)

    def check_group(self, item: Item, raw: object, path: str, prefix: str) -> None:
        quoted = _quoted(item)
        if not isinstance(raw, list):
            self.add(item, path, f"The answer to {quoted} must be a list of entries.", prefix)
            return
        count = len(raw)
        if item.min_entries is not None and count < item.min_entries:
            self.add(item, path, f"{quoted} needs at least {item.min_entries} entries.", prefix)
        if item.max_entries is not None and count > item.max_entries:
            self.add(item, path, f"{quoted} can have at most {item.max_entries} entries.", prefix)

    # --- groups ----------------------------------------------------------------------

    def group(self, scope: Scope, item: Item, path: str, prefix: str) -> None:
        noun = (item.entry_label or "entry").strip()
        noun = noun[:1].upper() + noun[1:]
        raw_entries = entries_of(scope.raw(item))
        entry_scopes = scope.entry_scopes(item)
        for index, (raw_entry, entry) in enumerate(zip(raw_entries, entry_scopes, strict=True)):
            entry_path = f"{path}[{index}]"
            entry_prefix = f"{prefix}{noun} {index + 1} in {_quoted(item)}: "
            if not isinstance(raw_entry, Mapping):
                self.add(item, entry_path, "this entry is not a set of answers.", entry_prefix)
                continue
            if all(unanswered(value) for value in raw_entry.values()):
                self.add(
                    item, entry_path, "this entry is empty: fill it in or remove it.", entry_prefix
                )
                continue
            for sub in item.items:
                if entry.is_relevant(sub):
                    self.item(entry, sub, f"{entry_path}.{sub.id}", entry_prefix)
            self.unknown_keys(entry, f"{entry_path}.", entry_prefix)


def _date_bound(bound: object, today: date) -> date | None:
    if bound in ("today", "now"):
        return today
    return parse_date(bound) if isinstance(bound, str) else None


def _moment_bound(bound: object, now: datetime, upper: bool) -> datetime | None:
    if bound == "now":
        return now
    if bound == "today":
        return datetime.combine(now.date(), time.max if upper else time.min)
    return parse_datetime(bound) if isinstance(bound, str) else None


def validate_answers(state: FormState) -> list[Problem]:
    """Every problem in the answers of one evaluation state."""
    return _Validator(state).run()


def has_errors(problems: list[Problem]) -> bool:
    """Whether any problem blocks completion (warnings do not)."""
    return any(problem.severity == "error" for problem in problems)
