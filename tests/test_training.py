"""The training profile's fictional cases: loading, relative dates, creation through the
service (completed cases must validate against the real forms), and clean failure."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from app.domain import LOCAL_AUTHORITIES, RecordFilter
from app.profile import read_meta, unlock
from app.service import Haven
from app.training import (
    TRAINING_PASSPHRASE,
    TrainingDataError,
    create_training_profile,
    load_cases,
    resolve_relative,
)

NOW = datetime(2026, 11, 20, 14, 30)


def test_relative_dates_resolve_against_now() -> None:
    assert resolve_relative("@today", NOW) == "2026-11-20"
    assert resolve_relative("@today-5d", NOW) == "2026-11-15"
    assert resolve_relative("@today-14y-20d", NOW) == "2012-10-31"
    assert resolve_relative("@today-5d 21:30", NOW) == "2026-11-15T21:30"
    assert resolve_relative("@now-80h", NOW) == "2026-11-17T06:30"
    assert resolve_relative("@now+1d-30m", NOW) == "2026-11-21T14:00"
    assert resolve_relative({"a": ["@today-1d", 3, "plain"]}, NOW) == {
        "a": ["2026-11-19", 3, "plain"]
    }
    with pytest.raises(TrainingDataError):
        resolve_relative("@yesterday", NOW)


def test_the_cases_are_fictional_and_well_formed() -> None:
    cases = load_cases(now=NOW)
    assert len(cases) >= 6
    for case in cases:
        assert case.name.split()[-1] in ("Example", "Sample"), case.source
        assert case.local_authority in LOCAL_AUTHORITIES
        assert case.dob is not None and case.dob < "2026-11-20"
    forms = {r.form for c in cases for r in c.records}
    assert {"screening", "missing-episode", "return-interview", "risk-assessment"} <= forms


def test_training_profile_holds_the_realistic_cases(tmp_path: Path) -> None:
    folder = tmp_path / "training"
    session = create_training_profile(folder, now=NOW)
    try:
        assert session.training and read_meta(folder).training
        haven = Haven(session, clock=lambda: NOW)
        children = {c.name: c for c in haven.children()}
        assert len(children) == len(load_cases(now=NOW))

        records = haven.repo.list_records(RecordFilter())
        completed = [r for r in records if r.status == "completed"]
        drafts = [r for r in records if r.status == "draft"]
        assert drafts, "the training profile needs drafts to resume"
        categories = {
            r.answers.get("final_category") for r in completed if r.form_id == "screening"
        }
        assert {"1", "2", "3"} <= categories
        # Every completed case is valid for the real form it was made with.
        for record in completed:
            errors = [p for p in haven.check(record.id) if p.severity == "error"]
            assert errors == [], (record.form_id, errors)
        # A draft shows that it still has errors.
        assert any(r.problem_count > 0 for r in drafts if r.form_id == "screening")

        alex = children["Alex Example"]
        assert any("overdue" in f for f in haven.child_flags(alex.id))
        taylor = children["Taylor Sample"]
        assert len(haven.episodes(taylor.id)) == 3
        assert any("MASE" in f for f in haven.child_flags(taylor.id))
        assert len(haven.chronology(taylor.id)) >= 9
    finally:
        session.lock()

    again = unlock(folder, TRAINING_PASSPHRASE)
    assert again.training
    again.lock()


def test_a_case_that_does_not_fit_the_form_fails_and_leaves_nothing(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "bad.yaml").write_text(
        "child: {name: Bad Example, dob: '@today-10y', local_authority: Dudley}\n"
        "records:\n"
        "  - form: screening\n"
        "    status: completed\n"
        "    answers: {reason: missing everything else}\n",
        encoding="utf-8",
    )
    folder = tmp_path / "training"
    with pytest.raises(TrainingDataError, match=r"bad\.yaml"):
        create_training_profile(folder, now=NOW, cases_folder=cases)
    assert not folder.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("child: {known_as: x}\n", "child.name"),
        ("child: {name: A Example, local_authority: Atlantis}\n", "local authority"),
        ("child: {name: A Example, dob: 'soon'}\n", "dob"),
        (
            "child: {name: A Example}\nrecords:\n  - {key: a, form: x, episode_of: b}\n",
            "earlier record",
        ),
        ("child: {name: A Example}\nrecords:\n  - {form: x, status: sent}\n", "status"),
    ],
)
def test_malformed_case_files_are_refused(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "case.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(TrainingDataError, match=message):
        load_cases(tmp_path, now=NOW)
