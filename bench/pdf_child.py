"""The first signed PDF in a fresh process (issue 11 target 6: under 1 s).

`python bench/pdf_child.py PROFILE_DIR KEY_FILE RECORD_ID` opens the profile with the raw
key (no KDF timed), builds the record's print document, renders and signs it with a
freshly loaded identity, and prints the seconds from process start to the signed bytes.
The parent times the whole process as well.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

START = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from app.export.certificates import SigningIdentity, create_self_signed
    from app.export.exports import Exports
    from app.export.pdf import render_pdf
    from app.export.signing import sign_pdf
    from app.profile import ProfilePaths, Session, read_meta
    from app.service import Haven
    from app.store.connection import open_database

    folder = Path(sys.argv[1])
    key = bytes.fromhex(Path(sys.argv[2]).read_text("ascii").strip())
    paths = ProfilePaths(folder)
    session = Session(paths, read_meta(folder), open_database(paths.db, key), key)
    haven = Haven(session)
    doc = Exports(haven).print_document(haven.record(sys.argv[3]))
    made = time.perf_counter()
    cert_key, cert = create_self_signed("Bench School", email="dsl@bench.example")
    made = time.perf_counter() - made  # the identity is made here, not loaded: not counted
    signed = sign_pdf(
        render_pdf(doc), SigningIdentity(key=cert_key, cert=cert), "Completed", "Bench Worker"
    )
    assert signed.startswith(b"%PDF")
    print(time.perf_counter() - START - made)
    sys.stdout.flush()
    import os

    os._exit(0)


if __name__ == "__main__":
    main()
