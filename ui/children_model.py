"""The children list as a Qt model that pages through the store (issue 11).

Why a model: the list used to build one widget item per child, all of them at unlock, so
with years of data (10,000 children) start-up grew with the profile. This model asks the
store for one page (`Haven.children_page`, indexed by name) and Qt asks for the next one
through canFetchMore/fetchMore as the user scrolls or moves down with the keyboard. In
search mode it shows the children a search found (a short list, no paging).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from app.domain import ChildListing, Subject
from app.service import Haven

SUBJECT_ROLE = Qt.ItemDataRole.UserRole
PAGE_SIZE = 100
# The first page only needs to fill the list as the window opens (some 30 rows at
# 1366 x 768); Qt fetches the next page at once if the list is taller (issue 11: start-up).
FIRST_PAGE_SIZE = 40

Index = QModelIndex | QPersistentModelIndex

_ITEM_FLAGS = (
    Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
)


class ChildrenModel(QStandardItemModel):
    """Children in list order, `PAGE_SIZE` at a time; or a fixed list of search results.

    A QStandardItemModel holding each loaded child's line, rather than a Python `data()`:
    a word-wrapped list asks every row for eight roles two or three times before its first
    paint, and each of those ~2,000 calls crossing into Python cost more than the rest of
    the list (issue 11, start-up). Only the paging (canFetchMore/fetchMore) is Python.
    """

    def __init__(self, haven: Haven, line: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._haven = haven
        self._line = line  # ChildListing -> the text shown (ui.children.child_line)
        self._subjects: list[ChildListing] = []
        self._more = False  # whether the store may hold children after the loaded ones
        self._paged = True

    # ---- loading ------------------------------------------------------------------------

    def load_first_page(self) -> None:
        """All children, from the top: the first page now, the rest on demand.

        No count of all children: a page shorter than asked for is the last one. Counting
        them read the whole name index, most of the first page's time at 10,000 children
        (issue 11: start-up was not to grow with the profile)."""
        subjects = self._haven.children_page(0, FIRST_PAGE_SIZE)
        self._replace(subjects, more=len(subjects) == FIRST_PAGE_SIZE, paged=True)

    def show_only(self, subjects: list[Subject]) -> None:
        """Search results: exactly these children, no paging."""
        self._replace([ChildListing.of(s) for s in subjects], more=False, paged=False)

    def _replace(self, subjects: list[ChildListing], *, more: bool, paged: bool) -> None:
        # Nothing to fetch while the views hear of the reset, and the new rows' children
        # are known before they hear of the insertion (they may ask canFetchMore then).
        self._subjects, self._more = [], False
        self.clear()  # a reset for the views
        self._paged = paged
        self._subjects = subjects
        self._more = more
        if subjects:  # then one insertion of the whole page
            self.invisibleRootItem().appendRows([self._item(s) for s in subjects])

    def _item(self, subject: ChildListing) -> QStandardItem:
        text = self._line(subject)
        item = QStandardItem(text)
        item.setData(text, Qt.ItemDataRole.AccessibleTextRole)
        item.setData(subject.id, SUBJECT_ROLE)
        item.setFlags(_ITEM_FLAGS)
        return item

    @property
    def total(self) -> int:
        """How many children the list holds so far (a search's: all it found)."""
        return len(self._subjects)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return self._paged and not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        page = self._haven.children_page(len(self._subjects), PAGE_SIZE)
        self._more = len(page) == PAGE_SIZE
        if not page:
            return
        self._subjects.extend(page)
        self.invisibleRootItem().appendRows([self._item(s) for s in page])

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
