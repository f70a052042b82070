"""The relay from the shell, each command in its own process: `cert export`, `trust add`,
`recipients set dsl`, `send-to-dsl --out`, `import`, `queue --json`, `return --out`,
`review` and `inbox fetch`-free hand carriage of .eml files (a USB stick or shared folder).

The records are made through the API first; each child process then unlocks the
profile with the passphrase on standard input. The child has no keychain (keyring's
null backend, which Haven refuses), so the profiles here are made with no keychain
either and keep their certificate passwords in the encrypted store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import keyring
import pytest
from exchange_people import DSL, PASSPHRASE, TEACHER
from keyring.backends import null


def haven(*args: str | Path, stdin: str = PASSPHRASE + "\n") -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("haven")
    if not executable.exists():
        pytest.skip("the haven console script is not installed in this environment")
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "QT_QPA_PLATFORM": "offscreen",
    }
    return subprocess.run(
        [str(executable), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        env=env,
        check=False,
    )


def run(person: Any, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return haven(*args, "--profile-dir", person.folder, "--passphrase-stdin")


def test_relay_by_hand_carried_files(people: Any, tmp_path: Path) -> None:
    keyring.set_keyring(null.Keyring())  # secrets go to the encrypted store, as in the child
    teacher = people(TEACHER, "teacher")
    dsl = people(DSL, "dsl")
    child = teacher.add_child()
    record = teacher.shared("screening", child)
    teacher.lock()
    dsl.lock()

    dsl_pem, teacher_pem = tmp_path / "dsl.pem", tmp_path / "teacher.pem"
    assert run(dsl, "cert", "export", "--out", dsl_pem).returncode == 0
    assert run(teacher, "cert", "export", "--out", teacher_pem).returncode == 0
    done = run(teacher, "recipients", "set", "dsl", "--mailbox", DSL.email, "--cert", dsl_pem)
    assert done.returncode == 0, done.stderr
    assert run(teacher, "trust", "add", dsl_pem, "--label", "My DSL").returncode == 0

    package = tmp_path / "stick" / "screening.eml"
    package.parent.mkdir()
    sent = run(teacher, "send-to-dsl", record.id, "--out", package)
    assert sent.returncode == 0, sent.stderr

    # not trusted yet: refused, one clear line, exit 1, nothing filed
    refused = run(dsl, "import", package)
    assert refused.returncode == 1
    assert "does not trust" in refused.stdout
    listed = run(dsl, "queue", "--json")
    assert json.loads(listed.stdout)["counts"]["awaiting-review"] == 0

    assert run(dsl, "trust", "add", teacher_pem, "--label", "Sam").returncode == 0
    trusted = run(dsl, "trust", "list")
    assert "Sam" in trusted.stdout
    imported = run(dsl, "import", package, "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)[0]["status"] == "filed"
    again = run(dsl, "import", package, "--json")
    assert json.loads(again.stdout)[0]["status"] == "duplicate"

    queue = json.loads(run(dsl, "queue", "--json").stdout)
    assert queue["counts"]["awaiting-review"] == 1
    entry = next(e for e in queue["entries"] if e["kind"] == "awaiting-review")
    assert entry["record_id"] == record.id
    assert child.name not in json.dumps(queue)
    text = run(dsl, "queue")
    assert "Received: awaiting review (1)" in text.stdout

    back = tmp_path / "stick" / "returned.eml"
    returned = run(dsl, "return", record.id, "--reason", "Add the dates", "--out", back)
    assert returned.returncode == 0, returned.stderr
    reviewed = run(dsl, "review", record.id)
    assert reviewed.returncode == 1  # returned records are no longer awaiting review
    assert "returned" in reviewed.stderr

    got = run(teacher, "import", back)
    assert got.returncode == 0, got.stderr
    mine = json.loads(run(teacher, "queue", "--json").stdout)
    assert mine["counts"]["returned-to-me"] == 1

    truncated = tmp_path / "stick" / "half.eml"
    truncated.write_bytes(package.read_bytes()[: len(package.read_bytes()) // 2])
    broken = run(dsl, "import", truncated)
    assert broken.returncode == 1
    assert "half.eml: refused:" in broken.stdout
    assert "damaged or incomplete" in broken.stdout


def test_inbox_set_and_fetch_from_the_shell(people: Any, tmp_path: Path) -> None:
    """`haven inbox set` keeps the server (password on stdin after the passphrase) and
    `haven inbox fetch` imports from a real IMAP server over TLS on 127.0.0.1."""
    import datetime as dt
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from imap_server import ImapTestServer

    keyring.set_keyring(null.Keyring())
    teacher = people(TEACHER, "teacher")
    dsl = people(DSL, "dsl")
    teacher.exports.set_recipient("dsl", mailbox=DSL.email, certificate_pem=dsl.identity.cert_pem)
    dsl.exchange.trust(teacher.identity.cert_pem, "Sam")
    record = teacher.shared("screening", teacher.add_child())
    package = teacher.exchange.send_record(record.id, queue=False).message_bytes
    teacher.lock()
    dsl.lock()

    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")

    with ImapTestServer(context, {DSL.email: "mailbox secret"}) as server:
        server.deliver(DSL.email, package)
        server.deliver(DSL.email, b"From: x@example.org\r\nSubject: hello\r\n\r\nnot a package\r\n")
        saved = haven(
            "inbox", "set", "--profile-dir", dsl.folder, "--passphrase-stdin",
            "--host", "127.0.0.1", "--port", str(server.port), "--user", DSL.email,
            "--password-stdin", "--ca", tmp_path / "server.pem",
            stdin=f"{PASSPHRASE}\nmailbox secret\n",
        )  # fmt: skip
        assert saved.returncode == 0, saved.stderr
        fetched = run(dsl, "inbox", "fetch", "--json")
        summary = json.loads(fetched.stdout)
        assert summary["seen"] == 2
        assert [r["status"] for r in summary["imported"]] == ["filed"]
        assert [r["reason"] for r in summary["refused"]] == ["not-encrypted"]
        assert fetched.returncode == 1  # something was refused: scripts notice
        assert json.loads(run(dsl, "inbox", "fetch", "--json").stdout)["seen"] == 0
        assert server.logins == [DSL.email, DSL.email]
    queue = json.loads(run(dsl, "queue", "--json").stdout)
    assert [e["record_id"] for e in queue["entries"] if e["kind"] == "awaiting-review"] == [
        record.id
    ]
