"""The export job without a window: what `run_export` saves, queues and audits, how it
reports progress, and that Cancel never leaves half a result (app/export/job.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from export_desk import ExportDesk

from app.errors import TrainingProfileCannotSend
from app.export.job import ExportCancelled, ExportJob, run_export, safe_file_stem
from app.export.verify import verify_pdf
from tests.haven_testkit import DSL, Identities

FIB = "fib@police.example"


@pytest.fixture
def desk(tmp_path: Path, identities: Identities) -> Iterator[ExportDesk]:
    made = ExportDesk.open(tmp_path / "profile", identities["dsl"])
    yield made
    made.close()


def test_a_signed_pdf_is_saved_whole_and_the_record_marked_signed(
    desk: ExportDesk, tmp_path: Path
) -> None:
    record = desk.shared()
    target = tmp_path / "out.pdf"
    reports: list[tuple[int, str]] = []

    outcome = run_export(
        desk.exports,
        ExportJob(record_id=record.id, pdf_path=target),
        threading.Event(),
        progress=lambda percent, text: reports.append((percent, text)),
    )

    assert outcome.pdf_path == target and outcome.outbox_id is None and outcome.eml_path is None
    report = verify_pdf(target.read_bytes())
    assert report.signed and report.intact and report.covers_whole_file
    assert desk.status(record.id) == "signed"
    assert ("export", "pdf signed") in desk.audit(record.id)
    percents = [p for p, _ in reports]
    assert percents == sorted(percents) and reports[-1] == (100, "Done")
    assert {"Making and signing the PDF", "Saving the PDF"} <= {t for _, t in reports}


def test_a_package_to_a_certificate_is_queued_encrypted_and_reuses_the_saved_pdf(
    desk: ExportDesk, tmp_path: Path, identities: Identities
) -> None:
    record = desk.shared()
    target = tmp_path / "kept.pdf"
    job = ExportJob(
        record_id=record.id,
        pdf_path=target,
        package_record_ids=(record.id,),
        recipient_label="Force Intelligence Bureau",
        mailbox=FIB,
        certificate_pem=identities["teacher"].cert_pem,
        queue=True,
    )

    outcome = run_export(desk.exports, job, threading.Event())

    assert outcome.outbox_id is not None
    assert outcome.encrypted_to_certificate and outcome.passphrase is None
    [item] = desk.haven.repo.list_outbox(("queued",))
    assert item.recipient == FIB and item.recipient_label == "Force Intelligence Bureau"
    assert desk.status(record.id) == "queued"
    # One signature: the package carries the PDF the user saved, not a second one.
    assert desk.audit(record.id).count(("export", "pdf signed")) == 1


def test_a_package_without_a_certificate_is_saved_as_eml_with_a_passphrase_shown_once(
    desk: ExportDesk, tmp_path: Path
) -> None:
    record = desk.shared()
    eml = tmp_path / "referral.eml"
    job = ExportJob(
        record_id=record.id,
        package_record_ids=(record.id,),
        recipient_label="FIB",
        mailbox=FIB,
        queue=False,
        eml_path=eml,
    )

    outcome = run_export(desk.exports, job, threading.Event())

    assert outcome.eml_path == eml and outcome.outbox_id is None
    assert not outcome.encrypted_to_certificate
    assert outcome.passphrase and len(outcome.passphrase) >= 16
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["X-Unsent"] == "1"  # opens as a draft in the mail client
    assert [p.get_filename() for p in message.iter_attachments()] == [f"{record.ref}.zip"]
    assert desk.haven.repo.list_outbox(("queued",)) == []


def test_cancel_before_the_start_writes_and_queues_nothing(
    desk: ExportDesk, tmp_path: Path
) -> None:
    record = desk.shared()
    target = tmp_path / "never.pdf"
    stop = threading.Event()
    stop.set()
    job = ExportJob(
        record_id=record.id, pdf_path=target, package_record_ids=(record.id,), mailbox=FIB
    )

    with pytest.raises(ExportCancelled):
        run_export(desk.exports, job, stop)

    assert not target.exists()
    assert desk.haven.repo.list_outbox(("queued",)) == []
    assert desk.status(record.id) == "completed"


def test_cancel_while_signing_leaves_no_pdf_and_no_package(
    desk: ExportDesk, tmp_path: Path
) -> None:
    record = desk.shared()
    target = tmp_path / "half.pdf"
    stop = threading.Event()

    def cancel_midway(percent: int, text: str) -> None:
        if percent > 0:
            stop.set()

    job = ExportJob(
        record_id=record.id, pdf_path=target, package_record_ids=(record.id,), mailbox=FIB
    )
    with pytest.raises(ExportCancelled):
        run_export(desk.exports, job, stop, progress=cancel_midway)

    assert not target.exists()
    assert list(tmp_path.glob("*.pdf")) == []
    assert desk.haven.repo.list_outbox(("queued",)) == []


def test_a_training_profile_saves_a_pdf_but_never_queues(
    tmp_path: Path, identities: Identities
) -> None:
    from dataclasses import replace

    desk = ExportDesk.open(tmp_path / "training", identities["dsl"], replace(DSL, training=True))
    try:
        record = desk.shared()
        saved = run_export(
            desk.exports,
            ExportJob(record_id=record.id, pdf_path=tmp_path / "t.pdf"),
            threading.Event(),
        )
        assert saved.pdf_path is not None and saved.pdf_path.read_bytes().startswith(b"%PDF-")
        queued = ExportJob(record_id=record.id, package_record_ids=(record.id,), mailbox=FIB)
        with pytest.raises(TrainingProfileCannotSend):
            run_export(desk.exports, queued, threading.Event())
        assert desk.haven.repo.list_outbox(("queued", "sending")) == []
    finally:
        desk.close()


@pytest.mark.parametrize(
    ("ref", "stem"),
    [
        ("HVN-2026-ABC123", "HVN-2026-ABC123"),
        ("../../etc/passwd", "etcpasswd"),
        ("a b\tc/d", "abcd"),
        ("", "haven-record"),
        ("///", "haven-record"),
    ],
)
def test_file_names_are_the_reference_with_letters_digits_and_dashes_only(
    ref: str, stem: str
) -> None:
    assert safe_file_stem(ref) == stem
