"""ui/start_up.py: the collector paused until the first paint, the core before PySide6, and
PySide6's import hook told about the modules already loaded (issue 11: start-up).

Each test runs a fresh interpreter: the order of imports is the thing under test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.haven_testkit import child_env

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, script: str) -> dict[str, object]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = child_env(home)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    out: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def test_begin_loads_the_core_before_qt_and_pauses_the_collector(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        """
import gc, json, sys
from ui import start_up
before = set(sys.modules)
start_up.begin()
order = list(sys.modules)
table = sys.modules["shibokensupport.feature"].pyside_feature_dict
from ui.theme import heading  # a desktop module, imported after
print(json.dumps({
    "enabled": gc.isenabled(),
    "core_first": order.index("app.service") < order.index("PySide6.QtWidgets"),
    "driver_first": order.index("sqlcipher3") < order.index("PySide6.QtWidgets"),
    "qt_loaded": "PySide6.QtWidgets" in sys.modules,
    "app.service": table.get("app.service"),
    "sqlcipher3": table.get("sqlcipher3"),
    "json": table.get("json"),
    "ui.theme": table.get("ui.theme"),
    "ui_before": sorted(m for m in before if m == "ui" or m.startswith("ui.")),
    "ui_marked": sorted(m for m in table if m.startswith("ui") and table[m] == -1),
    "form_view_loaded": "ui.form_view" in sys.modules,
    "form_view": table.get("ui.form_view"),
    "form_chrome": table.get("ui.form.form_chrome"),
}))
""",
    )
    assert out["enabled"] is False
    assert out["core_first"] is True and out["driver_first"] is True
    assert out["qt_loaded"] is True
    # Already loaded before Qt: marked as the hook would mark them, without reading them.
    assert out["app.service"] == -1 and out["sqlcipher3"] == -1 and out["json"] == -1
    # Imported after: the verdict the hook would give it (the desktop modules use PySide6).
    assert out["ui.theme"] == 0
    # The desktop's own modules, loaded or not, are entered as PySide modules (0), never
    # as "ignore" (-1): found by listing the package, subpackages included.
    assert out["ui_before"] and out["ui_marked"] == []
    assert out["form_view_loaded"] is False
    assert out["form_view"] == 0 and out["form_chrome"] == 0


def test_first_paint_done_freezes_and_resumes_the_collector(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        """
import gc, json
from ui import start_up
start_up.begin()
paused = not gc.isenabled()
start_up.first_paint_done()
print(json.dumps({"paused": paused, "enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
""",
    )
    assert out["paused"] is True
    assert out["enabled"] is True
    assert isinstance(out["frozen"], int) and out["frozen"] > 10_000


def test_the_desktop_resumes_collection_once_its_window_has_painted(tmp_path: Path) -> None:
    # The real entry point's order (ui.__main__: begin, then ui.app.run); the first-run
    # dialog shows (an empty profile folder) and the app quits after a while.
    out = _run(
        tmp_path,
        f"""
import gc, json
from pathlib import Path
from ui import start_up
start_up.begin()
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
seen = {{}}
QTimer.singleShot(100, lambda: seen.setdefault("early", gc.isenabled()))
QTimer.singleShot(1500, app.quit)
from ui.app import run
run(Path({str(tmp_path / "profile")!r}))
print(json.dumps({{"early": seen.get("early"), "after": gc.isenabled()}}))
""",
    )
    assert out["early"] is False  # still paused while the window starts
    assert out["after"] is True


def test_the_first_window_does_not_make_the_records_values(tmp_path: Path) -> None:
    # app.domain hands out Record and the other records' values from app.record_values
    # when first asked for: the window's modules only name them in type hints.
    out = _run(
        tmp_path,
        """
import json, sys
from ui import start_up
start_up.begin()
import ui.main_window
before = "app.record_values" in sys.modules
from app.domain import Record, RecordFilter
from app import domain, record_values
print(json.dumps({
    "before": before,
    "unknown": hasattr(domain, "NotAValue"),
    "same": Record is record_values.Record and RecordFilter is record_values.RecordFilter,
    "module": Record.__module__,
}))
""",
    )
    assert out["before"] is False and out["unknown"] is False
    assert out["same"] is True and out["module"] == "app.record_values"
