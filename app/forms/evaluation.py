"""Answers seen through a form: relevance, typed values and outcomes for one evaluation.

FORMAT.md: a name is an item's answer, ``null`` when unanswered *or not relevant*; an item
is relevant only when its section is; a group's sub-items resolve first within the same
entry. Relevance results are cached for one evaluation, and a rule that (despite the
load-time loop check) asks about itself gets "not relevant" rather than recursing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast

from app.errors import AnswersError, ExpressionError
from app.forms.context import EvaluationContext
from app.forms.dates import is_iso_date, is_iso_datetime, parse_date, parse_datetime
from app.forms.definitions import (
    FIXED_VALUES,
    FormDefinition,
    Item,
    OutcomeDefinition,
    OutcomeKind,
    Scalar,
    Section,
)
from app.forms.expressions import Value, holds, is_answered, truthy, values_equal

_T = TypeVar("_T")
TEXT_TYPES = frozenset({"text", "long_text", "email", "phone"})


@dataclass(frozen=True)
class Outcome:
    """A computed suggestion/alert with its reason in words (Haven suggests, never decides).

    ``rule`` is the index of the rule that held, or None when ``otherwise`` applied.
    """

    id: str
    label: str
    kind: OutcomeKind
    value: Scalar
    reason: str
    rule: int | None


def require_answers(answers: object) -> Mapping[str, object]:
    """Answers must be one JSON object (FORMAT.md); anything else is a caller's mistake."""
    if not isinstance(answers, Mapping):
        raise AnswersError("The answers are not a set of question-and-answer pairs.")
    return answers


def typed_value(item: Item, raw: object) -> Value:
    """An answer as expressions see it: dates as dates, unknown option values as null.

    Wrong-typed answers read as null so that rules over a half-filled or damaged draft
    still evaluate; ``validate`` reports the wrong type separately.
    """
    kind = item.type
    if kind == "info":
        return None
    if kind == "tick":
        return raw is True
    if kind in FIXED_VALUES or kind == "choice":
        return raw if isinstance(raw, str) and raw in item.allowed_values() else None
    if kind == "multi":
        if not isinstance(raw, list):
            return None
        allowed = item.allowed_values()
        chosen = [value for value in raw if isinstance(value, str) and value in allowed]
        return chosen or None
    if kind in TEXT_TYPES:
        return raw if isinstance(raw, str) and raw.strip() else None
    if kind == "date":
        return parse_date(raw) if is_iso_date(raw) else None
    if kind == "datetime":
        return parse_datetime(raw) if is_iso_datetime(raw) else None
    if kind == "number":
        is_number = isinstance(raw, int | float) and not isinstance(raw, bool)
        return raw if is_number and math.isfinite(raw) else None  # type: ignore[arg-type]
    # group
    if not isinstance(raw, list):
        return None
    entries = [entry for entry in raw if isinstance(entry, Mapping)]
    return entries or None


def entries_of(raw: object) -> list[object]:
    """A group's answer as its list of entries (possibly malformed), or an empty list."""
    return list(raw) if isinstance(raw, list) else []


