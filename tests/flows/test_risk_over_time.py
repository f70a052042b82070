"""Risk over time per child and the signed MASE pack (issue 12).

One child with three screenings and one risk assessment spread over 2026, a draft that
must not count, and three missing episodes (one interviewed within 72 hours, one overdue,
one due): the points are checked against counts worked out by hand from the answers
below, and the MASE pack is checked with poppler (pdfsig, pdftotext, pdfinfo), not with
Haven's own verifier. The profile is the testkit's DSL, with the DSL's self-signed
certificate (tests/haven_testkit.py) imported through the Exports API.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keyring
import pytest
from keyring.backends import null

from app.domain import Record, Subject
from app.errors import CertificateError, ExportError, FormDefinitionError
from app.export.exports import Exports
from app.export.printing import ExportedPdf
from app.profile import Session
from app.reports.mase_pack import (
    export_mase_pack,
    gather,
    mase_pack_filename,
    render_mase_pack,
)
from app.reports.risk_over_time import (
    RiskPoint,
    check_config,
    describe_points,
    load_config,
    risk_over_time,
)
from app.service import Haven
from tests.haven_testkit import (
    CHILD_DOB,
    CHILD_NAME,
    DSL,
    MARKING,
    NOW,
    REPO_ROOT,
    Identities,
    Identity,
    example,
    new_session,
)

if TYPE_CHECKING:
    from conftest import Cli

NAME_CANARIES = ("Zoë", "Zoe", "Łukasiewicz", "Lukasiewicz", "Briain")

# ---- the child's records, with the counts each one should give ----------------------------

# Screening example: sig_vehicles current and sig_missing prior (1 current significant),
# 4 risk indicators ticked (whereabouts, school, contacts, phone), 2 vulnerability factors
# (isolated, family conflict).
SCREENING_MARCH = {"screening_date": "2026-03-12", "final_category": "2"}
# June: unexplained money now current too (2 current), drugs misuse ticked (5 risk).
SCREENING_JUNE = {
    "screening_date": "2026-06-20",
    "final_category": "3",
    "sig_money": ["current", "prior"],
    "risk_drugs": True,
}
# October: both significant indicators only prior, one risk and one vulnerability left.
SCREENING_OCTOBER = {
    "screening_date": "2026-10-05",
    "final_category": "1",
    "sig_vehicles": ["prior"],
    "risk_school": False,
    "risk_contacts": False,
    "risk_phone": False,
    "vul_family_conflict": False,
}
# Risk assessment example: 8 section 2 risk indicators ticked; vulnerabilities: social
# care "yes", other agency "yes" and 3 ticks (youth justice "no" and previous CSE "not
# known" do not count); 1 incidence known ("yes": vehicles).
RISK_ASSESSMENT_JULY = {"assessment_date": "2026-07-01"}

EXPECTED = [
    ("2026-03-12", "screening", 2, {"significant": 1, "risk": 4, "vulnerability": 2}),
    ("2026-06-20", "screening", 3, {"significant": 2, "risk": 5, "vulnerability": 2}),
    ("2026-07-01", "risk-assessment", 2, {"risk": 8, "vulnerability": 5, "incidence": 1}),
    ("2026-10-05", "screening", 1, {"significant": 0, "risk": 1, "vulnerability": 1}),
]


@dataclass
class Desk:
    """One unlocked profile, as the window would hold it."""

    folder: Path
    session: Session
    haven: Haven
    exports: Exports

    @classmethod
    def create(cls, folder: Path) -> Desk:
        session = new_session(folder, DSL)
        haven = Haven(session, clock=lambda: NOW)
        return cls(folder, session, haven, Exports(haven))

    def completed(self, form_id: str, child: Subject, **changes: Any) -> Record:
        answers = {**example(form_id), **changes}
        if "child_name" in answers:
            answers["child_name"] = child.name
        draft = self.haven.start_record(child.id, form_id, answers=answers)
        return self.haven.complete(draft.id)

    def episode(
        self, child: Subject, missing_from: str, returned_at: str, interview_at: str | None = None
    ) -> Record:
        record = self.completed(
            "missing-episode", child, missing_from=missing_from, returned_at=returned_at
        )
        if interview_at is not None:
            episode = self.haven.repo.get_episode(record.id)
            answers = {
                **example("return-interview"),
                "child_name": child.name,
                "missing_from": missing_from,
                "returned_at": returned_at,
                "interview_at": interview_at,
                "attempts": [
                    {
                        "attempt_at": returned_at,
                        "attempt_method": "phone",
                        "attempt_result": "Interview arranged",
                    }
                ],
            }
            draft = self.haven.start_record(
                child.id,
                "return-interview",
                parent_id=record.id,
                episode_id=episode.id,
                answers=answers,
            )
            self.haven.complete(draft.id)
        return record

    def lock(self) -> None:
        if self.session.is_open:
            self.session.lock()


@dataclass(frozen=True)
class Case:
    desk: Desk
    child: Subject
    screenings: list[Record]
    risk_assessment: Record
    draft: Record
    pack: ExportedPdf
    pdf: Path
    audit_before: int


@pytest.fixture(scope="module")
def org_identity(identities: Identities) -> Identity:
    """The DSL's signing certificate (the testkit's, made once for the run)."""
    return identities["dsl"]


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory, org_identity: Identity) -> Iterator[Case]:
    keyring.set_keyring(null.Keyring())  # the certificate password goes to the store
    desk = Desk.create(tmp_path_factory.mktemp("risk-over-time") / "profile")
    desk.exports.import_certificate(org_identity.p12, org_identity.password)
    child = desk.haven.add_child(CHILD_NAME, CHILD_DOB, known_as="ZL", gender="Female")
    # Made out of date order, so the points must be sorted by the forms' own dates.
    june = desk.completed("screening", child, **SCREENING_JUNE)
    march = desk.completed("screening", child, **SCREENING_MARCH)
    assessment = desk.completed("risk-assessment", child, **RISK_ASSESSMENT_JULY)
    october = desk.completed("screening", child, **SCREENING_OCTOBER)
    draft = desk.haven.start_record(
        child.id, "screening", answers={**example("screening"), "final_category": "3"}
    )
    desk.episode(child, "2026-09-01T20:00", "2026-09-02T10:00", "2026-09-03T16:00")
    desk.episode(child, "2026-10-10T21:00", "2026-10-11T08:00")
    desk.episode(child, "2026-11-20T22:00", "2026-11-23T09:00")
    audit_before = len(desk.haven.repo.audit_entries())
    pack = export_mase_pack(desk.exports, child.id)
    folder = tmp_path_factory.mktemp("mase-pack")
    pdf = folder / pack.filename
    pdf.write_bytes(pack.data)
    yield Case(desk, child, [march, june, october], assessment, draft, pack, pdf, audit_before)
    desk.lock()


def summary(points: list[RiskPoint]) -> list[tuple[str, str, int | None, dict[str, int]]]:
    return [
        (p.when.isoformat(), p.form_id, p.category, {i.id: i.count for i in p.indicators})
        for p in points
    ]


# ---- risk over time ------------------------------------------------------------------------


def test_points_are_the_completed_records_by_hand(case: Case) -> None:
    points = risk_over_time(case.desk.haven, case.child.id)

    assert summary(points) == EXPECTED
    assert [p.record_id for p in points] == [
        case.screenings[0].id,
        case.screenings[1].id,
        case.risk_assessment.id,
        case.screenings[2].id,
    ]
    assert case.draft.id not in {p.record_id for p in points}
    assert all(p.dated_by_form for p in points)


def test_points_read_out_in_words(case: Case) -> None:
    points = risk_over_time(case.desk.haven, case.child.id)

    assert points[0].describe() == (
        "12 March 2026: screening, Category 2, 1 current significant indicator, "
        "4 risk indicators, 2 vulnerability factors"
    )
    assert points[2].describe() == (
        "1 July 2026: risk assessment, Category 2, 8 risk indicators, 5 vulnerabilities, "
        "1 incidence known"
    )
    assert points[3].describe() == (
        "5 October 2026: screening, Category 1, 0 current significant indicators, "
        "1 risk indicator, 1 vulnerability factor"
    )
    assert describe_points(points).splitlines() == [p.describe() for p in points]


def test_amendment_in_progress_keeps_the_completed_version(tmp_path: Path) -> None:
    """SPEC 3: while an amendment is a draft the completed version stands; once the
    amendment is completed it replaces that point (one point per record, never two)."""
    desk = Desk.create(tmp_path / "profile")
    try:
        child = desk.haven.add_child(CHILD_NAME, CHILD_DOB)
        first = desk.completed(
            "screening", child, screening_date="2026-05-01", final_category="none"
        )
        [point] = risk_over_time(desk.haven, child.id)
        assert (point.record_id, point.category) == (first.id, 0)
        assert point.category_words() == "no category"

        amendment = desk.haven.amend(first.id, "Category decided at the strategy meeting")
        [still] = risk_over_time(desk.haven, child.id)
        assert (still.record_id, still.category) == (first.id, 0)

        desk.haven.complete(amendment.id, {**amendment.answers, "final_category": "3"})
        [now] = risk_over_time(desk.haven, child.id)
        assert (now.record_id, now.category, now.record_ref) == (
            amendment.id,
            3,
            amendment.ref,
        )
    finally:
        desk.lock()


def test_a_child_with_no_assessments_has_no_points(case: Case) -> None:
    other = case.desk.haven.add_child("Another Child", "2011-01-01")

    assert risk_over_time(case.desk.haven, other.id) == []
    assert describe_points([]) == "No completed screening or risk assessment yet."


def test_the_data_file_names_items_every_form_version_has(case: Case, tmp_path: Path) -> None:
    shipped = (REPO_ROOT / "resources" / "risk_over_time.yaml").read_text("utf-8")
    check_config(load_config(), case.desk.haven.registry)

    broken = tmp_path / "risk_over_time.yaml"
    broken.write_text(shipped.replace("count_tagged('risk')\"", "count_tagged('risk') + rsk\"", 1))
    with pytest.raises(FormDefinitionError, match=r"forms\.screening\.indicators\.risk.*'rsk'"):
        risk_over_time(case.desk.haven, case.child.id, load_config(broken))

    no_item = tmp_path / "no-item.yaml"
    no_item.write_text(shipped.replace("category_item: final_category", "category_item: nope"))
    with pytest.raises(FormDefinitionError, match=r"category_item"):
        check_config(load_config(no_item), case.desk.haven.registry)

    bad_level = tmp_path / "bad-level.yaml"
    bad_level.write_text(shipped.replace('"3": 3}', '"3": 7}', 1))
    with pytest.raises(FormDefinitionError, match=r"bad-level\.yaml: forms\.screening"):
        load_config(bad_level)


# ---- the MASE pack -------------------------------------------------------------------------


def run(*args: str | Path) -> str:
    if shutil.which(str(args[0])) is None:
        pytest.skip(f"{args[0]} is not installed (poppler-utils)")
    result = subprocess.run([str(a) for a in args], capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode("utf-8", "replace")


def pdfsig(path: Path) -> str:
    """poppler's report; it exits 0 even for a digest mismatch, so the words are read."""
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig is not installed (poppler-utils)")
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, timeout=120, check=False)
    return result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")


