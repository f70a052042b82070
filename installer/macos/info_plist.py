"""Haven.app's Info.plist, used by installer/haven.spec's BUNDLE step on macOS.

Kept beside the spec so what the app declares (identifier, minimum macOS, high-resolution
support, no network server, the document-free launch) is reviewed like code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BUNDLE_ID = "uk.org.haven.desktop"


def version() -> str:
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from app import __version__

    return __version__


def icon_path(root: Path) -> str:
    """PyInstaller turns the PNG into an .icns when Pillow is installed."""
    return str(root / "installer" / "icons" / "haven.png")


def info_plist() -> dict[str, Any]:
    return {
        "CFBundleName": "Haven",
        "CFBundleDisplayName": "Haven",
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": version(),
        "CFBundleVersion": version(),
        "CFBundlePackageType": "APPL",
        "LSMinimumSystemVersion": "12.0",
        "LSApplicationCategoryType": "public.app-category.productivity",
        "NSHighResolutionCapable": True,
        "NSSupportsAutomaticGraphicsSwitching": True,
        "NSRequiresAquaSystemAppearance": False,
        "NSHumanReadableCopyright": "Haven: encrypted safeguarding records",
    }
