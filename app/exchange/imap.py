"""Fetch packages other Haven profiles sent to the organisation mailbox (SPEC 4: exchange).

Security choices, each for a reason:

* TLS always: implicit TLS (IMAPS, port 993) or STARTTLS on port 143. When a STARTTLS
  server does not offer STARTTLS, Haven stops before LOGIN rather than sending the
  password in plain text; there is no unencrypted mode.
* The server certificate is always checked. A context that would not check it is
  refused, because imaplib happily uses whatever context it is given.
* "Read" means "handled": a message is marked \\Seen only after the handler accepted it,
  and it is fetched with BODY.PEEK[] so a crash half-way leaves it unread for next time.
* Oversized messages are not downloaded (RFC822.SIZE is asked first) but are marked
  \\Seen, so one huge message cannot block every later fetch; the caller audits them.
* Nothing about a message reaches logs or error messages: only host, port and counts.
  imaplib's own exceptions can quote server lines (which may be message content when
  the protocol goes wrong), so those are never chained onto the InboxError.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from app.errors import InboxError

logger = logging.getLogger(__name__)

TLS_MODES = ("implicit", "starttls")


@dataclass(frozen=True)
class ImapSettings:
    """How to reach the organisation mailbox: machine-wide policy, passed in as values."""

    host: str
    port: int = 993
    username: str = ""
    mailbox: str = "INBOX"
    tls: str = "implicit"
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None


@dataclass(frozen=True)
class FetchReport:
    """What one fetch did, in counts only (it goes to the audit log and the UI).

    `seen` messages were looked at: `handled` were accepted and marked read, `left` were
    left unread for the next fetch, `too_large` were over the size cap and marked read
    without being downloaded.
    """

    seen: int
    handled: int
    left: int
    too_large: int


_CERT_MESSAGE = (
    "The mail server's certificate could not be verified, so Haven did not log in. "
    "Ask IT to check Haven's mail settings."
)
_TLS_MESSAGE = (
    "A secure connection to the mail server could not be set up, so Haven did not log in. "
    "Ask IT to check Haven's mail settings."
)
_UNREACHABLE_MESSAGE = (
    "The mail server could not be reached. Check the network connection and Haven's mail "
    "settings; nothing was fetched."
)
_LOST_MESSAGE = (
    "The connection to the mail server was lost. Messages not yet handled stay unread and "
    "will be fetched next time."
)
_PROTOCOL_MESSAGE = (
    "The mail server gave a reply Haven does not understand. Messages not yet handled stay "
    "unread; ask IT to check Haven's mail settings."
)

_NEW_RESPONSE = re.compile(rb"\d+ \(")
_LITERAL_ITEM = re.compile(rb"(\S+) \{\d+\}$")
_UID = re.compile(rb"[( ]UID (\d+)(?=[ )]|$)")
_SIZE = re.compile(rb"[( ]RFC822\.SIZE (\d+)(?=[ )]|$)")


def fetch_unseen(
    settings: ImapSettings,
    password: str | None,
    handle: Callable[[bytes], bool],
    *,
    max_message_bytes: int = 25 * 1024 * 1024,
    max_messages: int = 500,
    on_too_large: Callable[[int], None] | None = None,
) -> FetchReport:
    """Hand each unread message, oldest first, to `handle` as its exact bytes.

    `handle` returns True when the message is dealt with for good (imported, or refused
    and audited): it is then marked \\Seen. False means a transient failure: the message
    stays unread and comes back next time. Anything `handle` raises propagates unchanged
    after Haven has logged out, so the mailbox is never left mid-session.

    At most `max_messages` are looked at per call, so one fetch cannot run for ever.
    Raises InboxError when the mailbox cannot be read safely.
    """
    if max_messages < 1 or max_message_bytes < 0:
        raise ValueError("max_messages must be at least 1 and max_message_bytes not negative")
    if password is None:
        raise InboxError("No password is set for the organisation mailbox; nothing was fetched.")
    context = settings.ssl_context or ssl.create_default_context()
    _check_settings(settings, context, password)

    with _talking(settings, connected=False):
        client = _connect(settings, context)
    try:
        _login(client, settings, password)
        _select(client, settings)
        with _talking(settings):
            uids = _unseen_uids(client)[:max_messages]
        logger.info(
            "IMAP %s:%d: %d unread message(s) to look at", settings.host, settings.port, len(uids)
        )
        counts = _Counts()
        for uid in uids:
            with _talking(settings):
                size = _size_of(client, uid)
                fits = size is not None and size <= max_message_bytes
                body = _body_of(client, uid) if fits else None
            if size is None or (fits and body is None):
                continue  # Expunged by another client since the search: nothing to do.
            counts.seen += 1
            if body is None or len(body) > max_message_bytes:
                # len(body) catches a server whose RFC822.SIZE was wrong: the cap is about
                # what is handed on.
                actual = size if body is None else len(body)
                _set_aside(client, settings, uid, actual, counts, on_too_large)
            elif handle(body):
                _mark_seen(client, settings, uid)
                counts.handled += 1
            else:
                counts.left += 1
    finally:
        _logout(client, settings)
    report = counts.report()
    logger.info(
        "IMAP %s:%d: %d seen, %d handled, %d left unread, %d too large",
        settings.host,
        settings.port,
        report.seen,
        report.handled,
        report.left,
        report.too_large,
    )
    return report


@dataclass
class _Counts:
    seen: int = 0
    handled: int = 0
    left: int = 0
    too_large: int = 0

    def report(self) -> FetchReport:
        return FetchReport(self.seen, self.handled, self.left, self.too_large)


def _check_settings(settings: ImapSettings, context: ssl.SSLContext, password: str) -> None:
    """Refuse, before any connection, settings that would be unsafe or cannot work."""
    if settings.tls not in TLS_MODES:
        raise InboxError(
            "Haven's mail settings ask for an unknown connection security; it must be "
            "implicit TLS or STARTTLS."
        )
    if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
        raise InboxError(
            "Haven's mail settings would not check the mail server's certificate, so Haven "
            "did not connect. Ask IT to check Haven's mail settings."
        )
    if not settings.username:
        raise InboxError("No username is set for the organisation mailbox; nothing was fetched.")
    # IMAP4rev1 LOGIN carries 7-bit quoted strings; a CR or LF would end the command early
    # and let the rest be read as a second command.
    for value, what in ((settings.username, "username"), (password, "password")):
        if not value.isascii() or any(ch in value for ch in "\r\n\0"):
            raise InboxError(
                f"The mailbox {what} contains characters an IMAP login cannot carry; "
                "nothing was fetched."
            )
    if not settings.mailbox.isascii() or not settings.mailbox.isprintable():
        raise InboxError(
            "The mailbox name in Haven's mail settings must use plain ASCII letters; "
            "nothing was fetched."
        )


@contextmanager
def _talking(settings: ImapSettings, *, connected: bool = True) -> Iterator[None]:
    """Turn transport and protocol failures into InboxError with a plain message.

    Only wraps Haven's own conversation with the server, never the caller's handler, so
    the handler's exceptions (an OSError from a full disk, say) are not mistaken for a
    mail server problem.
    """
    try:
        yield
    except ssl.SSLCertVerificationError as exc:
        _warn(settings, exc)
        raise InboxError(_CERT_MESSAGE) from exc
    except ssl.SSLError as exc:
        _warn(settings, exc)
        raise InboxError(_LOST_MESSAGE if connected else _TLS_MESSAGE) from exc
    except imaplib.IMAP4.abort as exc:
        _warn(settings, exc)
        raise InboxError(_LOST_MESSAGE if connected else _UNREACHABLE_MESSAGE) from None
    except imaplib.IMAP4.error as exc:
        _warn(settings, exc)
        raise InboxError(_PROTOCOL_MESSAGE) from None
    except OSError as exc:
        _warn(settings, exc)
        raise InboxError(_LOST_MESSAGE if connected else _UNREACHABLE_MESSAGE) from exc


def _warn(settings: ImapSettings, exc: BaseException) -> None:
    # Only where and what kind of failure: the exception's text may quote server lines.
    kind = type(exc).__name__
    logger.warning("IMAP %s:%d failed (%s)", settings.host, settings.port, kind)


def _connect(settings: ImapSettings, context: ssl.SSLContext) -> imaplib.IMAP4:
    if settings.tls == "implicit":
        return imaplib.IMAP4_SSL(
            settings.host, settings.port, ssl_context=context, timeout=settings.timeout
        )
    client = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
    try:
        if "STARTTLS" not in client.capabilities:
            logger.warning(
                "IMAP %s:%d does not offer STARTTLS; not logging in",
                settings.host,
                settings.port,
            )
            raise InboxError(
                "The mail server does not offer an encrypted connection (STARTTLS), so "
                "Haven did not log in."
            )
        client.starttls(ssl_context=context)
    except BaseException:
        _logout(client, settings)
        raise
    return client


def _login(client: imaplib.IMAP4, settings: ImapSettings, password: str) -> None:
    with _talking(settings):
        try:
            # imaplib quotes the password but sends the username raw; quote it too so an
            # address with special characters is still one argument.
            client.login(_quoted(settings.username), password)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            _warn(settings, exc)
            raise InboxError(
                "The mail server refused the login for the organisation mailbox. Check the "
                "username and password in Haven's mail settings."
            ) from None


def _select(client: imaplib.IMAP4, settings: ImapSettings) -> None:
    """Open the mailbox read-write: marking messages \\Seen is how Haven keeps its place."""
    with _talking(settings):
        try:
            typ, _ = client.select(_quoted(settings.mailbox))
        except imaplib.IMAP4.readonly as exc:
            _warn(settings, exc)
            raise InboxError(
                f"The mailbox {settings.mailbox!r} can be read but not changed, so Haven "
                "could not keep track of what it fetched. Ask IT to check the mailbox "
                "permissions."
            ) from None
    if typ != "OK":
        logger.warning("IMAP %s:%d refused to open the mailbox", settings.host, settings.port)
        raise InboxError(
            f"The mailbox {settings.mailbox!r} could not be opened on the mail server. "
            "Check Haven's mail settings."
        )


def _unseen_uids(client: imaplib.IMAP4) -> list[int]:
    typ, data = client.uid("SEARCH", "UNSEEN")
    if typ != "OK":
        raise imaplib.IMAP4.error("search refused")
    uids: set[int] = set()
    for line in data:
        if not line:
            continue
        if not isinstance(line, bytes):
            raise imaplib.IMAP4.error("unexpected search response")
        for token in line.split():
            if not token.isdigit():
                raise imaplib.IMAP4.error("unexpected search response")
            uids.add(int(token))
    return sorted(uids)  # UIDs only grow, so ascending is oldest first.


def _size_of(client: imaplib.IMAP4, uid: int) -> int | None:
    for fetched in _fetch(client, uid, "(RFC822.SIZE)"):
        match = _SIZE.search(fetched.attributes)
        if match is None:
            raise imaplib.IMAP4.error("no size in fetch response")
        return int(match.group(1))
    return None


def _body_of(client: imaplib.IMAP4, uid: int) -> bytes | None:
    """The message exactly as stored; PEEK so it stays unread until handled."""
    for fetched in _fetch(client, uid, "(BODY.PEEK[])"):
        if b"BODY[]" not in fetched.literals:
            raise imaplib.IMAP4.error("no body in fetch response")
        return fetched.literals[b"BODY[]"]
    return None


@dataclass
class _Fetched:
    """One untagged FETCH response: its text without literals, and the literals by item."""

    attributes: bytes = b""
    literals: dict[bytes, bytes] = field(default_factory=dict)


def _fetch(client: imaplib.IMAP4, uid: int, items: str) -> Iterator[_Fetched]:
    """The FETCH responses for this UID only.

    imaplib returns every untagged FETCH it collected, including unsolicited ones about
    other messages (flag changes by another client), so responses are matched on the UID
    that RFC 3501 section 6.4.8 requires in replies to UID FETCH.
    """
    typ, data = client.uid("FETCH", str(uid), items)
    if typ != "OK":
        raise imaplib.IMAP4.error("fetch refused")
    for fetched in _parse_fetch(data):
        match = _UID.search(fetched.attributes)
        if match is not None and int(match.group(1)) == uid:
            yield fetched


def _parse_fetch(data: list[Any]) -> list[_Fetched]:
    """Group imaplib's flat FETCH data (lines, and (line, literal) pairs) by response."""
    responses: list[_Fetched] = []
    for part in data:
        if part is None:
            continue
        if isinstance(part, tuple) and len(part) == 2:
            head, literal = part
            if not isinstance(head, bytes) or not isinstance(literal, bytes):
                raise imaplib.IMAP4.error("unexpected fetch response")
        elif isinstance(part, bytes):
            head, literal = part, None
        else:
            raise imaplib.IMAP4.error("unexpected fetch response")
        if _NEW_RESPONSE.match(head) or not responses:
            responses.append(_Fetched())
        current = responses[-1]
        current.attributes += head
        if literal is not None:
            item = _LITERAL_ITEM.search(head)
            if item is None:
                raise imaplib.IMAP4.error("unexpected fetch response")
            current.literals[item.group(1).upper()] = literal
    return responses


