"""Child process for test_perf_autosave_index: autosaves through Haven, then waits to die.

argv: profile folder, record id, a word to type. stdin: the passphrase. It prints "saved"
only after `Haven.save_draft` returned (the transaction committed), then blocks until the
parent SIGKILLs it, so nothing after the save (no drain, no lock) ever runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from app.profile import unlock
from app.service import Haven


def main() -> None:
    folder, record_id, word = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    haven = Haven(unlock(folder, sys.stdin.readline().rstrip("\n")))
    record = haven.record(record_id)
    answers = dict(record.answers)
    answers["address"] = f"Seen near the canal with {word} twice this week"
    haven.save_draft(record_id, answers)
    sys.stdout.write("saved\n")
    sys.stdout.flush()
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
