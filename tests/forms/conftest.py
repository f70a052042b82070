"""Fixtures for the forms engine tests: small form folders written to tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pytest
from form_samples import GUIDANCE, LoadForm, WriteForms

from app.forms import EvaluationContext, FormDefinition, load_registry


@pytest.fixture
def write_forms(tmp_path: Path) -> WriteForms:
    """Write {relative path: YAML text} under tmp_path/forms and return that folder."""

    def write(files: Mapping[str, str]) -> Path:
        root = tmp_path / "forms"
        root.mkdir(exist_ok=True)
        for relative, text in files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return write


@pytest.fixture
def load_form(write_forms: WriteForms) -> LoadForm:
    """Load one form written as forms/<id>/1.yaml (with the test guidance file)."""

    def load(text: str) -> FormDefinition:
        body = textwrap.dedent(text).lstrip("\n")
        form_id = next(
            line.split(":", 1)[1].strip() for line in body.splitlines() if line.startswith("id:")
        )
        root = write_forms({f"{form_id}/1.yaml": body, "guidance.yaml": GUIDANCE})
        return load_registry(root).get(form_id)

    return load


@pytest.fixture
def ctx() -> EvaluationContext:
    """A fixed moment: 25 November 2026, 12:00 local time."""
    return EvaluationContext(
        now=datetime(2026, 11, 25, 12, 0),
        settings={"repeat_missing_count": 3},
    )
