"""What `haven doctor` checks about the installation itself, before any profile.

A bundle built on one machine and unpacked on another fails in ways a source install does
not: a library left out, a font not copied, no Qt platform plugin for this desktop. Each
check here exercises the piece the way Haven uses it (an FTS5 table, an Argon2id hash, a
font reportlab can read) and prints one line; none needs a profile or a display, and none
imports Qt (the platform plugins are looked for as files).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

PDF_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

PLATFORM_PLUGINS = {
    "linux": ("xcb", "wayland"),
    "win32": ("windows",),
    "darwin": ("cocoa",),
}
"""The Qt platform plugins that can open a window on each system (one is enough)."""


class CheckFailed(Exception):
    """One installation check did not hold; the message says which part is missing."""


def check_fts5() -> str:
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE probe USING fts5(body, tokenize='unicode61')")
        conn.execute("INSERT INTO probe(body) VALUES ('missing episode return interview')")
        hits = conn.execute("SELECT count(*) FROM probe WHERE probe MATCH 'retur*'").fetchone()
    except sqlcipher3.Error as exc:
        raise CheckFailed("SQLCipher was built without FTS5: search cannot work") from exc
    finally:
        conn.close()
    if hits[0] != 1:
        raise CheckFailed("an FTS5 prefix search found nothing")
    return "prefix search over unicode61"


def check_crypto() -> str:
    import argon2.low_level
    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = AESGCM.generate_key(bit_length=256)
    sealed = AESGCM(key).encrypt(b"\0" * 12, b"probe", None)
    if AESGCM(key).decrypt(b"\0" * 12, sealed, None) != b"probe":
        raise CheckFailed("AES-GCM did not round-trip")
    argon2.low_level.hash_secret_raw(
        b"probe", b"0123456789abcdef", 1, 64, 1, 32, argon2.low_level.Type.ID
    )
    return f"cryptography {cryptography.__version__} ({backend.openssl_version_text()}), Argon2id"


def check_fonts() -> str:
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    from app.directory import resources_dir

    folder = resources_dir() / "fonts"
    for name in PDF_FONTS:
        path = folder / name
        if not path.is_file():
            raise CheckFailed(f"the PDF font {name} is missing")
        try:
            TTFont(Path(name).stem, str(path))
        except TTFError as exc:
            raise CheckFailed(f"the PDF font {name} cannot be read") from exc
    return ", ".join(Path(name).stem for name in PDF_FONTS)


def qt_plugin_folder() -> Path | None:
    """PySide6's platform-plugin folder, found without importing Qt (from source or
    inside a PyInstaller bundle)."""
    frozen = getattr(sys, "_MEIPASS", None)
    candidates: list[Path] = []
    if frozen:
        candidates.append(Path(frozen) / "PySide6" / "Qt" / "plugins" / "platforms")
    spec = importlib.util.find_spec("PySide6")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidates += [
            Path(location) / "Qt" / "plugins" / "platforms",
            Path(location) / "plugins" / "platforms",  # Windows wheels
        ]
    return next((c for c in candidates if c.is_dir()), None)


def check_qt_platform() -> str:
    folder = qt_plugin_folder()
    if folder is None:
        raise CheckFailed("Qt's platform plugins are missing: the window cannot open")
    found = sorted(
        {_plugin_name(p) for p in folder.iterdir() if p.suffix in (".so", ".dll", ".dylib")}
    )
    system = "linux" if sys.platform.startswith("linux") else sys.platform
    needed = PLATFORM_PLUGINS.get(system, ())
    if needed and not set(needed) & set(found):
        raise CheckFailed(
            f"no Qt platform plugin for this system ({' or '.join(needed)}); found: "
            + (", ".join(found) or "none")
        )
    return ", ".join(found)


def _plugin_name(path: Path) -> str:
    stem = path.name.split(".")[0]
    for prefix in ("libq", "q"):
        if stem.startswith(prefix):
            return stem[len(prefix) :]
    return stem


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("FTS5", check_fts5),
    ("Cryptography", check_crypto),
    ("PDF fonts", check_fonts),
    ("Qt platform plugins", check_qt_platform),
)


def print_installation_checks() -> bool:
    """One line per check ("NAME: ok (detail)" or "NAME: FAILED — why"); True when all pass."""
    ok = True
    for name, check in CHECKS:
        try:
            detail = check()
        except CheckFailed as exc:
            print(f"{name}: FAILED — {exc}")
            ok = False
        else:
            print(f"{name}: ok ({detail})")
    return ok
