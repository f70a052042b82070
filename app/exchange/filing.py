"""Filing a verified record under the right child.

A child is matched to a child already here only when someone confirms it: the same name
and date of birth is offered as a suggestion and the package is held until then, never
merged silently. A newer version of a record goes with the child of the old one, and a
sender's child linked before goes with that child.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from app.domain import Subject
from app.errors import InvalidState
from app.exchange import format as fmt
from app.exchange.participant import ExchangeParticipant, ImportResult
from app.forms import summarise
from app.store.received import ChildDetails, Filing, Provenance


class ChildFiling(ExchangeParticipant):
    """File received records, holding those that may be about a child already here."""

    def _file(
        self,
        prov: Provenance,
        payload: dict[str, Any],
        pdf: bytes | None,
        details: ChildDetails,
        child: str | None,
    ) -> ImportResult:
        rec = payload["exchange"]["record"]
        answers = payload["answers"]
        subject_id: str | None = None
        supersedes = rec.get("supersedes") if isinstance(rec.get("supersedes"), str) else None
        if supersedes and self.received.record_exists(supersedes):
            subject_id = self.repo.get_record(supersedes).subject_id
        if subject_id is None:
            subject_id = self.received.linked_subject(
                prov.signer_fingerprint, prov.origin_subject_id
            )
        new_child: ChildDetails | None = None
        if subject_id is None:
            if child == "new":
                new_child = details
            elif child:
                subject_id = self.repo.get_subject(child).id
            else:
                candidates = self._same_child(details)
                if candidates:
                    held = self.received.hold(self.haven.actor, prov, payload, pdf)
                    refs = ", ".join(c.ref for c in candidates)
                    return ImportResult(
                        "held",
                        f"This record may be about a child already here ({refs}: same name "
                        "and date of birth). Confirm which child it is about before it is "
                        "filed.",
                        received=held,
                        candidates=candidates,
                    )
                new_child = details
        form = self.haven.registry.get(prov.form_id, prov.form_version)
        ctx = self.haven.context(None, None)
        fields = form.record_fields
        episode = None
        if "missing_from" in fields:
            episode = (
                fmt.optional_text(answers.get(fields["missing_from"])),
                fmt.optional_text(answers.get(fields.get("returned_at", ""))),
            )
        interviewed = None
        if fields.get("interviewed_at"):
            interviewed = fmt.optional_text(
                answers.get(fields["interviewed_at"])
            ) or fmt.optional_text(rec.get("completed_at"))
        filing = Filing(
            subject_id=subject_id,
            new_child=new_child,
            record_id=prov.origin_record_id,
            record_ref=str(rec.get("record_ref")),
            answers=answers,
            created_by=fmt.text(rec.get("completed_by"), "author", required=False),
            completed_at=fmt.optional_text(rec.get("completed_at")),
            completed_by=fmt.optional_text(rec.get("completed_by")),
            version=prov.version,
            supersedes=supersedes,
            amend_reason=fmt.optional_text(rec.get("amend_reason")),
            summary=summarise(form, answers, ctx),
            episode=episode,
            closes_episode_of=fmt.optional_text(rec.get("episode_record_id")),
            interviewed_at=interviewed,
        )
        stored = self.received.file_record(self.haven.actor, prov, payload, pdf, filing)
        record = self.repo.get_record(prov.origin_record_id)
        status = "version" if record.supersedes else "filed"
        return ImportResult(
            status,
            f"Received {form.title} ({record.ref}), version {record.version}: awaiting review."
            if status == "version"
            else f"Received {form.title} ({record.ref}): awaiting review.",
            received=stored,
            record_id=record.id,
            subject_id=record.subject_id,
        )

    def _same_child(self, details: ChildDetails) -> list[Subject]:
        wanted = _name_key(details.name)
        return [
            s
            for s in self.repo.list_subjects()
            if _name_key(s.name) == wanted and (s.dob or None) == details.dob
        ]

    def _held_details(self, received_id: str) -> tuple[dict[str, Any], ChildDetails]:
        payload = self.received.payload(received_id)
        kid = fmt.mapping(
            fmt.mapping(fmt.mapping(payload.get("exchange")).get("record")).get("child")
        )
        details = ChildDetails(
            name=str(kid.get("name") or ""),
            known_as=str(kid.get("known_as") or ""),
            dob=kid.get("dob") or None,
            gender=str(kid.get("gender") or ""),
            local_authority=str(kid.get("local_authority") or ""),
        )
        return payload, details

    def candidates_for(self, received_id: str) -> list[Subject]:
        """Children here a held package may be about (same name and date of birth)."""
        return self._same_child(self._held_details(received_id)[1])

    def file_held(self, received_id: str, child: str) -> ImportResult:
        """File a held package: `child` is a child's id or reference, or "new"."""
        held = self.received.get(received_id)
        if held.state != "awaiting-child":
            raise InvalidState("That package has already been filed.")
        payload, details = self._held_details(received_id)
        prov = Provenance(**{k: getattr(held, k) for k in Provenance.__dataclass_fields__})
        return self._file(prov, payload, self.received.pdf(received_id), details, child)


def _name_key(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(folded.split())
