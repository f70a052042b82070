"""The forms journeys from the command line (issue: forms as data), in a child process.

`haven child add`, `record new|update|show|validate|complete|amend`, `outcome`, `search`
and `episodes`, driven with the example answer sets in forms/examples/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.flows.conftest import Cli

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "forms" / "examples"
FORMS = (
    "screening",
    "risk-assessment",
    "information-report",
    "sharing-decision",
    "missing-episode",
    "return-interview",
)


@pytest.fixture(scope="module")
def profile(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("records-cli") / "profile"
    done = cli.run(
        "profile",
        "create",
        "--profile-dir",
        folder,
        "--name",
        "Alex Worker",
        "--role",
        "dsl",
        "--agency",
        "Example School",
        "--local-authority",
        "Sandwell",
        "--passphrase-stdin",
    )
    assert done.returncode == 0, done.stderr
    return folder


def run(cli: Cli, profile: Path, *args: str | Path) -> Any:
    return cli.run(*args, "--profile-dir", profile, "--passphrase-stdin")


@pytest.fixture(scope="module")
def child(cli: Cli, profile: Path) -> str:
    added = run(cli, profile, "child", "add", "--name", "Jamie Example", "--dob", "2012-02-10")
    assert added.returncode == 0, added.stderr
    child_id = added.stdout.strip()
    assert len(child_id) == 36
    return child_id


def test_forms_check_and_list() -> None:
    import subprocess
    import sys

    haven = Path(sys.executable).with_name("haven")
    check = subprocess.run([haven, "forms", "check"], capture_output=True, text=True, check=False)
    assert check.returncode == 0 and "valid" in check.stdout
    listed = subprocess.run([haven, "forms", "list"], capture_output=True, text=True, check=False)
    assert {line.split("\t")[0] for line in listed.stdout.splitlines()} == set(FORMS)


@pytest.mark.parametrize("form_id", FORMS)
def test_every_example_completes_and_is_stored_as_given(
    cli: Cli, profile: Path, child: str, form_id: str
) -> None:
    started = run(
        cli,
        profile,
        "record",
        "new",
        "--form",
        form_id,
        "--child",
        child,
        "--answers",
        EXAMPLES / f"{form_id}.json",
    )
    assert started.returncode == 0, started.stderr
    record_id = started.stdout.strip()
    assert "problem" not in started.stderr
    checked = run(cli, profile, "record", "validate", record_id)
    assert checked.returncode == 0 and "No problems" in checked.stdout
    completed = run(cli, profile, "record", "complete", record_id)
    assert completed.returncode == 0, completed.stderr
    shown = run(cli, profile, "record", "show", record_id, "--json")
    stored = json.loads(shown.stdout)
    assert stored["status"] == "completed" and stored["form"] == form_id
    example = json.loads((EXAMPLES / f"{form_id}.json").read_text("utf-8"))
    for key, value in example.items():
        assert stored["answers"][key] == value


def test_complete_refuses_listing_every_problem(cli: Cli, profile: Path, child: str) -> None:
    started = run(cli, profile, "record", "new", "--form", "screening", "--child", child)
    record_id = started.stdout.strip()
    assert "problem(s) to fix" in started.stderr
    refused = run(cli, profile, "record", "complete", record_id)
    assert refused.returncode == 1
    lines = [line.strip() for line in refused.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("haven: The record has")
    count = int(lines[0].split("has ")[1].split(" ")[0])
    assert count >= 3 and len(lines) == count + 1  # every problem, one per line
    assert any(line.startswith("reason:") for line in lines)
    assert any(line.startswith("final_category:") for line in lines)
    shown = json.loads(run(cli, profile, "record", "show", record_id, "--json").stdout)
    assert shown["status"] == "draft"


def test_update_outcome_amend_and_search(
    cli: Cli, profile: Path, child: str, tmp_path: Path
) -> None:
    example = json.loads((EXAMPLES / "screening.json").read_text("utf-8"))
    two = {**example, "sig_missing": ["current"]}
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(example), "utf-8")
    record_id = run(
        cli,
        profile,
        "record",
        "new",
        "--form",
        "screening",
        "--child",
        child,
        "--answers",
        answers,
    ).stdout.strip()
    suggestion = run(cli, profile, "outcome", record_id)
    assert "Suggested category [suggestion]: 2" in suggestion.stdout
    assert "Entering/leaving vehicles driven by unknown adults" in suggestion.stdout

    answers.write_text(json.dumps(two), "utf-8")
    assert run(cli, profile, "record", "update", record_id, "--answers", answers).returncode == 0
    suggestion = run(cli, profile, "outcome", record_id)
    assert "Suggested category [suggestion]: 3" in suggestion.stdout
    assert "Repeat periods of absence/missing" in suggestion.stdout

    assert run(cli, profile, "record", "complete", record_id).returncode == 0
    refused = run(cli, profile, "record", "update", record_id, "--answers", answers)
    assert refused.returncode == 1 and "amend" in refused.stderr
    amended = run(cli, profile, "record", "amend", record_id, "--reason", "New information")
    assert amended.returncode == 0
    new = json.loads(run(cli, profile, "record", "show", amended.stdout.strip(), "--json").stdout)
    assert new["status"] == "draft" and new["version"] == 2 and new["supersedes"] == record_id
    assert new["amend_reason"] == "New information"

    found = run(cli, profile, "search", "jami")
    assert child in found.stdout
    assert run(cli, profile, "search", "zzzqqq").stdout.strip() == "No matches."


def test_bad_answers_file_is_one_plain_line(
    cli: Cli, profile: Path, child: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", "utf-8")
    result = run(
        cli,
        profile,
        "record",
        "new",
        "--form",
        "screening",
        "--child",
        child,
        "--answers",
        broken,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "haven: The answers file broken.json is not valid JSON (line 1)."
    ]
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", "utf-8")
    result = run(
        cli,
        profile,
        "record",
        "new",
        "--form",
        "screening",
        "--child",
        child,
        "--answers",
        listed,
    )
    assert result.returncode == 1 and "JSON object" in result.stderr


def test_episodes_show_the_72_hour_and_repeat_missing_flags(
    cli: Cli, profile: Path, tmp_path: Path
) -> None:
    child = run(cli, profile, "child", "add", "--name", "Taylor Example", "--dob", "2011-05-01")
    child_id = child.stdout.strip()
    example = json.loads((EXAMPLES / "missing-episode.json").read_text("utf-8"))
    for day in ("2026-09-01", "2026-10-01", "2026-11-01"):
        answers = tmp_path / f"episode-{day}.json"
        answers.write_text(
            json.dumps({**example, "missing_from": f"{day}T20:00", "returned_at": f"{day}T23:00"}),
            "utf-8",
        )
        record = run(
            cli,
            profile,
            "record",
            "new",
            "--form",
            "missing-episode",
            "--child",
            child_id,
            "--answers",
            answers,
        )
        assert record.returncode == 0, record.stderr
    shown = run(cli, profile, "episodes", "--child", child_id)
    assert shown.stdout.count("Return interview overdue by") == 3
    assert "3 missing episodes within 3 months: automatic discussion at MASE" in shown.stdout
