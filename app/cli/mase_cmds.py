"""`haven export mase-pack CHILD --out FILE`: the signed MASE pack for one child.

Registered under `haven export` by app.cli.export_cmds (`add_mase_pack(esub)`), beside
`export pdf`, because it is an export: signed, verified and audited like one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import add_passphrase, add_profile_dir, open_session


def add_mase_pack(esub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `mase-pack` to the `export` subcommands."""
    pack = esub.add_parser(
        "mase-pack",
        help="a child's signed MASE pack (chronology, risk over time, missing episodes, "
        "latest screening and risk assessment)",
    )
    add_profile_dir(pack)
    add_passphrase(pack)
    pack.add_argument("child", metavar="CHILD_ID", help="the child's id or Haven reference")
    pack.add_argument(
        "--out",
        type=Path,
        required=True,
        help="the PDF file to write, or a folder to write <child reference>-mase-pack.pdf in",
    )
    pack.set_defaults(func=cmd_mase_pack)


def cmd_mase_pack(args: argparse.Namespace) -> int:
    from app.export.atomic import write_atomic
    from app.export.exports import Exports
    from app.reports.mase_pack import export_mase_pack
    from app.service import Haven

    exports = Exports(Haven(open_session(args)))
    try:
        pack = export_mase_pack(exports, args.child)
        target: Path = args.out / pack.filename if args.out.is_dir() else args.out
        write_atomic(target, pack.data)
    finally:
        exports.haven.session.lock()
    # The reference, never the child's name: terminals keep scroll-back and logs.
    print(f"Saved the signed MASE pack to {target}")
    return 0
