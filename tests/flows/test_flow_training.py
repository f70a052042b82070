"""Standard 10: a training profile holds fictional data; it never queues or sends, and
every page of its PDFs says so."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.domain import Record
from app.errors import TrainingProfileCannotSend

if TYPE_CHECKING:
    from conftest import FlowProfile, MailServers, MailTls, OrgIdentity, ProfileMaker, Tools

FIB = "fib@police.example"
TRAINING_WATERMARK = "TRAINING — NOT REAL DATA"


@dataclass(frozen=True)
class TrainingCase:
    desk: FlowProfile
    record: Record


@pytest.fixture(scope="module")
def case(module_profiles: ProfileMaker, org_identity: OrgIdentity) -> TrainingCase:
    desk = module_profiles(training=True)
    assert desk.haven.training
    desk.use_certificate(org_identity)
    record = desk.shared("screening", desk.add_child())
    return TrainingCase(desk, record)


def test_a_training_profile_cannot_queue(case: TrainingCase) -> None:
    package = case.desk.exports.build_package([case.record.id], mailbox=FIB)

    with pytest.raises(TrainingProfileCannotSend):
        case.desk.exports.queue_package(package, FIB, "FIB", [case.record.id])

    assert case.desk.repo.list_outbox() == []
    assert case.desk.status(case.record.id) != "queued"


def test_a_training_profile_cannot_send_even_what_is_in_its_outbox(
    case: TrainingCase, mail_servers: MailServers, mail_tls: MailTls
) -> None:
    handler, port = mail_servers.start()
    case.desk.exports.configure_smtp("127.0.0.1", port, None, None, ca_pem=mail_tls.ca_pem)
    # Planted past the use case, as an old or copied database might hold it.
    case.desk.repo.enqueue(
        "setup", case.record.id, "<planted@haven.invalid>", FIB, "FIB", b"Subject: x\r\n\r\nx\r\n"
    )

    with pytest.raises(TrainingProfileCannotSend):
        case.desk.exports.send_due()
    with pytest.raises(TrainingProfileCannotSend):
        case.desk.exports.send_due(force=True)

    assert handler.received == []
    assert [i.status for i in case.desk.repo.list_outbox()] == ["queued"]


def test_every_page_of_a_training_pdf_is_watermarked(
    case: TrainingCase, tools: Tools, tmp_path: Path
) -> None:
    pdf = case.desk.exports.export_pdf(case.record.id)
    path = tmp_path / pdf.filename
    path.write_bytes(pdf.data)

    pages = tools.pdf_pages(path)

    assert len(pages) == int(tools.pdfinfo(path)["Pages"]) > 1
    for number, text in enumerate(pages, start=1):
        assert TRAINING_WATERMARK in text, f"page {number} has no training watermark"
