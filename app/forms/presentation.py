"""Answers in words, for the "check your answers" page, the PDF and full-text search.

SPEC 4: the PDF prints answered and unanswered items, but leaves out items that earlier
answers made irrelevant (printing them blank is an ODK/Enketo complaint, mission-anchors
1.3). Answers are shown as option labels, never stored codes, and untyped text is stripped
of control characters before it is shown (HOUSE_STYLE habit 7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from app.forms.dates import format_date, format_datetime
from app.forms.definitions import Item
from app.forms.evaluation import (
    FormState,
    Scope,
    entries_of,
    iter_visible,
    typed_value,
    unanswered,
    visible_in_entry,
)
from app.forms.expressions import format_value

NOT_ANSWERED = "Not answered"
NOT_TICKED = "Not ticked"
TICKED = "Ticked"
NOT_RECOGNISED = "Answer not recognised"


@dataclass(frozen=True)
class AnsweredEntry:
    """One entry of a repeatable group, e.g. "Person 2", with its shown sub-answers."""

    number: int
    title: str
    items: tuple[AnsweredItem, ...]


@dataclass(frozen=True)
class AnsweredItem:
    """A shown question with its answer in words; groups carry their entries."""

    item_id: str
    label: str
    answer: str
    answered: bool
    entries: tuple[AnsweredEntry, ...] = ()


@dataclass(frozen=True)
class AnsweredSection:
    """A shown section with its shown questions, in form order."""

    section_id: str
    title: str
    items: tuple[AnsweredItem, ...]


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def plain_text(text: str, keep_newlines: bool) -> str:
    """Text with control characters removed; tabs (and, unless kept, newlines) become spaces."""
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\t", " ")
    if not keep_newlines:
        text = text.replace("\n", " ")
    return text.strip()


def answer_words(item: Item, raw: object) -> tuple[str, bool]:
    """(the answer in words, whether it counts as answered) for one item."""
    kind = item.type
    if kind == "tick":
        if raw is True:
            return TICKED, True
        return (NOT_TICKED, False) if unanswered(raw) else (NOT_RECOGNISED, True)
    if unanswered(raw):
        return NOT_ANSWERED, False
    words = _words(item, raw)
    return (words, True) if words else (NOT_RECOGNISED, True)


def _words(item: Item, raw: object) -> str | None:
    kind = item.type
    if kind == "multi":
        if not isinstance(raw, list) or any(item.value_label(value) is None for value in raw):
            return None
        return "; ".join(option.label for option in item.options if option.value in raw)
    if kind in ("choice", "yes_no", "yes_no_unknown"):
        return item.value_label(raw)
    if kind in ("text", "email", "phone", "long_text"):
        return plain_text(raw, kind == "long_text") if isinstance(raw, str) else None
    if kind == "group":
        count = len(entries_of(raw))
        return f"{count} {'entry' if count == 1 else 'entries'}" if isinstance(raw, list) else None
    value = typed_value(item, raw)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    return format_value(value) if value is not None else None


def _entry_title(item: Item, number: int) -> str:
    noun = (item.entry_label or "entry").strip()
    return f"{noun[:1].upper()}{noun[1:]} {number}"


def _answered_item(scope: Scope, item: Item) -> AnsweredItem:
    raw = scope.raw(item)
    words, answered = answer_words(item, raw)
    entries: tuple[AnsweredEntry, ...] = ()
    if item.type == "group" and answered:
        entries = tuple(
            AnsweredEntry(
                number=index + 1,
                title=_entry_title(item, index + 1),
                items=tuple(
                    _answered_item(entry, sub)
                    for sub in visible_in_entry(entry)
                    if sub.type != "info"
                ),
            )
            for index, entry in enumerate(scope.entry_scopes(item))
        )
    return AnsweredItem(item.id, item.label, words, answered, entries)


def answered_sections_of(state: FormState) -> list[AnsweredSection]:
    """Shown sections with every shown question (answered or not), info text left out."""
    sections: list[AnsweredSection] = []
    current: list[AnsweredItem] = []
    current_section = None
    for section, item in iter_visible(state):
        if section is not current_section:
            if current_section is not None:
                sections.append(
                    AnsweredSection(current_section.id, current_section.title, tuple(current))
                )
            current_section, current = section, []
        if item.type != "info":
            current.append(_answered_item(state.root, item))
    if current_section is not None:
        sections.append(AnsweredSection(current_section.id, current_section.title, tuple(current)))
    return [section for section in sections if section.items]


def summary_lines(sections: list[AnsweredSection]) -> list[str]:
    """ "Section / Label: answer" lines for answered items; groups add "/ Entry n"."""
    lines: list[str] = []
    for section in sections:
        _item_lines(section.title, section.items, lines)
    return lines


def _item_lines(trail: str, items: tuple[AnsweredItem, ...], lines: list[str]) -> None:
    for item in items:
        if not item.answered:
            continue
        label = plain_text(item.label, False)
        if item.entries:
            for entry in item.entries:
                _item_lines(f"{trail} / {label} / {entry.title}", entry.items, lines)
            continue
        answer = item.answer.replace("\n", "\n  ")
        lines.append(f"{trail} / {label}: {answer}")
