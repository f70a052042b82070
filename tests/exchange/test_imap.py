"""Fetching received packages over IMAP, against a real IMAP4rev1 server on 127.0.0.1.

The server (imap_server.py) speaks the protocol over real sockets and real TLS; its
certificate comes from a throwaway CA made here and the client trusts only that CA. Covers:
byte-identical fetching over implicit TLS and STARTTLS, "read means handled", the size
cap, the per-call limit, and the failure paths (wrong password, untrusted certificate, no
STARTTLS, server down or silent, missing or read-only mailbox, a handler that raises).
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import ssl
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from imap_server import ImapTestServer

from app.errors import InboxError
from app.exchange.imap import FetchReport, ImapSettings, fetch_unseen
from tests.haven_testkit import make_mail_tls

USER, PASSWORD = "haven-inbound@org.example", "mailbox-secret"
SEEN = "\\Seen"


@dataclasses.dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext  # trusts the throwaway CA and nothing else


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """The shared throwaway CA and 127.0.0.1 server certificate (tests.haven_testkit)."""
    mail = make_mail_tls(tmp_path_factory.mktemp("imap-tls"))
    return Tls(mail.server_context, ssl.create_default_context(cadata=mail.ca_pem))


@pytest.fixture
def serve(tls: Tls) -> Iterator[Callable[..., ImapTestServer]]:
    """Start servers on free ports; each is stopped and checked for its own bugs after."""
    servers: list[ImapTestServer] = []

    def start(**options: Any) -> ImapTestServer:
        server = ImapTestServer(tls.server, {USER: PASSWORD}, **options)
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()
    assert [error for server in servers for error in server.errors] == []


def settings_for(server: ImapTestServer, tls: Tls, **changes: Any) -> ImapSettings:
    settings = ImapSettings(
        host="127.0.0.1",
        port=server.port,
        username=USER,
        tls=server.mode,
        timeout=5.0,
        ssl_context=tls.client,
    )
    return dataclasses.replace(settings, **changes)


def package(number: int, padding: int = 0) -> bytes:
    """A message whose bytes would expose any framing or re-encoding mistake."""
    lines = [
        b"From: haven@other.example",
        b"To: haven-inbound@org.example",
        b"Subject: Haven package %d" % number,
        b"MIME-Version: 1.0",
        b"Content-Type: application/octet-stream",
        b"",
        b"a line that looks like a literal {12}",
        b"A1 OK pretend the command finished",
        b"* BYE pretend the server hung up",
        b")",
        b"8-bit \xe9\xff\x80 and a bare\nline feed",
        b"x" * padding,
        b"no final line break",
    ]
    return b"\r\n".join(lines)


class Collector:
    """A handler that keeps what it was given and answers as told."""

    def __init__(self, answer: bool | Callable[[bytes], bool] = True) -> None:
        self.answer = answer
        self.received: list[bytes] = []

    def __call__(self, message: bytes) -> bool:
        self.received.append(message)
        return self.answer(message) if callable(self.answer) else self.answer


# -- fetching ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_fetch_hands_over_exact_bytes_oldest_first_and_marks_them_seen(
    serve: Callable[..., ImapTestServer], tls: Tls, mode: str
) -> None:
    server = serve(mode=mode)
    sent = [package(1), package(2)]
    uids = [server.deliver(USER, message) for message in sent]
    handler = Collector()

    report = fetch_unseen(settings_for(server, tls), PASSWORD, handler)

    assert handler.received == sent
    assert report == FetchReport(seen=2, handled=2, left=0, too_large=0)
    assert all(SEEN in server.flags(USER)[uid] for uid in uids)
    assert server.messages(USER) == sent  # fetching never changes what is stored
    assert server.logins == [USER]  # in starttls mode the server only accepts it over TLS
    assert server.logouts == 1


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_a_second_fetch_sees_nothing_new(
    serve: Callable[..., ImapTestServer], tls: Tls, mode: str
) -> None:
    server = serve(mode=mode)
    server.deliver(USER, package(1))
    fetch_unseen(settings_for(server, tls), PASSWORD, Collector())
    handler = Collector()

    report = fetch_unseen(settings_for(server, tls), PASSWORD, handler)

    assert handler.received == []
    assert report == FetchReport(seen=0, handled=0, left=0, too_large=0)


def test_only_unseen_messages_are_fetched(serve: Callable[..., ImapTestServer], tls: Tls) -> None:
    server = serve()
    server.deliver(USER, package(1))
    fetch_unseen(settings_for(server, tls), PASSWORD, Collector())
    server.deliver(USER, package(2))
    handler = Collector()

    fetch_unseen(settings_for(server, tls), PASSWORD, handler)

    assert handler.received == [package(2)]


def test_handler_returning_false_leaves_the_message_unread_for_next_time(
    serve: Callable[..., ImapTestServer], tls: Tls
) -> None:
    server = serve()
    first, second = package(1), package(2)
    first_uid = server.deliver(USER, first)
    second_uid = server.deliver(USER, second)

    report = fetch_unseen(
        settings_for(server, tls), PASSWORD, Collector(lambda message: message != first)
    )

    assert report == FetchReport(seen=2, handled=1, left=1, too_large=0)
    assert SEEN not in server.flags(USER)[first_uid]
    assert SEEN in server.flags(USER)[second_uid]
    retry = Collector()
    assert fetch_unseen(settings_for(server, tls), PASSWORD, retry).handled == 1
    assert retry.received == [first]
    assert SEEN in server.flags(USER)[first_uid]


def test_oversized_message_is_not_downloaded_but_marked_seen_and_reported(
    serve: Callable[..., ImapTestServer], tls: Tls
) -> None:
    server = serve()
    small, big = package(1), package(2, padding=4096)
    small_uid = server.deliver(USER, small)
    big_uid = server.deliver(USER, big)
    handler, sizes = Collector(), list[int]()

    report = fetch_unseen(
        settings_for(server, tls),
        PASSWORD,
        handler,
        max_message_bytes=len(small),
        on_too_large=sizes.append,
    )

    assert handler.received == [small]
    assert report == FetchReport(seen=2, handled=1, left=0, too_large=1)
    assert sizes == [len(big)]
    assert server.body_fetches == [small_uid]  # the big one never crossed the wire
    assert SEEN in server.flags(USER)[big_uid]  # so it does not block later fetches
    assert fetch_unseen(settings_for(server, tls), PASSWORD, Collector()).seen == 0


def test_size_cap_holds_even_when_the_server_understates_the_size(
    serve: Callable[..., ImapTestServer], tls: Tls
) -> None:
    server = serve(understate_sizes_by=10_000)
    big = package(1, padding=4096)
    uid = server.deliver(USER, big)
    handler, sizes = Collector(), list[int]()

    report = fetch_unseen(
        settings_for(server, tls),
        PASSWORD,
        handler,
        max_message_bytes=1024,
        on_too_large=sizes.append,
    )

    assert handler.received == []
    assert report.too_large == 1
    assert sizes == [len(big)]
    assert SEEN in server.flags(USER)[uid]


def test_max_messages_limits_one_fetch_and_the_rest_come_next_time(
    serve: Callable[..., ImapTestServer], tls: Tls
) -> None:
    server = serve()
    sent = [package(number) for number in range(5)]
    for message in sent:
        server.deliver(USER, message)
    handler = Collector()

    report = fetch_unseen(settings_for(server, tls), PASSWORD, handler, max_messages=2)

    assert handler.received == sent[:2]
    assert report == FetchReport(seen=2, handled=2, left=0, too_large=0)
    rest = Collector()
    fetch_unseen(settings_for(server, tls), PASSWORD, rest, max_messages=10)
    assert rest.received == sent[2:]


def test_username_with_quotes_and_backslashes_is_sent_as_one_argument(
    tls: Tls,
) -> None:
    odd_user, odd_password = 'inbound "west" \\ midlands', 'p"a\\ss word'
    with ImapTestServer(tls.server, {odd_user: odd_password}) as server:
        server.deliver(odd_user, package(1))
        settings = settings_for(server, tls, username=odd_user)
        report = fetch_unseen(settings, odd_password, Collector())
    assert server.logins == [odd_user]
    assert report.handled == 1
    assert server.errors == []


class HandlerFailed(Exception):
    pass


@pytest.mark.parametrize("error", [HandlerFailed("bug in the importer"), OSError("disk full")])
def test_handler_exception_propagates_unchanged_after_logging_out(
    serve: Callable[..., ImapTestServer], tls: Tls, error: Exception
) -> None:
    server = serve()
    uid = server.deliver(USER, package(1))

    def explode(message: bytes) -> bool:
        raise error

    with pytest.raises(type(error)) as raised:
        fetch_unseen(settings_for(server, tls), PASSWORD, explode)

    assert raised.value is error  # not wrapped in InboxError, even an OSError
    assert server.logouts == 1
    assert server.wait_until_idle(timeout=2.0)
    assert SEEN not in server.flags(USER)[uid]


def test_logs_carry_counts_but_never_message_content(
    serve: Callable[..., ImapTestServer], tls: Tls, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve()
    server.deliver(USER, package(1))
    server.deliver(USER, package(2, padding=4096))
    caplog.set_level(logging.DEBUG)

    fetch_unseen(settings_for(server, tls), PASSWORD, Collector(), max_message_bytes=2048)

    assert "127.0.0.1" in caplog.text
    assert "Haven package" not in caplog.text
    assert "pretend" not in caplog.text
    assert PASSWORD not in caplog.text


# -- refusals and failures -----------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "password"),
    [({}, "wrong-password"), ({"refuse_login": True}, PASSWORD)],
    ids=["wrong-password", "login-refused"],
)
def test_refused_login_raises_inbox_error(
    serve: Callable[..., ImapTestServer], tls: Tls, options: dict[str, bool], password: str
) -> None:
    server = serve(**options)
    server.deliver(USER, package(1))
    handler = Collector()

    with pytest.raises(InboxError, match="refused the login") as raised:
        fetch_unseen(settings_for(server, tls), password, handler)

    assert password not in raised.value.message
    assert handler.received == []
    assert server.logouts == 1


def test_no_password_raises_without_connecting(
    serve: Callable[..., ImapTestServer], tls: Tls
) -> None:
    server = serve()
    with pytest.raises(InboxError, match="No password"):
        fetch_unseen(settings_for(server, tls), None, Collector())
    assert server.connections == 0


@pytest.mark.parametrize("password", ["line\r\nA1 LOGOUT", "caf\u00e9"])
def test_password_a_login_cannot_carry_is_refused_before_connecting(
    serve: Callable[..., ImapTestServer], tls: Tls, password: str
) -> None:
    server = serve()
    with pytest.raises(InboxError, match="password contains characters") as raised:
        fetch_unseen(settings_for(server, tls), password, Collector())
    assert password not in raised.value.message
    assert server.connections == 0


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_untrusted_server_certificate_raises_before_login(
    serve: Callable[..., ImapTestServer], tls: Tls, mode: str
) -> None:
    server = serve(mode=mode)
    settings = settings_for(server, tls, ssl_context=ssl.create_default_context())

    with pytest.raises(InboxError, match="certificate could not be verified"):
        fetch_unseen(settings, PASSWORD, Collector())

    assert server.logins == []


def test_context_that_would_not_check_the_certificate_is_refused(
    serve: Callable[..., ImapTestServer], tls: Tls
) -> None:
    server = serve()
    lax = ssl.create_default_context()
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE

    with pytest.raises(InboxError, match="would not check"):
        fetch_unseen(settings_for(server, tls, ssl_context=lax), PASSWORD, Collector())

    assert server.connections == 0


def test_starttls_server_without_starttls_is_refused_before_login(
    serve: Callable[..., ImapTestServer], tls: Tls
) -> None:
    server = serve(mode="starttls", offer_starttls=False)
    server.deliver(USER, package(1))

    with pytest.raises(InboxError, match="STARTTLS"):
        fetch_unseen(settings_for(server, tls), PASSWORD, Collector())

    assert server.logins == []
    assert server.connections == 1
    assert server.wait_until_idle(timeout=2.0)


def test_server_not_listening_raises_inbox_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
        settings = ImapSettings(host="127.0.0.1", port=taken.getsockname()[1], username=USER)
        with pytest.raises(InboxError, match="could not be reached"):
            fetch_unseen(settings, PASSWORD, Collector())


def test_server_that_never_answers_times_out_with_inbox_error() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel completes the handshake; nobody ever greets
        settings = ImapSettings(
            host="127.0.0.1", port=silent.getsockname()[1], username=USER, timeout=0.3
        )
        with pytest.raises(InboxError, match="could not be reached"):
            fetch_unseen(settings, PASSWORD, Collector())


def test_missing_mailbox_raises_inbox_error(serve: Callable[..., ImapTestServer], tls: Tls) -> None:
    server = serve()
    settings = settings_for(server, tls, mailbox="Haven Packages")

    with pytest.raises(InboxError, match="could not be opened"):
        fetch_unseen(settings, PASSWORD, Collector())

    assert server.logouts == 1


def test_read_only_mailbox_raises_inbox_error(
    serve: Callable[..., ImapTestServer], tls: Tls
) -> None:
    server = serve(read_only=True)
    server.deliver(USER, package(1))
    handler = Collector()

    with pytest.raises(InboxError, match="read but not changed"):
        fetch_unseen(settings_for(server, tls), PASSWORD, handler)

    assert handler.received == []


def test_unknown_tls_mode_is_refused(tls: Tls) -> None:
    settings = ImapSettings(host="127.0.0.1", username=USER, tls="none", ssl_context=tls.client)
    with pytest.raises(InboxError, match="connection security"):
        fetch_unseen(settings, PASSWORD, Collector())


def test_the_server_delivers_and_stores_bytes_unchanged(tls: Tls) -> None:
    """The test server itself: UIDs grow from 1 and stored bytes are the delivered bytes."""
    with ImapTestServer(tls.server, {USER: PASSWORD}) as server:
        assert [server.deliver(USER, package(n)) for n in range(3)] == [1, 2, 3]
        assert server.messages(USER) == [package(n) for n in range(3)]
        assert server.flags(USER) == {1: set(), 2: set(), 3: set()}
    assert server.errors == []
