"""SMTP delivery against a real aiosmtpd server on 127.0.0.1 with STARTTLS (HOUSE_STYLE).

The server's certificate comes from a throwaway CA made here; the client trusts only that
CA. Covers: byte-identical delivery over TLS, login, permanent (5xx) and temporary (4xx,
server down) failures, refusal without STARTTLS or with an unverifiable certificate, and
the retry back-off.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import random
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from app.errors import SendError
from app.export.package import PackageRecord, build_package
from app.outbox.smtp import DeliveryResult, SmtpSettings, deliver, next_attempt_delay

USER, PASSWORD = "haven-relay", "relay-secret"


@dataclass
class TlsMaterial:
    server_context: ssl.SSLContext
    client_context: ssl.SSLContext


@pytest.fixture(scope="module")
def tls(certs, tmp_path_factory: pytest.TempPathFactory) -> TlsMaterial:
    folder = tmp_path_factory.mktemp("smtp-tls")
    ca_key = certs.rsa_key(2048)
    ca = certs.certificate(
        ca_key,
        common_name="Haven Test Mail CA",
        ca=True,
        key_usage=certs.key_usage(key_cert_sign=True, crl_sign=True),
    )
    server_key = certs.rsa_key(2048)
    server = certs.certificate(
        server_key,
        common_name="127.0.0.1",
        issuer=(ca_key, ca),
        key_usage=certs.key_usage(digital_signature=True, key_encipherment=True),
        extended_key_usage=[ExtendedKeyUsageOID.SERVER_AUTH],
        san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")],
    )
    chain = folder / "server-chain.pem"
    chain.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file = folder / "server.key"
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(chain, key_file)
    client_context = ssl.create_default_context(
        cadata=ca.public_bytes(serialization.Encoding.PEM).decode("ascii")
    )
    return TlsMaterial(server_context, client_context)


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it received and answers as configured."""

    rcpt_reply: Callable[[str], str | None] = lambda address: None
    data_reply: str = "250 2.0.0 Ok: queued as HAVEN1"
    envelopes: list[Any] = field(default_factory=list)
    over_tls: list[bool] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.rcpt_reply(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
            self.over_tls.append(session.ssl is not None)
        return self.data_reply


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    # handled=False: aiosmtpd then sends the standard 535 reply itself.
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def start_server(tls: TlsMaterial) -> Iterator[Callable[..., tuple[Recorder, int]]]:
    controllers: list[Controller] = []

    def start(
        handler: Recorder | None = None, *, starttls: bool = True, implicit_tls: bool = False,
        auth: bool = False,
    ) -> tuple[Recorder, int]:  # fmt: skip
        handler = handler or Recorder()
        port = free_port()
        kwargs: dict[str, Any] = {}
        if starttls:
            kwargs.update(tls_context=tls.server_context, require_starttls=True)
        if implicit_tls:
            kwargs.update(ssl_context=tls.server_context)
        if auth:
            kwargs.update(authenticator=authenticator, auth_required=True)
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return handler, port

    yield start
    for controller in controllers:
        controller.stop()


def settings(port: int, tls: TlsMaterial | None, **overrides: Any) -> SmtpSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "timeout": 10.0,
        "ssl_context": tls.client_context if tls else None,
    }
    values.update(overrides)
    return SmtpSettings(**values)


@pytest.fixture(scope="module")
def package_bytes() -> bytes:
    record = PackageRecord(
        record_ref="HVN-2026-000777",
        record_id="rec-777",
        form_id="information-report",
        form_version=1,
        signed_pdf=b"%PDF-1.4\n" + bytes(range(256)) * 40,
        answers={"information": "Fictional training text.\n.Line starting with a dot"},
        sharing_decision={"decision": "shared"},
    )
    return build_package(
        package_id="pkg-smtp-1",
        sender="dsl@school.example",
        recipients=["fib@police.example"],
        marking="OFFICIAL-SENSITIVE",
        records=[record],
    ).message_bytes


def dotted_message() -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "dsl@school.example"
    message["To"] = "fib@police.example"
    message["Subject"] = "OFFICIAL-SENSITIVE: Haven ref HVN-2026-000778"
    message.set_content(".starts with a dot\n..two dots\n.\nend\n", cte="7bit")
    return message.as_bytes()


@pytest.mark.parametrize("make", ["package", "dotted"])
def test_message_arrives_byte_identical_over_tls(start_server, tls, package_bytes, make):
    message = package_bytes if make == "package" else dotted_message()
    handler, port = start_server()
    result = deliver(
        settings(port, tls), None, message, "dsl@school.example", ["fib@police.example"]
    )
    assert result == DeliveryResult(
        ok=True, reply_code=250, reply_text="2.0.0 Ok: queued as HAVEN1", permanent=False
    )
    (envelope,) = handler.envelopes
    assert envelope.original_content == message
    assert envelope.mail_from == "dsl@school.example"
    assert envelope.rcpt_tos == ["fib@police.example"]
    assert handler.over_tls == [True]


def test_login_over_tls(start_server, tls, package_bytes):
    handler, port = start_server(auth=True)
    result = deliver(
        settings(port, tls, username=USER), PASSWORD, package_bytes, "dsl@school.example",
        ["fib@police.example"],
    )  # fmt: skip
    assert result.ok
    assert len(handler.envelopes) == 1


