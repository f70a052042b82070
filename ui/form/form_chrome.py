"""The form view's widgets and their layout, with the side panels that fold away.

Split from the form view (ui/form_view.py), which connects these widgets to behaviour:
this class only builds them, places them, decides which side panel fits at the current
width (a 1366 x 768 school laptop keeps 60% of the width for the questions, issue 14)
and chains Tab through them in reading order.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain import Record
from app.forms.definitions import FormDefinition
from ui.form.check_answers import CheckAnswersPage
from ui.form.outcome_panel import OutcomePanel
from ui.form.page_area import PageArea
from ui.form.section_page import SectionListModel
from ui.form.tab_chain import focus_chain
from ui.send_to_dsl import send_to_dsl_button
from ui.theme import heading
from ui.widgets.focus_ring import install_focus_ring

NAV_CHARS = 24
"""Width of the sections list, in digits of the current font (its titles wrap)."""
OUTCOME_CHARS = 30
"""Width of the suggestions panel, in digits of the current font."""
QUESTION_SHARE = 0.6
"""The question column keeps at least this share of the view's width: a side panel the
user has not asked for folds away first (a 1366 x 768 school laptop, issue 14)."""


class FormChrome(QWidget):
    """Title, status, banners, the sections list, the page stack, the suggestions panel
    and the footer buttons. `form` and `record` are set by the view when it loads one."""

    form: FormDefinition
    record: Record

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sections_choice: bool | None = None
        self._suggestions_choice: bool | None = None
        self._polished = False
        install_focus_ring()
        self._build_chrome()

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
        self.export_button = QPushButton("Export…", self.record_banner)
        self.export_button.setObjectName("exportButton")
        self.export_button.setAccessibleDescription(
            "Save a signed PDF or send a secure package, after the information-sharing decision."
        )
        banner_layout = self.record_banner.layout()
        assert isinstance(banner_layout, QHBoxLayout)
        banner_layout.addWidget(self.amend_button, 0, Qt.AlignmentFlag.AlignTop)
        banner_layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        self.send_dsl_button = send_to_dsl_button(self.record_banner)
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
        nav_column.addWidget(self.nav)
        body.addWidget(self.nav_panel)

        self.stack = QStackedWidget(self)
        self.stack.setObjectName("pages")
        # The question column takes whatever the side panels leave (at least 60% of the
        # view: see _fit_panels); its pages wrap rather than scroll sideways.
        self.stack.setMinimumWidth(0)
        self.stack.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        body.addWidget(self.stack, 1)

        # "Check your answers" is made when first shown (most openings never show it).
        self._check_page: CheckAnswersPage | None = None
        self._check_scroll: PageArea | None = None

        self.outcome_panel = OutcomePanel()
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
        self.previous_button = self._footer_button(
            "Previous section", "previousButton", "Shortcut: Alt+Left or Control+Page Up.", footer
        )
        footer.addStretch(1)
        self.check_button = self._footer_button(
            "Check for errors",
            "checkErrorsButton",
            "Checks the whole draft without completing it.",
            footer,
        )
        self.delete_button = self._footer_button(
            "Delete draft", "deleteDraftButton", "Deletes this draft after asking.", footer
        )
        self.close_button = self._footer_button(
            "Close", "closeButton", "Saves and closes this record.", footer
        )
        root.addLayout(footer)

    @property
    def check_page(self) -> CheckAnswersPage:
        """The "Check your answers" page, made the first time it is asked for: built on
        every opening, its widgets were made, polished and laid out for a page most
        openings never show (issue 11)."""
        if self._check_page is None:
            page = CheckAnswersPage()
            self._check_scroll = self._scroll_for(page)
            self.stack.addWidget(self._check_scroll)
            self._check_page = page
            self._check_page_made(page)
        return self._check_page

    @property
    def check_scroll(self) -> PageArea:
        """The scroll area of the check page (made with it)."""
        self.check_page  # noqa: B018 (made on first use)
        assert self._check_scroll is not None
        return self._check_scroll

    def _check_page_made(self, page: CheckAnswersPage) -> None:
        """Hook: the view connects the check page when it is made."""

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

    def _scroll_for(self, page: QWidget) -> PageArea:
        area = PageArea(page, self)
        # The size it will have in the stack, which shows it at once when the view is
        # visible (the stack's layout would size it only afterwards).
        area.resize(self.stack.size())
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
        # Until the view is polished (just before it is first shown) its width is Qt's
        # default, not the one it will have: every panel fits until then, and the
        # Polish event fits them for the real width before anything is laid out.
        budget = float("inf")
        if self._polished:
            spacing = self.style().pixelMetric(self.style().PixelMetric.PM_LayoutHorizontalSpacing)
            budget = self.width() * (1 - QUESTION_SHARE) - 2 * max(spacing, 6)
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

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.Polish:
            # Qt polishes a widget as it is first shown, at the size it is shown at and
            # before its layout runs: the panels that fit are decided here, so the page
            # is laid out once, for its real width (issue 11).
            self._polished = True
            self._fit_panels()
        return handled

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
            chain.extend(focus_chain(current))
        for button in (
            self.continue_button,
            self.previous_button,
            self.check_button,
            self.delete_button,
            self.close_button,
        ):
            chain.append(button)
        if self.outcome_scroll.isVisibleTo(self):
            chain.extend(focus_chain(self.outcome_panel))
        banner = [self.amend_button, self.export_button, self.send_dsl_button]
        head = banner if not self.record.is_draft else []
        chain = toggles + head + chain
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
