"""The guided form: any form file, one section at a time, GOV.UK question-page style.

Layout: a list of the sections (the progress list, which the user can jump through), the
current section's page (heading, help, guidance, error summary, its questions), a footer
with Previous / Continue and the draft's actions, and, for forms with outcomes, what
Haven suggests beside the page. After the last section comes "Check your answers", whose
"Complete this record" button completes the record through `Haven.complete`.

This module only draws. The rules — which sections and questions show, which come next,
which problems are shown when, the Continue rule, the completion guard and what a
record's state allows — live in `app.forms.session.FormSession` (tested without Qt);
everything form-specific comes from the definition and the engine (HOUSE_STYLE: no
`if form.id == ...` here).

Validation follows the GOV.UK pattern (validate on Continue, not on blur): Continue on a
section with problems stays on it once, shows the error summary and moves focus there;
pressing Continue again moves on (a draft may be incomplete) and the section stays marked
"There is a problem". Once shown, a message disappears as soon as its answer is fixed.
Completion is refused while any error remains.

Drafts save themselves (ui/form/autosave.py). Completed records open read-only: every
input stays focusable and readable but cannot change; "Amend" asks why and opens the new
version (SPEC 3); a record received from another Haven says where it came from and is
never amended here. Nothing here logs or titles a window with anything but the record's
opaque reference.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QCloseEvent,
    QColor,
    QKeySequence,
    QPalette,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain import Record
from app.errors import HavenError, ValidationFailed
from app.forms.definitions import FormDefinition, Section
from app.forms.engine import answered_sections, visible_entry_items
from app.forms.session import (
    BEFORE_COMPLETING,
    CHECK_PAGE,
    CONTINUE_AGAIN,
    FormSession,
    ShownProblem,
    record_actions,
    top_id,
)
from app.service import Haven, SaveResult
from ui import plain_text
from ui.errors import show_error
from ui.form import alert, announce, discard
from ui.form.autosave import (
    Autosaver,
    DraftPlace,
    draft_left_open,
    local_date_time,
    local_time,
    mark_draft_closed,
    mark_draft_editing,
    remember_place,
    saved_place,
)
from ui.form.check_answers import CheckAnswersPage
from ui.form.error_summary import ErrorSummary
from ui.form.group_editor import GroupEditor
from ui.form.guidance_panel import GuidancePanel
from ui.form.item_widgets import ERROR_COLOUR, ItemContext, ItemWidget
from ui.form.option_widgets import ChoiceWidget
from ui.form.outcome_panel import OutcomePanel
from ui.form.widget_factory import create_item_widget
from ui.received import provenance_text, received_from
from ui.send_to_dsl import send_to_dsl_button
from ui.shortcuts_help import FORM_SHORTCUTS, keys_text
from ui.theme import error_palette, heading
from ui.widgets.focus_ring import install_focus_ring

log = logging.getLogger(__name__)

NAV_CHARS = 24
"""Width of the sections list, in digits of the current font (its titles wrap)."""
OUTCOME_CHARS = 30
"""Width of the suggestions panel, in digits of the current font."""
QUESTION_SHARE = 0.6
"""The question column keeps at least this share of the view's width: a side panel the
user has not asked for folds away first (a 1366 x 768 school laptop, issue 14)."""


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


class SectionListModel(QAbstractListModel):
    """The progress list's rows: (text, words for screen readers, has a problem).

    A model rather than QListWidget items: the list is rebuilt as sections appear and
    disappear, and plain Python rows avoid item objects whose ownership moves between
    Python and Qt on every rebuild.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, bool]] = []

    def set_rows(self, rows: list[tuple[str, str, bool]]) -> None:
        if rows == self._rows:
            return
        if len(rows) == len(self._rows):
            self._rows = list(rows)
            self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        text, spoken, problem = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return spoken
        if role == Qt.ItemDataRole.ForegroundRole and problem:
            return QBrush(ERROR_COLOUR)
        return None


