"""`record new` / `record update` tell a script whether the draft they saved can be completed.

Exit 0: saved and nothing stops `record complete`; exit 3: saved, but with problems (listed on
stderr) that stop it; exit 1: nothing saved. The statuses are documented in the README and
in each command's `--help`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from app.cli.record_cmds import SAVED_WITH_PROBLEMS

if TYPE_CHECKING:
    from tests.flows.conftest import Cli

EXAMPLE = Path(__file__).resolve().parents[2] / "forms" / "examples" / "screening.json"


@pytest.fixture(scope="module")
def profile(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exit-codes") / "profile"
    done = cli.run(
        "profile", "create", "--profile-dir", folder, "--name", "Alex Worker", "--role", "dsl",
        "--agency", "Example School", "--local-authority", "Sandwell", "--passphrase-stdin",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder


def run(cli: Cli, profile: Path, *args: str | Path) -> Any:
    return cli.run(*args, "--profile-dir", profile, "--passphrase-stdin")


def write(path: Path, answers: dict[str, Any]) -> Path:
    path.write_text(json.dumps(answers), "utf-8")
    return path


def test_the_status_is_distinct_from_user_errors_and_usage() -> None:
    assert SAVED_WITH_PROBLEMS not in (0, 1, 2)


def test_new_and_update_exit_3_while_problems_stop_completion(
    cli: Cli, profile: Path, tmp_path: Path
) -> None:
    child = run(cli, profile, "child", "add", "--name", "Jamie Example", "--dob", "2012-02-10")
    assert child.returncode == 0, child.stderr
    child_id = child.stdout.strip()
    example = json.loads(EXAMPLE.read_text("utf-8"))
    partial = {k: v for k, v in example.items() if k != "final_category"}

    started = run(
        cli, profile, "record", "new", "--form", "screening", "--child", child_id,
        "--answers", write(tmp_path / "partial.json", partial),
    )  # fmt: skip
    assert started.returncode == SAVED_WITH_PROBLEMS, started.stderr
    record_id = started.stdout.strip()
    assert "final_category" in started.stderr
    # The draft really was saved, with the answers given.
    shown = json.loads(run(cli, profile, "record", "show", record_id, "--json").stdout)
    assert shown["status"] == "draft" and shown["answers"]["child_name"] == example["child_name"]
    assert run(cli, profile, "record", "complete", record_id).returncode == 1

    fixed = run(
        cli, profile, "record", "update", record_id,
        "--answers", write(tmp_path / "full.json", example),
    )  # fmt: skip
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    broken_again = run(
        cli, profile, "record", "update", record_id, "--answers", tmp_path / "partial.json"
    )
    assert broken_again.returncode == SAVED_WITH_PROBLEMS
    assert "final_category" in broken_again.stdout

    clean = run(
        cli, profile, "record", "new", "--form", "screening", "--child", child_id,
        "--answers", tmp_path / "full.json",
    )  # fmt: skip
    assert clean.returncode == 0, clean.stderr
    assert run(cli, profile, "record", "complete", clean.stdout.strip()).returncode == 0


def test_nothing_saved_is_still_exit_1(cli: Cli, profile: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", "utf-8")
    result = run(cli, profile, "record", "update", "no-such-record", "--answers", broken)
    assert result.returncode == 1


def test_help_documents_the_statuses(cli: Cli) -> None:
    for command in ("new", "update"):
        shown = cli.run("record", command, "--help", stdin=None)
        assert shown.returncode == 0
        text = " ".join(shown.stdout.split())
        assert f"{SAVED_WITH_PROBLEMS} saved, but with problems" in text
