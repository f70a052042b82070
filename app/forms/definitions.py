"""Typed, immutable form definitions: what the loader builds from forms/<id>/<n>.yaml.

The shapes follow forms/FORMAT.md key for key. Expressions are held compiled (parsed once
at load, FORMAT.md "Expressions"), and keep their source text for messages and printing.
Definitions are frozen because a record is always rendered with the version it was
started on (SPEC 2: "a record keeps the version it was started on"): nothing may change a
loaded form underneath it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from app.forms.expressions import Expression, Template

ItemType = Literal[
    "tick",
    "yes_no",
    "yes_no_unknown",
    "choice",
    "multi",
    "text",
    "long_text",
    "date",
    "datetime",
    "number",
    "email",
    "phone",
    "group",
    "info",
]
OutcomeKind = Literal["suggestion", "alert", "warning", "info"]
Severity = Literal["error", "warning"]
Scalar = str | int | float | bool | None

YES_NO_LABELS: Mapping[str, str] = {"yes": "Yes", "no": "No", "not_known": "Not known"}
"""The fixed answers of yes_no / yes_no_unknown items, with the words printed for them."""

FIXED_VALUES: Mapping[str, tuple[str, ...]] = {
    "yes_no": ("yes", "no"),
    "yes_no_unknown": ("yes", "no", "not_known"),
}


@dataclass(frozen=True)
class Option:
    """One answer of a choice/multi item; ``codes`` are machine-readable export codes."""

    value: str
    label: str
    codes: Mapping[str, str | int | float | bool] = field(default_factory=dict)
    help: str | None = None


@dataclass(frozen=True)
class Constraint:
    """A rule an answered, relevant item must satisfy; a warning does not block completion."""

    check: Expression
    message: str
    severity: Severity = "error"


@dataclass(frozen=True)
class Item:
    """One question (or info text, or repeatable group) with every key FORMAT.md allows."""

    id: str
    type: ItemType
    label: str
    help: str | None = None
    guidance: tuple[str, ...] = ()
    required: bool | Expression = False
    relevant: Expression | None = None
    tags: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    min: int | float | str | None = None
    max: int | float | str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    message: str | None = None
    constraints: tuple[Constraint, ...] = ()
    prefill: str | None = None
    items: tuple[Item, ...] = ()
    min_entries: int | None = None
    max_entries: int | None = None
    entry_label: str | None = None
    placeholder: str | None = None
    suggested_by: str | None = None
    """A choice's outcome whose value is the option Haven suggests (FORMAT.md)."""

    @property
    def takes_answer(self) -> bool:
        """Info items are static text: an answer for one is a mistake."""
        return self.type != "info"

    def option(self, value: object) -> Option | None:
        """The option with this value, if the item has one."""
        for option in self.options:
            if option.value == value:
                return option
        return None

    def allowed_values(self) -> tuple[str, ...]:
        """The answer values a choice, multi or yes/no item accepts."""
        if self.type in FIXED_VALUES:
            return FIXED_VALUES[self.type]
        return tuple(option.value for option in self.options)

    def value_label(self, value: object) -> str | None:
        """The words for one chosen value: the option label, or Yes / No / Not known."""
        if self.type in FIXED_VALUES:
            return YES_NO_LABELS.get(value) if isinstance(value, str) else None
        option = self.option(value)
        return option.label if option is not None else None

    def sub_item(self, item_id: str) -> Item | None:
        """A group's sub-item by id."""
        for item in self.items:
            if item.id == item_id:
                return item
        return None


@dataclass(frozen=True)
class Section:
    """An ordered part of a form; when ``relevant`` fails every item in it is ignored."""

    id: str
    title: str
    items: tuple[Item, ...]
    help: str | None = None
    guidance: tuple[str, ...] = ()
    relevant: Expression | None = None


@dataclass(frozen=True)
class OutcomeRule:
    """``when`` holds → this value and reason; ``when`` is None for ``otherwise``."""

    when: Expression | None
    value: Scalar = None
    reason: Template | None = None


@dataclass(frozen=True)
class OutcomeDefinition:
    """A suggestion/alert computed from answers: Haven suggests, the practitioner decides."""

    id: str
    label: str
    kind: OutcomeKind
    rules: tuple[OutcomeRule, ...] = ()
    otherwise: OutcomeRule | None = None


@dataclass(frozen=True)
class GuidanceBlock:
    """Shared guidance from forms/guidance.yaml (SPEC 2.6), shown beside items."""

    id: str
    title: str
    text: str
    source: str | None = None


@dataclass(frozen=True)
class PrefillSource:
    """Answers carried into a new record from the record it was started from.

    SPEC 2.4: information for police in a return interview "creates a prefilled
    information report". ``map`` is {item id in this form: item id in ``form``}.
    """

    form: str
    map: Mapping[str, str]


@dataclass(frozen=True)
class FollowUp:
    """A form this one asks for next, shown as a flag on the child until it is started.

    E.g. section 9: a Category 2 or 3 screening calls for a risk assessment; section 11:
    every missing child is screened for CSE. ``message`` is a reason template.
    """

    when: Expression
    form: str
    message: Template


@dataclass(frozen=True)
class FormDefinition:
    """One version of one form, with lookups by item id."""

    id: str
    title: str
    version: int
    marking: str
    source: str
    sections: tuple[Section, ...]
    description: str | None = None
    date_item: str | None = None
    starts_with: tuple[str, ...] = ()
    chooser_order: Mapping[str, int] = field(default_factory=dict)
    """Role → place in the "Form to start" list (1 first); FORMAT.md ``chooser_order``."""
    record_fields: Mapping[str, str] = field(default_factory=dict)
    prefill_from: tuple[PrefillSource, ...] = ()
    permits_export: Expression | None = None
    """Sharing-decision forms: holds when the recorded decision permits export."""
    follow_ups: tuple[FollowUp, ...] = ()
    outcomes: tuple[OutcomeDefinition, ...] = ()
    guidance: Mapping[str, GuidanceBlock] = field(default_factory=dict)
    """The guidance blocks this form's sections and items name, by id."""
    _items: Mapping[str, tuple[Section, Item]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        index = {item.id: (section, item) for section in self.sections for item in section.items}
        object.__setattr__(self, "_items", index)

    def iter_items(self) -> Iterator[tuple[Section, Item]]:
        """Every top-level item with its section, in form order."""
        for section in self.sections:
            for item in section.items:
                yield section, item

    def item(self, item_id: str) -> Item | None:
        """A top-level item by id."""
        found = self._items.get(item_id)
        return found[1] if found is not None else None

    def section_of(self, item_id: str) -> Section | None:
        """The section holding a top-level item."""
        found = self._items.get(item_id)
        return found[0] if found is not None else None

    def outcome(self, outcome_id: str) -> OutcomeDefinition | None:
        """An outcome definition by id."""
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        return None

    @property
    def key(self) -> tuple[str, int]:
        """(id, version): what a record stores to find its form again."""
        return (self.id, self.version)
