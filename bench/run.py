"""Haven's performance claims, measured against baselines taken in the same run.

Run with `make bench` (or `.venv/bin/python bench/run.py`). Every figure is printed next
to the floor it is compared with, as a ratio, so a slow or noisy machine moves both:
- autosave: Repository.save_draft (UPDATE + search index + audit check, synchronous=FULL)
  vs a bare SQLCipher upsert of the same JSON with the same pragmas;
- unlock: app.profile.unlock (Argon2id + key file + open + integrity check) vs Argon2id alone;
- search: Repository.search over N records vs a bare FTS5 MATCH on the same table.
Claims: an autosave stays within a few times the bare upsert (one short transaction, well
under the 1 s of typing at risk); unlock stays under 0.5 s; search stays interactive.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain import ProfileInfo
from app.keys import KdfParams, derive_passphrase_key
from app.profile import create_profile, unlock

PASS = "bench passphrase that is long"


def _timed(fn, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    folder = Path(tempfile.mkdtemp()) / "bench"
    info = ProfileInfo("Bench User", "practitioner", "Bench", "Sandwell")
    session = create_profile(folder, info, PASS)
    repo = session.repo
    child = repo.add_subject(session.actor, "Bench Child", "2012-01-01")
    answers = {f"item_{i}": "some typed words " * 20 for i in range(12)}
    record = repo.create_draft(session.actor, child.id, "screening", 1, answers)
    counter = 0

    def haven_save() -> None:
        nonlocal counter
        counter += 1
        answers["item_0"] = f"typing {counter}"
        repo.save_draft(session.actor, record.id, answers, summary=json.dumps(answers))

    conn = session.db._conn  # the same connection and pragmas, bare statement
    conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, body TEXT)")

    def floor_save() -> None:
        nonlocal counter
        counter += 1
        answers["item_0"] = f"typing {counter}"
        conn.execute(
            "INSERT INTO bench_floor (id, body) VALUES (1, ?) "
            "ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            (json.dumps(answers),),
        )

    for _ in range(50):
        haven_save()
        floor_save()
    haven = _timed(haven_save, 500)
    floor = _timed(floor_save, 500)
    print(
        f"autosave p50 {statistics.median(haven) * 1000:.2f} ms (floor "
        f"{statistics.median(floor) * 1000:.2f} ms, ratio "
        f"{statistics.median(haven) / statistics.median(floor):.1f}x); p99 "
        f"{_p(haven, 0.99) * 1000:.2f} ms (floor {_p(floor, 0.99) * 1000:.2f} ms)"
    )

    for i in range(2000):
        repo.create_draft(
            session.actor, child.id, "screening", 1, {}, summary=f"record {i} word{i % 97} text"
        )
    search = _timed(lambda: repo.search("word42"), 50)
    floor_search = _timed(
        lambda: conn.execute(
            "SELECT item_id FROM search_index WHERE search_index MATCH ? LIMIT 50", ('"word42"*',)
        ).fetchall(),
        50,
    )
    print(
        f"search over 2,000 records p50 {statistics.median(search) * 1000:.2f} ms (bare FTS5 "
        f"{statistics.median(floor_search) * 1000:.2f} ms, ratio "
        f"{statistics.median(search) / statistics.median(floor_search):.1f}x)"
    )
    session.lock()

    params = KdfParams()
    argon = _timed(lambda: derive_passphrase_key(PASS, b"0" * 16, params), 5)
    opened = []
    for _ in range(5):
        start = time.perf_counter()
        s = unlock(folder, PASS)
        opened.append(time.perf_counter() - start)
        s.lock()
    print(
        f"unlock median {statistics.median(opened) * 1000:.0f} ms (Argon2id alone "
        f"{statistics.median(argon) * 1000:.0f} ms, ratio "
        f"{statistics.median(opened) / statistics.median(argon):.2f}x; budget 500 ms)"
    )


if __name__ == "__main__":
    main()
