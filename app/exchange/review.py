"""The DSL's side of a received record: mark it reviewed, or see what came back.

Returning a record to its author is a package like any other and is sent by
app.exchange.sending; this module answers what the queue asks: which received record
this is, and which of this profile's records were returned and not yet amended.
"""

from __future__ import annotations

from app.domain import ReceivedPackage, Record
from app.errors import NotFound
from app.exchange.participant import ExchangeParticipant


class Review(ExchangeParticipant):
    """Review received records; follow returns to this profile."""

    def provenance(self, record_id: str) -> ReceivedPackage | None:
        return self.received.for_record(record_id)

    def mark_reviewed(self, record_id: str, note: str = "") -> ReceivedPackage:
        pkg = self._received_for(record_id)
        return self.received.decide(self.haven.actor, pkg.id, "reviewed", note.strip(), "review")

    def open_returns(self) -> list[tuple[Record, ReceivedPackage]]:
        """Records written here that a DSL returned and that have no completed amendment."""
        out: list[tuple[Record, ReceivedPackage]] = []
        seen: set[str] = set()
        for ret in reversed(self.received.list(kind="return")):
            if not ret.record_id or ret.record_id in seen:
                continue
            seen.add(ret.record_id)
            try:
                record = self.repo.get_record(ret.record_id)
            except NotFound:
                continue
            if not _amended(self, record):
                out.append((record, ret))
        return out

    def return_reason(self, received_id: str) -> str:
        ret = self.received.payload(received_id).get("return") or {}
        return str(ret.get("reason") or "")


def _amended(exchange: ExchangeParticipant, record: Record) -> bool:
    """Whether a completed newer version of `record` exists (the return is answered)."""
    current = record
    while current.superseded_by:
        current = exchange.repo.get_record(current.superseded_by)
        if not current.is_draft:
            return True
    return False
