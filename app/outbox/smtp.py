"""Hand a finished package to the organisation's mail server (SPEC 4: outbox).

Security choices, each for a reason:

* TLS always. On the submission port Haven insists on STARTTLS and refuses to send
  (SendError) when the server does not offer it, rather than falling back to plain
  text. With `use_starttls=False` it uses implicit TLS (SMTPS, port 465) instead; there
  is no unencrypted mode.
* The server certificate is always checked: `starttls()` without a context does not
  verify it (ecosystem anchors 4.2), so a default context (or the organisation's own)
  is always passed.
* All recipients or none: if the server refuses any recipient, the transaction is reset
  and nothing is sent, so the outbox never has a half-delivered package.
* Nothing about the message reaches the logs: only host, port and reply codes.

Failures are classified for the outbox's retry logic: 4xx replies, timeouts and lost
connections are temporary (retry later with back-off); 5xx replies are permanent (needs a
person). Configuration and security refusals raise SendError instead.
"""

from __future__ import annotations

import logging
import random
import smtplib
import ssl
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from app.errors import SendError

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the organisation's relay: machine-wide policy, passed in as values."""

    host: str
    port: int = 587
    username: str | None = None
    use_starttls: bool = True
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one attempt, to be recorded in the outbox and the audit log.

    `reply_code`/`reply_text` are the server's final reply (None/"" when no reply was
    received). `permanent` says whether retrying the same message can help.
    """

    ok: bool
    reply_code: int | None
    reply_text: str
    permanent: bool


def deliver(
    settings: SmtpSettings,
    password: str | None,
    message_bytes: bytes,
    envelope_from: str,
    recipients: Sequence[str],
) -> DeliveryResult:
    """Send `message_bytes` unchanged to `recipients`; never raises for server refusals.

    Raises SendError when sending would be unsafe or cannot work as configured: no
    STARTTLS, an unverifiable server certificate, a login needed but not possible.
    """
    if not recipients:
        raise SendError("The package has no recipients.")
    context = settings.ssl_context or ssl.create_default_context()
    try:
        client = _connect(settings, context)
    except ssl.SSLCertVerificationError as exc:
        raise SendError(_CERT_MESSAGE) from exc
    except smtplib.SMTPResponseException as exc:
        return _refused(settings, exc.smtp_code, exc.smtp_error)
    except (OSError, smtplib.SMTPException) as exc:
        return _unreachable(settings, exc)
    try:
        return _transaction(
            client, settings, context, password, message_bytes, envelope_from, recipients
        )
    except ssl.SSLCertVerificationError as exc:
        raise SendError(_CERT_MESSAGE) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(
            "The mail server does not accept a login; check Haven's mail settings."
        ) from exc
    except smtplib.SMTPResponseException as exc:
        return _refused(settings, exc.smtp_code, exc.smtp_error)
    except (OSError, smtplib.SMTPException) as exc:
        return _unreachable(settings, exc)
    finally:
        _close(client)


_CERT_MESSAGE = (
    "The mail server's certificate could not be verified, so nothing was sent. "
    "Ask IT to check Haven's mail settings."
)


def _connect(settings: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    if settings.use_starttls:
        return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)


def _transaction(
    client: smtplib.SMTP,
    settings: SmtpSettings,
    context: ssl.SSLContext,
    password: str | None,
    message_bytes: bytes,
    envelope_from: str,
    recipients: Sequence[str],
) -> DeliveryResult:
    client.ehlo()
    if settings.use_starttls:
        if not client.has_extn("starttls"):
            raise SendError(
                "The mail server does not offer an encrypted connection (STARTTLS), so "
                "Haven did not send anything."
            )
        client.starttls(context=context)
        client.ehlo()
    if settings.username:
        _login(client, settings.username, password)

    code, reply = client.mail(envelope_from)
    if code != 250:
        client.rset()
        return _refused(settings, code, reply)
    for recipient in recipients:
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            client.rset()
            return _refused(settings, code, reply)
    code, reply = client.data(message_bytes)
    if code != 250:
        return _refused(settings, code, reply)
    logger.info("SMTP delivery to %s:%d accepted (%d)", settings.host, settings.port, code)
    return DeliveryResult(ok=True, reply_code=code, reply_text=_reply_text(reply), permanent=False)


def _login(client: smtplib.SMTP, username: str, password: str | None) -> None:
    """Log in once with PLAIN (or LOGIN), only ever inside TLS.

    smtplib's own login() tries every mechanism in turn, so one wrong password becomes
    several failed attempts (which can lock the relay account) and a server that hangs
    up after the first 535 turns a clear "wrong password" into a dropped connection.
    CRAM-MD5 is not offered: it needs MD5 and adds nothing inside TLS.
    """
    if password is None:
        raise SendError("The mail server password is missing; nothing was sent.")
    if not client.has_extn("auth"):
        raise SendError("The mail server does not accept a login; check Haven's mail settings.")
    offered = client.esmtp_features.get("auth", "").upper().split()
    client.user, client.password = username, password
    if "PLAIN" in offered:
        client.auth("PLAIN", client.auth_plain)
    elif "LOGIN" in offered:
        client.auth("LOGIN", client.auth_login)
    else:
        raise SendError("The mail server offers no login method Haven supports (PLAIN or LOGIN).")


def _refused(settings: SmtpSettings, code: int, reply: bytes | str) -> DeliveryResult:
    """A server reply that is not success: 5xx permanent, anything else temporary."""
    permanent = 500 <= code < 600
    logger.warning(
        "SMTP delivery to %s:%d refused (%d, %s)",
        settings.host,
        settings.port,
        code,
        "permanent" if permanent else "temporary",
    )
    return DeliveryResult(
        ok=False, reply_code=code, reply_text=_reply_text(reply), permanent=permanent
    )


def _unreachable(settings: SmtpSettings, exc: BaseException) -> DeliveryResult:
    """No usable reply (refused connection, timeout, dropped line): try again later."""
    logger.warning(
        "SMTP server %s:%d unreachable (%s)", settings.host, settings.port, type(exc).__name__
    )
    text = "The mail server could not be reached or closed the connection."
    return DeliveryResult(ok=False, reply_code=None, reply_text=text, permanent=False)


def _close(client: smtplib.SMTP) -> None:
    """Say QUIT politely; if the connection is already gone, just drop the socket."""
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _reply_text(reply: bytes | str) -> str:
    """The server's reply as one clean line (HOUSE_STYLE habit 7: it is shown in the UI)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(cleaned.split())[:500]


def next_attempt_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """How long to wait after `attempts` failed attempts: 1 min doubling, capped at 6 h.

    With `rng`, the delay is spread over 75-100 % of that value so many queued packages
    do not all retry at once; tests pass a seeded `random.Random` to stay deterministic.
    The jitter only shortens the delay, so the cap always holds.
    """
    if attempts < 1:
        return timedelta(0)
    exponent = min(attempts - 1, 20)
    delay = min(FIRST_RETRY * (1 << exponent), MAX_RETRY)
    if rng is not None:
        delay = delay * rng.uniform(0.75, 1.0)
    return delay
