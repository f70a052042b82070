"""Child process for test_rekey_kill: unlock a profile and rotate its data key.

argv: profile folder, then "run" (finish normally), "kill-after-pending" (SIGKILL itself
once the pending wraps are on disk, before PRAGMA rekey) or "kill-after-rekey" (SIGKILL
itself as soon as rekey returns, before the WAL is checkpointed at lock). stdin: the
passphrase. Prints a line as each phase is reached so the parent knows where a kill fell.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from app.profile import unlock


def say(line: str) -> None:
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def main() -> None:
    folder, mode = Path(sys.argv[1]), sys.argv[2]
    passphrase = sys.stdin.readline().rstrip("\n")
    session = unlock(folder, passphrase)
    say("unlocked")

    def after_pending() -> None:
        say("pending")
        if mode == "kill-after-pending":
            os.kill(os.getpid(), signal.SIGKILL)

    session.rekey(passphrase, after_pending=after_pending)
    say("rekeyed")
    if mode == "kill-after-rekey":
        os.kill(os.getpid(), signal.SIGKILL)
    session.lock()
    say("locked")


if __name__ == "__main__":
    main()
