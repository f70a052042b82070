"""The Linux tarball: a .desktop entry and icon beside the bundle, and per-user install and
uninstall scripts that never delete the encrypted profiles unless asked."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from installer_modules import load

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "installer" / "linux"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux package")


def fake_bundle(folder: Path) -> Path:
    bundle = folder / "Haven"
    (bundle / "_internal").mkdir(parents=True)
    exe = bundle / "Haven"
    exe.write_text("#!/bin/sh\necho haven-fake\n", "utf-8")
    exe.chmod(0o755)
    return bundle


def test_the_tarball_carries_desktop_entry_icons_and_scripts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = load("build")
    monkeypatch.setattr(build, "DIST", tmp_path / "dist")
    (tmp_path / "dist").mkdir()
    out = build.package_linux(fake_bundle(tmp_path))
    assert out.name.startswith(f"Haven-{build.version()}-linux-") and out.suffixes[-2:] == [
        ".tar",
        ".gz",
    ]
    top = f"Haven-{build.version()}"
    with tarfile.open(out) as tar:
        names = set(tar.getnames())
        mode = tar.getmember(f"{top}/install.sh").mode
    for name in ("Haven/Haven", "haven.desktop", "haven.svg", "haven.png", "install.sh"):
        assert f"{top}/{name}" in names
    assert mode & 0o111


def test_desktop_entry_is_valid(tmp_path: Path) -> None:
    text = (LINUX / "haven.desktop").read_text("utf-8")
    lines = text.splitlines()
    assert lines[0] == "[Desktop Entry]"
    keys = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    assert keys["Type"] == "Application" and keys["Name"] == "Haven"
    assert keys["Icon"] == "haven" and keys["Terminal"] == "false"
    assert keys["Exec"].startswith("@HAVEN_DIR@/Haven")
    validator = shutil.which("desktop-file-validate")
    if validator:
        filled = text.replace("@HAVEN_DIR@", "/opt/haven/Haven")
        path = tmp_path / "haven.desktop"
        path.write_text(filled, "utf-8")
        assert subprocess.run([validator, str(path)], check=False).returncode == 0


def run_script(name: str, home: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        ["sh", str(cwd / name), *args], env=env, capture_output=True, text=True,
        timeout=60, check=False, cwd=cwd,
    )  # fmt: skip


def test_install_for_this_user_then_uninstall_keeps_the_data(tmp_path: Path) -> None:
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    fake_bundle(unpacked)
    for name in ("haven.desktop", "install.sh", "uninstall.sh"):
        shutil.copy2(LINUX / name, unpacked / name)
    for name in ("haven.svg", "haven.png"):
        shutil.copy2(ROOT / "installer" / "icons" / name, unpacked / name)
    home = tmp_path / "home"
    home.mkdir()
    installed = run_script("install.sh", home, cwd=unpacked)
    assert installed.returncode == 0, installed.stderr
    program = home / ".local" / "lib" / "haven" / "Haven" / "Haven"
    assert program.is_file()
    entry = (home / ".local/share/applications/haven.desktop").read_text("utf-8")
    assert f"Exec={program} %F" in entry and "@HAVEN_DIR@" not in entry
    assert (home / ".local/share/icons/hicolor/scalable/apps/haven.svg").is_file()

    profile = home / ".local/share/Haven/profiles/default/haven.db"
    profile.parent.mkdir(parents=True)
    profile.write_bytes(b"encrypted")
    removed = run_script("uninstall.sh", home, cwd=unpacked)
    assert removed.returncode == 0, removed.stderr
    assert not program.exists()
    assert not (home / ".local/share/applications/haven.desktop").exists()
    assert profile.read_bytes() == b"encrypted"  # kept unless asked

    assert run_script("install.sh", home, cwd=unpacked).returncode == 0
    purged = run_script("uninstall.sh", home, "--delete-data", cwd=unpacked)
    assert purged.returncode == 0
    assert not (home / ".local/share/Haven").exists()
