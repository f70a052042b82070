"""`python -m ui.screenshots OUTDIR` (what `make screenshots` runs) draws every screen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers.form_driver import REPO_ROOT
from PySide6.QtGui import QImage

from app.forms.loader import load_registry


def distinct_colours(image: QImage, step: int = 16) -> int:
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    }
    return len(colours)


def test_screenshots_of_every_page(tmp_path: Path) -> None:
    out = tmp_path / "shots"
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "ui.screenshots", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]

    expected = []
    for form in load_registry().latest():
        for index, section in enumerate(form.sections):
            expected.append(f"{form.id}-{index + 1:02d}-{section.id}.png")
        expected.append(f"{form.id}-check-answers.png")
    expected += ["unlock-screen.png", "main-window.png", "main-window-record.png"]
    written = sorted(p.name for p in out.glob("*.png"))
    assert sorted(expected) == written
    for name in expected:
        path = out / name
        assert path.stat().st_size > 10_000, name
        image = QImage(str(path))
        assert image.width() >= 1000 and image.height() >= 700, name
        assert distinct_colours(image) > 4, f"{name} looks blank"
