"""The Qt binding must not leak references to None (PySide6 6.12.0 on Python 3.11 did).

That build dropped one reference to None on every void Qt call, and Haven aborted with
"none_dealloc" after a few thousand calls; pyproject.toml pins PySide6 below 6.12. This
test fails if a binding with that fault is installed again.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_alive(qtbot: Any) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(500):
        label.setText("x")
    assert sys.getrefcount(None) >= before - 50
