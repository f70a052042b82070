"""One export as the user chose it: a signed PDF saved to a file and/or a secure package
queued in the outbox or saved as an .eml file, run off the UI thread.

The job is plain values (HOUSE_STYLE: workers get plain data, never widgets) and reports
progress through a plain callback. Cancel is honoured at every progress report and before
each step that writes or queues, so a cancelled export never leaves half a result: a PDF
is either saved whole (written atomically) or not at all, and a package is queued only
after it was built. The rules themselves (the sharing decision, signing, auditing, a
training profile never sending) are the `Exports` use cases'.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.export.atomic import write_atomic
from app.export.exports import Exports

JobProgress = Callable[[int, str], None]
"""Percent done (0-100) and a short description of the step, for a progress bar."""


class ExportCancelled(Exception):
    """The user pressed Cancel; raised at the next progress report, before anything else
    is written or queued. Never shown as an error."""


@dataclass(frozen=True)
class ExportJob:
    """What to make, as plain values for the worker."""

    record_id: str
    pdf_path: Path | None = None
    package_record_ids: tuple[str, ...] = ()
    recipient_label: str = ""
    mailbox: str = ""
    certificate_pem: str = ""
    queue: bool = True
    eml_path: Path | None = None

    @property
    def wants_package(self) -> bool:
        return bool(self.package_record_ids)


@dataclass
class ExportOutcome:
    """What really happened. `passphrase` is shown once, then dropped."""

    pdf_path: Path | None = None
    eml_path: Path | None = None
    outbox_id: str | None = None
    recipient_label: str = ""
    encrypted_to_certificate: bool = False
    passphrase: str | None = None


def run_export(
    exports: Exports,
    job: ExportJob,
    stop: threading.Event,
    *,
    progress: JobProgress | None = None,
) -> ExportOutcome:
    """The export itself, off the UI thread. Checks `stop` at every progress report and
    before each step that writes or queues, so Cancel never leaves half a result."""

    def report(percent: float, text: str) -> None:
        if stop.is_set():
            raise ExportCancelled()
        if progress is not None:
            progress(int(max(0.0, min(100.0, percent))), text)

    def part(start: float, span: float, text: str) -> Callable[[float], None]:
        return lambda fraction: report(start + span * fraction, text)

    outcome = ExportOutcome(recipient_label=job.recipient_label)
    pdf_span = 40.0 if job.wants_package and job.pdf_path else 100.0
    if job.pdf_path is not None:
        report(0, "Making and signing the PDF")
        pdf = exports.export_pdf(
            job.record_id,
            sign=True,
            progress=part(0, pdf_span * 0.95, "Making and signing the PDF"),
        )
        report(pdf_span * 0.95, "Saving the PDF")
        write_atomic(job.pdf_path, pdf.data)
        outcome.pdf_path = job.pdf_path
        signed = {job.record_id: pdf.data}
    else:
        signed = {}
    if job.wants_package:
        start = pdf_span if job.pdf_path is not None else 0.0
        span = 100.0 - start
        report(start, "Building the secure package")
        package = exports.build_package(
            list(job.package_record_ids),
            mailbox=job.mailbox,
            recipient_label=job.recipient_label,
            recipient_certificate_pem=job.certificate_pem.encode("ascii")
            if job.certificate_pem
            else None,
            for_mail_client=not job.queue,
            progress=part(start, span * 0.9, "Building the secure package"),
            signed_pdfs=signed,
        )
        if job.queue:
            report(start + span * 0.95, "Putting the package in the outbox")
            outcome.outbox_id = exports.queue_package(
                package, job.mailbox, job.recipient_label, list(job.package_record_ids)
            )
        elif job.eml_path is not None:
            report(start + span * 0.95, "Saving the email file")
            write_atomic(job.eml_path, package.message_bytes)
            outcome.eml_path = job.eml_path
        outcome.encrypted_to_certificate = package.zip_passphrase is None
        outcome.passphrase = package.zip_passphrase
    if progress is not None:
        progress(100, "Done")
    return outcome


def safe_file_stem(ref: str) -> str:
    """A record reference as a file name: letters, digits and dashes only (SPEC 3: no
    child's name in a file name Haven suggests)."""
    kept = "".join(ch for ch in ref if ch.isalnum() or ch in "-_")
    return kept or "haven-record"
