"""One person working through one record's form: the rules of the guided form, without Qt.

The desktop's form view shows a section at a time and a "Check your answers" page; the
decisions behind it live here so they can be read, and tested, in one place:
- which sections are shown now and in what order, which one comes next or before, and
  what "Section 2 of 8" counts (`visible`, `step`, `previous`, `number_of`);
- which problems are *shown* (GOV.UK: a section's messages appear when the user leaves it
  with Continue, or when they ask to check the whole draft, and a shown message goes as
  soon as its answer is fixed — never appears while typing) (`display`, `prune`);
- the Continue rule: stop once on a section's new errors, then let the user move on,
  since a draft may be incomplete (`continue_from`);
- the completion guard: a record with any error cannot be completed (`completion_blockers`);
- what may be done to a record in its state (`record_actions`): amend a completed one
  that is current and authored here, delete or complete only a draft, export only a
  current completed record that is not itself a sharing decision.

Problems the widgets know before an answer exists ("31/02/2026 is not a date") come in
as ``local`` errors, keyed by path; they win over the engine's message for that path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from app.domain import Record
from app.forms.context import EvaluationContext
from app.forms.definitions import FormDefinition
from app.forms.engine import (
    evaluate_outcomes,
    suggested_answers,
    validate,
    visible_items,
    visible_sections,
)
from app.forms.evaluation import Outcome

CHECK_PAGE = -1
"""Where `step` leads after the last shown section: the check-your-answers page."""

CONTINUE_AGAIN = (
    "This record is saved as a draft. You can fix these now, or press Continue again to "
    "move on and come back to them later. A record cannot be completed until they are fixed."
)
BEFORE_COMPLETING = "Fix these before completing this record."


def top_id(path: str) -> str:
    """The top-level item a problem path is about: "people[1].name" → "people"."""
    for mark in ("[", "."):
        cut = path.find(mark)
        if cut != -1:
            path = path[:cut]
    return path


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the page shows it: where (path), what (message), how bad.

    ``where`` names the section when a summary lists problems from several sections.
    """

    path: str
    message: str
    severity: str = "error"
    where: str | None = None

    @property
    def text(self) -> str:
        prefix = "" if self.severity == "error" else "Warning: "
        place = f"{self.where}: " if self.where else ""
        return f"{place}{prefix}{self.message}"


@dataclass(frozen=True)
class NavRow:
    """One line of the progress list: a shown section (or the check page) and its state.

    ``number`` is 0 for the check page, which is not a section.
    """

    target: int
    number: int
    title: str
    has_problem: bool


@dataclass(frozen=True)
class RecordActions:
    """What the person may do to a record as it stands."""

    editable: bool
    can_complete: bool
    can_delete: bool
    can_amend: bool
    can_export: bool
    can_send_to_dsl: bool


def record_actions(record: Record, form: FormDefinition, *, received: bool) -> RecordActions:
    """The amend/delete/export rules of SPEC 3 and the exchange issue, in one place.

    A completed record is never edited in place: it is amended into a new version, and
    only while it is current (not superseded) and was written here (a record received
    from another Haven belongs to its author). A sharing decision permits exports; it is
    not itself exported.
    """
    draft = record.is_draft
    current = not record.superseded_by
    exportable = not draft and current and form.permits_export is None
    return RecordActions(
        editable=draft,
        can_complete=draft,
        can_delete=draft,
        can_amend=not draft and current and not received,
        can_export=exportable,
        can_send_to_dsl=exportable and not received,
    )


