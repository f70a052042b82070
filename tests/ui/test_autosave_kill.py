"""A killed Haven loses at most the last second of typing (SPEC 3), through the real UI.

A child process (helpers/form_kill_child.py) opens a draft in a FormView, types a
sentence into a question with QTest and then just runs its event loop; the parent kills
it with SIGKILL well within two seconds of the last key. Unlocking the profile again
must find the sentence in the draft, and opening the draft must say it was recovered and
from what time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.form_driver import FAST_KDF, PASSPHRASE, REPO_ROOT, USER

from app.profile import create_profile, unlock
from app.service import Haven
from tests.haven_testkit import read_line
from ui.form.autosave import draft_left_open, local_time
from ui.form_view import FormView

CHILD = Path(__file__).with_name("helpers") / "form_kill_child.py"
TEXT = "Seen getting into a silver car outside school at 15:20"
KILL_AFTER_S = 1.5
"""After the last key: beyond the 0.7 s debounce (and the 0.9 s deadline), inside 2 s."""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def test_sigkill_after_typing_keeps_the_text(tmp_path: Path, qtbot: Any) -> None:
    folder = tmp_path / "profile"
    session = create_profile(folder, USER, PASSPHRASE, kdf=FAST_KDF)
    haven = Haven(session)
    child = haven.add_child("Jamie Example", "2012-02-10")
    record_id = haven.start_record(child.id, "screening").id
    session.lock()

    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(folder), PASSPHRASE, record_id, "reason", TEXT],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert read_line(process, timeout=60) == "typed"
        typed_at = time.monotonic()
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=KILL_AFTER_S)
        os.kill(process.pid, signal.SIGKILL)
        killed_after = time.monotonic() - typed_at
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert killed_after < 2.0

    reopened = unlock(folder, PASSPHRASE)
    try:
        haven = Haven(reopened)
        record = haven.record(record_id)
        assert record.answers.get("reason") == TEXT
        assert draft_left_open(haven, record_id)
        view = FormView(haven, record_id)
        try:
            assert view.recovered_at == local_time(record.updated_at)
            assert view.recovered_banner.accessibleName() == (
                f"Recovered your draft saved at {view.recovered_at}"
            )
        finally:
            view.clear()
            view.deleteLater()
    finally:
        reopened.lock()
