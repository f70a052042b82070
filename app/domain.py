"""Plain typed values that cross layers (store -> service -> UI/CLI).

No Qt objects and no dicts of dicts: the UI's models wrap these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

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


@dataclass(frozen=True)
class Record:
    """One form's answers for one child, at one version of one form definition."""

    id: str
    ref: str
    subject_id: str
    form_id: str
    form_version: int
    status: str
    answers: dict[str, Any]
    problem_count: int
    created_at: str
    updated_at: str
    created_by: str
    completed_at: str | None
    completed_by: str | None
    version: int
    supersedes: str | None
    superseded_by: str | None
    amend_reason: str | None
    parent_id: str | None
    episode_id: str | None
    reviewed_at: str | None = None
    reviewed_by: str | None = None
    review_comment: str | None = None

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


@dataclass(frozen=True)
class MissingEpisode:
    """Section 11: one episode of a child missing or absent, linked to its form record."""

    id: str
    subject_id: str
    record_id: str | None
    missing_from: str | None
    returned_at: str | None
    interviewed_at: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class OutboxItem:
    id: str
    record_id: str | None
    message_id: str
    recipient: str
    recipient_label: str
    status: str
    attempts: int
    next_attempt_at: str | None
    last_error: str | None
    last_reply: str | None
    created_at: str
    sent_at: str | None


@dataclass(frozen=True)
class SearchHit:
    kind: str
    item_id: str
    subject_id: str
    snippet: str


@dataclass
class RecordFilter:
    subject_id: str | None = None
    statuses: tuple[str, ...] = field(default_factory=tuple)
    form_id: str | None = None
    include_superseded: bool = False


RECEIVED_STATES = (
    "awaiting-child",  # verified, held until someone confirms which child it is about
    "awaiting-review",  # filed as a read-only record; the DSL has not looked at it yet
    "reviewed",
    "returned",  # sent back to its author to amend
    "superseded",  # a newer version of the same record arrived
    "applied",  # a return received for a record written here
)


@dataclass(frozen=True)
class ReceivedPackage:
    """A package another Haven profile sent here, with its provenance (issue 9).

    `signer_*` come from the verified S/MIME signature, not from anything the sender
    typed; `sender_name`/`sender_email` are what the sender's profile says about itself.
    """

    id: str
    package_id: str
    message_id: str
    kind: str
    state: str
    record_id: str | None
    origin_record_id: str
    origin_subject_id: str
    version: int
    form_id: str
    form_version: int
    sender_name: str
    sender_email: str
    signer_name: str
    signer_fingerprint: str
    signer_certificate: str
    signed_at: str | None
    received_at: str
    note: str
    decided_at: str | None
    decided_by: str | None
