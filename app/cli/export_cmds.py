"""`haven share|export|cert|recipients|smtp|outbox|verify`: what leaves Haven, from the shell."""

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
    read_json_file,
    stdin_line,
)
from app.cli.mase_cmds import add_mase_pack


def _session_args(parser: argparse.ArgumentParser) -> None:
    add_profile_dir(parser)
    add_passphrase(parser)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    share = sub.add_parser("share", help="record the information-sharing decision for a record")
    _session_args(share)
    share.add_argument("id")
    share.add_argument("--answers", type=Path, required=True)
    share.set_defaults(func=cmd_share)

    export = sub.add_parser("export", help="signed PDFs and secure packages")
    esub = export.add_subparsers(dest="export_command", required=True)
    pdf = esub.add_parser("pdf", help="the record as a PDF")
    _session_args(pdf)
    pdf.add_argument("id")
    pdf.add_argument("--out", type=Path, required=True)
    pdf.add_argument("--sign", action="store_true")
    pdf.set_defaults(func=cmd_export_pdf)
    pkg = esub.add_parser("package", help="a signed, encrypted email package (.eml)")
    _session_args(pkg)
    pkg.add_argument("ids", nargs="+", help="one or more completed records of one child")
    pkg.add_argument("--out", type=Path, help="save as .eml for a mail client")
    pkg.add_argument("--recipient", help="recipient id from the directory (e.g. fib)")
    pkg.add_argument("--to", help="mailbox, when not using --recipient")
    pkg.add_argument("--recipient-cert", type=Path, help="recipient's S/MIME certificate (PEM)")
    pkg.add_argument("--queue", action="store_true", help="also place it in the outbox")
    pkg.set_defaults(func=cmd_export_package)
    add_mase_pack(esub)

    cert = sub.add_parser("cert", help="the signing certificate")
    csub = cert.add_subparsers(dest="cert_command", required=True)
    imp = csub.add_parser("import", help="import a PKCS#12 file (password on stdin)")
    add_profile_dir(imp)
    imp.add_argument("file", type=Path)
    imp.add_argument("--passphrase-stdin", action="store_true")
    imp.add_argument("--password-stdin", action="store_true", required=True)
    imp.set_defaults(func=cmd_cert_import)
    self_signed = csub.add_parser("create-self-signed", help="a trial organisation certificate")
    _session_args(self_signed)
    self_signed.add_argument("--org", required=True)
    self_signed.add_argument("--out", type=Path, help="also write the certificate (PEM)")
    self_signed.set_defaults(func=cmd_cert_self_signed)
    cert_export = csub.add_parser(
        "export", help="write this profile's certificate (PEM) for a DSL's trust list"
    )
    _session_args(cert_export)
    cert_export.add_argument("--out", type=Path, required=True)
    cert_export.set_defaults(func=cmd_cert_export)

    recipients = sub.add_parser("recipients", help="the recipients directory")
    rsub = recipients.add_subparsers(dest="recipients_command", required=True)
    rlist = rsub.add_parser("list")
    _session_args(rlist)
    rlist.set_defaults(func=cmd_recipients_list)
    rset = rsub.add_parser("set", help="set a recipient's mailbox and/or certificate")
    _session_args(rset)
    rset.add_argument("id")
    rset.add_argument("--mailbox")
    rset.add_argument("--cert", type=Path)
    rset.set_defaults(func=cmd_recipients_set)

    smtp = sub.add_parser("smtp", help="the mail server used by the outbox")
    ssub = smtp.add_subparsers(dest="smtp_command", required=True)
    sset = ssub.add_parser("set")
    add_profile_dir(sset)
    sset.add_argument("--passphrase-stdin", action="store_true")
    sset.add_argument("--host", required=True)
    sset.add_argument("--port", type=int, default=587)
    sset.add_argument("--user")
    sset.add_argument("--password-stdin", action="store_true", help="then the SMTP password")
    sset.add_argument("--ca", type=Path, help="extra CA certificate (PEM) for a private relay")
    sset.set_defaults(func=cmd_smtp_set)

    outbox = sub.add_parser("outbox", help="queued packages")
    osub = outbox.add_subparsers(dest="outbox_command", required=True)
    olist = osub.add_parser("list")
    _session_args(olist)
    olist.add_argument("--json", action="store_true")
    olist.set_defaults(func=cmd_outbox_list)
    osend = osub.add_parser("send", help="send what is due (or everything with --now)")
    _session_args(osend)
    osend.add_argument("--now", action="store_true", help="ignore back-off and try every item")
    osend.set_defaults(func=cmd_outbox_send)

    verify = sub.add_parser("verify", help="who signed a PDF, when, and whether it changed")
    verify.add_argument("file", type=Path)
    verify.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        help="a certificate (PEM) to trust as the signer's organisation",
    )
    verify.set_defaults(func=cmd_verify)


@contextmanager
def _exports(args: argparse.Namespace) -> Iterator[Any]:
    """The unlocked profile's exports for one command; locked again however it ends."""
    from app.export.exports import Exports
    from app.service import Haven

    ex = Exports(Haven(open_session(args)))
    try:
        yield ex
    finally:
        ex.haven.session.lock()


def _write(path: Path, data: bytes) -> None:
    from app.export.atomic import write_atomic

    write_atomic(path, data)


def cmd_share(args: argparse.Namespace) -> int:
    answers = read_json_file(args.answers)
    if not isinstance(answers, dict):
        raise UserError("The decision file must hold a JSON object of item ids and answers.")
    with _exports(args) as ex:
        decision = ex.record_decision(args.id, answers)
        print(decision.id)
    return 0