def test_wrong_password_is_a_permanent_failure(start_server, tls, package_bytes):
    handler, port = start_server(auth=True)
    result = deliver(
        settings(port, tls, username=USER), "not-the-password", package_bytes,
        "dsl@school.example", ["fib@police.example"],
    )  # fmt: skip
    assert not result.ok and result.permanent
    assert result.reply_code == 535
    assert handler.envelopes == []


def test_refused_recipient_is_permanent_and_nothing_is_sent(start_server, tls, package_bytes):
    refuse = Recorder(
        rcpt_reply=lambda a: "550 5.1.1 Recipient address rejected" if "mash" in a else None
    )
    handler, port = start_server(refuse)
    result = deliver(
        settings(port, tls), None, package_bytes, "dsl@school.example",
        ["fib@police.example", "mash@council.example"],
    )  # fmt: skip
    assert result == DeliveryResult(
        ok=False,
        reply_code=550,
        reply_text="5.1.1 Recipient address rejected",
        permanent=True,
    )
    assert handler.envelopes == [], "all recipients or none"


def test_refused_message_is_permanent(start_server, tls, package_bytes):
    _handler, port = start_server(Recorder(data_reply="554 5.7.1 Message rejected"))
    result = deliver(
        settings(port, tls), None, package_bytes, "dsl@school.example", ["fib@police.example"]
    )
    assert not result.ok and result.permanent and result.reply_code == 554


def test_busy_server_is_a_temporary_failure(start_server, tls, package_bytes):
    _handler, port = start_server(Recorder(data_reply="451 4.3.0 Try again later"))
    result = deliver(
        settings(port, tls), None, package_bytes, "dsl@school.example", ["fib@police.example"]
    )
    assert not result.ok and not result.permanent
    assert result.reply_code == 451 and "Try again later" in result.reply_text


def test_server_down_is_a_temporary_failure(tls, package_bytes):
    result = deliver(
        settings(free_port(), tls, timeout=3.0), None, package_bytes, "dsl@school.example",
        ["fib@police.example"],
    )  # fmt: skip
    assert not result.ok and not result.permanent
    assert result.reply_code is None


def test_server_without_starttls_is_refused(start_server, tls, package_bytes):
    handler, port = start_server(starttls=False)
    with pytest.raises(SendError, match="STARTTLS"):
        deliver(
            settings(port, tls), None, package_bytes, "dsl@school.example",
            ["fib@police.example"],
        )  # fmt: skip
    assert handler.envelopes == []


def test_untrusted_server_certificate_is_refused(start_server, package_bytes):
    handler, port = start_server()
    with pytest.raises(SendError, match="certificate"):
        # No context given: the system trust store, which does not hold the test CA.
        deliver(
            settings(port, None), None, package_bytes, "dsl@school.example",
            ["fib@police.example"],
        )  # fmt: skip
    assert handler.envelopes == []


def test_implicit_tls_when_starttls_is_not_used(start_server, tls, package_bytes):
    handler, port = start_server(starttls=False, implicit_tls=True)
    result = deliver(
        settings(port, tls, use_starttls=False), None, package_bytes, "dsl@school.example",
        ["fib@police.example"],
    )  # fmt: skip
    assert result.ok
    assert handler.envelopes[0].original_content == package_bytes


def test_logs_never_contain_message_content_or_addresses(start_server, tls, package_bytes, caplog):
    _handler, port = start_server(Recorder(data_reply="554 5.7.1 fib@police.example rejected"))
    with caplog.at_level(logging.DEBUG):
        deliver(
            settings(port, tls), None, package_bytes, "dsl@school.example",
            ["fib@police.example"],
        )  # fmt: skip
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("app."))
    assert logged, "delivery outcomes should be logged"
    for secret in ("fib@police.example", "dsl@school.example", "HVN-2026-000777", "Fictional"):
        assert secret not in logged


def test_no_recipients_is_an_error(tls):
    with pytest.raises(SendError):
        deliver(settings(25, tls), None, b"x", "dsl@school.example", [])


def test_back_off_doubles_from_one_minute_to_a_six_hour_cap():
    minutes = [next_attempt_delay(n) / dt.timedelta(minutes=1) for n in range(1, 12)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]
    assert next_attempt_delay(0) == dt.timedelta(0)
    assert next_attempt_delay(10_000) == dt.timedelta(hours=6)


def test_back_off_jitter_is_deterministic_and_never_exceeds_the_cap():
    first = [next_attempt_delay(n, random.Random(7)) for n in range(1, 15)]
    again = [next_attempt_delay(n, random.Random(7)) for n in range(1, 15)]
    assert first == again
    for n, delay in enumerate(first, start=1):
        plain = next_attempt_delay(n)
        assert 0.75 * plain <= delay <= plain <= dt.timedelta(hours=6)


def test_settings_default_to_the_submission_port_with_starttls():
    defaults = SmtpSettings(host="smtp.example")
    assert defaults.port == 587 and defaults.use_starttls and defaults.ssl_context is None
