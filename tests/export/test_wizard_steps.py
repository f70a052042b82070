"""The export wizard's steps without Qt (app/export/wizard.py): the sharing-decision gate
in front of everything, what the options step needs before Export, and the job it makes.
The dialog (tests/ui/test_export_dialog.py) only proves the widgets show these."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from export_desk import ExportDesk

from app.directory import Recipient
from app.export.wizard import (
    ChoiceField,
    ExportChoices,
    ExportStep,
    can_export,
    choices_problem,
    decision_draft,
    decision_gate,
    effective_choices,
    export_job,
    recipient_choices,
    referral_candidates,
    signing_ready,
)
from tests.haven_testkit import Identities


@pytest.fixture
def desk(tmp_path: Path, identities: Identities) -> Iterator[ExportDesk]:
    made = ExportDesk.open(tmp_path / "profile", identities["dsl"])
    yield made
    made.close()


def recipient(
    rid: str, *, mailbox: str = "", forms: tuple[str, ...] = (), pem: str = ""
) -> Recipient:
    return Recipient(
        id=rid, label=f"{rid} label", mailbox=mailbox, kind="test", forms=forms, certificate_pem=pem
    )


# ---- the sharing-decision gate ----------------------------------------------------------


def test_without_a_decision_the_wizard_stays_on_the_decision_step(desk: ExportDesk) -> None:
    record = desk.completed()
    gate = decision_gate(desk.exports, record)
    assert gate.step is ExportStep.DECISION
    assert gate.decision is None and gate.refusal is None


def test_a_decision_not_to_share_stops_at_the_decision_step_and_says_why(
    desk: ExportDesk,
) -> None:
    record = desk.shared(decision="not_shared")
    gate = decision_gate(desk.exports, record)
    assert gate.step is ExportStep.DECISION
    assert gate.refusal is not None and "not to share" in gate.refusal


def test_a_decision_to_share_opens_the_options_step(desk: ExportDesk) -> None:
    record = desk.shared()
    gate = decision_gate(desk.exports, record)
    assert gate.step is ExportStep.OPTIONS
    assert gate.decision is not None and gate.decision.parent_id == record.id


def test_recording_the_decision_reopens_the_same_draft(desk: ExportDesk) -> None:
    record = desk.completed()
    first = decision_draft(desk.exports, desk.haven, record)
    again = decision_draft(desk.exports, desk.haven, record)
    assert first.is_draft and first.parent_id == record.id
    assert first.form_id == desk.exports.sharing_form_id()
    assert again.id == first.id


# ---- the options step -------------------------------------------------------------------


def test_recipients_suggested_for_the_form_come_first() -> None:
    listed = [recipient("mash"), recipient("fib", forms=("information-report",)), recipient("cse")]
    chosen = recipient_choices(listed, "information-report")
    assert [(c.recipient.id, c.suggested) for c in chosen] == [
        ("fib", True),
        ("mash", False),
        ("cse", False),
    ]
    assert not any(c.suggested for c in recipient_choices(listed, "screening"))


def test_the_package_offers_the_childs_records_ticking_only_this_one(desk: ExportDesk) -> None:
    record = desk.shared()
    other = desk.shared("risk-assessment")
    undecided = desk.completed("information-report")
    candidates = {c.record.id: c for c in referral_candidates(desk.exports, desk.haven, record)}
    assert candidates[record.id].permitted and candidates[record.id].checked
    assert candidates[other.id].permitted and not candidates[other.id].checked
    assert not candidates[undecided.id].permitted and not candidates[undecided.id].checked
    sharing = desk.exports.sharing_form_id()
    assert all(c.record.form_id != sharing for c in candidates.values())


def test_nothing_can_be_exported_before_a_signing_certificate(
    tmp_path: Path, identities: Identities
) -> None:
    bare = ExportDesk.open(tmp_path / "bare", None)
    try:
        assert not signing_ready(bare.exports)
        assert not can_export(want_pdf=True, want_package=True, signing_ok=False)
        bare.exports.import_certificate(identities["dsl"].p12, identities["dsl"].password)
        assert signing_ready(bare.exports)
    finally:
        bare.close()


@pytest.mark.parametrize(
    ("pdf", "package", "ok"),
    [(False, False, False), (True, False, True), (False, True, True), (True, True, True)],
)
def test_export_needs_something_chosen(pdf: bool, package: bool, ok: bool) -> None:
    assert can_export(want_pdf=pdf, want_package=package, signing_ok=True) is ok


def test_each_missing_choice_is_named_with_where_to_fix_it() -> None:
    fib = recipient("fib", mailbox="fib@police.example")
    nothing = choices_problem(ExportChoices(want_pdf=False, want_package=False))
    assert nothing is not None and nothing.field is ChoiceField.KIND
    no_recipient = choices_problem(ExportChoices(want_pdf=True, want_package=True))
    assert no_recipient is not None and no_recipient.field is ChoiceField.RECIPIENT
    no_mailbox = choices_problem(
        ExportChoices(want_pdf=False, want_package=True, recipient=recipient("mash"))
    )
    assert no_mailbox is not None and "no mailbox" in no_mailbox.message
    assert no_mailbox.field is ChoiceField.RECIPIENT
    no_records = choices_problem(ExportChoices(want_pdf=False, want_package=True, recipient=fib))
    assert no_records is not None and no_records.field is ChoiceField.RECORDS
    ready = ExportChoices(want_pdf=False, want_package=True, recipient=fib, record_ids=("r1",))
    assert choices_problem(ready) is None
    assert choices_problem(ExportChoices(want_pdf=True, want_package=False)) is None


def test_a_training_profile_never_sends_whatever_is_ticked() -> None:
    fib = recipient("fib", mailbox="fib@police.example")
    ticked = ExportChoices(want_pdf=True, want_package=True, recipient=fib, record_ids=("r1",))
    kept = effective_choices(ticked, training=True)
    assert kept.want_pdf and not kept.want_package and kept.record_ids == ()
    assert effective_choices(ticked, training=False) == ticked
    only_package = effective_choices(
        ExportChoices(want_pdf=False, want_package=True, recipient=fib, record_ids=("r1",)),
        training=True,
    )
    assert choices_problem(only_package) is not None


def test_the_job_carries_the_choices_and_the_chosen_files(desk: ExportDesk, tmp_path: Path) -> None:
    record = desk.completed()
    fib = recipient("fib", mailbox="fib@police.example", pem="PEM")
    choices = ExportChoices(
        want_pdf=True, want_package=True, recipient=fib, record_ids=(record.id,), queue=False
    )
    job = export_job(record, choices, pdf_path=tmp_path / "a.pdf", eml_path=tmp_path / "a.eml")
    assert (job.record_id, job.pdf_path, job.eml_path) == (
        record.id,
        tmp_path / "a.pdf",
        tmp_path / "a.eml",
    )
    assert job.package_record_ids == (record.id,) and job.wants_package
    assert (job.recipient_label, job.mailbox, job.certificate_pem, job.queue) == (
        "fib label",
        "fib@police.example",
        "PEM",
        False,
    )
    pdf_only = export_job(
        record, ExportChoices(want_pdf=True, want_package=False), pdf_path=None, eml_path=None
    )
    assert not pdf_only.wants_package and pdf_only.mailbox == ""
