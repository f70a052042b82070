"""Child process for test_kill_autosave: autosaves one draft in a tight loop until killed.

argv: database path, record id, the last counter already saved. stdin: the raw data key
in hex (never on the command line or in the environment, where other users could see it).
Each counter is printed only after `save_draft` has returned, i.e. after its transaction
committed, so every printed counter must survive a SIGKILL.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.store import Repository, open_database


def main() -> None:
    path, record_id, counter = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    key = bytes.fromhex(sys.stdin.readline().strip())
    repo = Repository(open_database(path, key))
    while True:
        counter += 1
        repo.save_draft(
            "autosave-child",
            record_id,
            {"counter": counter, "note": f"autosave {counter}"},
            summary=f"autosave {counter}",
        )
        sys.stdout.write(f"{counter}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
