"""The form view's pages driven by the form session: which page shows, the progress
list, showing and hiding questions as answers change, the problems shown, and moving
between sections.

The middle layer of the form view (chrome below: ui/form/form_chrome.py; the record's
life — loading, saving, completing, amending — above: ui/form_view.py). The decisions are
`app.forms.session.FormSession`'s; this layer puts them on screen and moves the focus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from app.forms.context import EvaluationContext
from app.forms.engine import answered_sections, visible_entry_items
from app.forms.session import CHECK_PAGE, CONTINUE_AGAIN, FormSession, ShownProblem
from app.service import Haven
from ui import plain_text
from ui.accessibility import announce
from ui.form.autosave import Autosaver
from ui.form.form_chrome import FormChrome
from ui.form.group_editor import GroupEditor
from ui.form.item_widgets import ItemWidget
from ui.form.option_widgets import ChoiceWidget
from ui.form.section_page import SectionPage


@dataclass(frozen=True)
class FormPosition:
    """Where the user was, so the view can be destroyed (lock) and re-created in place.

    ``section_index`` counts every section of the form (shown or not); ``item_id`` is the
    path of the focused question ("dob", or "people[1].name" inside a group), if any.
    """

    record_id: str
    section_index: int = 0
    item_id: str | None = None
    on_check_page: bool = False


class FormPages(FormChrome):
    """Pages, progress list, relevance, shown problems and section-to-section moves.

    `session`, `ctx` and `autosaver` are the view's (set when it loads a record); the
    view overrides `_remember_place` to keep a draft's place for crash recovery and
    `complete` to complete the record.
    """

    session: FormSession
    ctx: EvaluationContext
    autosaver: Autosaver

    def __init__(self, haven: Haven, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.haven = haven
        self._cleared = False
        self._pages: dict[int, SectionPage] = {}
        self._scrolls: dict[int, QScrollArea] = {}
        self._nav_rows: list[int] = []
        self._suggested: dict[str, str] = {}
        self._pending_focus: str | None = None
        self._shown_once = False

    def _remember_place(self) -> None:
        """Hook: the view keeps a draft's place here (after every page change)."""

    @property
    def answers(self) -> dict[str, Any]:
        """The answers being edited (the session's, which the autosaver writes)."""
        return self.session.answers

    @property
    def read_only(self) -> bool:
        return self.session.read_only

    # ==== pages ==========================================================================

    def _page(self, index: int) -> SectionPage:
        page = self._pages.get(index)
        if page is not None:
            return page
        section = self.form.sections[index]
        visible = self.session.visible_items
        page = SectionPage(
            self.form,
            section,
            index,
            hidden=frozenset(item.id for item in section.items if item.id not in visible),
        )
        for item_id, widget in page.widgets.items():
            widget.set_value(self.answers.get(item_id))
            widget.changed.connect(lambda w=widget: self._item_changed(w))
            widget.structure_changed.connect(self._structure_changed)
            widget.set_read_only(self.read_only)
        page.summary.problem_activated.connect(self.focus_problem)
        # Questions shown or hidden, messages and suggestions in place before the page
        # goes into its scroll area, which lays it out: laid out once, not again for
        # every question hidden afterwards (issue 11).
        self._pages[index] = page
        self._apply_visibility(page)
        self._show_displayed_on(page)
        self._show_suggested_on(page)
        scroll = self._scroll_for(page)
        self._scrolls[index] = scroll
        self.stack.addWidget(scroll)
        return page

    def current_page(self) -> SectionPage | None:
        current = self.session.current
        return None if current == CHECK_PAGE else self._pages.get(current)

    @property
    def current_section(self) -> int:
        """Index (in the form's sections) of the section shown, or last shown."""
        return self.session.current

    @property
    def on_check_page(self) -> bool:
        scroll = self._check_scroll  # (not made for this question)
        return scroll is not None and self.stack.currentWidget() is scroll

    def go_to_section(self, index: int, focus: bool | str = True) -> None:
        """Show section `index`; focus its first question, or the question at a path."""
        if self._cleared or not 0 <= index < len(self.form.sections):
            return
        self.autosaver.flush()
        leaving_check = self.on_check_page
        page = self._page(index)
        self.session.current = index
        self.stack.setCurrentWidget(self._scrolls[index])
        self._update_page_texts()
        self._select_nav()
        self._update_footer()
        self._show_displayed_on(page)
        self.fix_tab_order()
        if not leaving_check:
            self.session.return_to_check = False
        if isinstance(focus, str):
            self._focus_path(focus)
        elif focus:
            target = page.first_input() or self.continue_button
            target.setFocus(Qt.FocusReason.OtherFocusReason)
            self._scrolls[index].verticalScrollBar().setValue(0)
        number = self.session.number_of(index)
        announce(page, f"{page.title.text()}, section {number} of {self.session.total}")
        self._remember_place()

    def show_check_page(self, focus: bool = True) -> None:
        """Show every answer by section, with any problems, before completing."""
        if self._cleared:
            return
        self.autosaver.flush()
        sections = answered_sections(self.form, self.answers, self.ctx)
        self.check_page.show_answers(sections, self.session.displayed, read_only=self.read_only)
        self._update_check_summary(take_focus=False)
        self.stack.setCurrentWidget(self.check_scroll)
        self._select_nav()
        self._update_footer()
        self.fix_tab_order()
        if focus:
            buttons = self.check_page.change_buttons
            target: QWidget = (
                self.check_page.summary
                if self.check_page.summary.isVisible()
                else (buttons[0] if buttons else self.check_page.complete_button)
            )
            target.setFocus(Qt.FocusReason.OtherFocusReason)
            self.check_scroll.verticalScrollBar().setValue(0)
        announce(self.check_page, self.check_page.title.text())
        self._remember_place()

    def _update_check_summary(self, *, take_focus: bool, intro: str | None = None) -> None:
        shown = [
            ShownProblem(
                p.path,
                p.message,
                p.severity,
                plain_text(p.where, one_line=True) if p.where else None,
            )
            for p in self.session.shown_everywhere()
        ]
        self.check_page.summary.show_problems(shown, intro=intro, take_focus=take_focus)

    def _update_page_texts(self) -> None:
        for index, page in self._pages.items():
            page.set_position_text(self.session.number_of(index), self.session.total)

    def _update_footer(self) -> None:
        on_check = self.on_check_page
        self.continue_button.setVisible(not on_check)
        if self.session.return_to_check and not on_check:
            self.continue_button.setText("Return to check your answers")
        else:
            self.continue_button.setText("Continue")
        self.continue_button.setAccessibleName(self.continue_button.text())
        self.previous_button.setEnabled(on_check or not self.session.is_first(self.session.current))

    # ==== the progress list ===============================================================

    def _rebuild_nav(self) -> None:
        rows: list[tuple[str, str, bool]] = []
        self._nav_rows = []
        for row in self.session.nav_rows():
            title = plain_text(row.title, one_line=True)
            text = f"{row.number}. {title}" if row.number else title
            if row.has_problem:
                rows.append((f"{text}\nThere is a problem", f"{text}. There is a problem", True))
            else:
                rows.append((text, text, False))
            self._nav_rows.append(row.target)
        self.nav_model.set_rows(rows)
        self._select_nav()

    def _select_nav(self) -> None:
        target = CHECK_PAGE if self.on_check_page else self.session.current
        if target in self._nav_rows:
            self.nav.setCurrentIndex(self.nav_model.index(self._nav_rows.index(target)))

    def _nav_chosen(self, index: QModelIndex) -> None:
        row = index.row()
        if not 0 <= row < len(self._nav_rows):
            return
        target = self._nav_rows[row]
        if target == CHECK_PAGE:
            if not self.on_check_page:
                self.show_check_page()
        elif target != self.session.current or self.on_check_page:
            self.go_to_section(target)

    # ==== answers and relevance ============================================================

    def _item_changed(self, widget: ItemWidget) -> None:
        if self._cleared or self.read_only:
            return
        changed = self.session.set_answer(widget.item.id, widget.value())
        self.autosaver.schedule()
        self._reevaluate(sections_changed=changed)

    def _structure_changed(self) -> None:
        self.fix_tab_order()

    def _alert_shown(self, outcome_id: str) -> None:
        """FORMAT.md: "the UI records that the prompt was shown" (e.g. SPEC 2.2 "refer now")."""
        if self._cleared or not self.record.is_draft:
            return
        self.haven.alert_shown(self.record.id, outcome_id)

    def _reevaluate(self, *, sections_changed: bool) -> None:
        """After a change (the session has re-evaluated): show and hide to match."""
        if sections_changed:
            self._rebuild_nav()
            self._update_page_texts()
            self._update_footer()
        for page in self._pages.values():
            self._apply_visibility(page)
        self._show_outcomes(speak=True)

    def _show_outcomes(self, *, speak: bool) -> None:
        if self.form.outcomes:
            self.outcome_panel.show_outcomes(self.session.outcomes(), speak=speak)
            self._suggested = self.session.suggested()
            for page in self._pages.values():
                self._show_suggested_on(page)

    def _show_suggested_on(self, page: SectionPage) -> None:
        """FORMAT.md ``suggested_by``: where focus lands on an unanswered decision."""
        for item_id, widget in page.widgets.items():
            if isinstance(widget, ChoiceWidget) and widget.item.suggested_by is not None:
                widget.set_suggested(self._suggested.get(item_id))

    def _apply_visibility(self, page: SectionPage) -> None:
        changed = False
        for item_id, widget in page.widgets.items():
            show = item_id in self.session.visible_items
            if widget.isHidden() == show:
                widget.setVisible(show)
                changed = True
            if show and isinstance(widget, GroupEditor):
                for entry in range(widget.entry_count()):
                    shown = visible_entry_items(self.form, self.answers, self.ctx, item_id, entry)
                    widget.set_entry_visibility(entry, {sub.id for sub in shown})
        if changed and page is self.current_page():
            self.fix_tab_order()

    # ==== problems ========================================================================

    def _display_sections(self, sections: set[int] | None) -> None:
        """Show the current messages of `sections` (None: every section)."""
        self.session.display(sections, self._collect_local())
        self._refresh_problem_views()

    def _section_index_of(self, path: str) -> int:
        return self.session.section_index_of(path)

    def _refresh_problem_views(self) -> None:
        for page in self._pages.values():
            self._show_displayed_on(page)
        self._rebuild_nav()

    def _show_displayed_on(self, page: SectionPage) -> None:
        for widget in page.widgets.values():
            widget.show_problems(self.session.displayed)
        shown = self.session.shown_on(page.index)
        if [(p.path, p.message) for p in shown] != [
            (p.path, p.message) for p in page.summary.problems
        ]:
            page.summary.show_problems(
                shown, intro=CONTINUE_AGAIN if any(p.severity == "error" for p in shown) else None
            )
            if page is self.current_page():
                self.fix_tab_order()

    def focus_problem(self, path: str) -> None:
        """An error-summary link: go to the question and put the cursor in it."""
        index = self._section_index_of(path)
        if index < 0:
            return
        if index != self.session.current or self.on_check_page:
            self.go_to_section(index, focus=path)
        else:
            self._focus_path(path)

    def _focus_path(self, path: str) -> bool:
        page = self._pages.get(self._section_index_of(path))
        if page is None:
            return False
        target = page.focus_widget_for(path)
        if target is None:
            return False
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        self._scrolls[page.index].ensureWidgetVisible(target, 40, 80)
        return True

    # ==== navigation actions ================================================================

    def continue_(self) -> None:
        """GOV.UK Continue: check this section; stop once on new problems, else go on."""
        if self._cleared or self.on_check_page:
            return
        index = self.session.current
        verdict = self.session.continue_from(index, self._collect_local())
        if not self.read_only:
            self._refresh_problem_views()
        if verdict == "stop":
            page = self._pages[index]
            self._scrolls[index].verticalScrollBar().setValue(0)
            page.summary.show_problems(page.summary.problems, intro=CONTINUE_AGAIN, take_focus=True)
        elif verdict == "check":
            self.show_check_page()
        else:
            self._step(1)

    def next_section(self) -> None:
        """Alt+Right / Control+Page Down: the next section, without stopping on problems."""
        if self._cleared or self.on_check_page:
            return
        if not self.read_only:
            self._display_sections({self.session.current})
        self._step(1)

    def previous_section(self) -> None:
        if self._cleared:
            return
        if self.on_check_page:
            last = self.session.previous_from_check()
            if last is not None:
                self.go_to_section(last)
            return
        self._step(-1)

    def _step(self, direction: int) -> None:
        target = self.session.step(direction)
        if target == CHECK_PAGE:
            self.show_check_page()
        elif target is not None:
            self.go_to_section(target)

    def _change_from_check(self, path: str) -> None:
        """A Change button: go to the question; Continue then returns here."""
        index = self._section_index_of(path)
        if index < 0:
            return
        self.session.return_to_check = True
        self.go_to_section(index, focus=path)
        self.session.return_to_check = True
        self._update_footer()

    def _collect_local(self) -> dict[str, str]:
        local: dict[str, str] = {}
        for page in self._pages.values():
            for item_id, widget in page.widgets.items():
                if item_id in self.session.visible_items:
                    local.update(dict(widget.local_errors()))
        return local

    # ==== position and focus ========================================================

    def position(self) -> FormPosition:
        """Where the user is: the section, the focused question, or the check page."""
        record_id = self.record.id if hasattr(self, "record") else ""
        if self.on_check_page:
            return FormPosition(record_id, self.session.current, None, True)
        item_path: str | None = None
        focused = QApplication.focusWidget()
        page = self.current_page()
        if focused is not None and page is not None and page.isAncestorOf(focused):
            item_path = self._path_of(page, focused)
        if item_path is None and self._pending_focus is not None:
            item_path = self._pending_focus
        return FormPosition(record_id, self.session.current, item_path, False)

    @staticmethod
    def _path_of(page: SectionPage, focused: QWidget) -> str | None:
        widget: QWidget | None = focused
        best: str | None = None
        while widget is not None and widget is not page:
            if isinstance(widget, ItemWidget) and widget.owns(focused):
                best = widget.path
                break
            widget = widget.parentWidget()
        return best

    def go_to(
        self, section_index: int, item_id: str | None = None, on_check_page: bool = False
    ) -> None:
        """Return to a position (the shell calls this after unlocking)."""
        if on_check_page:
            self.show_check_page()
            return
        section_index = self.session.nearest_visible(section_index)
        self.go_to_section(section_index, focus=item_id or True)
        if item_id and not self.isVisible():
            self._pending_focus = item_id

    def _apply_pending_focus(self) -> None:
        path = self._pending_focus
        if path is None:
            return
        if self._focus_path(path):
            self._pending_focus = None

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending_focus is not None:
            QTimer.singleShot(0, self._apply_pending_focus)
        elif not self._shown_once:
            QTimer.singleShot(0, self._focus_start)
        self._shown_once = True

    def _focus_start(self) -> None:
        """On first showing, put the cursor in the page unless the user already moved it."""
        if self._cleared:
            return
        focused = QApplication.focusWidget()
        if focused is not None and self.isAncestorOf(focused):
            return
        page = self.current_page()
        target: QWidget | None = page.first_input() if page is not None else None
        if self.on_check_page:
            buttons = self.check_page.change_buttons
            target = buttons[0] if buttons else self.check_page.title
        (target or self.continue_button).setFocus(Qt.FocusReason.OtherFocusReason)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or self._cleared:
            return
        for index, scroll in self._scrolls.items():
            if index == self.session.current and scroll.isAncestorOf(new):
                scroll.ensureWidgetVisible(new, 40, 80)
                return
        check = self._check_scroll
        if check is not None and check.isAncestorOf(new):
            check.ensureWidgetVisible(new, 40, 80)
