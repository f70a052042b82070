"""The DSL's queue: everything that is waiting on someone, in one list (issue 9).

A designated safeguarding lead starts the day here (SPEC 1): records received from
practitioners to review, Category 2/3 screenings with no risk assessment yet (the form's
own follow-up rule), return interviews due within 24 hours or overdue (section 11: 72
hours after return), children with 3 or more missing episodes in the window (automatic
MASE discussion, with the episodes), information reports completed but not yet sent to
the FIB, and outbox items that failed. A practitioner sees the same list, which for them
also holds records their DSL returned for amending.

Titles may name a child: the queue is shown only inside the unlocked profile. The
command line's --json carries ids and references, never names.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from app.domain import RecordFilter
from app.errors import FormDefinitionError
from app.exchange.relay import Exchange
from app.forms.dates import parse_datetime
from app.forms.missing import return_interview_status

DUE_SOON_HOURS = 24

QUEUE_KINDS: dict[str, str] = {
    "awaiting-child": "Received: confirm which child",
    "awaiting-review": "Received: awaiting review",
    "returned-to-me": "Returned to you: needs amending",
    "follow-up": "Follow-up form not started",
    "interview-overdue": "Return interview overdue",
    "interview-due": "Return interview due within 24 hours",
    "mase": "3 or more missing episodes: MASE discussion",
    "report-unsent": "Information report not yet sent",
    "outbox-failed": "Not sent: needs attention",
}
"""Each kind of entry with its heading, in the order the queue shows them."""


@dataclass(frozen=True)
class QueueEntry:
    kind: str
    title: str
    detail: str
    subject_id: str | None = None
    subject_ref: str | None = None
    record_id: str | None = None
    record_ref: str | None = None
    received_id: str | None = None
    outbox_id: str | None = None
    episode_ids: tuple[str, ...] = ()
    when: str | None = None

    @property
    def heading(self) -> str:
        return QUEUE_KINDS[self.kind]


@dataclass(frozen=True)
class DslQueue:
    entries: list[QueueEntry] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted = Counter(e.kind for e in self.entries)
        return {kind: counted.get(kind, 0) for kind in QUEUE_KINDS}

    def of(self, kind: str) -> list[QueueEntry]:
        return [e for e in self.entries if e.kind == kind]


def build_queue(exchange: Exchange) -> DslQueue:
    haven = exchange.haven
    repo = haven.repo
    entries: list[QueueEntry] = []
    subjects = {s.id: s for s in repo.list_subjects()}

    for pkg in exchange.received.list(("awaiting-child",), kind="record"):
        entries.append(
            QueueEntry(
                kind="awaiting-child",
                title=f"{_form_title(exchange, pkg.form_id)} from {pkg.sender_name or 'unknown'}",
                detail="May be about a child already here: confirm which child before filing.",
                received_id=pkg.id,
                when=pkg.received_at,
            )
        )
    for pkg in exchange.received.list(("awaiting-review",), kind="record"):
        record = repo.get_record(pkg.record_id) if pkg.record_id else None
        subject = subjects.get(record.subject_id) if record else None
        entries.append(
            QueueEntry(
                kind="awaiting-review",
                title=f"{_form_title(exchange, pkg.form_id)} for "
                f"{subject.name if subject else 'a child'}",
                detail=f"From {pkg.sender_name or pkg.sender_email}, version {pkg.version}",
                subject_id=subject.id if subject else None,
                subject_ref=subject.ref if subject else None,
                record_id=record.id if record else None,
                record_ref=record.ref if record else None,
                received_id=pkg.id,
                when=pkg.received_at,
            )
        )
    for record, ret in exchange.open_returns():
        subject = subjects.get(record.subject_id)
        entries.append(
            QueueEntry(
                kind="returned-to-me",
                title=f"{_form_title(exchange, record.form_id)} for "
                f"{subject.name if subject else 'a child'}",
                detail=f"Returned by {ret.sender_name or ret.sender_email}: "
                f"{exchange.return_reason(ret.id)}",
                subject_id=record.subject_id,
                subject_ref=subject.ref if subject else None,
                record_id=record.id,
                record_ref=record.ref,
                received_id=ret.id,
                when=ret.received_at,
            )
        )

    hours = int(str(haven.settings()["return_interview_hours"]))
    now = haven.clock()
    for subject in subjects.values():
        for record, message in haven.follow_up_flags(subject.id):
            entries.append(
                QueueEntry(
                    kind="follow-up",
                    title=f"{_form_title(exchange, record.form_id)} for {subject.name}",
                    detail=message,
                    subject_id=subject.id,
                    subject_ref=subject.ref,
                    record_id=record.id,
                    record_ref=record.ref,
                    when=record.completed_at,
                )
            )
        for episode in repo.list_episodes(subject.id):
            returned = parse_datetime(episode.returned_at)
            if returned is None or episode.interviewed_at:
                continue
            status = return_interview_status(returned, now, hours=hours)
            if not status.overdue and status.hours_left > DUE_SOON_HOURS:
                continue
            entries.append(
                QueueEntry(
                    kind="interview-overdue" if status.overdue else "interview-due",
                    title=f"Return interview for {subject.name}",
                    detail=(haven.episode_flags(episode) or [""])[0],
                    subject_id=subject.id,
                    subject_ref=subject.ref,
                    record_id=episode.record_id,
                    episode_ids=(episode.id,),
                    when=status.due.isoformat(timespec="minutes"),
                )
            )
        repeat = haven.repeat_missing_episodes(subject.id)
        if repeat is not None:
            episode_ids, message = repeat
            entries.append(
                QueueEntry(
                    kind="mase",
                    title=f"{subject.name}: {len(episode_ids)} missing episodes",
                    detail=message,
                    subject_id=subject.id,
                    subject_ref=subject.ref,
                    episode_ids=tuple(episode_ids),
                )
            )

    report_forms = {f for r in exchange.exports.recipients() for f in r.forms}
    for form_id in sorted(report_forms):
        for record in repo.list_records(
            RecordFilter(form_id=form_id, statuses=("completed", "signed"))
        ):
            if exchange.received.for_record(record.id) is not None:
                continue
            subject = subjects.get(record.subject_id)
            entries.append(
                QueueEntry(
                    kind="report-unsent",
                    title=f"{_form_title(exchange, form_id)} for "
                    f"{subject.name if subject else 'a child'}",
                    detail="Completed but not yet sent.",
                    subject_id=record.subject_id,
                    subject_ref=subject.ref if subject else None,
                    record_id=record.id,
                    record_ref=record.ref,
                    when=record.completed_at,
                )
            )

    for item in repo.list_outbox(("failed",)):
        entries.append(
            QueueEntry(
                kind="outbox-failed",
                title=f"Package to {item.recipient_label or item.recipient}",
                detail=item.last_error or "The mail server refused it.",
                record_id=item.record_id,
                outbox_id=item.id,
                when=item.created_at,
            )
        )
    order = list(QUEUE_KINDS)
    entries.sort(key=lambda e: (order.index(e.kind), e.when or ""))
    return DslQueue(entries)


def _form_title(exchange: Exchange, form_id: str) -> str:
    try:
        return exchange.haven.registry.get(form_id).title
    except FormDefinitionError:
        return form_id


def queue_json(queue: DslQueue) -> dict[str, object]:
    """For `haven queue --json`: counts and entries by id and reference, no names."""
    return {
        "counts": queue.counts(),
        "entries": [
            {
                "kind": e.kind,
                "heading": e.heading,
                "subject_ref": e.subject_ref,
                "record_id": e.record_id,
                "record_ref": e.record_ref,
                "received_id": e.received_id,
                "outbox_id": e.outbox_id,
                "episode_ids": list(e.episode_ids),
                "when": e.when,
            }
            for e in queue.entries
        ],
    }
