"""The outbox against a real mail server (aiosmtpd, STARTTLS, a test CA handed to Haven
through configure_smtp) on 127.0.0.1: delivery byte for byte, refusal, a server that is
down and the back-off, a restart, and a crash in the middle of a send.

Each test has a profile (and so an outbox) of its own: send_due sends everything that is
due, so a shared outbox would let one test's package turn up in another's server.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from app.domain import Record
from app.export.packaging import ExportedPackage
from app.outbox import smtp
from tests.haven_testkit import (
    PASSPHRASE,
    REPO_ROOT,
    SERVER_REPLY,
    MailServers,
    MailTls,
    Recorder,
)

if TYPE_CHECKING:
    from conftest import FlowProfile, OrgIdentity, ProfileMaker

CRASHING_SENDER = Path(__file__).with_name("helpers") / "send_then_hang.py"
FIB = "fib@police.example"
SENDER = "dsl@example.org"  # the flows conftest's USER, whose profiles these are
UNREACHABLE = "The mail server could not be reached or closed the connection."


@pytest.fixture
def desk(new_profile: ProfileMaker, org_identity: OrgIdentity) -> FlowProfile:
    profile = new_profile()
    profile.use_certificate(org_identity)
    return profile


@dataclass(frozen=True)
class Queued:
    record: Record
    package: ExportedPackage
    item_id: str


def queue_one(desk: FlowProfile) -> Queued:
    """A shared screening, packaged (no recipient certificate) and placed in the outbox."""
    record = desk.shared("screening", desk.add_child())
    package = desk.exports.build_package([record.id], mailbox=FIB)
    item_id = desk.exports.queue_package(package, FIB, "Force Intelligence Bureau", [record.id])
    return Queued(record, package, item_id)


def use_server(desk: FlowProfile, port: int, tls: MailTls) -> None:
    desk.exports.configure_smtp("127.0.0.1", port, None, None, ca_pem=tls.ca_pem)


def message_id_of(data: bytes) -> str:
    return str(message_from_bytes(data, policy=policy.default)["Message-ID"])


def in_future(minutes: int = 5) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=minutes)


def test_a_queued_package_arrives_byte_identical_and_is_marked_sent(
    desk: FlowProfile, mail_servers: MailServers, mail_tls: MailTls
) -> None:
    handler, port = mail_servers.start()
    use_server(desk, port, mail_tls)
    queued = queue_one(desk)
    assert desk.status(queued.record.id) == "queued"
    stored = desk.repo.outbox_message(queued.item_id)
    assert stored == queued.package.message_bytes

    report = desk.exports.send_due()

    assert (report.sent, report.failed, report.waiting) == (1, 0, 0)
    assert handler.received == [stored]
    (envelope,) = handler.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == (SENDER, [FIB])
    assert handler.over_tls == [True]
    item = desk.repo.get_outbox_item(queued.item_id)
    assert (item.status, item.attempts, item.last_reply) == ("sent", 1, SERVER_REPLY)
    assert item.sent_at is not None and item.last_error is None
    assert [a[1:] for a in desk.repo.outbox_attempts(queued.item_id)] == [(True, 250, SERVER_REPLY)]
    assert desk.status(queued.record.id) == "sent"
    audit = desk.audit(queued.record.id)
    assert ("queue", FIB) in audit
    assert ("send", f"{FIB} 250") in audit

    again = desk.exports.send_due(force=True)
    assert again.sent == 0 and len(handler.received) == 1, "a sent package is never resent"


def test_queuing_the_same_package_twice_keeps_one_item(desk: FlowProfile) -> None:
    queued = queue_one(desk)

    again = desk.exports.queue_package(queued.package, FIB, "FIB", [queued.record.id])

    assert again == queued.item_id
    assert [i.id for i in desk.repo.list_outbox()] == [queued.item_id]


def test_a_refusing_server_fails_the_item_with_its_reply(
    desk: FlowProfile, mail_servers: MailServers, mail_tls: MailTls
) -> None:
    handler, port = mail_servers.start(data_reply="554 5.7.1 Message rejected")
    use_server(desk, port, mail_tls)
    queued = queue_one(desk)

    report = desk.exports.send_due()

    assert (report.sent, report.failed, report.waiting) == (0, 1, 0)
    assert handler.received == []
    item = desk.repo.get_outbox_item(queued.item_id)
    assert item.status == "failed"
    assert item.last_error == "5.7.1 Message rejected"
    assert [a[1:] for a in desk.repo.outbox_attempts(queued.item_id)] == [
        (False, 554, "5.7.1 Message rejected")
    ]
    assert desk.status(queued.record.id) == "queued", "not sent, so not marked sent"
    assert ("send-failed", f"{FIB} 554") in desk.audit(queued.record.id)
    # A permanent refusal waits for a person: later runs do not retry it by themselves.
    desk.exports.send_due(now=in_future(24 * 60))
    assert desk.repo.get_outbox_item(queued.item_id).attempts == 1


def test_a_server_that_is_down_is_retried_later_with_growing_back_off(
    desk: FlowProfile, mail_servers: MailServers, mail_tls: MailTls
) -> None:
    port = mail_servers.free_port()  # nothing listens there
    use_server(desk, port, mail_tls)
    queued = queue_one(desk)
    first = in_future()

    report = desk.exports.send_due(now=first)

    assert (report.sent, report.failed, report.waiting) == (0, 0, 1)
    item = desk.repo.get_outbox_item(queued.item_id)
    assert (item.status, item.attempts, item.last_error) == ("queued", 1, UNREACHABLE)
    assert [a[1:] for a in desk.repo.outbox_attempts(queued.item_id)] == [
        (False, None, UNREACHABLE)
    ]
    assert item.next_attempt_at is not None
    retry_1 = dt.datetime.fromisoformat(item.next_attempt_at)
    assert retry_1 > first

    desk.exports.send_due(now=retry_1 - dt.timedelta(seconds=1))
    assert desk.repo.get_outbox_item(queued.item_id).attempts == 1, "not due yet"

    desk.exports.send_due(now=retry_1)
    item = desk.repo.get_outbox_item(queued.item_id)
    assert (item.status, item.attempts) == ("queued", 2)
    assert item.next_attempt_at is not None
    retry_2 = dt.datetime.fromisoformat(item.next_attempt_at)
    assert retry_2 - retry_1 > retry_1 - first

    # The server comes back on the same port: the next due run delivers.
    handler, _ = mail_servers.start(port=port)
    assert desk.exports.send_due(now=retry_2).sent == 1
    assert handler.received == [queued.package.message_bytes]
    assert desk.repo.get_outbox_item(queued.item_id).status == "sent"


def test_the_outbox_survives_a_restart(
    desk: FlowProfile, mail_servers: MailServers, mail_tls: MailTls
) -> None:
    handler, port = mail_servers.start()
    use_server(desk, port, mail_tls)
    queued = queue_one(desk)

    desk.reopen()

    (item,) = desk.repo.list_outbox()
    assert (item.id, item.status, item.message_id) == (
        queued.item_id,
        "queued",
        queued.package.message_id,
    )
    assert desk.repo.outbox_message(item.id) == queued.package.message_bytes
    assert desk.exports.send_due().sent == 1
    assert handler.received == [queued.package.message_bytes]


def assert_sent_once_more_with_the_same_message_id(
    desk: FlowProfile, queued: Queued, handler: Recorder
) -> None:
    """After the restart: the item left 'sending' goes again, as the same message."""
    (item,) = desk.repo.list_outbox()
    assert (item.status, item.attempts) == ("sending", 0)
    assert len(handler.received) == 1, "the first delivery really reached the server"

    report = desk.exports.send_due()

    assert report.sent == 1
    assert handler.received == [queued.package.message_bytes] * 2
    assert [message_id_of(m) for m in handler.received] == [queued.package.message_id] * 2
    (item,) = desk.repo.list_outbox()
    assert (item.id, item.status, item.attempts) == (queued.item_id, "sent", 1)
    assert desk.status(queued.record.id) == "sent"
    assert desk.exports.send_due(force=True).sent == 0


def test_a_crash_after_delivery_resends_with_the_same_message_id(
    desk: FlowProfile, mail_servers: MailServers, mail_tls: MailTls
) -> None:
    handler, port = mail_servers.start()
    use_server(desk, port, mail_tls)
    queued = queue_one(desk)

    def deliver_then_crash(*args: Any) -> smtp.DeliveryResult:
        smtp.deliver(*args)
        raise KeyboardInterrupt  # the app dies before recording the attempt

    with pytest.raises(KeyboardInterrupt):
        desk.exports.send_due(deliver=deliver_then_crash)
    desk.reopen()

    assert_sent_once_more_with_the_same_message_id(desk, queued, handler)


def test_a_process_killed_mid_send_neither_loses_nor_duplicates(
    desk: FlowProfile, mail_servers: MailServers, mail_tls: MailTls
) -> None:
    handler, port = mail_servers.start()
    use_server(desk, port, mail_tls)
    queued = queue_one(desk)
    desk.lock()

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    child = subprocess.Popen(
        [sys.executable, str(CRASHING_SENDER), str(desk.folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env=env,
    )
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    watchdog = threading.Timer(120, child.kill)  # a hung child fails the test, not the run
    watchdog.start()
    try:
        child.stdin.write(PASSPHRASE + "\n")
        child.stdin.close()
        line = child.stdout.readline()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
            child.wait()
    errors = child.stderr.read()
    child.stdout.close()
    child.stderr.close()
    assert line == "delivered True 250\n", errors
    assert child.returncode == -signal.SIGKILL

    desk.reopen()

    assert_sent_once_more_with_the_same_message_id(desk, queued, handler)
