"""The guided form's rules without Qt (app/forms/session.py), on the demo form.

Demo sections: 0 child (form_date, child_name required), 1 indicators (police_detail
required when known_to_police is yes), 2 reliability (shown only with a significant
indicator), 3 people, 4 decision.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from form_samples import DEMO, LoadForm

from app.domain import Record
from app.forms import EvaluationContext, FormDefinition
from app.forms.session import (
    CHECK_PAGE,
    FormSession,
    record_actions,
    top_id,
)

CHILD, INDICATORS, RELIABILITY, PEOPLE, DECISION = range(5)


@pytest.fixture
def form(load_form: LoadForm) -> FormDefinition:
    return load_form(DEMO)


def session_for(
    form: FormDefinition, ctx: EvaluationContext, read_only: bool = False, **answers: object
) -> FormSession:
    return FormSession(form, answers, ctx, read_only=read_only)


def test_hidden_section_is_skipped_and_not_counted(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx)
    assert session.visible == [CHILD, INDICATORS, PEOPLE, DECISION]
    assert session.total == 4
    session.current = INDICATORS
    assert session.step(1) == PEOPLE
    assert session.number_of(PEOPLE) == 3
    assert session.number_of(RELIABILITY) == 0

    changed = session.set_answer("sig_missing", ["current"])
    assert changed is True
    assert session.visible == [CHILD, INDICATORS, RELIABILITY, PEOPLE, DECISION]
    assert session.step(1) == RELIABILITY
    assert session.number_of(PEOPLE) == 4
    assert session.set_answer("risk_phone", True) is False


def test_steps_reach_the_check_page_and_stop_before_the_first(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx)
    session.current = DECISION
    assert session.step(1) == CHECK_PAGE
    session.current = CHILD
    assert session.step(-1) is None
    assert session.is_first(CHILD)
    assert session.previous_from_check() == DECISION


def test_a_section_hidden_under_the_user_steps_to_its_neighbours(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx, sig_missing=["current"])
    session.current = RELIABILITY
    session.set_answer("sig_missing", None)
    assert RELIABILITY not in session.visible
    assert session.step(1) == PEOPLE
    assert session.step(-1) == INDICATORS
    assert session.nearest_visible(RELIABILITY) == INDICATORS


def test_progress_list_marks_sections_with_shown_errors_only(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx)
    rows = session.nav_rows()
    assert [r.target for r in rows] == [CHILD, INDICATORS, PEOPLE, DECISION, CHECK_PAGE]
    assert [r.number for r in rows] == [1, 2, 3, 4, 0]
    assert rows[-1].title == "Check your answers"
    assert not any(r.has_problem for r in rows)
    session.display({CHILD}, {})
    rows = session.nav_rows()
    assert rows[0].has_problem and not any(r.has_problem for r in rows[1:])


def test_continue_stops_once_on_new_errors_then_moves_on(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx)
    assert session.continue_from(CHILD, {}) == "stop"
    assert {p.path for p in session.shown_on(CHILD)} == {"form_date", "child_name"}
    assert session.continue_from(CHILD, {}) == "next"
    # A different set of errors stops again.
    session.set_answer("child_name", "A")
    session.set_answer("child_name", None)
    session.set_answer("form_date", "2026-11-01")
    assert session.continue_from(CHILD, {}) == "stop"
    assert session.continue_from(CHILD, {}) == "next"


def test_continue_after_a_change_returns_to_the_check_page(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx, form_date="2026-11-01", child_name="Sam")
    session.return_to_check = True
    assert session.continue_from(CHILD, {}) == "check"


def test_read_only_never_stops_or_shows_messages(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx, read_only=True)
    assert session.continue_from(CHILD, {}) == "next"
    assert session.displayed == {}
    assert session.set_answer("child_name", "Sam") is False
    assert "child_name" not in session.answers
    assert session.completion_blockers({}) == []


def test_messages_show_per_section_and_go_when_fixed_never_added_while_typing(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx, known_to_police="yes")
    session.display({INDICATORS}, {})
    assert set(session.displayed) == {"police_detail"}
    session.set_answer("child_name", None)  # the child section's errors stay unshown
    assert session.prune({}) is False
    session.set_answer("police_detail", "Seen with older men")
    assert session.prune({}) is True
    assert session.displayed == {}


def test_local_input_errors_win_over_the_engine_and_count(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx, child_name="Sam")
    session.display({CHILD}, {"form_date": "Enter a real date"})
    assert session.displayed["form_date"] == ("Enter a real date", "error")
    assert [p.path for p in session.problems if p.path == "form_date"] == ["form_date"]


def test_problems_come_in_form_order_and_name_their_section_on_the_check_page(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx, known_to_police="yes")
    blockers = session.completion_blockers({})
    assert [p.path for p in blockers] == ["form_date", "child_name", "police_detail"]
    assert session.error_count() == 3
    where = {p.path: p.where for p in session.shown_everywhere()}
    assert where == {"form_date": "Child", "child_name": "Child", "police_detail": "Indicators"}
    assert session.sections_with_errors() == {CHILD, INDICATORS}


def test_completion_guard_passes_only_without_errors(
    form: FormDefinition, ctx: EvaluationContext
) -> None:
    session = session_for(form, ctx, form_date="2026-11-01", child_name="Sam")
    assert session.completion_blockers({}) == []
    assert session.completion_blockers({"dob": "Enter a real date"})[0].path == "dob"


def test_group_paths_belong_to_their_top_item() -> None:
    assert top_id("suspects[1].registration") == "suspects"
    assert top_id("form_date") == "form_date"


def _record(**changes: object) -> Record:
    base = Record(
        id="r1",
        ref="SCR-1",
        subject_id="s1",
        form_id="demo",
        form_version=1,
        status="completed",
        answers={},
        problem_count=0,
        created_at="2026-11-01T10:00:00",
        updated_at="2026-11-01T10:00:00",
        created_by="u1",
        completed_at="2026-11-01T10:00:00",
        completed_by="u1",
        version=1,
        supersedes=None,
        superseded_by=None,
        amend_reason=None,
        parent_id=None,
        episode_id=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_record_actions_follow_state_and_origin(form: FormDefinition) -> None:
    draft = record_actions(_record(status="draft"), form, received=False)
    assert (draft.editable, draft.can_complete, draft.can_delete) == (True, True, True)
    assert not (draft.can_amend or draft.can_export or draft.can_send_to_dsl)

    done = record_actions(_record(), form, received=False)
    assert done.can_amend and done.can_export and done.can_send_to_dsl
    assert not (done.editable or done.can_delete or done.can_complete)

    received = record_actions(_record(), form, received=True)
    assert received.can_export and not received.can_amend and not received.can_send_to_dsl

    old = record_actions(_record(superseded_by="r2"), form, received=False)
    assert not (old.can_amend or old.can_export)


def test_a_sharing_decision_is_not_itself_exported(load_form: LoadForm) -> None:
    decision = load_form(
        """
        id: decision-demo
        title: Sharing decision
        version: 1
        marking: OFFICIAL-SENSITIVE
        source: Test fixture
        permits_export: "share == 'yes'"
        sections:
          - id: s
            title: Decision
            items:
              - id: share
                type: yes_no
                label: Share?
        """
    )
    actions = record_actions(_record(form_id="decision-demo"), decision, received=False)
    assert actions.can_amend and not actions.can_export
