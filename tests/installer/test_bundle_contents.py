"""What the bundle leaves out, the debug symbols it strips, and how its size is reported.

The full build runs in CI (`make smoke` after `make test`): minutes of PyInstaller. These
tests pin the choices in installer/trim.py and the measuring in installer/build.py on
real files, quickly.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from installer_modules import load

ROOT = Path(__file__).resolve().parents[2]


trim = load("trim")
build = load("build")


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/lib/libQt6Core.so.6", True),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libQt6DBus.so.6", True),  # AT-SPI: screen readers on Linux
        ("PySide6/Qt/lib/libicudata.so.73", True),
        ("PySide6/Qt/lib/libQt6Network.so.6", False),
        ("PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", False),
        ("PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6", False),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/qml/QtQuick/qmldir", False),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platforms/libqlinuxfb.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so", False),
        ("PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-x11-integration.so", False),
        ("PySide6\\Qt\\plugins\\sqldrivers\\qsqlite.dll", False),
        ("forms/screening/1.yaml", True),
        ("resources/fonts/DejaVuSans.ttf", True),
        ("sqlcipher3/_sqlite3.cpython-311-x86_64-linux-gnu.so", True),
        ("jsonschema/benchmarks/issue232/issue.json", False),
        ("reportlab/docs/userguide.pdf", False),
        ("somepkg/tests/data/x.bin", False),
        ("forms/examples/screening.json", True),
        ("resources/training/README.md", True),
        ("app/tests_like_name.py", True),
    ],
)
def test_what_the_bundle_keeps(dest: str, kept: bool) -> None:
    assert trim.keep(dest) is kept


def test_trimmed_filters_a_toc_and_keeps_order() -> None:
    toc = [
        ("PySide6/Qt/translations/qt_fr.qm", "/src/a", "DATA"),
        ("forms/x.yaml", "/src/b", "DATA"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/c", "BINARY"),
        ("PySide6/Qt/plugins/tls/libqcertonlybackend.so", "/src/d", "BINARY"),
    ]
    assert [d for d, _, _ in trim.trimmed(toc)] == [
        "forms/x.yaml",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
    ]


def test_the_modules_haven_imports_are_not_excluded() -> None:
    used = {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PIL", "PIL.Image",
            "fontTools", "reportlab", "pyhanko", "cryptography", "sqlcipher3"}  # fmt: skip
    assert used.isdisjoint(trim.EXCLUDED_MODULES)


@pytest.mark.skipif(shutil.which("strip") is None, reason="binutils' strip is not installed")
def test_stripping_debug_sections_keeps_sqlcipher_working(tmp_path: Path) -> None:
    import sqlcipher3

    source = Path(sqlcipher3.__file__).parent
    extension = next(source.glob("_sqlite3*.so"))
    if not trim.has_debug_info(extension):
        pytest.skip("this sqlcipher3 build carries no debug sections")
    dest = f"sqlcipher3/{extension.name}"
    ((out_dest, out_source, kind),) = trim.stripped_binaries(
        [(dest, str(extension), "EXTENSION")], tmp_path
    )
    stripped = Path(out_source)
    assert out_dest == dest and kind == "EXTENSION"
    assert stripped != extension and stripped.stat().st_size < extension.stat().st_size / 2
    assert not trim.has_debug_info(stripped) and trim.has_debug_info(extension)
    # The stripped library still loads and still encrypts.
    package = tmp_path / "pkg" / "sqlcipher3"
    shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(stripped, package / extension.name)
    probe = (
        "import sqlcipher3, sys; c = sqlcipher3.connect(':memory:');"
        "assert sqlcipher3.__file__.startswith(sys.argv[1]);"
        "print(c.execute('PRAGMA cipher_version').fetchone()[0])"
    )
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "pkg")],
        env={"PYTHONPATH": str(tmp_path / "pkg")},
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("4.")


def test_binaries_from_patched_wheels_are_never_stripped(tmp_path: Path) -> None:
    elf = tmp_path / "lib.so"
    elf.write_bytes(b"\x7fELF" + b"\0" * 60 + b".debug_info")
    toc = [
        ("PySide6/Qt/lib/libQt6Core.so.6", str(elf), "BINARY"),
        ("pillow.libs/libjpeg.so", str(elf), "BINARY"),
    ]
    assert trim.stripped_binaries(toc, tmp_path) == toc


def test_not_an_elf_file_has_no_debug_info(tmp_path: Path) -> None:
    text = tmp_path / "x.py"
    text.write_text("'.debug_info'", "utf-8")
    assert not trim.has_debug_info(text)
    assert not trim.has_debug_info(tmp_path / "missing")


def test_size_report_groups_by_package(tmp_path: Path) -> None:
    bundle = tmp_path / "Haven"
    internal = bundle / "_internal"
    (internal / "PySide6" / "Qt" / "lib").mkdir(parents=True)
    (internal / "PySide6" / "Qt" / "lib" / "libQt6Core.so.6").write_bytes(b"x" * 3000)
    (internal / "PySide6" / "Qt" / "lib" / "libQt6Gui.so.6").write_bytes(b"x" * 2000)
    (internal / "sqlcipher3").mkdir()
    (internal / "sqlcipher3" / "_sqlite3.so").write_bytes(b"x" * 4000)
    (internal / "libpython3.11.so.1.0").write_bytes(b"x" * 1000)
    (bundle / "Haven").write_bytes(b"x" * 500)
    assert build.folder_size(bundle) == 10_500
    ranked = build.largest(bundle, count=2)
    assert [(i.path, i.size) for i in ranked] == [
        ("PySide6/Qt", 5000),
        ("sqlcipher3/_sqlite3.so", 4000),
    ]


def test_the_yardstick_is_a_bare_pyside6_window() -> None:
    source = (ROOT / "installer" / "minimal_qt.py").read_text("utf-8")
    imports = {
        line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))
    }
    assert imports == {"sys", "PySide6.QtWidgets"}


BLOCKER = """
import importlib, sys
EXCLUDED = {excluded!r}

class Excluded:
    def find_spec(self, name, path=None, target=None):
        if any(name == e or name.startswith(e + ".") for e in EXCLUDED):
            raise ModuleNotFoundError(f"left out of the bundle: {{name}}", name=name)
        return None

sys.meta_path.insert(0, Excluded())
failed = []
for name in {modules!r}:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{{name}}: {{exc}}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def imported_by_haven() -> list[str]:
    """Every module Haven's own code imports (at the top or inside a function), and
    Haven's own modules: what the bundle must be able to load."""
    import ast

    names: set[str] = set()
    for package in ("app", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            if module.endswith("__main__"):
                continue
            names.add(module.removesuffix(".__init__"))
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module)
    return sorted(names)


def test_nothing_haven_loads_needs_an_excluded_module(tmp_path: Path) -> None:
    """What a PyInstaller build would only show at run time, in the bundle: a module Haven
    loads that needs one installer/trim.py leaves out (pyHanko's time-stamping client
    once needed aiohttp this way)."""
    import os
    import subprocess

    modules = imported_by_haven()
    assert "pyhanko.sign.timestamps" in modules and "ui.main_window" in modules
    script = BLOCKER.format(excluded=sorted(trim.EXCLUDED_MODULES), modules=modules)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
