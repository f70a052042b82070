"""The values the records' use cases pass around: a record, a missing episode, an outbox
item, a search hit, the filter records are listed by, a package received from another
Haven, and a child's chronology and the work list made of them.

Taken from app.domain like every other value (`from app.domain import Record`); written
here so that they are made when first used rather than when the first window opens
(app.domain's docstring says why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass(frozen=True)
class ChronologyEntry:
    """One line of a child's chronology: a record or a missing episode."""

    kind: str
    id: str
    title: str
    status: str
    when: str
    badges: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MyWork:
    drafts: list[Record]
    needs_action: list[tuple[Record | None, str]]
    outbox: list[OutboxItem]
