"""Completed records open read-only; Amend asks why and opens the new version; a draft
can be deleted after a confirmation (SPEC 3)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.form_driver import FormDriver, Workbench, example_answers
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit

from app.errors import NotFound
from ui.form.amend_dialog import AmendDialog


def completed_record(bench: Workbench, form_id: str) -> str:
    record = bench.haven.start_record(bench.child.id, form_id, answers=example_answers(form_id))
    return bench.haven.complete(record.id).id


def find_dialog(qtbot: Any) -> AmendDialog:
    found: list[AmendDialog] = []

    def shown() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, AmendDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(shown, timeout=3000)
    return found[0]


def test_completed_record_is_read_only_but_reachable(bench: Workbench, qtbot: Any) -> None:
    record_id = completed_record(bench, "screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    assert view.read_only
    assert view.record_banner.isVisible()
    assert view.amend_button.isVisible()
    assert not view.delete_button.isVisible()
    assert not view.check_button.isVisible()

    name = driver.item("child_name").inputs()[0]
    assert isinstance(name, QLineEdit)
    assert name.isReadOnly() and name.isEnabled()
    driver.focus(name)
    qtbot.keyClicks(name, "changed")
    assert name.text() == "Jamie Example"

    view.go_to_section([s.id for s in view.form.sections].index("incidences"))
    known = driver.item("incidence_known")
    chosen = known.buttons["no"]
    assert chosen.isEnabled() and chosen.focusPolicy() & Qt.FocusPolicy.TabFocus
    driver.click(known.buttons["yes"])
    driver.focus(chosen)
    qtbot.keyClick(chosen, Qt.Key.Key_Up)
    qtbot.keyClick(chosen, Qt.Key.Key_Space)
    assert known.value() == "no"
    # Tab still walks through the answers.
    assert driver.tab() is not chosen

    view.show_check_page()
    assert not view.check_page.complete_area.isVisible()
    assert view.check_page.change_buttons == []
    assert bench.haven.record(record_id).answers == example_answers("screening")


def test_amend_asks_why_and_opens_the_new_version(bench: Workbench, qtbot: Any) -> None:
    record_id = completed_record(bench, "missing-episode")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    driver.click(view.amend_button)
    dialog = find_dialog(qtbot)
    assert dialog.reason.hasFocus() or dialog.reason.isVisible()
    driver.click(dialog.ok)
    assert dialog.isVisible(), "a reason is required"
    assert dialog.error.isVisible()
    driver.focus(dialog.reason)
    qtbot.keyClicks(dialog.reason, "The police reference was wrong")
    with qtbot.waitSignal(view.amended, timeout=3000) as amended:
        driver.click(dialog.ok)
    new_id = amended.args[0]
    assert new_id != record_id
    assert view.record.id == new_id
    assert not view.read_only
    assert view.position().record_id == new_id
    old = bench.haven.record(record_id)
    new = bench.haven.record(new_id)
    assert old.superseded_by == new_id
    assert new.is_draft and new.amend_reason == "The police reference was wrong"
    edit = driver.item("child_name").inputs()[0]
    assert isinstance(edit, QLineEdit) and not edit.isReadOnly()
    assert "Reason: The police reference was wrong" in view._banner_text(view.record_banner).text()


def test_cancelled_amend_changes_nothing(bench: Workbench, qtbot: Any) -> None:
    record_id = completed_record(bench, "missing-episode")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)
    driver.click(view.amend_button)
    dialog = find_dialog(qtbot)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    assert view.record.id == record_id and view.read_only
    assert bench.haven.record(record_id).superseded_by is None


def test_delete_draft_asks_first_and_is_audited(bench: Workbench, qtbot: Any) -> None:
    record_id = bench.start("screening")
    view = bench.open_view(qtbot, record_id)
    driver = FormDriver(qtbot, view)

    driver.click(view.delete_button)
    box = driver.confirm_box("confirmDeleteDraft")
    keep = next(b for b in box.buttons() if b.objectName() == "keepDraft")
    driver.click(keep)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=2000)
    assert bench.haven.record(record_id).is_draft

    driver.click(view.delete_button)
    box = driver.confirm_box("confirmDeleteDraft")
    delete = next(b for b in box.buttons() if b.objectName() == "confirmDelete")
    with qtbot.waitSignal(view.closed, timeout=3000):
        driver.click(delete)
    with pytest.raises(NotFound):
        bench.haven.record(record_id)
    actions = [(e.action, e.record_id) for e in bench.haven.repo.audit_entries()]
    assert ("delete", record_id) in actions
    texts = [w.toPlainText() for w in view.findChildren(QPlainTextEdit)]
    assert all(not text for text in texts)
