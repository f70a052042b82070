"""`haven report lscb`: the anonymised LSCB CSE dataset for a quarter, from the shell."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import UserError, add_passphrase, add_profile_dir, open_session


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="anonymised reports made from this profile")
    rsub = report.add_subparsers(dest="report_command", required=True)
    lscb = rsub.add_parser(
        "lscb",
        help="the LSCB CSE dataset (framework Appendix 14) for a quarter and the year to date",
    )
    add_profile_dir(lscb)
    add_passphrase(lscb)
    lscb.add_argument(
        "--quarter",
        required=True,
        help="year and quarter, e.g. 2026Q3 (quarters as set in resources/lscb.yaml)",
    )
    lscb.add_argument("--csv", type=Path, help="save the counts as CSV to this file")
    lscb.add_argument("--pdf", type=Path, help="save the report with charts as PDF to this file")
    lscb.set_defaults(func=cmd_report_lscb)


def cmd_report_lscb(args: argparse.Namespace) -> int:
    """Check the quarter before unlocking, so a typing mistake costs no passphrase."""
    from app.reports.lscb import load_config, lscb_dataset, quarter_period
    from app.reports.lscb_output import save_lscb
    from app.service import Haven

    if args.csv is None and args.pdf is None:
        raise UserError("Give --csv FILE and/or --pdf FILE to say where to save the report.")
    quarter_period(args.quarter, load_config().year_starts_month)
    haven = Haven(open_session(args))
    try:
        report = lscb_dataset(haven, args.quarter)
        written = save_lscb(haven, report, csv_path=args.csv, pdf_path=args.pdf)
    finally:
        haven.session.lock()
    for path in written:
        print(f"Saved the LSCB dataset for {report.quarter.name} to {path}")
    return 0
