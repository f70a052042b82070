"""`make installer`: Haven's one-folder bundle, the size check, and this platform's package.

1. Freeze installer/minimal_qt.py (a bare PySide6-Essentials window) with the same
   PyInstaller, one-folder and windowed, nothing excluded: the yardstick.
2. Freeze Haven from installer/haven.spec (installer/trim.py says what it leaves out).
3. Print both sizes, the ratio and what dominates Haven's bundle; exit 1 when the ratio is
   over MAX_RATIO, so a dependency that drags in 50 MiB is noticed in the run that adds it.
4. Package: on Linux dist/Haven-VERSION-linux-x86_64.tar.gz with a .desktop file, the icon
   and per-user install/uninstall scripts; on macOS the spec has made dist/Haven.app
   (installer/macos/build-macos.sh makes the disk image); on Windows run Inno Setup on
   installer/windows/haven.iss.

`--skip-reference` reuses the yardstick from an earlier run (it changes only with the
PySide6 or PyInstaller version); `--no-package` stops after the size check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUILD = ROOT / "build"
REFERENCE_DIR = BUILD / "reference"
MAX_RATIO = 1.3
MIB = 1024 * 1024


@dataclass(frozen=True)
class Item:
    path: str
    size: int


def folder_size(folder: Path) -> int:
    """Bytes of every regular file under folder (symlinks are counted once, as links)."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def largest(folder: Path, count: int = 10, depth: int = 2) -> list[Item]:
    """The biggest entries `depth` levels below the bundle's library folder.

    Groups by package (`PySide6/Qt`, `sqlcipher3`, `libpython3.11.so.1.0`), which is what
    someone deciding what to exclude needs, rather than thousands of single files.
    """
    base = folder / "_internal" if (folder / "_internal").is_dir() else folder
    sizes: dict[str, int] = {}
    for path in base.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        parts = path.relative_to(base).parts
        key = "/".join(parts[: min(depth, len(parts))])
        sizes[key] = sizes.get(key, 0) + path.stat().st_size
    ranked = sorted(sizes.items(), key=lambda kv: kv[1], reverse=True)
    return [Item(path, size) for path, size in ranked[:count]]


def pyinstaller() -> list[str]:
    return [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]


def build_reference() -> Path:
    """The yardstick: a hello-world QMainWindow frozen with PyInstaller's defaults."""
    subprocess.run(
        [
            *pyinstaller(),
            "--onedir",
            "--windowed",
            "--name",
            "MinimalQt",
            "--distpath",
            str(REFERENCE_DIR / "dist"),
            "--workpath",
            str(REFERENCE_DIR / "work"),
            "--specpath",
            str(REFERENCE_DIR),
            str(ROOT / "installer" / "minimal_qt.py"),
        ],
        check=True,
        cwd=ROOT,
    )
    return reference_bundle()


def reference_bundle() -> Path:
    name = "MinimalQt.app" if sys.platform == "darwin" else "MinimalQt"
    return REFERENCE_DIR / "dist" / name


def build_haven() -> Path:
    subprocess.run(
        [
            *pyinstaller(),
            "--distpath",
            str(DIST),
            "--workpath",
            str(BUILD / "haven"),
            str(ROOT / "installer" / "haven.spec"),
        ],
        check=True,
        cwd=ROOT,
    )
    return haven_bundle()


def haven_bundle() -> Path:
    return DIST / ("Haven.app" if sys.platform == "darwin" else "Haven")


def report(haven: Path, reference: Path) -> float:
    """Print the comparison and return Haven's size over the yardstick's."""
    haven_size = folder_size(haven)
    reference_size = folder_size(reference)
    ratio = haven_size / reference_size
    print()
    print(f"Haven bundle:            {haven_size / MIB:7.1f} MiB  ({haven})")
    print(f"Minimal PySide6 bundle:  {reference_size / MIB:7.1f} MiB  ({reference})")
    print(f"Ratio:                   {ratio:7.2f}  (limit {MAX_RATIO})")
    print("Largest parts of Haven's bundle:")
    for item in largest(haven):
        print(f"  {item.size / MIB:6.1f} MiB  {item.path}")
    return ratio


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from app import __version__

    return __version__


def package_linux(bundle: Path) -> Path:
    """A tarball IT can unpack anywhere: the bundle, a .desktop entry, icons, install
    scripts. `install.sh` installs for the current user (no root); see the README."""
    arch = os.uname().machine
    out = DIST / f"Haven-{version()}-linux-{arch}.tar.gz"
    linux = ROOT / "installer" / "linux"
    icons = ROOT / "installer" / "icons"
    extras = [
        (linux / "haven.desktop", "haven.desktop"),
        (linux / "install.sh", "install.sh"),
        (linux / "uninstall.sh", "uninstall.sh"),
        (icons / "haven.svg", "haven.svg"),
        (icons / "haven.png", "haven.png"),
    ]
    top = f"Haven-{version()}"
    tmp = out.with_suffix(".partial")
    with tarfile.open(tmp, "w:gz") as tar:
        tar.add(bundle, arcname=f"{top}/Haven")
        for source, name in extras:
            tar.add(source, arcname=f"{top}/{name}")
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--no-package", action="store_true")
    args = parser.parse_args(argv)
    reference = reference_bundle()
    if not (args.skip_reference and reference.exists()):
        reference = build_reference()
    haven = build_haven()
    ratio = report(haven, reference)
    if ratio > MAX_RATIO:
        print(
            f"installer: Haven's bundle is {ratio:.2f}x the minimal PySide6 bundle "
            f"(limit {MAX_RATIO}x); exclude what it does not use in installer/trim.py.",
            file=sys.stderr,
        )
        return 1
    if args.no_package:
        return 0
    if sys.platform.startswith("linux"):
        print(f"Linux package: {package_linux(haven)}")
    elif sys.platform == "darwin":
        print(f"macOS app: {haven}  (installer/macos/build-macos.sh makes the disk image)")
    elif sys.platform == "win32":
        iscc = shutil.which("iscc")
        if iscc is None:
            print("Windows: install Inno Setup 6 and run: iscc installer\\windows\\haven.iss")
        else:
            subprocess.run([iscc, str(ROOT / "installer" / "windows" / "haven.iss")], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
