"""The recipient directory as this profile sees it: the shipped and organisation entries
(app.directory) with the user's own mailboxes and certificates over them, except where
the organisation has locked an entry."""

from __future__ import annotations

import json

from app.directory import Recipient, load_recipients, user_overrides_from_json
from app.errors import InvalidState
from app.service import Haven

RECIPIENT_OVERRIDES = "recipients"


class Recipients:
    """Read and change the recipients of one unlocked profile."""

    def __init__(self, haven: Haven) -> None:
        self.haven = haven

    def all(self) -> list[Recipient]:
        raw = self.haven.repo.get_setting(RECIPIENT_OVERRIDES)
        return load_recipients(user_overrides_from_json(raw))

    def get(self, recipient_id: str) -> Recipient:
        for r in self.all():
            if r.id == recipient_id:
                return r
        raise InvalidState("There is no recipient with that id in the directory.")

    def set(
        self, recipient_id: str, *, mailbox: str | None = None, certificate_pem: str | None = None
    ) -> Recipient:
        current = self.get(recipient_id)
        if current.locked:
            raise InvalidState(
                "Your organisation has set this recipient; it cannot be changed here."
            )
        if certificate_pem:
            from app.export.certificates import load_recipient_certificate

            load_recipient_certificate(certificate_pem.encode("ascii"))
        overrides = user_overrides_from_json(self.haven.repo.get_setting(RECIPIENT_OVERRIDES))
        entry = overrides.setdefault(recipient_id, {})
        if mailbox is not None:
            entry["mailbox"] = mailbox.strip()
        if certificate_pem is not None:
            entry["certificate_pem"] = certificate_pem
        self.haven.repo.set_setting(self.haven.actor, RECIPIENT_OVERRIDES, json.dumps(overrides))
        return self.get(recipient_id)
