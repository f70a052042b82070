"""`haven doctor` checks the installation itself: FTS5, cryptography, the PDF fonts and a
Qt platform plugin for this system, each as Haven uses it, one line each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import doctor

HAVEN = Path(sys.executable).with_name("haven")


def test_every_check_passes_in_this_installation(capsys: pytest.CaptureFixture[str]) -> None:
    assert doctor.print_installation_checks() is True
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [name for name, _ in doctor.CHECKS]
    assert all(": ok (" in line for line in lines)


def test_doctor_prints_the_checks_and_exits_0(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(HAVEN), "doctor", "--profile-dir", str(tmp_path / "p")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FTS5: ok" in result.stdout and "PDF fonts: ok" in result.stdout
    assert "Qt platform plugins: ok" in result.stdout and "offscreen" in result.stdout


def test_missing_or_damaged_fonts_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import app.directory

    (tmp_path / "fonts").mkdir()
    monkeypatch.setattr(app.directory, "resources_dir", lambda: tmp_path)
    assert doctor.print_installation_checks() is False
    assert "PDF fonts: FAILED — the PDF font DejaVuSans.ttf is missing" in capsys.readouterr().out
    for name in doctor.PDF_FONTS:
        (tmp_path / "fonts" / name).write_bytes(b"not a font at all" * 10)
    assert doctor.print_installation_checks() is False
    assert "DejaVuSans.ttf cannot be read" in capsys.readouterr().out


def test_no_platform_plugin_for_this_system_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins = tmp_path / "platforms"
    plugins.mkdir()
    (plugins / "libqvnc.so").write_bytes(b"")
    (plugins / "libqoffscreen.so").write_bytes(b"")
    monkeypatch.setattr(doctor, "qt_plugin_folder", lambda: plugins)
    monkeypatch.setattr(doctor, "PLATFORM_PLUGINS", {"linux": ("xcb",), sys.platform: ("xcb",)})
    with pytest.raises(doctor.CheckFailed, match="found: offscreen, vnc"):
        doctor.check_qt_platform()
    (plugins / "libqxcb.so").write_bytes(b"")
    assert doctor.check_qt_platform() == "offscreen, vnc, xcb"
    monkeypatch.setattr(doctor, "qt_plugin_folder", lambda: None)
    with pytest.raises(doctor.CheckFailed, match="window cannot open"):
        doctor.check_qt_platform()


def test_plugin_names_on_every_system() -> None:
    assert doctor._plugin_name(Path("libqxcb.so")) == "xcb"
    assert doctor._plugin_name(Path("qwindows.dll")) == "windows"
    assert doctor._plugin_name(Path("libqcocoa.dylib")) == "cocoa"