def _mark_seen(client: imaplib.IMAP4, settings: ImapSettings, uid: int) -> None:
    with _talking(settings):
        typ, _ = client.uid("STORE", str(uid), "+FLAGS", r"(\Seen)")
    if typ != "OK":
        logger.warning("IMAP %s:%d refused to mark a message read", settings.host, settings.port)
        raise InboxError(
            "The mail server would not mark a message as read, so it may be fetched again. "
            "Ask IT to check the mailbox permissions."
        )


def _set_aside(
    client: imaplib.IMAP4,
    settings: ImapSettings,
    uid: int,
    size: int,
    counts: _Counts,
    on_too_large: Callable[[int], None] | None,
) -> None:
    """Mark an oversized message read without handing it on, so it cannot block the queue."""
    _mark_seen(client, settings, uid)
    counts.too_large += 1
    logger.warning(
        "IMAP %s:%d: a message of %d bytes is over the size limit; not imported",
        settings.host,
        settings.port,
        size,
    )
    if on_too_large is not None:
        on_too_large(size)


def _logout(client: imaplib.IMAP4, settings: ImapSettings) -> None:
    """Say LOGOUT politely; if the connection is already gone, just drop the socket.

    Runs in `finally`, so it must not raise over the exception that got us here.
    """
    try:
        client.logout()
    except (OSError, imaplib.IMAP4.error) as exc:
        logger.info(
            "IMAP %s:%d: logout did not complete (%s)",
            settings.host,
            settings.port,
            type(exc).__name__,
        )
        with suppress(OSError, ValueError):
            client.shutdown()


def _quoted(value: str) -> str:
    """An IMAP quoted string (RFC 3501 section 4.3); callers have refused CR, LF and NUL."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