class FormSession:
    """The state of one form being worked through: answers, shown sections, shown problems.

    The view owns the widgets and asks the session what to show; the session never knows
    how anything is drawn.
    """

    def __init__(
        self,
        form: FormDefinition,
        answers: Mapping[str, object],
        ctx: EvaluationContext,
        *,
        read_only: bool,
    ) -> None:
        self.form = form
        self.ctx = ctx
        self.read_only = read_only
        self.answers: dict[str, object] = dict(answers)
        self.visible: list[int] = []
        self.visible_items: set[str] = set()
        self.current = 0
        self.problems: list[ShownProblem] = []
        self.displayed: dict[str, tuple[str, str]] = {}
        """Shown messages by path: (message, severity)."""
        self.return_to_check = False
        self._stopped_on: dict[int, frozenset[tuple[str, str]]] = {}
        self._order = {item.id: n for n, (_, item) in enumerate(form.iter_items())}
        self.reevaluate()

    # ---- answers and relevance -----------------------------------------------------------

    def set_answer(self, item_id: str, value: object) -> bool:
        """Record an answer (None clears it); True when the shown sections changed."""
        if self.read_only:
            return False
        if value is None:
            self.answers.pop(item_id, None)
        else:
            self.answers[item_id] = value
        return self.reevaluate()

    def reevaluate(self) -> bool:
        """Recompute which sections and items show; True when the sections changed."""
        shown = {s.id for s in visible_sections(self.form, self.answers, self.ctx)}
        visible = [i for i, s in enumerate(self.form.sections) if s.id in shown]
        self.visible_items = {
            item.id for _, item in visible_items(self.form, self.answers, self.ctx)
        }
        changed = visible != self.visible
        self.visible = visible
        return changed

    def outcomes(self) -> list[Outcome]:
        """What Haven suggests for these answers (empty for forms without outcomes)."""
        if not self.form.outcomes:
            return []
        return evaluate_outcomes(self.form, self.answers, self.ctx)

    def suggested(self) -> dict[str, str]:
        """Answers Haven suggests for unanswered decisions (``suggested_by``): where the
        focus lands first on such a question."""
        if not self.form.outcomes:
            return {}
        return suggested_answers(self.form, self.answers, self.ctx)

    # ---- where the user is ---------------------------------------------------------------

    def first_section(self) -> int:
        return self.visible[0] if self.visible else 0

    def nearest_visible(self, index: int) -> int:
        """`index` if shown, else the shown section before it (or the first)."""
        if not self.visible:
            return 0
        before = [i for i in self.visible if i <= index]
        return before[-1] if before else self.visible[0]

    def number_of(self, index: int) -> int:
        """1-based position among the shown sections, 0 when the section is hidden."""
        return self.visible.index(index) + 1 if index in self.visible else 0

    @property
    def total(self) -> int:
        """Shown sections; the check page is one more step, numbered after them."""
        return len(self.visible)

    def step(self, direction: int) -> int | None:
        """The section `direction` (+1/-1) away from the current one; CHECK_PAGE after the
        last, None before the first. A hidden current section steps to its neighbours."""
        if self.current not in self.visible:
            later = [i for i in self.visible if (i - self.current) * direction > 0]
            if later:
                return later[0] if direction > 0 else later[-1]
            return CHECK_PAGE if direction > 0 else None
        position = self.visible.index(self.current) + direction
        if position >= len(self.visible):
            return CHECK_PAGE
        if position < 0:
            return None
        return self.visible[position]

    def previous_from_check(self) -> int | None:
        """Previous on the check page: the last shown section."""
        return self.visible[-1] if self.visible else None

    def is_first(self, index: int) -> bool:
        return index == self.first_section()

    def nav_rows(self) -> list[NavRow]:
        """The progress list: every shown section, then the check page."""
        problem_sections = self.sections_with_errors()
        rows = [
            NavRow(index, number, self.form.sections[index].title, index in problem_sections)
            for number, index in enumerate(self.visible, start=1)
        ]
        # Not numbered: "Section 3 of 8" counts sections, and this is not one.
        rows.append(NavRow(CHECK_PAGE, 0, "Check your answers", False))
        return rows

    # ---- problems ------------------------------------------------------------------------

    def section_index_of(self, path: str) -> int:
        section = self.form.section_of(top_id(path))
        return self.form.sections.index(section) if section is not None else -1

    def section_title_of(self, path: str) -> str | None:
        section = self.form.section_of(top_id(path))
        return section.title if section is not None else None

    def collect_problems(self, local: Mapping[str, str]) -> list[ShownProblem]:
        """The engine's problems plus input that is not an answer yet, in form order."""
        out = [
            ShownProblem(p.path, p.message, p.severity)
            for p in validate(self.form, self.answers, self.ctx)
            if p.path not in local
        ]
        out.extend(ShownProblem(path, message, "error") for path, message in local.items())
        out.sort(key=lambda p: self._order.get(top_id(p.path), len(self._order)))
        return out

    def display(self, sections: set[int] | None, local: Mapping[str, str]) -> None:
        """Show every current message of `sections` (None: the whole form)."""
        self.problems = self.collect_problems(local)
        if sections is None:
            self.displayed = {}
        else:
            self.displayed = {
                path: shown
                for path, shown in self.displayed.items()
                if self.section_index_of(path) not in sections
            }
        for problem in self.problems:
            if sections is None or self.section_index_of(problem.path) in sections:
                self.displayed[problem.path] = (problem.message, problem.severity)

    def prune(self, local: Mapping[str, str]) -> bool:
        """After a change is saved: drop shown messages whose problem is fixed, never add
        new ones (GOV.UK: no errors while typing). True when what is shown changed."""
        self.problems = self.collect_problems(local)
        still = {(p.path, p.message) for p in self.problems}
        pruned = {
            path: shown for path, shown in self.displayed.items() if (path, shown[0]) in still
        }
        if pruned == self.displayed:
            return False
        self.displayed = pruned
        return True

    def shown_on(self, index: int) -> list[ShownProblem]:
        """The shown messages of one section, for its error summary."""
        return [
            p
            for p in self.problems
            if p.path in self.displayed and self.section_index_of(p.path) == index
        ]

    def shown_everywhere(self) -> list[ShownProblem]:
        """The shown messages of the whole form, each naming its section (check page)."""
        return [
            ShownProblem(p.path, p.message, p.severity, self.section_title_of(p.path))
            for p in self.problems
            if p.path in self.displayed
        ]

    def sections_with_errors(self) -> set[int]:
        """Sections with a shown error ("There is a problem" in the progress list)."""
        out: set[int] = set()
        for path, (_, severity) in self.displayed.items():
            index = self.section_index_of(path)
            if severity == "error" and index >= 0:
                out.add(index)
        return out

    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    # ---- the rules of Continue and Complete ----------------------------------------------

    def continue_from(
        self, index: int, local: Mapping[str, str]
    ) -> Literal["stop", "check", "next"]:
        """GOV.UK Continue on section `index`: show its messages; "stop" the first time the
        same set of errors is met, else go on ("check" after a Change from the check page)."""
        if not self.read_only:
            self.display({index}, local)
            errors = frozenset(
                (p.path, p.message) for p in self.shown_on(index) if p.severity == "error"
            )
            if errors and self._stopped_on.get(index) != errors:
                self._stopped_on[index] = errors
                return "stop"
        return "check" if self.return_to_check else "next"

    def completion_blockers(self, local: Mapping[str, str]) -> list[ShownProblem]:
        """Show every message; the errors that stop completion (empty: it may complete)."""
        if self.read_only:
            return []
        self.display(None, local)
        return [p for p in self.problems if p.severity == "error"]
