"""Unlock does not wait for the whole-file integrity check (issue 11).

`cipher_integrity_check` reads every page; on a store of years of records that took
seconds of every unlock. It now runs after unlock on its own read-only connection in a
background thread; lock and quit never wait for it, and a cancelled check marks nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.profile import Session, unlock
from app.store.connection import IntegrityCheck


def test_unlock_returns_while_the_check_is_still_running(
    tmp_path: Path,
    new_profile: Callable[..., Session],
    passphrase: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "profile"
    new_profile(folder, passphrase).lock()
    release = threading.Event()
    real_check = IntegrityCheck._check

    def slow_check(self: IntegrityCheck) -> list[str]:
        release.wait(30)  # stands for seconds of reading a large file
        return real_check(self)

    monkeypatch.setattr(IntegrityCheck, "_check", slow_check)
    started = time.perf_counter()
    session = unlock(folder, passphrase)
    try:
        assert session.db.integrity is not None
        time.sleep(session.db.integrity._delay + 0.2)
        assert session.integrity_state() == "running"
        assert time.perf_counter() - started < 25
        session.repo.add_subject(session.actor, "Written While Checking")  # writes go on
        release.set()
        assert session.db.integrity.wait(timeout=30) == "ok"
    finally:
        release.set()
        session.lock()


def test_lock_does_not_wait_for_the_check_and_a_cancelled_check_marks_nothing(
    tmp_path: Path,
    new_profile: Callable[..., Session],
    passphrase: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "profile"
    new_profile(folder, passphrase).lock()
    release = threading.Event()

    def stuck_then_damaged(self: IntegrityCheck) -> list[str]:
        release.wait(30)
        return ["page 3: hmac check failed"]

    monkeypatch.setattr(IntegrityCheck, "_check", stuck_then_damaged)
    session = unlock(folder, passphrase)
    check = session.db.integrity
    assert check is not None
    time.sleep(check._delay + 0.2)
    started = time.perf_counter()
    session.lock()
    assert time.perf_counter() - started < 5  # the check is still stuck
    release.set()
    assert check.wait(timeout=30) == "cancelled"
    assert not session.db.damaged
