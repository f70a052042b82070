"""Autosave survives SIGKILL at random moments (SPEC 3: a crash loses at most the last
second of typing).

A child process autosaves one draft in a loop and prints each counter after its
transaction committed; the parent kills it at a random moment, reopens the database the
way Haven does and checks that every acknowledged save is there, that both integrity
checks are clean and that the audit chain verifies. 200 kills by default, more with
HAVEN_KILL_TESTS=1000 for release checks; HAVEN_KILL_SEED replays a failing run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.keys import new_data_key
from app.store import Repository, open_database

REPO_ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("helpers") / "autosave_child.py"
KILLS = int(os.environ.get("HAVEN_KILL_TESTS", "200"))
# Independent databases killed in parallel threads; each child is its own process.
LANES = 2


@dataclass
class Lane:
    path: Path
    key: bytes
    record_id: str
    saved: int = 0


def _make_lane(folder: Path) -> Lane:
    folder.mkdir()
    key = new_data_key()
    db = open_database(folder / "haven.db", key, create=True)
    try:
        repo = Repository(db)
        child = repo.add_subject("setup", "Kill Test Child")
        record = repo.create_draft("setup", child.id, "screening", 1, {"counter": 0})
    finally:
        db.close()
    return Lane(folder / "haven.db", key, record.id)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def _kill_once(lane: Lane, rng: random.Random, label: str) -> int:
    """Run one child, SIGKILL it, reopen, check; returns the last acknowledged counter."""
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(lane.path), lane.record_id, str(lane.saved)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
        env=_child_env(),
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    watchdog = threading.Timer(120, proc.kill)  # a hung child fails the test, not the run
    watchdog.start()
    try:
        proc.stdin.write(f"{lane.key.hex()}\n".encode())
        proc.stdin.close()
        first = proc.stdout.readline()
        if not first:
            proc.wait(10)
            pytest.fail(f"{label}: the child stopped before saving: {proc.stderr.read()!r}")
        time.sleep(rng.uniform(0.02, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, (
        f"{label}: the child exited by itself ({proc.returncode}): {proc.stderr.read()!r}"
    )
    lines = (first + proc.stdout.read()).decode().splitlines()
    proc.stdout.close()
    proc.stderr.close()
    # A line cut off by the kill (no newline yet) is not an acknowledgement.
    acknowledged = [int(line) for line in lines if line.strip().isdigit()]
    last_ack = acknowledged[-1]

    db = open_database(lane.path, lane.key)  # what Haven does on restart
    try:
        cipher_problems = db.execute("PRAGMA cipher_integrity_check")
        assert cipher_problems == [], f"{label}: cipher_integrity_check: {cipher_problems}"
        sqlite_check = db.execute("PRAGMA integrity_check")
        assert sqlite_check == [("ok",)], f"{label}: integrity_check: {sqlite_check}"
        repo = Repository(db)
        answers = repo.get_record(lane.record_id).answers
        saved = int(answers["counter"])
        assert saved >= last_ack, f"{label}: save {last_ack} was acknowledged but {saved} is stored"
        assert answers["note"] == f"autosave {saved}", f"{label}: a torn save: {answers}"
        hits = repo.search(f"autosave {saved}")
        assert [h.item_id for h in hits] == [lane.record_id], f"{label}: search index out of step"
        chain = repo.verify_audit()
        assert chain.ok, f"{label}: audit chain after the kill: {chain.problem}"
    finally:
        db.close()
    return saved


def _run_lane(lane: Lane, kills: int, seed: int, lane_no: int) -> None:
    rng = random.Random(seed * 100 + lane_no)
    for n in range(kills):
        before = lane.saved
        lane.saved = _kill_once(lane, rng, f"seed {seed} lane {lane_no} kill {n + 1}")
        assert lane.saved > before, "the child made no progress before it was killed"


@pytest.mark.slow
def test_autosave_survives_sigkill_at_random_moments(tmp_path: Path) -> None:
    seed = int(os.environ.get("HAVEN_KILL_SEED", str(random.SystemRandom().randrange(10**6))))
    print(f"HAVEN_KILL_SEED={seed} HAVEN_KILL_TESTS={KILLS}")
    lanes = [_make_lane(tmp_path / f"lane{i}") for i in range(LANES)]
    per_lane = [KILLS // LANES + (1 if i < KILLS % LANES else 0) for i in range(LANES)]
    with ThreadPoolExecutor(LANES) as pool:
        futures = [
            pool.submit(_run_lane, lane, count, seed, i)
            for i, (lane, count) in enumerate(zip(lanes, per_lane, strict=True))
        ]
        for future in futures:
            future.result()
