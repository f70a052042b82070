"""`haven purge [--dry-run] [--json]`: the organisation's retention policy from the shell.

The dry run lists what is due now and what falls due within the policy's notice period
(the warning SPEC 3 asks for) and changes nothing; without it, what is due now is
deleted for good (audited without personal data) and the store is compacted. Output
names records by their opaque references only.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from app.cli.common import add_passphrase, add_profile_dir, open_session, print_json
from app.retention import DueRecord, due_for_purge, load_policy, purge


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser(
        "purge",
        help="delete records due under the retention policy (--dry-run: list them only)",
    )
    add_profile_dir(cmd)
    add_passphrase(cmd)
    cmd.add_argument(
        "--dry-run",
        action="store_true",
        help="list what is due now and within the notice period; delete nothing",
    )
    cmd.add_argument(
        "--within-days",
        type=int,
        default=None,
        help="with --dry-run: how far ahead to look (default: the policy's notice period)",
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")
    cmd.set_defaults(func=cmd_purge)


def _line(item: DueRecord) -> str:
    linked = item.record_count - 1
    extra = f" (and {linked} linked record{'s' if linked != 1 else ''})" if linked else ""
    return (
        f"  {item.ref}\t{item.form_title}\t{item.state}, last action "
        f"{item.last_action.date().isoformat()}\tdue {item.due_at.date().isoformat()}{extra}"
    )


def cmd_purge(args: argparse.Namespace) -> int:
    from app.service import Haven

    policy = load_policy()  # a broken policy file stops here, before unlocking
    session = open_session(args)
    try:
        haven = Haven(session)
        now = datetime.now(UTC)
        if args.dry_run:
            days = policy.notice_days if args.within_days is None else max(0, args.within_days)
            items = due_for_purge(haven, now, days, policy=policy)
            due = [i for i in items if i.is_due(now)]
            later = [i for i in items if not i.is_due(now)]
            if args.json:
                print_json(
                    {
                        "policy": {"source": policy.source, "months": dict(policy.months)},
                        "within_days": days,
                        "due": [i.as_json() for i in due],
                        "upcoming": [i.as_json() for i in later],
                    }
                )
                return 0
            print(f"Retention policy ({policy.source}): {policy.describe()}.")
            print(f"Due for deletion now ({len(due)}):")
            for item in due:
                print(_line(item))
            print(f"Due within the next {days} days ({len(later)}):")
            for item in later:
                print(_line(item))
            print("Dry run: nothing was deleted.")
            return 0
        report = purge(haven, now, policy=policy)
        if args.json:
            print_json(report.as_json())
            return 0
        if not report.purged:
            print("Nothing is due for deletion under the retention policy.")
            return 0
        children = (
            f" and {report.children} child{'ren' if report.children != 1 else ''}"
            " who had no records left"
            if report.children
            else ""
        )
        print(
            f"Deleted {report.records} record{'s' if report.records != 1 else ''}{children}"
            f" under the retention policy ({policy.source}):"
        )
        for item in report.purged:
            print(_line(item))
        if report.skipped:
            print(f"{report.skipped} changed since they were listed and were kept.")
        return 0
    finally:
        session.lock()
