"""Child process for test_flow_outbox: sends what is due, then hangs until it is killed.

argv: profile folder. stdin: the passphrase (never on the command line). The real SMTP
delivery runs; once the server has accepted the message the child prints one line and
waits, so the parent can SIGKILL it after `mark_sending` and before `record_attempt`: the
moment a crash or power cut would hurt most.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from app.export.exports import Exports
from app.outbox import smtp
from app.profile import unlock
from app.service import Haven


def main() -> None:
    folder = Path(sys.argv[1])
    session = unlock(folder, sys.stdin.readline().rstrip("\n"))
    exports = Exports(Haven(session))

    def deliver_then_hang(*args: Any) -> smtp.DeliveryResult:
        result = smtp.deliver(*args)
        sys.stdout.write(f"delivered {result.ok} {result.reply_code}\n")
        sys.stdout.flush()
        threading.Event().wait()  # until SIGKILL
        return result

    exports.send_due(deliver=deliver_then_hang)


if __name__ == "__main__":
    main()
