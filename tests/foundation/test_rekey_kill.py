"""Rotating the data key (PRAGMA rekey) is safe against interruption.

The issue: "a rekey of the data key itself (PRAGMA rekey) is interrupted-safe (test: kill
during rekey 20 times, the old or new key always opens it)". A child process unlocks a
profile of a few megabytes and rekeys it; the parent kills it at moments spread over the
whole rotation, then unlocks with the passphrase as a user would and checks every record.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app import keys
from app.profile import KEY_NAME, Session, unlock

REPO_ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("helpers") / "rekey_child.py"
KILLS = 20
RECORDS = 60
ANSWER_BYTES = 50_000  # 60 x 50 kB: a ~3 MB database, so PRAGMA rekey takes a while


def _fill(session: Session) -> None:
    child = session.repo.add_subject(session.actor, "Rekey Test Child")
    for n in range(RECORDS):
        answers = {"n": n, "notes": f"{n:03d}-" + "abcdefghij" * (ANSWER_BYTES // 10)}
        session.repo.create_draft(session.actor, child.id, "screening", 1, answers)


def _content_digest(session: Session) -> str:
    records = sorted(session.repo.list_records(), key=lambda r: r.id)
    body = json.dumps([[r.id, r.answers] for r in records], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _data_key(folder: Path, passphrase: str) -> bytes:
    return keys.unwrap_with_passphrase(keys.read_key_file(folder / KEY_NAME), passphrase)


def _check_unlocks(folder: Path, passphrase: str, digest: str, label: str) -> None:
    session = unlock(folder, passphrase)
    try:
        assert session.db.integrity_problems() == [], f"{label}: integrity check failed"
        assert len(session.repo.list_records()) == RECORDS, f"{label}: records lost"
        assert _content_digest(session) == digest, f"{label}: record content changed"
        chain = session.repo.verify_audit()
        assert chain.ok, f"{label}: audit chain: {chain.problem}"
    finally:
        session.lock()
    # Unlocking settled any half-finished rotation: one set of wraps, none pending.
    assert keys.read_key_file(folder / KEY_NAME).pending == (), f"{label}: pending wraps left"


def _start_child(folder: Path, mode: str, passphrase: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(folder), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
        env=env,
    )
    assert proc.stdin is not None
    proc.stdin.write(f"{passphrase}\n".encode())
    proc.stdin.close()
    proc.stdin = None  # so communicate() does not flush the closed pipe
    watchdog = threading.Timer(120, proc.kill)  # a hung child fails the test, not the run
    watchdog.daemon = True
    watchdog.start()
    return proc


def _finish(proc: subprocess.Popen[bytes]) -> tuple[list[str], str]:
    out, err = proc.communicate(timeout=60)
    return out.decode().split(), err.decode()


@pytest.fixture
def big_profile(
    tmp_path: Path, new_profile: Callable[..., Session], passphrase: str
) -> tuple[Path, str]:
    """A locked profile of about 3 MB and the digest of its records."""
    folder = tmp_path / "profile"
    session = new_profile(folder, passphrase)
    _fill(session)
    digest = _content_digest(session)
    session.lock()
    assert (folder / "haven.db").stat().st_size > 2_000_000
    return folder, digest


@pytest.mark.slow
def test_kill_during_rekey_at_spread_moments_always_unlocks(
    big_profile: tuple[Path, str], passphrase: str
) -> None:
    folder, digest = big_profile
    seed = int(os.environ.get("HAVEN_KILL_SEED", str(random.SystemRandom().randrange(10**6))))
    rng = random.Random(seed)
    print(f"HAVEN_KILL_SEED={seed}")

    # One uninterrupted rotation: it must change the key, and it times the window to aim
    # at, from the pending wraps reaching the disk to the child's exit.
    key_before = _data_key(folder, passphrase)
    proc = _start_child(folder, "run", passphrase)
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"unlocked\n"
    assert proc.stdout.readline() == b"pending\n"
    started = time.monotonic()
    phases, err = _finish(proc)
    window = time.monotonic() - started
    assert proc.returncode == 0, err
    assert phases == ["rekeyed", "locked"]
    assert _data_key(folder, passphrase) != key_before
    _check_unlocks(folder, passphrase, digest, "after an uninterrupted rekey")

    reached: list[str] = []
    for n in range(KILLS):
        # Stratified: kill n lands in the n-th twentieth of the window (stretched a little),
        # so the kills cover PRAGMA rekey itself, the key file's promotion and the lock.
        delay = window * 1.1 * (n + rng.random()) / KILLS
        proc = _start_child(folder, "run", passphrase)
        assert proc.stdout is not None
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        assert lines == [b"unlocked\n", b"pending\n"], f"seed {seed} kill {n + 1}: {lines}"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        phases, err = _finish(proc)
        reached.append(phases[-1] if phases else "pending")
        label = f"seed {seed} kill {n + 1} after {delay:.3f}s (reached {reached[-1]!r})"
        _check_unlocks(folder, passphrase, digest, label)
    print("phase reached at each kill:", reached)
    # The kills really did interrupt the rotation, not only land after it.
    assert "pending" in reached, reached


@pytest.mark.parametrize("mode", ["kill-after-pending", "kill-after-rekey"])
def test_kill_at_each_step_of_the_rotation(
    big_profile: tuple[Path, str], passphrase: str, mode: str
) -> None:
    """The two steps a random kill rarely hits exactly: pending wraps written but the
    database not yet rekeyed, and the database rekeyed but its WAL not yet checkpointed."""
    folder, digest = big_profile
    key_before = _data_key(folder, passphrase)
    proc = _start_child(folder, mode, passphrase)
    phases, err = _finish(proc)
    assert proc.returncode == -signal.SIGKILL, err
    assert phases[-1] == ("pending" if mode == "kill-after-pending" else "rekeyed")
    if mode == "kill-after-pending":
        assert keys.read_key_file(folder / KEY_NAME).pending != ()
    else:
        assert (folder / "haven.db-wal").stat().st_size > 0

    _check_unlocks(folder, passphrase, digest, mode)
    key_after = _data_key(folder, passphrase)
    if mode == "kill-after-pending":
        assert key_after == key_before  # the rotation never reached the database
    else:
        assert key_after != key_before  # it did: the new key is the one kept


def test_failure_between_pending_wraps_and_rekey_leaves_the_old_key_working(
    big_profile: tuple[Path, str], passphrase: str
) -> None:
    folder, digest = big_profile
    key_before = _data_key(folder, passphrase)
    session = unlock(folder, passphrase)

    def fail() -> None:
        raise RuntimeError("interrupted between the pending wraps and PRAGMA rekey")

    with pytest.raises(RuntimeError, match="interrupted"):
        session.rekey(passphrase, after_pending=fail)
    assert keys.read_key_file(folder / KEY_NAME).pending != ()
    session.lock()

    _check_unlocks(folder, passphrase, digest, "after a failed rekey")
    assert _data_key(folder, passphrase) == key_before
