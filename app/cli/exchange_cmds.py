"""`haven send-to-dsl|import|inbox|queue|review|return|trust`: the relay between Havens.

A practitioner sends a completed record to their DSL (`send-to-dsl`, through the outbox or
as an .eml file for a stick or shared folder); the DSL imports it (`import FILE.eml` or
`inbox fetch` from the organisation mailbox), works through `queue`, and marks it
reviewed or returns it. Exit status: 0 when everything asked for was done; 1 when any
file was refused or an action failed (the message says why; nothing was changed).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.cli.common import (
    UserError,
    add_passphrase,
    add_profile_dir,
    open_session,
    print_json,
    stdin_line,
)


def _session_args(parser: argparse.ArgumentParser) -> None:
    add_profile_dir(parser)
    add_passphrase(parser)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    send = sub.add_parser("send-to-dsl", help="send a completed record to your DSL's Haven")
    _session_args(send)
    send.add_argument("id", help="a completed record with a sharing decision")
    send.add_argument("--recipient", default="dsl", help="directory recipient (default: dsl)")
    send.add_argument("--out", type=Path, help="save the package as .eml instead of queuing it")
    send.set_defaults(func=cmd_send)

    imp = sub.add_parser("import", help="import records received from another Haven (.eml)")
    _session_args(imp)
    imp.add_argument("files", type=Path, nargs="+")
    imp.add_argument(
        "--child",
        help="file with this child (id or reference), or 'new' for a new child, when the "
        "package may be about a child already here",
    )
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=cmd_import)

    inbox = sub.add_parser("inbox", help="the mailbox received records arrive in (IMAP)")
    isub = inbox.add_subparsers(dest="inbox_command", required=True)
    iset = isub.add_parser("set", help="the IMAP server (password on stdin after the passphrase)")
    add_profile_dir(iset)
    iset.add_argument("--passphrase-stdin", action="store_true")
    iset.add_argument("--host", required=True)
    iset.add_argument("--port", type=int, default=993)
    iset.add_argument("--user", required=True)
    iset.add_argument("--password-stdin", action="store_true")
    iset.add_argument("--tls", choices=("implicit", "starttls"), default="implicit")
    iset.add_argument("--mailbox", default="INBOX")
    iset.add_argument("--ca", type=Path, help="extra CA certificate (PEM) for a private server")
    iset.set_defaults(func=cmd_inbox_set)
    fetch = isub.add_parser("fetch", help="import unread packages from the mailbox")
    _session_args(fetch)
    fetch.add_argument("--json", action="store_true")
    fetch.set_defaults(func=cmd_inbox_fetch)
    ifile = isub.add_parser("file", help="file a held package with a child")
    _session_args(ifile)
    ifile.add_argument("received_id")
    ifile.add_argument("--child", required=True, help="child id or reference, or 'new'")
    ifile.set_defaults(func=cmd_inbox_file)

    queue = sub.add_parser("queue", help="what is waiting: received records, due interviews, ...")
    _session_args(queue)
    queue.add_argument("--json", action="store_true")
    queue.set_defaults(func=cmd_queue)

    review = sub.add_parser("review", help="mark a received record reviewed")
    _session_args(review)
    review.add_argument("id")
    review.add_argument("--note", default="")
    review.set_defaults(func=cmd_review)

    ret = sub.add_parser("return", help="return a received record to its author to amend")
    _session_args(ret)
    ret.add_argument("id")
    ret.add_argument("--reason", required=True)
    ret.add_argument("--out", type=Path, help="save the return as .eml instead of queuing it")
    ret.set_defaults(func=cmd_return)

    trust = sub.add_parser("trust", help="whose signed packages this profile accepts")
    tsub = trust.add_subparsers(dest="trust_command", required=True)
    tadd = tsub.add_parser("add", help="trust a certificate (PEM), or a CA's certificates")
    _session_args(tadd)
    tadd.add_argument("file", type=Path)
    tadd.add_argument("--label", default="")
    tadd.set_defaults(func=cmd_trust_add)
    tlist = tsub.add_parser("list")
    _session_args(tlist)
    tlist.set_defaults(func=cmd_trust_list)


@contextmanager
def _exchange(args: argparse.Namespace) -> Iterator[Any]:
    from app.exchange.relay import Exchange
    from app.export.exports import Exports
    from app.service import Haven

    exchange = Exchange(Exports(Haven(open_session(args))))
    try:
        yield exchange
    finally:
        exchange.haven.session.lock()


def _write(path: Path, data: bytes) -> None:
    from app.export.atomic import write_atomic

    write_atomic(path, data)


def _read(path: Path) -> bytes:
    from app.exchange.format import MAX_MESSAGE_BYTES

    try:
        if path.stat().st_size > MAX_MESSAGE_BYTES:
            return b"x" * (MAX_MESSAGE_BYTES + 1)  # refused as too large, unread
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"Could not read {path.name}.") from exc


def cmd_send(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        package = ex.send_record(args.id, args.recipient, queue=args.out is None)
        if args.out is not None:
            _write(args.out, package.message_bytes)
            print(f"Saved the package for {args.recipient} to {args.out}")
        else:
            print(f"Queued in the outbox as {package.outbox_id}; 'haven outbox send' sends it.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from app.errors import ImportRefused
    from app.exchange.relay import summary_json

    blobs = [(path.name, _read(path)) for path in args.files]
    with _exchange(args) as ex:
        results = ex.import_files(blobs, child=args.child)
    refused = 0
    rows: list[dict[str, Any]] = []
    for name, result in results:
        if isinstance(result, ImportRefused):
            refused += 1
            rows.append(
                {"file": name, "status": "refused", "reason": result.reason, "message": str(result)}
            )
            if not args.json:
                print(f"{name}: refused: {result}")
            continue
        rows.append({"file": name, **summary_json(result)})
        if not args.json:
            print(f"{name}: {result.message}")
            if result.status == "held" and result.received is not None:
                print(
                    f"  To file it: haven inbox file {result.received.id} --child "
                    f"{' | '.join([*(c.ref for c in result.candidates), 'new'])}"
                )
    if args.json:
        print_json(rows)
    return 1 if refused else 0


def cmd_inbox_set(args: argparse.Namespace) -> int:
    from app.exchange.inbox import configure_inbox

    with _exchange(args) as ex:
        password = stdin_line("mailbox password") if args.password_stdin else None
        ca = args.ca.read_text("ascii") if args.ca else None
        configure_inbox(
            ex,
            args.host,
            args.port,
            args.user,
            password,
            tls=args.tls,
            mailbox=args.mailbox,
            ca_pem=ca,
        )
        print("Mailbox saved.")
    return 0


def cmd_inbox_fetch(args: argparse.Namespace) -> int:
    from app.exchange.inbox import fetch_inbox
    from app.exchange.relay import summary_json

    with _exchange(args) as ex:
        summary = fetch_inbox(ex)
    if args.json:
        print_json(
            {
                "seen": summary.seen,
                "imported": [summary_json(r) for r in summary.results],
                "refused": [{"reason": r.reason, "message": str(r)} for r in summary.refused],
                "too_large": summary.too_large,
                "left_unread": summary.left,
            }
        )
    else:
        print(f"Read {summary.seen} message(s).")
        for line in summary.lines():
            print(f"  {line}")
    return 1 if summary.refused or summary.too_large else 0


def cmd_inbox_file(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        result = ex.file_held(args.received_id, args.child)
        print(result.message)
    return 0


def cmd_queue(args: argparse.Namespace) -> int:
    from app.exchange.queue import QUEUE_KINDS, build_queue, queue_json

    with _exchange(args) as ex:
        queue = build_queue(ex)
    if args.json:
        print_json(queue_json(queue))
        return 0
    if not queue.entries:
        print("Nothing is waiting.")
    counts = queue.counts()
    for kind, heading in QUEUE_KINDS.items():
        if not counts[kind]:
            continue
        print(f"{heading} ({counts[kind]})")
        for entry in queue.of(kind):
            ref = entry.record_ref or entry.subject_ref or entry.received_id or entry.outbox_id
            print(f"  {ref}\t{entry.title}\t{entry.detail}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        ex.mark_reviewed(args.id, args.note)
        print("Marked reviewed.")
    return 0


def cmd_return(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        package = ex.return_to_author(args.id, args.reason, queue=args.out is None)
        if args.out is not None:
            _write(args.out, package.message_bytes)
            print(f"Returned; saved the package for its author to {args.out}")
        else:
            print(f"Returned; queued in the outbox as {package.outbox_id}.")
    return 0


def cmd_trust_add(args: argparse.Namespace) -> int:
    try:
        pem = args.file.read_text("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"Could not read {args.file.name} as a PEM certificate.") from exc
    with _exchange(args) as ex:
        entry = ex.trust(pem, args.label)
        print(f"Trusted {entry.label or 'certificate'} (SHA-256 {entry.fingerprint}).")
    return 0


def cmd_trust_list(args: argparse.Namespace) -> int:
    with _exchange(args) as ex:
        entries = ex.trust_list()
    if not entries:
        print("No certificates are trusted yet: received packages will be refused.")
    for entry in entries:
        kind = "issuing CA" if entry.is_ca else "certificate"
        lock = ", set by your organisation" if entry.locked else ""
        print(f"{entry.fingerprint}\t{kind}\t{entry.label}{lock}")
    return 0
