"""Done means: a teacher offline all day completes a screening, and the DSL sees it in the
queue the next morning without anyone typing it again.

Three profiles in one run (teacher, youth worker, DSL). Packages leave through each
profile's outbox over SMTP with STARTTLS to a real aiosmtpd server on 127.0.0.1, which
drops them into the recipients' mailboxes on a real IMAP server (tests/exchange/
imap_server.py) on 127.0.0.1; the DSL's and teacher's Havens fetch them with IMAP over
TLS. One record is returned, amended and comes back as version 2. Nothing readable
crosses the wire: neither server's stored messages contain the child's name. The servers'
TLS certificate is the root conftest's `mail_tls`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from exchange_people import CHILD_NAME, RAW_NAME_CANARIES, example
from imap_server import ImapTestServer

from app.exchange.inbox import configure_inbox, fetch_inbox
from app.exchange.queue import build_queue
from tests.haven_testkit import MailTls, free_port

MAILBOX_PASSWORD = "mailbox secret"


@dataclass
class Relay:
    """aiosmtpd handler: accepts over STARTTLS and delivers into the IMAP mailboxes."""

    imap: ImapTestServer
    wire: list[bytes] = field(default_factory=list)
    over_tls: list[bool] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = bytes(envelope.original_content)
        self.wire.append(data)
        self.over_tls.append(session.ssl is not None)
        for rcpt in envelope.rcpt_tos:
            self.imap.deliver(rcpt, data)
        return "250 2.0.0 Ok: queued"


@dataclass
class Mail:
    imap: ImapTestServer
    relay: Relay
    smtp_port: int


@pytest.fixture
def mail(mail_tls: MailTls) -> Iterator[Mail]:
    users = {
        "dsl@school.example": MAILBOX_PASSWORD,
        "teacher@school.example": MAILBOX_PASSWORD,
        "youth@youth.example": MAILBOX_PASSWORD,
    }
    imap = ImapTestServer(mail_tls.server_context, users)
    imap.start()
    relay = Relay(imap)
    port = free_port()
    controller = Controller(
        relay,
        hostname="127.0.0.1",
        port=port,
        tls_context=mail_tls.server_context,
        require_starttls=True,
    )
    controller.start()
    try:
        yield Mail(imap, relay, port)
    finally:
        controller.stop()
        imap.stop()
    assert imap.errors == []


def _connect(person: Any, mail: Mail, tls: MailTls) -> None:
    person.exports.configure_smtp("127.0.0.1", mail.smtp_port, None, None, ca_pem=tls.ca_pem)
    configure_inbox(
        person.exchange,
        "127.0.0.1",
        mail.imap.port,
        person.session.info.email,
        MAILBOX_PASSWORD,
        ca_pem=tls.ca_pem,
    )


def _send_all(person: Any) -> None:
    report = person.exports.send_due(force=True)
    assert report.failed == 0 and report.waiting == 0, report.messages


def test_three_havens_relay_over_smtp_and_imap(trio: Any, mail: Mail, mail_tls: MailTls) -> None:
    for person in (trio.teacher, trio.youth, trio.dsl):
        _connect(person, mail, mail_tls)

    # the teacher's screening (completed offline; sent when the outbox runs)
    pupil = trio.teacher.add_child()
    screening = trio.teacher.shared("screening", pupil)
    trio.teacher.exchange.send_record(screening.id)
    assert trio.teacher.haven.record(screening.id).status == "queued"
    _send_all(trio.teacher)
    assert trio.teacher.haven.record(screening.id).status == "sent"

    # the youth worker's return interview (with its missing episode)
    young = trio.youth.add_child("Kai Example", "2010-06-06")
    episode_record = trio.youth.shared("missing-episode", young)
    episode = trio.youth.haven.repo.get_episode(episode_record.id)
    draft = trio.youth.haven.start_record(
        young.id, "return-interview", episode_id=episode.id, answers=example("return-interview")
    )
    interview = trio.youth.haven.complete(draft.id)
    trio.youth.exports.record_decision(interview.id, example("sharing-decision"))
    trio.youth.exchange.send_record(episode_record.id)
    trio.youth.exchange.send_record(interview.id)
    _send_all(trio.youth)

    # next morning: the DSL fetches, and the queue holds all three
    fetched = fetch_inbox(trio.dsl.exchange)
    assert fetched.seen == 3 and not fetched.refused
    assert sorted(r.status for r in fetched.results) == ["filed", "filed", "filed"]
    waiting = {e.record_id for e in build_queue(trio.dsl.exchange).of("awaiting-review")}
    assert waiting == {screening.id, episode_record.id, interview.id}
    assert trio.dsl.haven.record(screening.id).answers == screening.answers
    assert fetch_inbox(trio.dsl.exchange).seen == 0  # marked read; nothing twice

    # the DSL returns the screening; it reaches the teacher as "needs amending"
    trio.dsl.exchange.mark_reviewed(interview.id, "Seen at triage")
    trio.dsl.exchange.return_to_author(screening.id, "Please complete the actions section")
    _send_all(trio.dsl)
    back = fetch_inbox(trio.teacher.exchange)
    assert [r.status for r in back.results] == ["returned"]
    mine = build_queue(trio.teacher.exchange).of("returned-to-me")
    assert [e.record_id for e in mine] == [screening.id]

    # the teacher amends; version 2 flows back to the DSL
    amended = trio.teacher.haven.amend(screening.id, "Actions section completed")
    trio.teacher.haven.complete(amended.id)
    trio.teacher.exports.record_decision(amended.id, example("sharing-decision"))
    trio.teacher.exchange.send_record(amended.id)
    _send_all(trio.teacher)
    again = fetch_inbox(trio.dsl.exchange)
    assert [r.status for r in again.results] == ["version"]
    latest = trio.dsl.haven.record(amended.id)
    assert latest.version == 2 and latest.supersedes == screening.id
    waiting = {e.record_id for e in build_queue(trio.dsl.exchange).of("awaiting-review")}
    assert waiting == {amended.id, episode_record.id}
    assert build_queue(trio.teacher.exchange).of("returned-to-me") == []

    # audited on both sides
    assert "return" in trio.dsl.actions(screening.id)
    assert "receive" in trio.dsl.actions(amended.id)
    assert "returned" in trio.teacher.actions(screening.id)
    assert "send" in trio.teacher.actions(amended.id)

    # nothing readable on the wire or at rest on the mail servers
    assert len(mail.relay.wire) == 5 and all(mail.relay.over_tls)
    stored = [m for user in mail.imap.users for m in mail.imap.messages(user)]
    assert len(stored) == 5
    for message in [*mail.relay.wire, *stored]:
        for canary in RAW_NAME_CANARIES:
            assert canary not in message
        assert b"Kai Example" not in message
        assert CHILD_NAME.encode() not in message
        assert b"application/pkcs7-mime" in message