class FormState:
    """One evaluation of a form over answers at a moment: caches relevance and outcomes."""

    def __init__(
        self, form: FormDefinition, answers: Mapping[str, object], ctx: EvaluationContext
    ) -> None:
        self.form = form
        self.answers = require_answers(answers)
        self.ctx = ctx
        self.now = ctx.local_now
        self._memo: dict[tuple[object, ...], object] = {}
        self._busy: set[tuple[object, ...]] = set()
        self._loops = 0
        top = {item.id: item for _, item in form.iter_items()}
        self.root = Scope(self, top, self.answers, None, None, ())

    # --- relevance ------------------------------------------------------------------

    def _guarded(self, key: tuple[object, ...], compute: Callable[[], _T], fallback: _T) -> _T:
        """Compute once per state; a rule that (despite the loader's loop check) depends on
        itself gets ``fallback``, and nothing computed while that happened is cached."""
        if key in self._memo:
            return cast(_T, self._memo[key])
        if key in self._busy:
            self._loops += 1
            return fallback
        loops_before = self._loops
        self._busy.add(key)
        try:
            result = compute()
        finally:
            self._busy.discard(key)
        if self._loops == loops_before:
            self._memo[key] = result
        return result

    def section_relevant(self, section: Section) -> bool:
        """Whether a whole section is shown (its ``relevant`` holds, or it has none)."""
        relevant = section.relevant
        if relevant is None:
            return True
        return self._guarded(
            ("section", section.id), lambda: holds(relevant, self.root), fallback=False
        )

    def relevance(self, key: tuple[object, ...], decide: _Decision) -> bool:
        """Whether the item at ``key`` (its path of ids and entry numbers) is shown."""
        return self._guarded(("item", *key), decide, fallback=False)

    # --- tagged items ---------------------------------------------------------------

    def tagged(self, tag: str) -> Iterator[tuple[Item, Value]]:
        """(item, value) of every relevant item with the tag, entry by entry in groups."""
        yield from self._tagged_in(self.root, tag)

    def _tagged_in(self, scope: Scope, tag: str) -> Iterator[tuple[Item, Value]]:
        # Only tagged items (and groups holding them) are asked whether they are relevant:
        # that is exactly the dependency the loader's loop check allowed for.
        for item in scope.items.values():
            tagged, holds_tagged = tag in item.tags, _group_has_tag(item, tag)
            if not (tagged or holds_tagged) or not scope.is_relevant(item):
                continue
            if tagged:
                yield item, scope.typed(item)
            if holds_tagged:
                for entry in scope.entry_scopes(item):
                    yield from self._tagged_in(entry, tag)

    def tag_matches(self, tag: str, value: Value, match_value: bool) -> list[Item]:
        """Tagged relevant items whose answer matches, once per state and question (the
        outcome rules count the same tags several times)."""
        key = ("tagged", tag, type(value).__name__, value, match_value)
        try:
            known = self._memo.get(key)
        except TypeError:  # an unhashable value (a list): not remembered
            return self._tag_matches(tag, value, match_value)
        if known is not None:
            return list(cast(tuple[Item, ...], known))
        loops_before = self._loops
        found = self._tag_matches(tag, value, match_value)
        if self._loops == loops_before:
            self._memo[key] = tuple(found)
        return found

    def _tag_matches(self, tag: str, value: Value, match_value: bool) -> list[Item]:
        found: list[Item] = []
        for item, answer in self.tagged(tag):
            if match_value:
                if isinstance(answer, list):
                    hit = any(values_equal(element, value) for element in answer)
                else:
                    hit = values_equal(answer, value)
            else:
                hit = truthy(answer)
            if hit:
                found.append(item)
        return found

    # --- outcomes -------------------------------------------------------------------

    def outcome(self, outcome_id: str) -> Outcome | None:
        """An outcome evaluated once per state (rules may name earlier outcomes)."""
        definition = self.form.outcome(outcome_id)
        if definition is None:
            return None
        return self._guarded(
            ("outcome", outcome_id), lambda: self._evaluate_outcome(definition), fallback=None
        )

    def _evaluate_outcome(self, definition: OutcomeDefinition) -> Outcome | None:
        for index, rule in enumerate(definition.rules):
            if rule.when is not None and holds(rule.when, self.root):
                reason = rule.reason.render(self.root) if rule.reason is not None else ""
                return Outcome(
                    definition.id, definition.label, definition.kind, rule.value, reason, index
                )
        otherwise = definition.otherwise
        if otherwise is None:
            return None
        reason = otherwise.reason.render(self.root) if otherwise.reason is not None else ""
        return Outcome(
            definition.id, definition.label, definition.kind, otherwise.value, reason, None
        )


class _Decision:
    def __init__(self, scope: Scope, item: Item) -> None:
        self.scope = scope
        self.item = item

    def __call__(self) -> bool:
        scope, item = self.scope, self.item
        if scope.parent is None or scope.group is None:
            section = scope.state.form.section_of(item.id)
            if section is not None and not scope.state.section_relevant(section):
                return False
        elif not scope.parent.is_relevant(scope.group):
            return False
        return item.relevant is None or holds(item.relevant, scope)


