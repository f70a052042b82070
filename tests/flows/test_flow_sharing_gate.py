"""Appendix 13 end to end: no export of any kind without a completed information-sharing
decision that permits it, and every export is audited with its recipient.

The 'send' half of the audit requirement is proved with a real mail server in
test_flow_outbox.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from app.domain import Subject
from app.errors import ExportError, SharingDecisionRequired

if TYPE_CHECKING:
    from conftest import FlowProfile, OrgIdentity, ProfileMaker, Tools

Examples = Callable[[str], dict[str, Any]]
FIB = "fib@police.example"
MARKING = "OFFICIAL-SENSITIVE"
SCREENING_TITLE = "CSE screening tool"


@pytest.fixture(scope="module")
def desk(module_profiles: ProfileMaker, org_identity: OrgIdentity) -> FlowProfile:
    """A profile with a signing certificate, so only the decision can stand in the way."""
    profile = module_profiles()
    profile.use_certificate(org_identity)
    return profile


@pytest.fixture(scope="module")
def child(desk: FlowProfile) -> Subject:
    return desk.add_child()


def attempt_every_export(desk: FlowProfile, record_id: str, org: OrgIdentity) -> list[Exception]:
    """Try each kind of export; return what each raised (none may succeed)."""
    raised: list[Exception] = []
    attempts: list[Callable[[], object]] = [
        lambda: desk.exports.export_pdf(record_id),
        lambda: desk.exports.export_pdf(record_id, sign=True),
        lambda: desk.exports.build_package([record_id], mailbox=FIB),
        lambda: desk.exports.build_package(
            [record_id], mailbox=FIB, recipient_certificate_pem=org.cert_pem
        ),
        lambda: desk.exports.build_package([record_id], mailbox=FIB, for_mail_client=True),
    ]
    for attempt in attempts:
        with pytest.raises(ExportError) as caught:
            attempt()
        raised.append(caught.value)
    return raised


def exports_in_audit(desk: FlowProfile, record_id: str) -> list[tuple[str, str]]:
    return [(a, d) for a, d in desk.audit(record_id) if a in ("export", "sign")]


def test_nothing_is_exported_before_a_sharing_decision(
    desk: FlowProfile, child: Subject, org_identity: OrgIdentity
) -> None:
    record = desk.completed("screening", child)

    raised = attempt_every_export(desk, record.id, org_identity)

    assert all(isinstance(e, SharingDecisionRequired) for e in raised), raised
    assert desk.status(record.id) == "completed"
    assert exports_in_audit(desk, record.id) == []


def test_a_draft_decision_does_not_count(
    desk: FlowProfile, child: Subject, org_identity: OrgIdentity, examples: Examples
) -> None:
    record = desk.completed("screening", child)
    draft = desk.haven.start_record(
        child.id, "sharing-decision", parent_id=record.id, answers=examples("sharing-decision")
    )
    assert draft.is_draft

    raised = attempt_every_export(desk, record.id, org_identity)

    assert all(isinstance(e, SharingDecisionRequired) for e in raised), raised
    assert desk.status(record.id) == "completed"


def test_a_decision_not_to_share_blocks_every_export(
    desk: FlowProfile, child: Subject, org_identity: OrgIdentity
) -> None:
    record = desk.completed("screening", child)
    decision = desk.decide(record, "not_shared")
    assert decision.status == "completed"
    assert [p for p in desk.haven.check(decision.id) if p.severity == "error"] == []

    raised = attempt_every_export(desk, record.id, org_identity)

    for error in raised:
        assert not isinstance(error, SharingDecisionRequired)
        assert "not to share" in str(error)
    assert desk.status(record.id) == "completed"
    assert exports_in_audit(desk, record.id) == []


def test_the_newest_decision_counts(desk: FlowProfile, child: Subject) -> None:
    """Decisions recorded one after another (within the same second): the last one wins."""
    record = desk.completed("screening", child)
    desk.decide(record, "shared")
    desk.decide(record, "not_shared")
    with pytest.raises(ExportError, match="not to share"):
        desk.exports.export_pdf(record.id)

    desk.decide(record, "shared")
    assert desk.exports.export_pdf(record.id).data.startswith(b"%PDF-")


def test_after_a_decision_to_share_the_pdf_carries_the_decision(
    desk: FlowProfile, child: Subject, tools: Tools, examples: Examples, tmp_path: Path
) -> None:
    record = desk.shared("screening", child)

    pdf = desk.exports.export_pdf(record.id)

    path = tmp_path / pdf.filename
    path.write_bytes(pdf.data)
    text = tools.body_text(path, (MARKING, SCREENING_TITLE))
    assert "Information-sharing decision" in text
    decision = examples("sharing-decision")
    for answer in (
        decision["shared_record"],
        decision["shared_information"],
        decision["purpose"],
        decision["rationale"],
        decision["decided_by"],
        decision["decided_role"],
        "Share (information shared or referral made)",
        "West Midlands Police Force Intelligence Bureau (FIB); CSE team / CSE co-ordinator",
        "Consent not sought: seeking it would increase the risk of significant harm to a child",
    ):
        assert " ".join(answer.split()) in text, answer
    # Exported, but not signed: only a signature marks the record signed.
    assert desk.status(record.id) == "completed"
    assert exports_in_audit(desk, record.id) == [("export", "pdf")]


def test_every_export_is_audited_with_its_recipient(desk: FlowProfile, child: Subject) -> None:
    record = desk.shared("screening", child)

    desk.exports.build_package([record.id], mailbox=FIB)

    actions = desk.audit(record.id)
    decision = desk.exports.decision_for(record.id)
    assert decision is not None and ("share-decision", decision.id) in actions
    package_exports = [d for a, d in actions if a == "export" and d.startswith("package")]
    assert len(package_exports) == 1
    assert FIB in package_exports[0]
