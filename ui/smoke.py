"""`haven-desktop --smoke-test`: prove an installed copy can open its main window, then quit.

IT and CI run this on a freshly built bundle (installer/smoke.py) in a bare environment:
it makes a throwaway profile with a fictional user in a temporary folder, opens the main
window on it, and quits as soon as the window has been painted. Exit 0 means Qt found a
platform plugin, the store opened (SQLCipher, Argon2id, the forms and the window's models
all loaded) and the window drew itself; anything else is a non-zero exit with one line
saying what did not happen. No real profile, keychain or crash-log folder is touched.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.domain import ProfileInfo
from app.profile import Session, create_profile
from ui.app import Shell
from ui.theme import apply_theme
from ui.workers import wait_for_all

TIMEOUT_MS = 60_000
"""Give up (exit 1) when the window has not painted by then: a hang is a failure too."""

SMOKE_USER = ProfileInfo(
    name="Smoke Test",
    role="practitioner",
    agency="Haven installation check",
    local_authority="Birmingham",
)


class _FirstPaint(QObject):
    """Quits the application once the watched window has handled its first paint."""

    def __init__(self, app: QApplication, session: Session) -> None:
        super().__init__()
        self._app = app
        self._session = session
        self.painted = False
        self.session_open = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            self.session_open = self._session.is_open  # the window shows the workspace
            # After this paint has finished, not in the middle of it.
            QTimer.singleShot(0, self._app.quit)
        return False


def run_smoke_test() -> int:
    """Open the main window on a fresh temporary profile; 0 once it has painted."""
    started = time.monotonic()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Haven")
    app.setOrganizationName("Haven")
    apply_theme(app)
    with tempfile.TemporaryDirectory(prefix="haven-smoke-") as tmp:
        folder = Path(tmp) / "profile"
        # A random passphrase nobody needs again: the folder is deleted on the way out.
        session = create_profile(folder, SMOKE_USER, secrets.token_urlsafe(24))
        shell = Shell(folder, listen_to_os=False, try_keychain=False)
        watcher = _FirstPaint(app, session)
        window: QWidget = shell.open_window(folder, session)
        window.installEventFilter(watcher)
        QTimer.singleShot(TIMEOUT_MS, lambda: app.exit(1))
        code = app.exec()
        shell.shutdown()
        wait_for_all(5000)
    elapsed = time.monotonic() - started
    if code != 0 or not watcher.painted:
        print(f"haven: smoke test: the main window did not paint within {TIMEOUT_MS // 1000} s.")
        return 1
    if not watcher.session_open:
        print("haven: smoke test: the main window painted but the profile did not open.")
        return 1
    platform = QApplication.platformName()
    print(f"Smoke test: main window painted on '{platform}' in {elapsed:.2f} s.")
    return 0
