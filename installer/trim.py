"""What Haven's bundle leaves out, and the debug symbols it strips: used by haven.spec.

PyInstaller collects everything a module *might* import. Haven draws widgets with QtCore,
QtGui and QtWidgets only; it needs a platform plugin for X11, Wayland and offscreen runs,
the GTK/portal themes for native file dialogs, input contexts (compose key, IBus) and the
SVG/ICO image and icon plugins. It does not use Qt's network stack, OpenGL, embedded
(eglfs, linuxfb, VNC) platforms or Qt's own translations (the interface is English only).
Python packages that arrive as optional extras of our dependencies are excluded too:
lxml (fontTools uses it only to subset SVG tables; Haven's fonts have none). aiohttp
stays: pyHanko's time-stamping client is built on it and is imported with any signing
(installer/smoke.py signs and verifies a PDF with the bundle to prove such things).

Kept as functions over (destination, source, kind) triples so the choices are tested
without running PyInstaller (tests/installer/test_trim.py).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

EXCLUDED_MODULES = [
    "tkinter",
    "keyrings.alt",
    # Qt bindings Haven never imports.
    "PySide6.QtNetwork",
    "PySide6.QtDBus",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtSvg",
    "PySide6.QtSvgWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtUiTools",
    "PySide6.QtDesigner",
    # Optional extras of dependencies (see the module docstring).
    "lxml",
    # Pillow formats no PDF of Haven's contains; Tk glue.
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "PIL._webp",
    "PIL.WebPImagePlugin",
    "PIL._imagingtk",
    "PIL.ImageTk",
    # Test suites and developer tools that optional imports drag in.
    "pytest",
    "_pytest",
    "hypothesis",
    "IPython",
    "pydoc_data",
    "unittest",
    "lib2to3",
    "setuptools",
    "pip",
]

QT_PREFIX = PurePosixPath("PySide6/Qt")

KEPT_PLUGIN_FOLDERS = {
    "platforms",
    "platformthemes",
    "platforminputcontexts",
    "imageformats",
    "iconengines",
    "wayland-decoration-client",
    "wayland-shell-integration",
    "wayland-graphics-integration-client",
    "xcbglintegrations",
    "styles",
}
"""Plugin folders Haven's window can load; every other folder is left out."""

DROPPED_PLATFORMS = ("eglfs", "linuxfb", "minimalegl", "vkkhrdisplay", "vnc")
"""Embedded-device platform plugins: a desktop app runs on xcb, wayland, cocoa or windows
(offscreen and minimal stay for smoke tests and screenshots)."""

DROPPED_IMAGE_FORMATS = ("icns", "tga", "tiff", "wbmp", "webp", "pdf")
"""Image readers for formats Haven never shows (it ships PNG/SVG icons only)."""

DROPPED_QT_LIBRARIES = (
    "Qt6Network",
    "Qt6Qml",
    "Qt6Quick",
    "Qt6Pdf",
    "Qt6EglFs",
    "Qt6Test",
    "Qt6Sql",
)
"""Qt libraries only the plugins above, or modules Haven does not import, load."""

NEVER_STRIPPED = ("PySide6", "shiboken6", "cryptography")
"""Wheels whose libraries were rewritten by patchelf/auditwheel: `strip` can corrupt those,
and they carry no debug sections anyway."""


FIRST_PARTY = ("app", "ui", "forms", "resources")

NOT_SHIPPED_FOLDERS = {"tests", "test", "testing", "benchmarks", "docs", "doc"}
"""Folders of a dependency's data that are its own tests, benchmarks or documentation."""


def keep(dest: str) -> bool:
    """False for a bundled file Haven does not use (a Qt translation, plugin or library,
    a dependency's tests or documentation)."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if parts and parts[0] not in FIRST_PARTY and NOT_SHIPPED_FOLDERS & set(parts[:-1]):
        return False
    if parts[: len(QT_PREFIX.parts)] != QT_PREFIX.parts:
        return True
    rest = parts[len(QT_PREFIX.parts) :]
    if not rest:
        return True
    if rest[0] in ("translations", "qml"):
        return False
    name = rest[-1].lower()
    if rest[0] == "plugins" and len(rest) > 1:
        folder = rest[1]
        dropped = (
            folder not in KEPT_PLUGIN_FOLDERS
            or (folder == "platforms" and any(p in name for p in DROPPED_PLATFORMS))
            or (folder == "imageformats" and any(f"q{f}" in name for f in DROPPED_IMAGE_FORMATS))
        )
        return not dropped
    return not any(lib.lower() in name for lib in DROPPED_QT_LIBRARIES)


def trimmed(toc: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The entries of a PyInstaller TOC (binaries or datas) that `keep` keeps."""
    return [entry for entry in toc if keep(entry[0])]


def has_debug_info(path: Path) -> bool:
    """True for an ELF file with DWARF sections (read from the section name table)."""
    try:
        with path.open("rb") as handle:
            if handle.read(4) != b"\x7fELF":
                return False
            return b".debug_info" in path.read_bytes()
    except OSError:
        return False


def stripped_binaries(
    binaries: Iterable[tuple[str, str, str]], workdir: Path
) -> list[tuple[str, str, str]]:
    """Binaries with their debug sections removed (copies in workdir; sources untouched).

    The venv's libpython, sqlcipher3 and the Cython accelerators of fontTools and
    PyYAML are built with -g: about 40 MiB of DWARF data no user needs. Only debug
    sections go (`strip --strip-debug`), so symbols and dynamic linking are unchanged.
    Elsewhere than Linux, or without binutils, the binaries are used as they are.
    """
    strip = shutil.which("strip")
    result: list[tuple[str, str, str]] = []
    for dest, source, kind in binaries:
        src = Path(source)
        top = dest.replace("\\", "/").split("/")[0]
        eligible = (
            strip is not None
            and top not in NEVER_STRIPPED
            and not top.endswith((".libs", ".dylibs"))
            and has_debug_info(src)
        )
        if not eligible:
            result.append((dest, source, kind))
            continue
        target = workdir / "stripped" / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        subprocess.run([str(strip), "--strip-debug", str(target)], check=True)
        result.append((dest, str(target), kind))
    return result
