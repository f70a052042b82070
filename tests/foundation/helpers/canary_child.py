"""Child process for test_encryption: puts a canary into every kind of field, then waits.

argv: profile folder, canary, log file. stdin: the passphrase, then any line to lock.
Every logger logs at DEBUG into the log file, and TMPDIR is set by the parent, so the
parent can search the database, its -wal, temporary files and logs while the profile is
open and again after it is locked.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from app.domain import ProfileInfo
from app.profile import create_profile


def say(line: str) -> None:
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def main() -> None:
    folder, canary, log_path = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    logging.basicConfig(filename=log_path, level=logging.DEBUG, force=True)
    passphrase = sys.stdin.readline().rstrip("\n")
    session = create_profile(
        folder, ProfileInfo("Canary Worker", "dsl", "Canary Agency", "Walsall"), passphrase
    )
    repo, actor = session.repo, session.actor
    child = repo.add_subject(actor, f"{canary} Child", known_as=canary)
    record = repo.create_draft(
        actor, child.id, "screening", 1, {"notes": canary}, summary=f"{canary} summary"
    )
    for n in range(20):
        repo.save_draft(
            actor, record.id, {"notes": f"{canary} {n}", "n": n}, summary=f"{canary} {n}"
        )
    if not repo.search(canary) or not repo.search(canary[:8]):
        raise SystemExit("the search index did not find the canary")
    repo.get_record(record.id, viewer=actor)
    say("saved")
    sys.stdin.readline()
    session.lock()
    say("locked")


if __name__ == "__main__":
    main()
