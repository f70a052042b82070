"""Fixtures for the desktop shell's tests (pytest-qt, offscreen, real widgets).

Every test gets its own data folder (XDG_DATA_HOME), an in-memory keychain, its own
QSettings folder, and a clean teardown: windows closed, sessions locked, worker threads
joined (house habit 8). Nothing sleeps: waits are qtbot.waitUntil / waitSignal, and the
unlock back-off delay is injected (`FakeWait`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
from helpers.form_driver import Workbench, make_workbench
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.domain import ProfileInfo
from app.profile import Session, create_profile
from tests.haven_testkit import PASSPHRASE, MemoryKeyring

USER = ProfileInfo(
    name="Robin Testworker",
    role="practitioner",
    agency="Example Academy",
    local_authority="Sandwell",
    email="robin@example.org",
)


@dataclass
class FakeWait:
    """Records the unlock back-off delays instead of waiting; `finish()` ends the wait."""

    delays: list[float] = field(default_factory=list)
    pending: list[Callable[[], None]] = field(default_factory=list)

    def __call__(self, seconds: float, callback: Callable[[], None]) -> None:
        self.delays.append(seconds)
        self.pending.append(callback)

    def finish(self) -> None:
        callbacks, self.pending = self.pending, []
        for callback in callbacks:
            callback()


@pytest.fixture(autouse=True)
def isolated_shell_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MemoryKeyring]:
    data_home = tmp_path / "xdg-data"
    data_home.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    settings_dir = tmp_path / "qsettings"
    settings_dir.mkdir(exist_ok=True)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(settings_dir))
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(MemoryKeyring())


@pytest.fixture(autouse=True)
def clean_qt(qapp: QApplication) -> Iterator[None]:
    """Close every window and join Haven's worker threads after each test."""
    yield
    import shiboken6

    from ui.workers import wait_for_all

    for widget in QApplication.topLevelWidgets():
        if not shiboken6.isValid(widget):
            continue
        lock = getattr(widget, "lock", None)
        if hasattr(lock, "forget_session"):
            session = getattr(widget, "session", None)
            lock.forget_session()
            if session is not None:
                session.lock()
        widget.close()
        widget.deleteLater()
    assert wait_for_all(10_000)
    QApplication.processEvents()
    QApplication.clipboard().clear()


@pytest.fixture
def fake_wait() -> FakeWait:
    return FakeWait()


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    """A real encrypted profile, created and locked again, ready to unlock."""
    folder = tmp_path / "profiles" / "default"
    session = create_profile(folder, USER, PASSPHRASE)
    session.lock()
    return folder


@pytest.fixture
def open_session(profile_dir: Path) -> Iterator[Session]:
    from app.profile import unlock

    session = unlock(profile_dir, PASSPHRASE)
    yield session
    session.lock()


@pytest.fixture
def window_factory(
    qtbot: object, profile_dir: Path, fake_wait: FakeWait
) -> Iterator[Callable[..., object]]:
    """Build a MainWindow on the test profile, unlocked with a session when one is given."""
    from ui.main_window import MainWindow

    made: list[MainWindow] = []

    def make(session: Session | None = None, **kwargs: object) -> MainWindow:
        options: dict[str, object] = {
            "listen_to_os": False,
            "try_keychain": False,
            "unlock_wait": fake_wait,
        }
        options.update(kwargs)
        window = MainWindow(profile_dir, **options)  # type: ignore[arg-type]
        made.append(window)
        window.show()
        window.activateWindow()
        if session is not None:
            window.open_session(session)
        return window

    yield make
    for window in made:
        if window.session is not None:
            window.lock.forget_session()
            window.session.lock()


@pytest.fixture
def shell_passphrase() -> str:
    return PASSPHRASE


@pytest.fixture
def shell_user() -> ProfileInfo:
    return USER


@pytest.fixture
def new_keyring() -> Callable[[], KeyringBackend]:
    """Make a fresh, empty in-memory keychain (e.g. one that lost Haven's entry)."""
    return MemoryKeyring


@pytest.fixture
def bench(tmp_path: Path, qtbot: Any) -> Iterator[Workbench]:
    """A form view's workbench on a new profile (helpers/form_driver.py), closed after."""
    workbench = make_workbench(tmp_path / "profile")
    yield workbench
    workbench.close()
