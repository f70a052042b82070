"""The children list as a Qt model that pages through the store (issue 11).

Why a model: the list used to build one widget item per child, all of them at unlock, so
with years of data (10,000 children) start-up grew with the profile. This model asks the
store for one page (`Haven.children_page`, indexed by name) and Qt asks for the next one
through canFetchMore/fetchMore as the user scrolls or moves down with the keyboard. In
search mode it shows the children a search found (a short list, no paging).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.domain import Subject
from app.service import Haven

SUBJECT_ROLE = Qt.ItemDataRole.UserRole
PAGE_SIZE = 100

Index = QModelIndex | QPersistentModelIndex


class ChildrenModel(QAbstractListModel):
    """Children in list order, `PAGE_SIZE` at a time; or a fixed list of search results."""

    def __init__(self, haven: Haven, line: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._haven = haven
        self._line = line  # Subject -> the text shown (ui.children.child_line)
        self._subjects: list[Subject] = []
        self._total = 0
        self._paged = True

    # ---- loading ------------------------------------------------------------------------

    def load_first_page(self) -> None:
        """All children, from the top: the first page now, the rest on demand."""
        self.beginResetModel()
        self._paged = True
        self._total = self._haven.children_count()
        self._subjects = self._haven.children_page(0, PAGE_SIZE)
        self.endResetModel()

    def show_only(self, subjects: list[Subject]) -> None:
        """Search results: exactly these children, no paging."""
        self.beginResetModel()
        self._paged = False
        self._subjects = list(subjects)
        self._total = len(self._subjects)
        self.endResetModel()

    @property
    def total(self) -> int:
        """How many children there are (all of them, or the search's)."""
        return self._total

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return self._paged and not parent.isValid() and len(self._subjects) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        page = self._haven.children_page(len(self._subjects), PAGE_SIZE)
        if not page:
            self._total = len(self._subjects)
            return
        first = len(self._subjects)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._subjects.extend(page)
        self.endInsertRows()

    def row_of(self, subject_id: str) -> int | None:
        """The row of a child, fetching further pages until it is found (or none are left)."""
        while True:
            for row, subject in enumerate(self._subjects):
                if subject.id == subject_id:
                    return row
            if not self.canFetchMore():
                return None
            self.fetchMore()

    def subject_ids(self) -> list[str]:
        """The children loaded so far, in list order."""
        return [s.id for s in self._subjects]

    # ---- QAbstractListModel ---------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._subjects)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._subjects):
            return None
        subject = self._subjects[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._line(subject)
        if role == SUBJECT_ROLE:
            return subject.id
        return None
