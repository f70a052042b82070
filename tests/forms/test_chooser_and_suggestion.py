"""Form-format features for issue 14, tested without Qt: the "Form to start" order per
profile role (``chooser_order``), the option Haven suggests for a decision
(``suggested_by``) and prefill from the child's gender."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from app.errors import FormDefinitionError
from app.forms.chooser import forms_for_role
from app.forms.context import EvaluationContext
from app.forms.engine import prefill, suggested_answers
from app.forms.loader import default_forms_dir, load_registry

NOW = datetime(2026, 11, 29, 10, 0)


def test_screening_comes_first_for_practitioners_and_risk_assessment_for_dsls() -> None:
    forms = load_registry().latest()
    practitioner = [f.id for f in forms_for_role(forms, "practitioner")]
    dsl = [f.id for f in forms_for_role(forms, "dsl")]
    assert practitioner[0] == "screening"
    assert practitioner[:3] == ["screening", "missing-episode", "return-interview"]
    assert dsl[0] == "risk-assessment"
    assert sorted(practitioner) == sorted(dsl) == sorted(f.id for f in forms)


def test_a_role_no_form_names_lists_them_by_title() -> None:
    forms = load_registry().latest()
    titles = [f.title for f in forms_for_role(forms, "someone-else")]
    assert titles == sorted(titles, key=str.casefold)


def test_the_suggested_category_is_the_outcome_value() -> None:
    form = load_registry().get("screening")
    ctx = EvaluationContext.at(NOW)
    assert suggested_answers(form, {}, ctx) == {}, "nothing ticked: no suggestion"
    assert suggested_answers(form, {"sig_vehicles": ["current"]}, ctx) == {"final_category": "2"}


def test_gender_is_prefilled_from_the_child() -> None:
    form = load_registry().get("screening")
    ctx = EvaluationContext(
        now=NOW, subject={"name": "Jamie Example", "dob": "2012-02-10", "gender": "Female"}
    )
    answers = prefill(form, ctx)
    assert answers["gender"] == "Female"
    assert answers["dob"] == "2012-02-10"
    blank = prefill(form, EvaluationContext(now=NOW, subject={"gender": "  "}))
    assert "gender" not in blank


def test_suggested_by_must_name_an_outcome(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(default_forms_dir(), forms)
    path = forms / "screening" / "1.yaml"
    text = path.read_text("utf-8")
    assert "suggested_by: suggested_category" in text
    path.write_text(
        text.replace("suggested_by: suggested_category", "suggested_by: no_such_outcome"),
        "utf-8",
    )
    with pytest.raises(FormDefinitionError, match="no_such_outcome"):
        load_registry(forms)
