"""The Windows and macOS packaging files, checked here since they only build on their own
systems: Inno Setup installs per user with a Start-menu entry and an uninstaller that keeps
the encrypted data unless asked; Haven.app's Info.plist is a valid plist for this version."""

from __future__ import annotations

import plistlib
import re
from pathlib import Path

from installer_modules import ROOT, load

from app import __version__

ISS = ROOT / "installer" / "windows" / "haven.iss"


def iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in ISS.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        heading = re.fullmatch(r"\[(\w+)\]", line)
        if heading:
            current = heading.group(1)
            sections[current] = []
        elif current:
            sections[current].append(line)
    return sections


def test_inno_setup_installs_per_user_without_admin_rights() -> None:
    setup = dict(line.split("=", 1) for line in iss_sections()["Setup"])
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"].startswith("{autopf}")  # {userpf} when per user
    assert setup["OutputDir"] == r"..\..\dist"
    source = next(line for line in iss_sections()["Files"] if line.startswith("Source:"))
    assert r"dist\Haven\*" in source and "recursesubdirs" in source


def test_start_menu_entry_and_uninstaller() -> None:
    icons = iss_sections()["Icons"]
    assert any("{autoprograms}" in line and r"{app}\Haven.exe" in line for line in icons)
    assert any("{uninstallexe}" in line for line in icons)


def test_uninstall_keeps_the_data_unless_asked() -> None:
    code = "\n".join(iss_sections()["Code"])
    # The only deletion of the data folder is behind the question (default No) or /DELETEDATA.
    assert code.count("DelTree(") == 1
    assert "WantsDataDeleted() then\nDelTree(DataFolder()" in code
    assert "MB_DEFBUTTON2" in code and "/DELETEDATA" in code
    assert "{localappdata}\\Haven" in code  # platformdirs' non-roaming folder on Windows


def test_macos_info_plist_is_valid_for_this_version() -> None:
    info = load("macos/info_plist")
    plist = info.info_plist()
    parsed = plistlib.loads(plistlib.dumps(plist))
    assert parsed["CFBundleIdentifier"] == info.BUNDLE_ID
    assert parsed["CFBundleShortVersionString"] == __version__
    assert parsed["NSHighResolutionCapable"] is True
    assert Path(info.icon_path(ROOT)).is_file()
