"""`Exports`: the export and outbox use cases of one unlocked profile, in one object.

What leaves Haven is evidence that the bureau, social care and a court may rely on, so:
- nothing is exported without a completed information-sharing decision that permits it
  (Appendix 13; SPEC 2.5; `sharing`), and every export and send is audited with its
  recipient;
- a record is marked signed/queued/sent only after that step really succeeded — a signed
  PDF is verified before the record is marked signed (SPEC 3; `printing`);
- a training profile never queues or sends anything (framework Standard 10; `sending`).

Each concern is its own module (sharing, printing, identity, recipients, packaging,
sending, secrets); this façade composes them over one `Haven` so the window, the command
line and the exchange hold one object, and delegates without adding rules of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.directory import Recipient
from app.domain import Record
from app.export.identity import SigningCertificate
from app.export.packaging import ExportedPackage, Packaging
from app.export.printing import ExportedPdf, RecordPdfs
from app.export.progress import Progress
from app.export.recipients import Recipients
from app.export.secrets import StoredSecrets
from app.export.sending import Outbox, SendReport
from app.export.sharing import SharingDecisions
from app.service import Haven

if TYPE_CHECKING:
    from app.export.certificates import SigningIdentity
    from app.export.document import PrintDocument
    from app.outbox.smtp import SmtpSettings


class Exports:
    """Export and outbox use cases over one unlocked profile."""

    def __init__(self, haven: Haven) -> None:
        self.haven = haven
        self.repo = haven.repo
        self.secrets = StoredSecrets(haven)
        self.sharing = SharingDecisions(haven)
        self.certificate = SigningCertificate(haven, self.secrets)
        self.pdfs = RecordPdfs(haven, self.sharing, self.certificate)
        self.directory = Recipients(haven)
        # The façade itself is the packages' PDF source, so a package's PDFs go through
        # `Exports.export_pdf` like any other.
        self.packaging = Packaging(haven, self.sharing, self.certificate, self)
        self.outbox = Outbox(haven, self.secrets)

    # ---- the information-sharing decision (Appendix 13) ---------------------------------

    def sharing_form_id(self) -> str:
        return self.sharing.sharing_form_id()

    def record_decision(self, record_id: str, answers: dict[str, Any]) -> Record:
        return self.sharing.record_decision(record_id, answers)

    def decision_for(self, record_id: str) -> Record | None:
        return self.sharing.decision_for(record_id)

    def require_permission(self, record: Record) -> Record:
        return self.sharing.require_permission(record)

    def records_for_referral(self, subject_id: str) -> list[Record]:
        return self.sharing.records_for_referral(subject_id)

    # ---- PDF -----------------------------------------------------------------------------

    def print_document(self, record: Record) -> PrintDocument:
        return self.pdfs.print_document(record)

    def marking(self, form_marking: str) -> str:
        return self.pdfs.marking(form_marking)

    def export_pdf(
        self, record_id: str, *, sign: bool = False, progress: Progress | None = None
    ) -> ExportedPdf:
        return self.pdfs.export_pdf(record_id, sign=sign, progress=progress)

    # ---- signing certificate -------------------------------------------------------------

    def import_certificate(self, p12: bytes, password: str) -> str:
        return self.certificate.import_certificate(p12, password)

    def create_self_signed(self, org: str) -> str:
        return self.certificate.create_self_signed(org)

    def signing_identity(self) -> SigningIdentity:
        return self.certificate.signing_identity()

    def certificate_pem(self) -> bytes:
        return self.certificate.certificate_pem()

    # ---- recipients ------------------------------------------------------------------------

    def recipients(self) -> list[Recipient]:
        return self.directory.all()

    def recipient(self, recipient_id: str) -> Recipient:
        return self.directory.get(recipient_id)

    def set_recipient(
        self, recipient_id: str, *, mailbox: str | None = None, certificate_pem: str | None = None
    ) -> Recipient:
        return self.directory.set(recipient_id, mailbox=mailbox, certificate_pem=certificate_pem)

    # ---- packages and the outbox -----------------------------------------------------------

    def build_package(
        self,
        record_ids: Sequence[str],
        *,
        mailbox: str,
        recipient_label: str = "",
        recipient_certificate_pem: bytes | None = None,
        for_mail_client: bool = False,
        progress: Progress | None = None,
        signed_pdfs: Mapping[str, bytes] | None = None,
    ) -> ExportedPackage:
        return self.packaging.build_package(
            record_ids,
            mailbox=mailbox,
            recipient_label=recipient_label,
            recipient_certificate_pem=recipient_certificate_pem,
            for_mail_client=for_mail_client,
            progress=progress,
            signed_pdfs=signed_pdfs,
        )

    def queue_package(
        self, package: ExportedPackage, mailbox: str, label: str, record_ids: Sequence[str]
    ) -> str:
        return self.outbox.queue_package(package, mailbox, label, record_ids)

    def configure_smtp(
        self,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        *,
        starttls: bool = True,
        ca_pem: str | None = None,
    ) -> None:
        self.outbox.configure_smtp(host, port, username, password, starttls=starttls, ca_pem=ca_pem)

    def smtp_settings(self) -> tuple[SmtpSettings, str | None]:
        return self.outbox.smtp_settings()

    def send_due(
        self,
        *,
        now: datetime | None = None,
        force: bool = False,
        deliver: Callable[..., Any] | None = None,
    ) -> SendReport:
        return self.outbox.send_due(now=now, force=force, deliver=deliver)
