"""Profile settings: the CLI's `settings show|set`, checked values, and what they change."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from app.errors import InvalidState

if TYPE_CHECKING:
    from tests.flows.conftest import Cli, ProfileMaker


def test_settings_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "profile"
    assert (
        cli.run(
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
            "Walsall",
            "--passphrase-stdin",
        ).returncode
        == 0
    )
    done = cli.run(
        "settings",
        "set",
        "repeat_missing_window_days",
        "30",
        "--profile-dir",
        folder,
        "--passphrase-stdin",
    )
    assert done.returncode == 0, done.stderr
    bad = cli.run(
        "settings",
        "set",
        "idle_lock_minutes",
        "soon",
        "--profile-dir",
        folder,
        "--passphrase-stdin",
    )
    assert bad.returncode == 1
    assert bad.stderr.strip() == "haven: The setting idle_lock_minutes takes a whole number."
    unknown = cli.run(
        "settings", "set", "colour", "blue", "--profile-dir", folder, "--passphrase-stdin"
    )
    assert unknown.returncode == 1 and "tsa_url" in unknown.stderr
    shown = cli.run("settings", "show", "--profile-dir", folder, "--passphrase-stdin").stdout
    assert "repeat_missing_window_days\t30" in shown
    assert "idle_lock_minutes\t5" in shown
    assert "tsa_url\t(not set)" in shown


def test_marking_setting_replaces_the_forms_marking_in_the_pdf(
    new_profile: ProfileMaker, org_identity: Any, tools: Any, tmp_path: Path
) -> None:
    profile = new_profile()
    profile.use_certificate(org_identity)
    record = profile.shared("screening", profile.add_child())
    profile.haven.set_setting("marking", "OFFICIAL-SENSITIVE [PERSONAL]")
    exported = profile.exports.export_pdf(record.id)
    path = tmp_path / exported.filename
    path.write_bytes(exported.data)
    pages = tools.pdf_pages(path)
    assert all(page.count("OFFICIAL-SENSITIVE [PERSONAL]") >= 2 for page in pages)
    with pytest.raises(InvalidState):
        profile.haven.set_setting("return_interview_hours", 0)