class SectionPage(QWidget):
    """One section: its heading, help, guidance, error summary and item widgets."""

    def __init__(
        self,
        form: FormDefinition,
        section: Section,
        index: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.section = section
        self.index = index
        self.setObjectName(f"section:{section.id}")
        layout = QVBoxLayout(self)
        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.caption)
        self.title = heading(plain_text(section.title, one_line=True), self, level=1)
        self.title.setObjectName("sectionHeading")
        layout.addWidget(self.title)
        self.summary = ErrorSummary(self)
        layout.addWidget(self.summary)
        if index == 0 and form.description:
            # FORMAT.md: the form's description is "shown on the form's first page".
            intro = QLabel(plain_text(" ".join(form.description.split())), self)
            intro.setObjectName("formDescription")
            intro.setTextFormat(Qt.TextFormat.PlainText)
            intro.setWordWrap(True)
            layout.addWidget(intro)
        if section.help:
            help_label = QLabel(plain_text(" ".join(section.help.split())), self)
            help_label.setTextFormat(Qt.TextFormat.PlainText)
            help_label.setWordWrap(True)
            layout.addWidget(help_label)
        self.guidance: list[GuidancePanel] = []
        for block_id in section.guidance:
            block = form.guidance.get(block_id)
            if block is not None:
                panel = GuidancePanel(block, self)
                self.guidance.append(panel)
                layout.addWidget(panel)
        context = ItemContext(guidance=form.guidance)
        self.widgets: dict[str, ItemWidget] = {}
        spacing = self.fontMetrics().height()
        for item in section.items:
            widget = create_item_widget(item, item.id, context, self)
            self.widgets[item.id] = widget
            layout.addSpacing(spacing // 2)
            layout.addWidget(widget)
        layout.addStretch(1)

    def set_position_text(self, number: int, total: int) -> None:
        self.caption.setText(f"Section {number} of {total}")

    def widget_for_path(self, path: str) -> ItemWidget | None:
        top = self.widgets.get(top_id(path))
        return top.widget_for_path(path) if top is not None else None

    def focus_widget_for(self, path: str) -> QWidget | None:
        top = self.widgets.get(top_id(path))
        return top.focus_widget_for(path) if top is not None else None

    def first_input(self) -> QWidget | None:
        for widget in self.widgets.values():
            if not widget.isHidden() and widget.inputs():
                return widget.focus_target()
        return None


class AmendDialog(QDialog):
    """Asks why a completed record is being amended (SPEC 3: the reason is recorded)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("amendDialog")
        self.setWindowTitle("Amend this record")
        self.setModal(True)
        layout = QVBoxLayout(self)
        explain = QLabel(
            "Amending makes a new version of this record for you to change. The completed "
            "version is kept unchanged, and your reason is recorded with the new version.",
            self,
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        label = QLabel("Why does this record need to change?", self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("amendReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName("Why does this record need to change?")
        label.setBuddy(self.reason)
        layout.addWidget(self.reason)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        error_palette(self.error)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton("Amend record", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("amendConfirm")
        cancel = buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("amendCancel")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def _accept(self) -> None:
        if not self.reason_text():
            self.error.setText("Enter why this record needs to change")
            self.error.setVisible(True)
            self.reason.setAccessibleDescription("Error: Enter why this record needs to change")
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
            alert(self.error, "Error: Enter why this record needs to change")
            return
        self.accept()


class FormView(QWidget):
    """A record's form, section by section. See the module docstring.

    Signals: `closed()` when the user closes (or deletes) the record, `completed(id)` when
    it was completed, `saved(id)` after every successful save, `amended(new_id)` and
    `open_record(new_id)` when a completed record was amended and the view now shows the
    new draft.
    """

    closed = Signal()
    completed = Signal(str)
    saved = Signal(str)
    amended = Signal(str)
    open_record = Signal(str)
    export_requested = Signal(str)
    """Asks the window to open a record in a fresh view (after an amendment: the new
    version, which this view already shows if nobody does)."""
    send_to_dsl_requested = Signal(str)

    def __init__(
        self,
        haven: Haven,
        record_id: str,
        parent: QWidget | None = None,
        position: FormPosition | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("formView")
        self.haven = haven
        self._cleared = False
        self._pages: dict[int, SectionPage] = {}
        self._scrolls: dict[int, QScrollArea] = {}
        self.session: FormSession
        self._pending_focus: str | None = None
        self._shown_once = False
        self._editing_marked = False
        self._nav_rows: list[int] = []
        self.recovered_at: str | None = None
        self._sections_choice: bool | None = None
        self._place_written: DraftPlace | None = None
        self._suggested: dict[str, str] = {}
        self._suggestions_choice: bool | None = None
        self.autosaver = Autosaver(self._save, self)
        self.autosaver.saved.connect(self._after_save)
        self.autosaver.failed.connect(self._save_failed)
        install_focus_ring()
        self._build_chrome()
        self._install_shortcuts()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        record = haven.record(record_id, audited=position is None)
        self._load(record, position)

    # ==== building ======================================================================

    def _build_chrome(self) -> None:
        root = QVBoxLayout(self)
        top = QHBoxLayout()
        self.form_title = heading("", self, level=1)
        self.form_title.setObjectName("formTitle")
        top.addWidget(self.form_title, 1)
        self.saved_label = QLabel(self)
        self.saved_label.setObjectName("savedIndicator")
        self.saved_label.setTextFormat(Qt.TextFormat.PlainText)
        self.saved_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.saved_label)
        root.addLayout(top)
        toggles = QHBoxLayout()
        self.status_label = QLabel(self)
        self.status_label.setObjectName("recordStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        toggles.addWidget(self.status_label, 1)
        self.sections_toggle = QPushButton("Hide sections", self)
        self.sections_toggle.setObjectName("sectionsToggle")
        self.sections_toggle.setFlat(True)
        self.sections_toggle.setToolTip(
            "Show or hide the list of sections (Control+Shift+S). Alt+Left and Alt+Right "
            "move between sections either way."
        )
        self.sections_toggle.setAccessibleDescription(self.sections_toggle.toolTip())
        self.sections_toggle.clicked.connect(lambda: self.set_sections_shown(None))
        toggles.addWidget(self.sections_toggle)
        self.suggestions_toggle = QPushButton("Hide suggestions", self)
        self.suggestions_toggle.setObjectName("suggestionsToggle")
        self.suggestions_toggle.setFlat(True)
        self.suggestions_toggle.setToolTip(
            "Show or hide what Haven suggests from your answers (Control+Shift+G)."
        )
        self.suggestions_toggle.setAccessibleDescription(self.suggestions_toggle.toolTip())
        self.suggestions_toggle.clicked.connect(lambda: self.set_suggestions_shown(None))
        toggles.addWidget(self.suggestions_toggle)
        root.addLayout(toggles)

        self.recovered_banner = self._banner("recoveredBanner", QColor("#1d70b8"))
        root.addWidget(self.recovered_banner)
        self.record_banner = self._banner("recordBanner", QColor("#505a5f"))
        self.amend_button = QPushButton("Amend this record", self.record_banner)
        self.amend_button.setObjectName("amendButton")
        self.amend_button.setAccessibleDescription(
            "Makes a new version to change, and records why. The completed version is kept."
        )
        self.amend_button.clicked.connect(self.ask_amend)
        self.export_button = QPushButton("Export…", self.record_banner)
        self.export_button.setObjectName("exportButton")
        self.export_button.setAccessibleDescription(
            "Save a signed PDF or send a secure package, after the information-sharing decision."
        )
        self.export_button.clicked.connect(lambda: self.export_requested.emit(self.record.id))
        banner_layout = self.record_banner.layout()
        assert isinstance(banner_layout, QHBoxLayout)
        banner_layout.addWidget(self.amend_button, 0, Qt.AlignmentFlag.AlignTop)
        banner_layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        self.send_dsl_button = send_to_dsl_button(self.record_banner)
        self.send_dsl_button.clicked.connect(
            lambda: self.send_to_dsl_requested.emit(self.record.id)
        )
        banner_layout.addWidget(self.send_dsl_button, 0, Qt.AlignmentFlag.AlignTop)
        root.addWidget(self.record_banner)

        body = QHBoxLayout()
        self.nav_panel = QWidget(self)
        self.nav_panel.setObjectName("sectionsPanel")
        nav_column = QVBoxLayout(self.nav_panel)
        nav_column.setContentsMargins(0, 0, 0, 0)
        nav_label = QLabel("Sections", self.nav_panel)
        nav_label.setTextFormat(Qt.TextFormat.PlainText)
        nav_column.addWidget(nav_label)
        self.nav = QListView(self.nav_panel)
        self.nav_model = SectionListModel(self.nav)
        self.nav.setModel(self.nav_model)
        self.nav.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.nav.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.nav.setObjectName("sectionList")
        self.nav.setAccessibleName("Sections")
        self.nav.setAccessibleDescription(
            "Press Enter to go to a section. Control+Page Down and Control+Page Up move "
            "between sections."
        )
        self.nav.setWordWrap(True)
        self.nav.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav_panel.setFixedWidth(self.fontMetrics().horizontalAdvance("0") * NAV_CHARS)
        self.nav.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        nav_label.setBuddy(self.nav)
        self.nav.clicked.connect(self._nav_chosen)
        self.nav.activated.connect(self._nav_chosen)
        nav_column.addWidget(self.nav)
        body.addWidget(self.nav_panel)

        self.stack = QStackedWidget(self)
        self.stack.setObjectName("pages")
        # The question column takes whatever the side panels leave (at least 60% of the
        # view: see _fit_panels); its pages wrap rather than scroll sideways.
        self.stack.setMinimumWidth(0)
        self.stack.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        body.addWidget(self.stack, 1)

        self.check_page = CheckAnswersPage()
        self.check_page.change_requested.connect(self._change_from_check)
        self.check_page.complete_requested.connect(self.complete)
        self.check_scroll = self._scroll_for(self.check_page)
        self.stack.addWidget(self.check_scroll)

        self.outcome_panel = OutcomePanel()
        self.outcome_panel.alert_shown.connect(self._alert_shown)
        self.outcome_scroll = QScrollArea(self)
        self.outcome_scroll.setObjectName("outcomeArea")
        self.outcome_scroll.setWidgetResizable(True)
        self.outcome_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.outcome_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.outcome_scroll.setWidget(self.outcome_panel)
        self.outcome_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.outcome_scroll.setFixedWidth(self.fontMetrics().horizontalAdvance("0") * OUTCOME_CHARS)
        body.addWidget(self.outcome_scroll)
        root.addLayout(body, 1)

        # Continue first (GOV.UK: the primary action straight after the questions), so
        # Tab from the last answer reaches it, not the way back (issue 14).
        footer = QHBoxLayout()
        self.continue_button = self._footer_button(
            "Continue",
            "continueButton",
            "Checks this section and goes on. Shortcut: Control+Enter. Alt+Right or "
            "Control+Page Down goes to the next section without stopping.",
            footer,
        )
        self.continue_button.clicked.connect(self.continue_)
        self.previous_button = self._footer_button(
            "Previous section", "previousButton", "Shortcut: Alt+Left or Control+Page Up.", footer
        )
        self.previous_button.clicked.connect(self.previous_section)
        footer.addStretch(1)
        self.check_button = self._footer_button(
            "Check for errors",
            "checkErrorsButton",
            "Checks the whole draft without completing it.",
            footer,
        )
        self.check_button.clicked.connect(self.check_for_errors)
        self.delete_button = self._footer_button(
            "Delete draft", "deleteDraftButton", "Deletes this draft after asking.", footer
        )
        self.delete_button.clicked.connect(self.ask_delete_draft)
        self.close_button = self._footer_button(
            "Close", "closeButton", "Saves and closes this record.", footer
        )
        self.close_button.clicked.connect(self.close_form)
        root.addLayout(footer)

    def _banner(self, name: str, colour: QColor) -> QFrame:
        frame = QFrame(self)
        frame.setObjectName(name)
        frame.setFrameShape(QFrame.Shape.Box)
        palette = frame.palette()
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        frame.setPalette(palette)
        layout = QHBoxLayout(frame)
        text = QLabel(frame)
        text.setObjectName(f"{name}Text")
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        text_palette = text.palette()
        text_palette.setColor(QPalette.ColorRole.WindowText, QColor("#0b0c0c"))
        text.setPalette(text_palette)
        layout.addWidget(text, 1)
        frame.setVisible(False)
        return frame

    @staticmethod
    def _banner_text(frame: QFrame) -> QLabel:
        label = frame.findChild(QLabel, f"{frame.objectName()}Text")
        assert label is not None
        return label

    def _footer_button(
        self, text: str, name: str, description: str, row: QHBoxLayout
    ) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text)
        button.setAccessibleDescription(description)
        row.addWidget(button)
        return button

    def _scroll_for(self, page: QWidget) -> QScrollArea:
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        area.setWidget(page)
        return area

    # ==== side panels ========================================================================

    def set_sections_shown(self, shown: bool | None) -> None:
        """Show or hide the sections list (None: the other way round). The user's choice
        holds from then on; until they make one, the list folds away when the question
        column would get less than QUESTION_SHARE of the width."""
        if shown is None:
            shown = not self.nav_panel.isVisibleTo(self)
        self._sections_choice = shown
        self._fit_panels()
        if not shown and self.nav.hasFocus():
            self.focusNextChild()

    def set_suggestions_shown(self, shown: bool | None) -> None:
        """Show or hide what Haven suggests (None: the other way round); as for sections."""
        if shown is None:
            shown = not self.outcome_scroll.isVisibleTo(self)
        self._suggestions_choice = shown
        self._fit_panels()

    def _fit_panels(self) -> None:
        has_outcomes = bool(getattr(self, "form", None) and self.form.outcomes)
        width = self.width()
        spacing = self.style().pixelMetric(self.style().PixelMetric.PM_LayoutHorizontalSpacing)
        budget = width * (1 - QUESTION_SHARE) - 2 * max(spacing, 6)
        suggestions = has_outcomes and self._suggestions_choice is not False
        if has_outcomes and self._suggestions_choice is None:
            suggestions = self.outcome_scroll.width() <= budget
        left = budget - (self.outcome_scroll.width() if suggestions else 0)
        sections = self._sections_choice
        if sections is None:
            sections = self.nav_panel.width() <= left
        changed = (
            self.nav_panel.isVisibleTo(self) != sections
            or self.outcome_scroll.isVisibleTo(self) != suggestions
        )
        self.nav_panel.setVisible(sections)
        self.outcome_scroll.setVisible(suggestions)
        self.suggestions_toggle.setVisible(has_outcomes)
        for button, shown, noun in (
            (self.sections_toggle, sections, "sections"),
            (self.suggestions_toggle, suggestions, "suggestions"),
        ):
            button.setText(f"{'Hide' if shown else 'Show'} {noun}")
            button.setAccessibleName(button.text())
        if changed and hasattr(self, "record"):
            self.fix_tab_order()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_panels()

    def _install_shortcuts(self) -> None:
        """Bind ui.shortcuts_help.FORM_SHORTCUTS (the list Help > Keyboard shortcuts
        shows) and name them in the buttons' tooltips."""
        slots: dict[str, Callable[[], None]] = {
            "next": self.next_section,
            "previous": self.previous_section,
            "continue": self._ctrl_enter,
            "save": self._save_shortcut,
            "sections": lambda: self.set_sections_shown(None),
            "suggestions": lambda: self.set_suggestions_shown(None),
        }
        self.shortcuts: list[QShortcut] = []
        for binding in FORM_SHORTCUTS:
            for keys in binding.keys:
                shortcut = QShortcut(QKeySequence(keys), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slots[binding.name])
                self.shortcuts.append(shortcut)
        for button, name, words in (
            (self.previous_button, "previous", "Previous section"),
            (self.continue_button, "continue", "Check this section and continue"),
            (self.sections_toggle, "sections", "Show or hide the list of sections"),
            (self.suggestions_toggle, "suggestions", "Show or hide what Haven suggests"),
            (self.check_page.complete_button, "continue", "Complete this record"),
        ):
            button.setToolTip(f"{words} ({keys_text(name)})")
        self.continue_button.setToolTip(
            f"{self.continue_button.toolTip()}. {keys_text('next')} goes to the next "
            "section without stopping."
        )
        self.close_button.setToolTip("Save and close this record")

    # ==== loading a record ===============================================================

    def _load(self, record: Record, position: FormPosition | None = None) -> None:
        """Show `record` (first open, after completing, after amending)."""
        self.record = record
        self.form = self.haven.form_for(record)
        self.ctx = self.haven.context(record)
        self.session = FormSession(
            self.form, record.answers, self.ctx, read_only=not record.is_draft
        )
        self._nav_rows = []
        for page_index in list(self._pages):
            scroll = self._scrolls.pop(page_index)
            self.stack.removeWidget(scroll)
            discard(scroll)
        self._pages.clear()
        self._editing_marked = False
        self._place_written = None
        self.setWindowTitle(f"{self.form.title} — {record.ref}")
        self.form_title.setText(plain_text(self.form.title, one_line=True))
        self.form_title.setAccessibleName(self.form_title.text())
        self._update_status()
        self._fit_panels()
        self.outcome_panel.clear()
        self.check_button.setVisible(not self.read_only)
        self.delete_button.setVisible(not self.read_only)
        self.recovered_banner.setVisible(False)
        self.recovered_at = None
        if record.is_draft and draft_left_open(self.haven, record.id):
            self._editing_marked = True
            self.recovered_at = local_time(record.updated_at)
            self._banner_text(self.recovered_banner).setText(
                f"Recovered your draft saved at {self.recovered_at}. Haven stopped "
                "unexpectedly while you were working on it; check your latest answers."
            )
            self.recovered_banner.setAccessibleName(
                f"Recovered your draft saved at {self.recovered_at}"
            )
            self.recovered_banner.setVisible(True)
            place = saved_place(self.haven, record.id) if position is None else None
            if place is not None:
                # Back where the user was when Haven stopped, not at section 1.
                position = FormPosition(
                    record.id, place.section_index, place.item_id, place.on_check_page
                )
                self._place_written = place
        self._rebuild_nav()
        self._show_outcomes(speak=False)
        if position is not None and position.on_check_page:
            self.session.current = position.section_index
            self.show_check_page(focus=False)
        else:
            start = self.session.first_section()
            index = self.session.nearest_visible(
                position.section_index if position is not None else start
            )
            self.go_to_section(index, focus=False)
            if position is not None and position.item_id:
                self._pending_focus = position.item_id
        if self.isVisible():
            self._apply_pending_focus()
        if self.recovered_banner.isVisible():
            alert(self.recovered_banner, self.recovered_banner.accessibleName())

    def _update_status(self) -> None:
        record = self.record
        if record.is_draft:
            status = f"Draft · {record.ref}"
            if record.version > 1:
                status += f" · version {record.version}"
            self.saved_label.setText(f"Last saved at {local_time(record.updated_at)}")
        else:
            status = f"{record.status.capitalize()} · {record.ref} · version {record.version}"
            self.saved_label.setText("")
        self.saved_label.setAccessibleName(self.saved_label.text())
        self.status_label.setText(status)
        banner = self._banner_text(self.record_banner)
        if not record.is_draft:
            when = local_date_time(record.completed_at or record.updated_at)
            text = f"This record was completed on {when} and is locked."
            # A record received from another Haven is read-only here: never amended.
            received = received_from(self.haven, record.id)
            if record.superseded_by:
                text += " It has been replaced by a newer version."
            elif received is not None:
                text = f"{provenance_text(received)} It is read-only here and cannot be amended."
            else:
                text += " To change it, amend it: Haven keeps this version and records why."
            banner.setText(text)
            actions = record_actions(record, self.form, received=received is not None)
            self.amend_button.setVisible(actions.can_amend)
            self.export_button.setVisible(actions.can_export)
            self.send_dsl_button.setVisible(actions.can_send_to_dsl)
            self.record_banner.setAccessibleName(text)
            self.record_banner.setVisible(True)
        elif record.amend_reason:
            banner.setText(
                f"This draft amends version {record.version - 1}. Reason: "
                f"{plain_text(record.amend_reason, one_line=True, limit=300)}"
            )
            self.amend_button.setVisible(False)
            self.export_button.setVisible(False)
            self.send_dsl_button.setVisible(False)
            self.record_banner.setVisible(True)
        else:
            self.record_banner.setVisible(False)

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
        page = SectionPage(self.form, self.form.sections[index], index)
        for item_id, widget in page.widgets.items():
            widget.set_value(self.answers.get(item_id))
            widget.changed.connect(lambda w=widget: self._item_changed(w))
            widget.structure_changed.connect(self._structure_changed)
            widget.set_read_only(self.read_only)
        page.summary.problem_activated.connect(self.focus_problem)
        scroll = self._scroll_for(page)
        self._pages[index] = page
        self._scrolls[index] = scroll
        self.stack.addWidget(scroll)
        self._apply_visibility(page)
        self._show_displayed_on(page)
        self._show_suggested_on(page)
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
        return self.stack.currentWidget() is self.check_scroll

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

    def _ctrl_enter(self) -> None:
        if self.on_check_page:
            if not self.read_only:
                self.complete()
        else:
            self.continue_()

    # ==== draft actions =====================================================================

    def check_for_errors(self) -> None:
        """Check the whole draft without completing it (SPEC 3), on the check page."""
        if self._cleared or self.read_only:
            return
        self._display_sections(None)
        self.show_check_page(focus=False)
        self.haven.checked(self.record.id, self.session.error_count())
        if self.session.problems:
            self.check_page.set_notice(None)
            self._update_check_summary(take_focus=True)
        else:
            self.check_page.set_notice(
                "No problems found. This draft can be completed when you are ready."
            )
            self.check_page.notice.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.check_page.complete_button.setFocus(Qt.FocusReason.OtherFocusReason)
            announce(self.check_page, self.check_page.notice.text(), assertive=True)

    def complete(self) -> None:
        """Check every answer and lock the record (Haven.complete) if nothing blocks it."""
        if self._cleared or self.read_only:
            return
        blockers = self.session.completion_blockers(self._collect_local())
        self._refresh_problem_views()
        if blockers:
            self.show_check_page(focus=False)
            self.check_page.set_notice(None)
            self._update_check_summary(take_focus=True, intro=BEFORE_COMPLETING)
            return
        self.save_now()
        try:
            record = self.haven.complete(self.record.id, self.answers)
        except ValidationFailed:
            self._display_sections(None)
            self.show_check_page(focus=False)
            self._update_check_summary(take_focus=True, intro=BEFORE_COMPLETING)
            return
        except HavenError as error:
            show_error(self, error)
            return
        self.autosaver.cancel()
        mark_draft_closed(self.haven, record.id)
        self._load(record)
        self.show_check_page(focus=False)
        self.check_page.set_notice(f"Completed. This record ({record.ref}) is now locked.")
        self.record_banner.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.record_banner.setFocus(Qt.FocusReason.OtherFocusReason)
        announce(self, f"Record {record.ref} completed and locked.", assertive=True)
        self.completed.emit(record.id)

    def ask_amend(self) -> None:
        """Ask why, then make and open the new version (Haven.amend)."""
        if self._cleared or self.record.is_draft:
            return
        dialog = AmendDialog(self)

        def finished(result: int) -> None:
            reason = dialog.reason_text()
            dialog.deleteLater()
            if result != QDialog.DialogCode.Accepted:
                self.amend_button.setFocus(Qt.FocusReason.OtherFocusReason)
                return
            self.amend(reason)

        dialog.finished.connect(finished)
        dialog.open()

    def amend(self, reason: str) -> None:
        try:
            record = self.haven.amend(self.record.id, reason)
        except HavenError as error:
            show_error(self, error)
            return
        self._load(record)
        announce(self, f"New version {record.ref} opened for you to change.", assertive=True)
        self.amended.emit(record.id)
        self.open_record.emit(record.id)

    def ask_delete_draft(self) -> None:
        if self._cleared or self.read_only:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete draft",
            f"Delete this draft ({self.record.ref})? Everything entered in it will be lost. "
            "The deletion is recorded in the audit log.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("confirmDeleteDraft")
        delete = box.addButton("Delete draft", QMessageBox.ButtonRole.DestructiveRole)
        delete.setObjectName("confirmDelete")
        keep = box.addButton("Keep draft", QMessageBox.ButtonRole.RejectRole)
        keep.setObjectName("keepDraft")
        box.setDefaultButton(keep)

        def finished() -> None:
            box.deleteLater()
            if box.clickedButton() is delete:
                self.delete_draft()
            else:
                self.delete_button.setFocus(Qt.FocusReason.OtherFocusReason)

        box.finished.connect(finished)
        box.open()

    def delete_draft(self) -> None:
        self.autosaver.stop()
        try:
            self.haven.delete_draft(self.record.id)
        except HavenError as error:
            show_error(self, error)
            return
        mark_draft_closed(self.haven, self.record.id)
        self.clear()
        self.closed.emit()

    def close_form(self) -> None:
        """Save everything and say we are done (the window removes the view)."""
        self.save_now()
        self.closed.emit()

    # ==== saving ============================================================================

    def _save(self) -> SaveResult:
        if not self._editing_marked:
            mark_draft_editing(self.haven, self.record.id)
            self._editing_marked = True
        result = self.haven.save_draft(self.record.id, self.answers)
        self.ctx = self.haven.context(self.record)
        self._remember_place()
        return result

    def _remember_place(self) -> None:
        """Keep where the user is while the draft has edits (reopened there after a crash)."""
        if not self._editing_marked or self._cleared or self.read_only or not self.isVisible():
            return  # (not while a view is being built: its focus is not placed yet)
        where = self.position()
        place = DraftPlace(where.section_index, where.item_id, where.on_check_page)
        if place == self._place_written:
            return
        try:
            remember_place(self.haven, self.record.id, place)
        except HavenError as error:  # the answers are saved; only the place is not
            log.warning("Draft place not kept: %s", type(error).__name__)
            return
        self._place_written = place

    def _after_save(self, result: SaveResult) -> None:
        text = f"Saved at {local_time(result.saved_at)}"
        self.saved_label.setText(text)
        self.saved_label.setAccessibleName(text)
        palette = self.saved_label.palette()
        palette.setColor(
            QPalette.ColorRole.WindowText, self.palette().color(QPalette.ColorRole.WindowText)
        )
        self.saved_label.setPalette(palette)
        if self.session.prune(self._collect_local()):
            self._refresh_problem_views()
            if self.on_check_page:
                self._update_check_summary(take_focus=False)
        self.saved.emit(self.record.id)

    def _collect_local(self) -> dict[str, str]:
        local: dict[str, str] = {}
        for page in self._pages.values():
            for item_id, widget in page.widgets.items():
                if item_id in self.session.visible_items:
                    local.update(dict(widget.local_errors()))
        return local

    def _save_failed(self, error: HavenError) -> None:
        text = f"Not saved: {error.message}"
        self.saved_label.setText(plain_text(text, one_line=True, limit=200))
        self.saved_label.setAccessibleName(self.saved_label.text())
        error_palette(self.saved_label)
        alert(self.saved_label, self.saved_label.text())

    def _save_shortcut(self) -> None:
        self.save_now()
        if not self.read_only and not self._cleared:
            announce(self.saved_label, self.saved_label.text())

    def save_now(self) -> None:
        """Write any pending typing now (window close, lock, Ctrl+S): a clean stop."""
        if self._cleared or self.read_only or not self.haven.session.is_open:
            return
        self.autosaver.flush()
        if self._editing_marked and not self.autosaver.pending:
            mark_draft_closed(self.haven, self.record.id)
            self._editing_marked = False

    # ==== position, focus and clearing ========================================================

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
        if self.check_scroll.isAncestorOf(new):
            self.check_scroll.ensureWidgetVisible(new, 40, 80)

    def clear(self) -> None:
        """Save, then drop every widget holding record text (lock, close). Final."""
        if self._cleared:
            return
        self.save_now()
        self.autosaver.stop()
        self._cleared = True
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_changed)
        for scroll in self._scrolls.values():
            self.stack.removeWidget(scroll)
            discard(scroll)
        self._pages.clear()
        self._scrolls.clear()
        self.check_page.show_answers([], {}, read_only=True)
        self.check_page.summary.clear()
        self.check_page.set_notice(None)
        self.outcome_panel.clear()
        self.nav_model.set_rows([])
        self.session = FormSession(self.form, {}, self.ctx, read_only=True)
        for banner in (self.recovered_banner, self.record_banner):
            self._banner_text(banner).setText("")
            banner.setAccessibleName("")
            banner.setVisible(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_now()
        super().closeEvent(event)

    # ==== the tab order ======================================================================

    def fix_tab_order(self) -> None:
        """Chain focus in reading order: sections list, page, footer, suggestions.

        Qt's default order is creation order, which is wrong once entries are added,
        messages appear or questions are shown later; this walks the layouts instead.
        """
        toggles: list[QWidget] = [self.sections_toggle]
        if self.suggestions_toggle.isVisibleTo(self):
            toggles.append(self.suggestions_toggle)
        chain: list[QWidget] = [self.nav] if self.nav_panel.isVisibleTo(self) else []
        current = self.stack.currentWidget()
        if current is not None:
            chain.extend(_focus_chain(current))
        for button in (
            self.continue_button,
            self.previous_button,
            self.check_button,
            self.delete_button,
            self.close_button,
        ):
            chain.append(button)
        if self.outcome_scroll.isVisibleTo(self):
            chain.extend(_focus_chain(self.outcome_panel))
        banner = [self.amend_button, self.export_button, self.send_dsl_button]
        head = banner if not self.record.is_draft else []
        chain = toggles + head + chain
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)


def _focus_chain(root: QWidget) -> list[QWidget]:
    """Widgets that take Tab focus under `root`, in layout (reading) order."""
    out: list[QWidget] = []

    def visit(widget: QWidget) -> None:
        if isinstance(widget, QScrollArea):
            inner = widget.widget()
            if inner is not None:
                visit(inner)
            return
        if isinstance(widget, QStackedWidget):
            page = widget.currentWidget()
            if page is not None:
                visit(page)
            return
        takes_tab = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        if takes_tab and widget.focusProxy() is None:
            out.append(widget)
            if isinstance(widget, QAbstractScrollArea):
                return
        layout = widget.layout()
        if layout is not None:
            visit_layout(layout)

    def visit_layout(layout: QLayout) -> None:
        for index in range(layout.count()):
            entry = layout.itemAt(index)
            if entry is None:
                continue
            child = entry.widget()
            if child is not None:
                visit(child)
                continue
            inner = entry.layout()
            if inner is not None:
                visit_layout(inner)

    visit(root)
    return out