def cmd_export_pdf(args: argparse.Namespace) -> int:
    with _exports(args) as ex:
        result = ex.export_pdf(args.id, sign=args.sign)
        _write(args.out, result.data)
        print(f"Saved {'signed ' if result.signed else ''}PDF to {args.out}")
    return 0


def cmd_export_package(args: argparse.Namespace) -> int:
    with _exports(args) as ex:
        mailbox, label, cert = args.to or "", args.to or "", None
        if args.recipient:
            recipient = ex.recipient(args.recipient)
            mailbox, label = recipient.mailbox, recipient.label
            cert = recipient.certificate_pem.encode("ascii") or None
        if args.recipient_cert:
            cert = args.recipient_cert.read_bytes()
        if not mailbox:
            raise UserError("Give --recipient ID or --to MAILBOX.")
        package = ex.build_package(
            args.ids,
            mailbox=mailbox,
            recipient_label=label,
            recipient_certificate_pem=cert,
            for_mail_client=args.out is not None and not args.queue,
        )
        if args.out:
            _write(args.out, package.message_bytes)
            print(f"Saved package to {args.out}")
        if package.zip_passphrase:
            print("The recipient has no certificate, so the files are in an AES-256 archive.")
            print(
                f"Archive passphrase (shown once; send it by another channel): "
                f"{package.zip_passphrase}"
            )
        if args.queue:
            item = ex.queue_package(package, mailbox, label, args.ids)
            print(f"Queued in the outbox as {item}")
    return 0


def cmd_cert_import(args: argparse.Namespace) -> int:
    if args.passphrase_stdin:
        args.passphrase_stdin = True
    with _exports(args) as ex:
        password = stdin_line("certificate password")
        fingerprint = ex.import_certificate(args.file.read_bytes(), password)
        print(f"Imported the signing certificate (SHA-256 {fingerprint}).")
    return 0


def cmd_cert_self_signed(args: argparse.Namespace) -> int:
    with _exports(args) as ex:
        fingerprint = ex.create_self_signed(args.org)
        if args.out:
            _write(args.out, ex.certificate_pem())
        print(
            f"Created a trial organisation certificate (SHA-256 {fingerprint}). Recipients "
            "must be told this fingerprint to trust it."
        )
    return 0


def cmd_cert_export(args: argparse.Namespace) -> int:
    from app.export.certificates import fingerprint_sha256

    with _exports(args) as ex:
        identity = ex.signing_identity()
        _write(args.out, ex.certificate_pem())
        print(f"Saved the certificate (SHA-256 {fingerprint_sha256(identity.cert)}) to {args.out}")
    return 0


def cmd_recipients_list(args: argparse.Namespace) -> int:
    with _exports(args) as ex:
        for r in ex.recipients():
            cert = "certificate" if r.certificate_pem else "no certificate"
            lock = ", set by your organisation" if r.locked else ""
            print(f"{r.id}\t{r.label}\t{r.mailbox or '(no mailbox)'}\t{cert}{lock}")
    return 0


def cmd_recipients_set(args: argparse.Namespace) -> int:
    with _exports(args) as ex:
        cert = args.cert.read_text("ascii") if args.cert else None
        r = ex.set_recipient(args.id, mailbox=args.mailbox, certificate_pem=cert)
        print(f"{r.id}\t{r.mailbox}")
    return 0


def cmd_smtp_set(args: argparse.Namespace) -> int:
    with _exports(args) as ex:
        password = stdin_line("SMTP password") if args.password_stdin else None
        ca = args.ca.read_text("ascii") if args.ca else None
        ex.configure_smtp(args.host, args.port, args.user, password, ca_pem=ca)
        print("Mail server saved.")
    return 0


def cmd_outbox_list(args: argparse.Namespace) -> int:
    with _exports(args) as ex:
        items = ex.repo.list_outbox()
        if args.json:
            print_json(
                [
                    {
                        "id": i.id,
                        "status": i.status,
                        "recipient": i.recipient,
                        "attempts": i.attempts,
                        "message_id": i.message_id,
                        "last_error": i.last_error,
                        "last_reply": i.last_reply,
                        "next_attempt_at": i.next_attempt_at,
                        "sent_at": i.sent_at,
                    }
                    for i in items
                ]
            )
        elif not items:
            print("The outbox is empty.")
        for i in items if not args.json else []:
            print(
                f"{i.id}\t{i.status}\t{i.recipient}\tattempts {i.attempts}\t"
                f"{i.last_reply or i.last_error or ''}"
            )
    return 0


def cmd_outbox_send(args: argparse.Namespace) -> int:
    with _exports(args) as ex:
        report = ex.send_due(force=args.now)
        print(f"Sent {report.sent}; waiting to retry {report.waiting}; failed {report.failed}.")
        for line in report.messages:
            print(f"  {line}")
        return 0 if report.failed == 0 and report.waiting == 0 else 1


def cmd_verify(args: argparse.Namespace) -> int:
    from cryptography import x509

    from app.export.verify import verify_pdf

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise UserError(f"Could not read {args.file.name}.") from exc
    trusted = [x509.load_pem_x509_certificate(p.read_bytes()) for p in args.trust]
    report = verify_pdf(data, trusted_certificates=trusted)
    print(report.summary)
    if report.signed:
        print(f"Signed by: {report.signer}")
        print(f"Signed at: {report.signed_at}{' (timestamped)' if report.timestamped else ''}")
        changed = not (report.intact and report.covers_whole_file)
        print("Changed since signing: " + ("YES" if changed else "no"))
    return 0 if report.signed and report.intact and report.covers_whole_file else 1