class Scope:
    """The items visible at one level (the form, or one entry of a group) and their answers.

    Implements the expression Environment: names resolve here first, then outward.
    """

    def __init__(
        self,
        state: FormState,
        items: Mapping[str, Item],
        values: Mapping[str, object],
        parent: Scope | None,
        group: Item | None,
        prefix: tuple[object, ...],
    ) -> None:
        self.state = state
        self.items = items
        self.values = values
        self.parent = parent
        self.group = group
        self.prefix = prefix

    @property
    def now(self) -> datetime:
        return self.state.now

    def is_relevant(self, item: Item) -> bool:
        """Section (or enclosing group entry) relevant and the item's own rule holds."""
        return self.state.relevance((*self.prefix, item.id), _Decision(self, item))

    def raw(self, item: Item) -> object:
        return self.values.get(item.id)

    def typed(self, item: Item) -> Value:
        return typed_value(item, self.values.get(item.id))

    def entry_scopes(self, group: Item) -> list[Scope]:
        """A scope per entry of a group answer; malformed entries read as empty."""
        sub_items = {sub.id: sub for sub in group.items}
        scopes: list[Scope] = []
        for index, entry in enumerate(entries_of(self.values.get(group.id))):
            values = entry if isinstance(entry, Mapping) else {}
            scopes.append(
                Scope(self.state, sub_items, values, self, group, (*self.prefix, group.id, index))
            )
        return scopes

    def find(self, name: str) -> tuple[Scope, Item] | None:
        scope: Scope | None = self
        while scope is not None:
            item = scope.items.get(name)
            if item is not None:
                return scope, item
            scope = scope.parent
        return None

    # Environment
    def value_of(self, name: str) -> Value:
        found = self.find(name)
        if found is None:
            raise ExpressionError(f"the name '{name}' is not an item of this form")
        scope, item = found
        return scope.typed(item) if scope.is_relevant(item) else None

    def count_tagged(self, tag: str, value: Value, match_value: bool) -> int:
        return len(self.state.tag_matches(tag, value, match_value))

    def labels_tagged(self, tag: str, value: Value, match_value: bool) -> str:
        labels: list[str] = []
        for item in self.state.tag_matches(tag, value, match_value):
            if item.label not in labels:
                labels.append(item.label)
        return "; ".join(labels)

    def setting(self, name: str) -> Value:
        return self.state.ctx.settings.get(name)

    def label_of(self, name: str) -> Value:
        found = self.find(name)
        if found is None:
            raise ExpressionError(f"the name '{name}' is not an item of this form")
        scope, item = found
        if not scope.is_relevant(item):
            return None
        return chosen_labels(item, scope.typed(item))

    def outcome(self, outcome_id: str) -> Value:
        result = self.state.outcome(outcome_id)
        return result.value if result is not None else None


def _group_has_tag(item: Item, tag: str) -> bool:
    # Most items are not groups: no generator for them (every tag count walks them all).
    if not item.items:
        return False
    return any(tag in sub.tags or _group_has_tag(sub, tag) for sub in item.items)


def chosen_labels(item: Item, value: Value) -> str | None:
    """The words of a choice/multi/yes-no answer ("; " between several), or None."""
    if isinstance(value, list):
        labels = [item.value_label(element) for element in value]
        words = [label for label in labels if label]
        return "; ".join(words) if words else None
    return item.value_label(value)


def iter_visible(state: FormState) -> Iterator[tuple[Section, Item]]:
    """Top-level items that are shown now, in form order."""
    for section in state.form.sections:
        if not state.section_relevant(section):
            continue
        for item in section.items:
            if state.root.is_relevant(item):
                yield section, item


def visible_in_entry(scope: Scope) -> list[Item]:
    """The sub-items shown in one group entry."""
    return [item for item in scope.items.values() if scope.is_relevant(item)]


def outcomes_of(state: FormState) -> list[Outcome]:
    """Every outcome that applies, in the form's order."""
    results = [state.outcome(definition.id) for definition in state.form.outcomes]
    return [result for result in results if result is not None]


def unanswered(raw: object) -> bool:
    """FORMAT.md: null, "" and [] (and blank text, an unticked box) are unanswered."""
    return not is_answered(raw)


__all__ = [
    "FormState",
    "Outcome",
    "Scope",
    "chosen_labels",
    "entries_of",
    "iter_visible",
    "outcomes_of",
    "require_answers",
    "typed_value",
    "unanswered",
    "visible_in_entry",
]
