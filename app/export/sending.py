"""The outbox: queue a built package and send what is due over the organisation's SMTP.

A record is marked queued or sent only after that step really happened, every attempt is
audited with the server's reply, and a training profile never queues or sends anything
(framework Standard 10). The SMTP conversation itself is app.outbox.smtp.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.errors import InvalidState, SendError, TrainingProfileCannotSend
from app.export.packaging import ExportedPackage
from app.export.secrets import StoredSecrets
from app.service import Haven

if TYPE_CHECKING:
    from app.outbox.smtp import SmtpSettings

SMTP_SETTINGS = "smtp"
SMTP_PASSWORD_FALLBACK = "smtp_password"  # noqa: S105 - a settings key, not a secret
SMTP_CA = "smtp_ca_pem"
MAX_SEND_ATTEMPTS = 12


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    waiting: int
    messages: list[str]


class Outbox:
    """Queue and send the packages of one unlocked profile."""

    def __init__(self, haven: Haven, stored: StoredSecrets) -> None:
        self.haven = haven
        self.stored = stored

    def queue_package(
        self, package: ExportedPackage, mailbox: str, label: str, record_ids: Sequence[str]
    ) -> str:
        """Place a built package in the outbox (stored encrypted; survives restarts)."""
        if self.haven.training:
            raise TrainingProfileCannotSend()
        repo = self.haven.repo
        item = repo.enqueue(
            self.haven.actor,
            record_ids[0] if record_ids else None,
            package.message_id,
            mailbox,
            label,
            package.message_bytes,
        )
        for rid in record_ids:
            repo.set_status(self.haven.actor, rid, "queued", "queue", mailbox)
        return item.id

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
        if not host.strip():
            raise InvalidState("Enter the mail server's name.")
        self.haven.repo.set_setting(
            self.haven.actor,
            SMTP_SETTINGS,
            json.dumps(
                {
                    "host": host.strip(),
                    "port": port,
                    "username": username or None,
                    "starttls": starttls,
                }
            ),
        )
        if password is not None:
            self.stored.store("smtp", SMTP_PASSWORD_FALLBACK, password)
        if ca_pem is not None:
            self.haven.repo.set_setting(self.haven.actor, SMTP_CA, ca_pem)

    def smtp_settings(self) -> tuple[SmtpSettings, str | None]:
        import ssl

        from app.outbox.smtp import SmtpSettings

        raw = self.haven.repo.get_setting(SMTP_SETTINGS)
        if not raw:
            raise SendError("No mail server is set up. Add it in Settings.")
        conf = json.loads(raw)
        context = ssl.create_default_context()
        ca = self.haven.repo.get_setting(SMTP_CA)
        if ca:
            context.load_verify_locations(cadata=ca)
        settings = SmtpSettings(
            host=str(conf["host"]),
            port=int(conf.get("port", 587)),
            username=conf.get("username"),
            use_starttls=bool(conf.get("starttls", True)),
            ssl_context=context,
        )
        return settings, self.stored.load("smtp", SMTP_PASSWORD_FALLBACK)

    def send_due(
        self,
        *,
        now: datetime | None = None,
        force: bool = False,
        deliver: Callable[..., Any] | None = None,
    ) -> SendReport:
        """Send every due item once. Items left 'sending' by a crash are sent again with the
        same Message-ID, so a receiving system can drop the duplicate; nothing is lost."""
        from app.outbox import smtp

        if self.haven.training:
            raise TrainingProfileCannotSend()
        repo = self.haven.repo
        deliver = deliver or smtp.deliver
        moment = now or datetime.now(UTC)
        stamp = moment.isoformat(timespec="seconds")
        items = repo.list_outbox(("queued", "sending")) if force else repo.due_outbox(stamp)
        settings, password = self.smtp_settings()
        sender = self.haven.session.info.email or "haven@localhost.invalid"
        sent = failed = waiting = 0
        messages: list[str] = []
        for item in items:
            repo.mark_sending(item.id)
            message = repo.outbox_message(item.id)
            try:
                result = deliver(settings, password, message, sender, [item.recipient])
                ok, code, reply, permanent = (
                    result.ok,
                    result.reply_code,
                    result.reply_text,
                    result.permanent,
                )
            except SendError as exc:
                ok, code, reply, permanent = False, None, str(exc), False
            attempts = item.attempts + 1
            give_up = (not ok) and (permanent or attempts >= MAX_SEND_ATTEMPTS)
            delay = smtp.next_attempt_delay(attempts) if not ok else timedelta(0)
            repo.record_attempt(
                self.haven.actor,
                item.id,
                ok=ok,
                reply_code=code,
                reply=reply,
                next_attempt_at=(moment + delay).isoformat(timespec="seconds"),
                give_up=give_up,
            )
            if ok:
                sent += 1
            elif give_up:
                failed += 1
                messages.append(f"{item.recipient_label or item.recipient}: not sent ({reply})")
            else:
                waiting += 1
                messages.append(
                    f"{item.recipient_label or item.recipient}: will retry ({reply or 'no reply'})"
                )
        return SendReport(sent=sent, failed=failed, waiting=waiting, messages=messages)