def pages(path: Path) -> list[str]:
    text = run("pdftotext", "-enc", "UTF-8", path, "-").split("\f")
    assert text[-1].strip() == ""
    return text[:-1]


def flat(text: str) -> str:
    return " ".join(text.split())


def body(path: Path) -> str:
    """The text without running headers and footers, so rows split by a page break
    read as one line."""
    running = re.compile(rf"({MARKING}|Haven ref \S+ · form .*|Page \d+ of \d+|MASE pack)")
    lines = run("pdftotext", "-enc", "UTF-8", path, "-").replace("\f", "\n").splitlines()
    return flat(" ".join(line for line in lines if not running.fullmatch(line.strip())))


def test_pack_signature_is_valid_for_poppler(case: Case) -> None:
    report = pdfsig(case.pdf)

    assert "Signature is Valid." in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report
    assert case.pack.signed and case.pack.report is not None
    assert case.pack.report.intact and case.pack.report.covers_whole_file


def test_tampered_pack_is_caught_by_poppler(case: Case, tmp_path: Path) -> None:
    data = bytearray(case.pack.data)
    spot = data.index(b"stream") + 40  # inside the first content stream, which is signed
    data[spot] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))

    assert "Signature is Valid." not in pdfsig(tampered)


def test_every_page_carries_the_marking_and_page_numbers(case: Case) -> None:
    text = pages(case.pdf)

    assert len(text) >= 3  # the latest screening and risk assessment in full run on
    for number, page in enumerate(text, start=1):
        assert page.count(MARKING) >= 2, f"page {number} lacks the marking top and bottom"
        assert f"Page {number} of {len(text)}" in page
        assert f"Haven ref {case.child.ref}" in page


