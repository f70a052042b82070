"""The organisation mailbox a DSL's Haven reads received packages from (IMAP over TLS).

Settings live in the profile's encrypted store and the password in the keychain (or, where
there is none, the encrypted store), as for the outbox's SMTP server. Each message is
handed to the importer; a message that is refused for what it is (untrusted, damaged, for
someone else) is marked read so it does not block the mailbox, and the refusal is
audited; one whose import fails for a passing reason stays unread for the next fetch.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field

from app.errors import HavenError, ImportRefused, InboxError, InvalidState
from app.exchange.relay import Exchange, ImportResult

IMAP_SETTINGS = "imap"
IMAP_PASSWORD_FALLBACK = "imap_password"  # noqa: S105 - a settings key, not a secret
IMAP_CA = "imap_ca_pem"


@dataclass
class FetchSummary:
    seen: int = 0
    results: list[ImportResult] = field(default_factory=list)
    refused: list[ImportRefused] = field(default_factory=list)
    too_large: int = 0
    left: int = 0

    def lines(self) -> list[str]:
        out = [r.message for r in self.results]
        out += [f"Refused: {r}" for r in self.refused]
        if self.too_large:
            out.append(f"{self.too_large} message(s) too large to be a Haven package: not opened.")
        return out


def configure_inbox(
    exchange: Exchange,
    host: str,
    port: int,
    username: str,
    password: str | None,
    *,
    tls: str = "implicit",
    mailbox: str = "INBOX",
    ca_pem: str | None = None,
) -> None:
    if not host.strip():
        raise InvalidState("Enter the mail server's name.")
    if tls not in ("implicit", "starttls"):
        raise InvalidState("The connection must be TLS ('implicit') or STARTTLS ('starttls').")
    repo = exchange.repo
    repo.set_setting(
        exchange.haven.actor,
        IMAP_SETTINGS,
        json.dumps(
            {
                "host": host.strip(),
                "port": port,
                "username": username,
                "tls": tls,
                "mailbox": mailbox or "INBOX",
            }
        ),
    )
    if password is not None:
        exchange.exports.secrets.store("imap", IMAP_PASSWORD_FALLBACK, password)
    if ca_pem is not None:
        repo.set_setting(exchange.haven.actor, IMAP_CA, ca_pem)


def fetch_inbox(exchange: Exchange) -> FetchSummary:
    """Read unread messages from the configured mailbox and import each one."""
    from app.exchange.imap import ImapSettings, fetch_unseen

    raw = exchange.repo.get_setting(IMAP_SETTINGS)
    if not raw:
        raise InboxError("No mailbox is set up for received records. Add it in Settings.")
    conf = json.loads(raw)
    context = ssl.create_default_context()
    ca = exchange.repo.get_setting(IMAP_CA)
    if ca:
        context.load_verify_locations(cadata=ca)
    settings = ImapSettings(
        host=str(conf["host"]),
        port=int(conf.get("port", 993)),
        username=str(conf.get("username") or ""),
        mailbox=str(conf.get("mailbox") or "INBOX"),
        tls=str(conf.get("tls") or "implicit"),
        ssl_context=context,
    )
    password = exchange.exports.secrets.load("imap", IMAP_PASSWORD_FALLBACK)
    summary = FetchSummary()

    def handle(data: bytes) -> bool:
        try:
            summary.results.append(exchange.import_message(data))
        except ImportRefused as exc:
            summary.refused.append(exc)
        except HavenError:
            return False
        return True

    def too_large(size: int) -> None:
        exchange.received.refused(exchange.haven.actor, "too-large")

    report = fetch_unseen(settings, password, handle, on_too_large=too_large)
    summary.seen = report.seen
    summary.too_large = report.too_large
    summary.left = report.left
    return summary
