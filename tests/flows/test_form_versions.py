"""A record keeps the form version it was started with (issue: forms as data).

A changed form gets a new version file; records started on the old version still render,
validate and complete with it, while new records use the new one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from app.forms import load_registry
from app.service import Haven
from tests.haven_testkit import DSL, NOW, REPO_ROOT, example, new_session


def test_old_records_keep_their_version_after_a_new_one_is_added(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(REPO_ROOT / "forms", forms)
    session = new_session(tmp_path / "profile", DSL)
    try:
        haven = Haven(session, load_registry(forms), clock=lambda: NOW)
        child = haven.add_child("Jamie Example", "2012-02-10")
        answers = example("screening")
        old = haven.start_record(child.id, "screening", answers=answers)

        # Version 2 adds a required question.
        data = yaml.safe_load((forms / "screening" / "1.yaml").read_text("utf-8"))
        data["version"] = 2
        data["sections"][0]["items"].append(
            {"id": "school", "type": "text", "label": "School attended", "required": True}
        )
        (forms / "screening" / "2.yaml").write_text(yaml.safe_dump(data), "utf-8")
        haven = Haven(session, load_registry(forms), clock=lambda: NOW)

        assert haven.registry.versions("screening") == [1, 2]
        assert haven.form_for(haven.record(old.id)).version == 1
        assert haven.check(old.id) == []
        assert haven.complete(old.id).form_version == 1

        new = haven.start_record(child.id, "screening", answers=answers)
        assert new.form_version == 2
        assert [p.item_id for p in haven.check(new.id)] == ["school"]
    finally:
        session.lock()
