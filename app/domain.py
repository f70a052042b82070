"""Plain typed values that cross layers (store -> service -> UI/CLI).

No Qt objects and no dicts of dicts: the UI's models wrap these.

The values of the records' use cases (Record, MissingEpisode, OutboxItem, SearchHit,
RecordFilter, ReceivedPackage, ChronologyEntry, MyWork) are written in
app/record_values.py and taken from here as before: they are made when first asked for
(`__getattr__`). Each frozen dataclass costs Python about a millisecond to build, and the
first window needs none of these (issue 11: start-up); the profile, the children and the
list's rows stay here, made at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from app.record_values import (
        ChronologyEntry,
        MissingEpisode,
        MyWork,
        OutboxItem,
        ReceivedPackage,
        Record,
        RecordFilter,
        SearchHit,
    )

RECORD_STATUSES = ("draft", "completed", "signed", "queued", "sent")
ROLES = ("practitioner", "dsl")
LOCAL_AUTHORITIES = (
    "Birmingham",
    "Coventry",
    "Dudley",
    "Sandwell",
    "Solihull",
    "Walsall",
    "Wolverhampton",
)


@dataclass(frozen=True)
class ProfileInfo:
    """Who uses this profile; stored inside the encrypted database, not beside it."""

    name: str
    role: str
    agency: str
    local_authority: str
    email: str = ""
    phone: str = ""
    training: bool = False


@dataclass(frozen=True)
class Subject:
    """A child or young person. `ref` is the opaque reference used outside the store."""

    id: str
    ref: str
    name: str
    known_as: str
    dob: str | None
    gender: str
    local_authority: str
    created_at: str
    updated_at: str


class ChildListing(NamedTuple):
    """What the children list shows of a child: one row of its page query.

    A tuple rather than a Subject because the list reads a page at unlock and on every
    scroll, refresh and cleared search: building nine-field frozen values was a fifth of
    the first page's time (issue 11), and the list shows five of the fields.
    """

    id: str
    ref: str
    name: str
    known_as: str
    dob: str | None

    @classmethod
    def of(cls, subject: Subject) -> ChildListing:
        return cls(subject.id, subject.ref, subject.name, subject.known_as, subject.dob)


RECEIVED_STATES = (
    "awaiting-child",  # verified, held until someone confirms which child it is about
    "awaiting-review",  # filed as a read-only record; the DSL has not looked at it yet
    "reviewed",
    "returned",  # sent back to its author to amend
    "superseded",  # a newer version of the same record arrived
    "applied",  # a return received for a record written here
)


_RECORD_VALUES = frozenset(
    (
        "Record",
        "MissingEpisode",
        "OutboxItem",
        "SearchHit",
        "RecordFilter",
        "ReceivedPackage",
        "ChronologyEntry",
        "MyWork",
    )
)


def __getattr__(name: str) -> Any:
    """The records' values, from app.record_values the first time one is asked for."""
    if name in _RECORD_VALUES:
        from app import record_values

        value = getattr(record_values, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LOCAL_AUTHORITIES",
    "RECEIVED_STATES",
    "RECORD_STATUSES",
    "ROLES",
    "ChildListing",
    "ChronologyEntry",
    "MissingEpisode",
    "MyWork",
    "OutboxItem",
    "ProfileInfo",
    "ReceivedPackage",
    "Record",
    "RecordFilter",
    "SearchHit",
    "Subject",
]
