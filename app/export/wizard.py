"""The export wizard's steps without Qt: which step the user is on, what the next one
needs, and the sharing-decision gate in front of them all.

The order is the framework's, not a convenience: nothing leaves Haven without a recorded
information-sharing decision that permits it (Appendix 13; SPEC 2.5), so the wizard
starts at the decision and offers the export only once `Exports.require_permission`
accepts it. A training profile can save PDFs but never builds, queues or sends a
package (framework Standard 10). The dialog (ui/export_dialog.py) only shows these
steps; the tests walk them without a window (HOUSE_STYLE: Electrum's wizard engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from pathlib import Path

from app.directory import Recipient
from app.domain import Record
from app.errors import ExportError, HavenError, SharingDecisionRequired
from app.export.exports import Exports
from app.export.job import ExportJob
from app.service import Haven


class ExportStep(IntEnum):
    """The wizard's pages, in order."""

    DECISION = 0
    OPTIONS = 1
    PROGRESS = 2
    RESULT = 3


@dataclass(frozen=True)
class DecisionGate:
    """Where the sharing decision leaves the export.

    `decision` is the completed decision that permits sharing; without one, `refusal` says
    why a recorded decision does not permit it (None: no decision has been recorded)."""

    decision: Record | None
    refusal: str | None = None

    @property
    def step(self) -> ExportStep:
        return ExportStep.OPTIONS if self.decision is not None else ExportStep.DECISION


def decision_gate(exports: Exports, record: Record) -> DecisionGate:
    try:
        return DecisionGate(exports.require_permission(record))
    except SharingDecisionRequired:
        return DecisionGate(None)
    except ExportError as exc:
        return DecisionGate(None, exc.message)


def decision_draft(exports: Exports, haven: Haven, record: Record) -> Record:
    """The sharing-decision draft to open for `record`: the one already started, else a
    new one (a child record of it, so the decision stays attached to what it is about)."""
    form_id = exports.sharing_form_id()
    drafts = [r for r in haven.repo.children_of(record.id, form_id) if r.is_draft]
    if drafts:
        return drafts[0]
    return haven.start_record(record.subject_id, form_id, parent_id=record.id)


# ---- the options step -------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientChoice:
    recipient: Recipient
    suggested: bool
    """The directory names this form among the ones it receives."""


def recipient_choices(recipients: list[Recipient], form_id: str) -> list[RecipientChoice]:
    """Recipients suggested for the form first, then the others, each in directory order."""
    suggested = [r for r in recipients if form_id in r.forms]
    others = [r for r in recipients if r not in suggested]
    return [RecipientChoice(r, True) for r in suggested] + [
        RecipientChoice(r, False) for r in others
    ]


@dataclass(frozen=True)
class ReferralCandidate:
    """A completed record of the same child that could go in the package."""

    record: Record
    title: str
    permitted: bool
    """It has a decision to share it; without one it is listed but cannot be ticked."""
    checked: bool
    """Ticked to start with: the record the export was opened on."""


def referral_candidates(exports: Exports, haven: Haven, record: Record) -> list[ReferralCandidate]:
    """The records a referral may hold: the child's completed, current records."""
    try:
        records = exports.records_for_referral(record.subject_id)
    except HavenError:
        records = [record]
    out: list[ReferralCandidate] = []
    for candidate in records:
        if candidate.superseded_by:
            continue
        try:
            title = haven.form_for(candidate).title
        except HavenError:
            title = candidate.form_id
        try:
            exports.require_permission(candidate)
            permitted = True
        except HavenError:
            permitted = False
        out.append(
            ReferralCandidate(candidate, title, permitted, permitted and candidate.id == record.id)
        )
    return out


def signing_ready(exports: Exports) -> bool:
    """PDFs and packages are signed, so nothing can be made without a certificate."""
    try:
        exports.signing_identity()
    except HavenError:
        return False
    return True


def can_export(*, want_pdf: bool, want_package: bool, signing_ok: bool) -> bool:
    """Whether Export may be pressed: something chosen, and a certificate to sign it."""
    return (want_pdf or want_package) and signing_ok


class ChoiceField(Enum):
    """Which choice a problem is about, so the view can put the focus there."""

    KIND = "kind"
    RECIPIENT = "recipient"
    RECORDS = "records"


@dataclass(frozen=True)
class ChoiceProblem:
    message: str
    field: ChoiceField


@dataclass(frozen=True)
class ExportChoices:
    """What the user ticked and picked on the options step."""

    want_pdf: bool
    want_package: bool
    recipient: Recipient | None = None
    record_ids: tuple[str, ...] = ()
    queue: bool = True


def effective_choices(choices: ExportChoices, *, training: bool) -> ExportChoices:
    """A training profile never sends, whatever is ticked (framework Standard 10)."""
    if training and choices.want_package:
        return ExportChoices(choices.want_pdf, False, None, (), choices.queue)
    return choices


def choices_problem(choices: ExportChoices) -> ChoiceProblem | None:
    """The first thing stopping the export going ahead, or None."""
    if not (choices.want_pdf or choices.want_package):
        return ChoiceProblem("Choose a signed PDF, a secure package, or both.", ChoiceField.KIND)
    if choices.want_package:
        if choices.recipient is None:
            return ChoiceProblem("Choose who should receive the package.", ChoiceField.RECIPIENT)
        if not choices.recipient.mailbox:
            return ChoiceProblem(
                "This recipient has no mailbox set up yet. Add it in Settings, Recipients.",
                ChoiceField.RECIPIENT,
            )
        if not choices.record_ids:
            return ChoiceProblem("Tick at least one record to include.", ChoiceField.RECORDS)
    return None


def export_job(
    record: Record,
    choices: ExportChoices,
    *,
    pdf_path: Path | None,
    eml_path: Path | None,
) -> ExportJob:
    """The checked choices, with where the user chose to save, as a job for the worker."""
    recipient = choices.recipient if choices.want_package else None
    return ExportJob(
        record_id=record.id,
        pdf_path=pdf_path,
        package_record_ids=choices.record_ids if choices.want_package else (),
        recipient_label=recipient.label if recipient else "",
        mailbox=recipient.mailbox if recipient else "",
        certificate_pem=recipient.certificate_pem if recipient else "",
        queue=choices.queue,
        eml_path=eml_path,
    )
