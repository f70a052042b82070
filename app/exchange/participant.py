"""One profile's side of the Haven-to-Haven exchange: its export use cases, the store of
received packages and its trust list (app.exchange.trust).

The exchange's concerns build on this, one module each: sending records and returns
(app.exchange.sending), checking what arrives (app.exchange.receiving), filing it under
the right child (app.exchange.filing) and the DSL's review (app.exchange.review);
app.exchange.relay joins them as `Exchange`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain import ReceivedPackage, Subject
from app.errors import InvalidState
from app.exchange.trust import (
    PROFILE_TRUST_KEY,
    TrustedCertificate,
    add_to_profile_trust,
    effective_trust,
    machine_trust,
    parse_certificate,
)
from app.export.exports import Exports
from app.store.received import ReceivedStore


@dataclass(frozen=True)
class ImportResult:
    """What importing one package did. `status` is one of:

    filed     - a new record is in the queue awaiting review
    version   - a newer version of a record already here (the old one is superseded)
    held      - verified, but it may be about a child already here: confirm which
    duplicate - this package (or this record) was imported before; nothing changed
    returned  - a record written here came back from the DSL and needs amending
    """

    status: str
    message: str
    received: ReceivedPackage | None = None
    record_id: str | None = None
    subject_id: str | None = None
    candidates: list[Subject] = field(default_factory=list)


class ExchangeParticipant:
    """The profile, its received packages and whom it trusts."""

    def __init__(self, exports: Exports) -> None:
        self.exports = exports
        self.haven = exports.haven
        self.repo = self.haven.repo
        self.received = ReceivedStore(self.haven.session.db)

    # ---- trust -------------------------------------------------------------------------

    def trust_list(self) -> list[TrustedCertificate]:
        return effective_trust(self.repo.get_setting(PROFILE_TRUST_KEY))

    def trust(self, certificate_pem: str, label: str = "") -> TrustedCertificate:
        """Accept packages signed with this certificate (or issued by this CA)."""
        if machine_trust() is not None:
            raise InvalidState(
                "Your organisation manages the trust list on this computer; ask IT to add "
                "the certificate."
            )
        stored = add_to_profile_trust(
            self.repo.get_setting(PROFILE_TRUST_KEY), label, certificate_pem
        )
        self.repo.set_setting(self.haven.actor, PROFILE_TRUST_KEY, stored)
        cert = parse_certificate(certificate_pem)
        return TrustedCertificate(label, cert, locked=False)

    # ---- received records ----------------------------------------------------------------

    def _received_for(self, record_id: str) -> ReceivedPackage:
        record = self.haven.record(record_id)
        pkg = self.received.for_record(record.id)
        if pkg is None:
            raise InvalidState("Only a record received from another Haven can be reviewed here.")
        if pkg.state not in ("awaiting-review", "reviewed"):
            raise InvalidState(
                "This record has been returned to its author or replaced by a newer version."
            )
        return pkg
