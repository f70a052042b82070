"""The export issue from the shell: `haven share`, `export pdf --sign`, `verify`,
`export package --queue`, `outbox list --json`, `smtp set` and `outbox send`, each in its
own process against one profile, with the passphrase on standard input."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Cli, MailServers, MailTls, ProfileMaker, Tools

FIB = "fib@police.example"
SIGNER_CN = "Example Youth Service document signing"


@dataclass(frozen=True)
class CliCase:
    profile_dir: Path
    folder: Path
    to_sign: str
    undecided: str
    to_send: str
    org_cert: Path
    decision_file: Path


@pytest.fixture(scope="module")
def case(
    module_profiles: ProfileMaker,
    cli: Cli,
    examples: Callable[[str], dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
) -> CliCase:
    """Completed records made through the API; the profile is then closed and everything
    else happens on the command line (certificate included)."""
    folder = tmp_path_factory.mktemp("cli-flow")
    desk = module_profiles()
    child = desk.add_child()
    to_sign = desk.completed("screening", child)
    undecided = desk.completed("screening", child)
    to_send = desk.completed("screening", child)
    desk.lock()

    decision_file = folder / "decision.json"
    decision_file.write_text(json.dumps(examples("sharing-decision")), "utf-8")
    org_cert = folder / "orgcert.pem"
    made = cli.run(
        "cert", "create-self-signed", "--profile-dir", desk.folder, "--passphrase-stdin",
        "--org", "Example Youth Service", "--out", org_cert,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    shared = cli.run(
        "share", to_send.id, "--answers", decision_file,
        "--profile-dir", desk.folder, "--passphrase-stdin",
    )  # fmt: skip
    assert shared.returncode == 0, shared.stderr
    return CliCase(
        desk.folder, folder, to_sign.id, undecided.id, to_send.id, org_cert, decision_file
    )


def haven(cli: Cli, case: CliCase, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a profile command of `haven` with the profile folder and passphrase."""
    return cli.run(*args, "--profile-dir", case.profile_dir, "--passphrase-stdin")


def test_export_before_a_decision_fails_with_one_line(cli: Cli, case: CliCase) -> None:
    out = case.folder / "undecided.pdf"

    result = haven(cli, case, "export", "pdf", case.undecided, "--out", out, "--sign")

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("haven: ")
    assert "sharing decision" in lines[0].lower()
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_share_then_signed_pdf_then_verify(cli: Cli, case: CliCase, tools: Tools) -> None:
    shared = haven(cli, case, "share", case.to_sign, "--answers", case.decision_file)
    assert shared.returncode == 0, shared.stderr
    assert shared.stdout.strip(), "prints the decision's id"

    out = case.folder / "signed.pdf"
    exported = haven(cli, case, "export", "pdf", case.to_sign, "--out", out, "--sign")
    assert exported.returncode == 0, exported.stderr
    assert "Saved signed PDF" in exported.stdout
    assert "Signature is Valid." in tools.pdfsig(out)

    verified = cli.run("verify", out, "--trust", case.org_cert, stdin=None)
    assert verified.returncode == 0, verified.stderr
    assert f"Signed by: {SIGNER_CN}" in verified.stdout
    assert "Changed since signing: no" in verified.stdout
    assert "The signer's certificate is trusted." in verified.stdout


def test_package_is_queued_listed_and_sent(
    cli: Cli, case: CliCase, mail_servers: MailServers, mail_tls: MailTls
) -> None:
    queued = haven(cli, case, "export", "package", case.to_send, "--to", FIB, "--queue")
    assert queued.returncode == 0, queued.stderr
    item_id = queued.stdout.strip().splitlines()[-1].removeprefix("Queued in the outbox as ")
    assert "Archive passphrase" in queued.stdout

    listed = haven(cli, case, "outbox", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (item,) = json.loads(listed.stdout)
    assert (item["id"], item["status"], item["recipient"], item["attempts"]) == (
        item_id,
        "queued",
        FIB,
        0,
    )
    assert item["message_id"].endswith("@haven.invalid>")

    handler, port = mail_servers.start()
    configured = haven(
        cli, case, "smtp", "set", "--host", "127.0.0.1", "--port", str(port),
        "--ca", mail_tls.ca_file,
    )  # fmt: skip
    assert configured.returncode == 0, configured.stderr
    sent = haven(cli, case, "outbox", "send")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "Sent 1" in sent.stdout

    (message,) = handler.received
    assert f"Message-ID: {item['message_id']}".encode() in message
    (after,) = json.loads(haven(cli, case, "outbox", "list", "--json").stdout)
    assert (after["status"], after["attempts"]) == ("sent", 1)