def test_pack_holds_the_chronology_episodes_and_latest_records(case: Case) -> None:
    text = body(case.pdf)
    haven = case.desk.haven
    # pdftotext reads a table's wrapped cells line by line across the row, so rows are
    # checked by their parts; and a reference may wrap at its hyphens: no spaces then.
    squeezed = text.replace(" ", "")

    entries = haven.chronology(case.child.id)
    records = [e for e in entries if e.kind == "record" and e.status != "draft"]
    assert len(records) == 8  # 4 assessments, 3 missing episodes, 1 return interview
    for entry in records:
        parts = re.fullmatch(r"(.*) \((\S+)\)", entry.title)
        assert parts is not None
        form_title, ref = parts.groups()
        assert f"({ref})" in squeezed
        assert form_title in text
    assert len([e for e in entries if e.kind == "episode"]) == 3
    assert case.draft.ref not in squeezed
    for point in risk_over_time(haven, case.child.id):
        assert f"({point.record_ref})" in squeezed
        assert "".join(i.words() for i in point.indicators).replace(" ", "") in squeezed.replace(
            ";", ""
        )
    # Section 11: the 72-hour flag of each episode and the repeat-missing flag.
    assert "3 missing episodes within 3 months: automatic discussion at MASE" in text
    assert "Held 3 September 2026, 16:00 (within 72 hours)" in text
    assert "Return interview overdue by" in text
    assert "Return interview due in 23 hours" in text
    assert text.count("Yes: counts towards the repeat-missing flag") == 3
    # The newest screening (October) and the risk assessment, in full.
    october, assessment = case.screenings[2], case.risk_assessment
    assert f"LatestCSEscreeningtoolRecordreference{october.ref}" in squeezed
    assert f"LatestCSEriskassessmenttoolRecordreference{assessment.ref}" in squeezed
    assert "Category 1 – Low. At risk of harm." in text  # October's decided category
    assert "Details of known suspects" in text
    # Child's details and the Appendix 5 confidentiality statement.
    assert CHILD_NAME in text
    assert "10 February 2012 (age 14)" in text
    assert "must not be disclosed to third parties" in text


