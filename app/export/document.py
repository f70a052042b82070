"""Plain values describing a printable record, independent of any particular form.

The forms engine turns a record (form definition + answers + outcomes) into a
`PrintDocument`; the PDF renderer draws whatever it is given. Keeping this boundary as
frozen dataclasses means the renderer never needs to know what a CSE screening or a
police information report is (HOUSE_STYLE: no `if form_id == ...` in Python), and the
renderer can be tested without the store or the forms engine.

Items made irrelevant by earlier answers are simply not included by the caller (SPEC 4:
"left out, not printed blank"); relevant items with no answer carry `text=None` and print
as "Not answered".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

NOT_ANSWERED = "Not answered"
"""What the PDF prints for a relevant item with no answer (SPEC 4: unanswered items shown)."""


@dataclass(frozen=True)
class PrintAnswer:
    """One question and its answer as text, or the entries of a repeatable group.

    `text` is None when the item was relevant but not answered. For a repeatable group
    (people, vehicles, suspects), `entries` holds one list of answers per entry and
    `text` is normally None; an empty group with `text=None` prints "Not answered".
    """

    label: str
    text: str | None = None
    entries: list[list[PrintAnswer]] = field(default_factory=list)


@dataclass(frozen=True)
class PrintSection:
    """A titled section of the form with the answers that were relevant in it."""

    title: str
    answers: list[PrintAnswer] = field(default_factory=list)


@dataclass(frozen=True)
class PrintOutcome:
    """An outcome shown with its reasons, e.g. the suggested and final risk category.

    `kind` says what sort of outcome it is, in words the forms engine chooses (for example
    "suggested", "final", "override", "alert"); the renderer prints it beside the value so
    a reader can tell Haven's suggestion from the practitioner's decision (section 9:
    professional judgement always wins).
    """

    label: str
    value_text: str
    reason: str | None = None
    kind: str = ""


@dataclass(frozen=True)
class PrintDocument:
    """Everything the PDF shows for one completed record.

    `record_ref` is the opaque reference (e.g. "HVN-2026-000123") used in headers, file
    names, PDF metadata and email subjects; `child_name` appears only in the body of the
    document, never in metadata (SPEC 3: no personal data in file names or subjects).
    `sharing_decision` is None when no information-sharing decision is recorded yet
    (Appendix 13); the PDF then says so rather than leaving the section out.
    """

    title: str
    form_id: str
    form_version: int
    record_ref: str
    record_id: str
    child_name: str
    completed_by: str
    completed_at: datetime
    marking: str
    training: bool = False
    sections: list[PrintSection] = field(default_factory=list)
    outcomes: list[PrintOutcome] = field(default_factory=list)
    sharing_decision: list[PrintAnswer] | None = None