def test_training_pack_is_watermarked_on_every_page(case: Case, tmp_path: Path) -> None:
    from dataclasses import replace

    content = replace(gather(case.desk.exports, case.child), training=True)
    path = tmp_path / "training.pdf"
    path.write_bytes(render_mase_pack(content))

    for page in pages(path):
        assert "TRAINING — NOT REAL DATA" in page
        assert page.count(MARKING) >= 2


def test_no_child_name_in_file_name_metadata_or_signature(case: Case) -> None:
    assert case.pack.filename == f"{case.child.ref}-mase-pack.pdf"
    assert case.pack.filename == mase_pack_filename(case.child)
    info = run("pdfinfo", "-enc", "UTF-8", case.pdf)
    signature = pdfsig(case.pdf)
    for canary in NAME_CANARIES:
        assert canary not in case.pack.filename
        assert canary not in info
        assert canary not in signature
    assert f"Title:           MASE pack — {case.child.ref}" in info


def test_pack_export_is_audited_without_a_record_or_names(case: Case) -> None:
    entries = case.desk.haven.repo.audit_entries()[case.audit_before :]

    exports = [(e.action, e.record_id, e.detail) for e in entries if e.action == "export"]
    assert exports == [("export", None, f"mase-pack {case.child.ref}")]
    assert case.desk.haven.repo.verify_audit().ok


def test_no_certificate_means_no_pack_and_no_audit(tmp_path: Path) -> None:
    desk = Desk.create(tmp_path / "profile")
    try:
        child = desk.haven.add_child(CHILD_NAME, CHILD_DOB)
        desk.completed("screening", child)
        with pytest.raises(CertificateError):
            export_mase_pack(desk.exports, child.id)
        assert "export" not in [e.action for e in desk.haven.repo.audit_entries()]
    finally:
        desk.lock()


def test_a_signature_that_does_not_verify_keeps_nothing(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.export import verify

    real = verify.verify_pdf

    def broken(data: bytes, *args: Any, **kwargs: Any) -> Any:
        from dataclasses import replace

        return replace(real(data, *args, **kwargs), intact=False)

    monkeypatch.setattr(verify, "verify_pdf", broken)
    before = len(case.desk.haven.repo.audit_entries())

    with pytest.raises(ExportError, match="MASE pack was not kept"):
        export_mase_pack(case.desk.exports, case.child.id)
    assert len(case.desk.haven.repo.audit_entries()) == before


def test_cli_writes_a_signed_pack_named_by_reference(
    cli: Cli, org_identity: Identity, tmp_path: Path
) -> None:
    """`haven export mase-pack CHILD --out FOLDER` in its own process, passphrase on stdin;
    the child process has no keychain, so the profile keeps the certificate password in
    its encrypted store (as tests/exchange/test_exchange_cli.py sets it up)."""
    keyring.set_keyring(null.Keyring())
    desk = Desk.create(tmp_path / "profile")
    desk.exports.import_certificate(org_identity.p12, org_identity.password)
    child = desk.haven.add_child(CHILD_NAME, CHILD_DOB)
    desk.completed("screening", child, **SCREENING_MARCH)
    desk.lock()
    out = tmp_path / "meeting"
    out.mkdir()

    done = cli.run(
        "export", "mase-pack", child.ref, "--out", out,
        "--profile-dir", desk.folder, "--passphrase-stdin",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    saved = out / f"{child.ref}-mase-pack.pdf"
    assert [p.name for p in out.iterdir()] == [saved.name]
    assert saved.stat().st_mode & 0o077 == 0
    for canary in NAME_CANARIES:
        assert canary not in done.stdout + done.stderr
    assert "Signature is Valid." in pdfsig(saved)
    text = pages(saved)
    assert all(page.count(MARKING) >= 2 for page in text)
    assert "12 March 2026" in body(saved)

    missing = cli.run(
        "export", "mase-pack", "HVN-NOBODY", "--out", out,
        "--profile-dir", desk.folder, "--passphrase-stdin",
    )  # fmt: skip
    assert missing.returncode == 1
    assert missing.stderr.strip() == "haven: There is no child with that id."
