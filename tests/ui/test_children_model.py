"""The children list pages through the store instead of building one item per child.

Issue 11: "the list is a model with paging/fetchMore, not one item per child". These tests
drive the real panel with the keyboard: the first page is all that is loaded at first,
moving past its end loads the next page, and a child far down the list can still be
selected (it is fetched) and found by search.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListView
from pytestqt.qtbot import QtBot

from app.profile import Session
from app.service import Haven
from ui.children import ChildrenPanel
from ui.children_model import FIRST_PAGE_SIZE, PAGE_SIZE

CHILDREN = PAGE_SIZE * 2 + 7


@pytest.fixture
def haven(open_session: Session) -> Iterator[Haven]:
    yield Haven(open_session)


def _fill(haven: Haven) -> list[str]:
    repo, actor = haven.repo, haven.actor
    ids = []
    with haven.session.db.transaction():  # one transaction: fast set-up
        for n in range(CHILDREN):
            ids.append(repo.add_subject(actor, f"Child {n:04d} Example", "2012-01-01").id)
    return ids


def test_the_first_page_only_is_loaded_and_scrolling_fetches_more(
    qtbot: QtBot, haven: Haven
) -> None:
    ids = _fill(haven)
    panel = ChildrenPanel(haven)
    qtbot.addWidget(panel)
    panel.show()
    assert isinstance(panel.list, QListView)
    assert panel.model.canFetchMore()  # more than one page, and no count of them all
    assert len(panel.visible_subject_ids()) == FIRST_PAGE_SIZE < PAGE_SIZE
    assert panel.visible_subject_ids()[0] == ids[0]

    panel.list.setFocus()
    qtbot.waitUntil(panel.list.hasFocus)
    qtbot.keyClick(panel.list, Qt.Key.Key_End)
    # Qt asks the model for more as the view reaches its end.
    qtbot.waitUntil(lambda: len(panel.visible_subject_ids()) > FIRST_PAGE_SIZE, timeout=3000)
    for _ in range(5):
        qtbot.keyClick(panel.list, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: len(panel.visible_subject_ids()) == CHILDREN, timeout=3000)
    assert panel.visible_subject_ids() == ids


def test_selecting_a_child_beyond_the_first_page_fetches_it(qtbot: QtBot, haven: Haven) -> None:
    ids = _fill(haven)
    panel = ChildrenPanel(haven)
    qtbot.addWidget(panel)
    panel.select(ids[-1])
    assert panel.current_subject_id() == ids[-1]
    panel.refresh(select=ids[PAGE_SIZE + 3])
    assert panel.current_subject_id() == ids[PAGE_SIZE + 3]


def test_search_shows_a_child_from_the_last_page(qtbot: QtBot, haven: Haven) -> None:
    ids = _fill(haven)
    panel = ChildrenPanel(haven)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.keyClicks(panel.search, f"Child {CHILDREN - 1:04d}")
    qtbot.waitUntil(lambda: panel.visible_subject_ids() == [ids[-1]], timeout=5000)
    assert panel.result_status.text() == "1 child found"
    panel.search.clear()
    # Back to the whole list, with the child just found still the current one (its page
    # is fetched so the list can show it).
    qtbot.waitUntil(lambda: len(panel.visible_subject_ids()) > 1, timeout=5000)
    assert panel.visible_subject_ids()[:PAGE_SIZE] == ids[:PAGE_SIZE]
    assert panel.current_subject_id() == ids[-1]


def test_damage_found_after_unlock_is_said_plainly(qtbot: QtBot, haven: Haven) -> None:
    from app.errors import StoreCorrupt

    panel = ChildrenPanel(haven)
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.integrity_warning.isVisible()
    haven.session.db.mark_damaged()  # what the background check does when a page is bad
    qtbot.waitUntil(panel.integrity_warning.isVisible, timeout=5000)
    assert panel.integrity_warning.text() == StoreCorrupt.user_message
    with pytest.raises(StoreCorrupt):
        haven.add_child("Another Example", "2012-01-01")


def test_a_list_of_exactly_one_page_ends_there(qtbot: QtBot, haven: Haven) -> None:
    repo, actor = haven.repo, haven.actor
    with haven.session.db.transaction():
        ids = [
            repo.add_subject(actor, f"Child {n:04d} Example", "2012-01-01").id
            for n in range(FIRST_PAGE_SIZE)
        ]
    panel = ChildrenPanel(haven)
    qtbot.addWidget(panel)
    panel.show()
    # A full first page may have more after it: reaching its end reads the next page,
    # which is empty, and the list ends there.
    assert panel.model.canFetchMore()
    panel.list.setFocus()
    qtbot.waitUntil(panel.list.hasFocus)
    qtbot.keyClick(panel.list, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: not panel.model.canFetchMore(), timeout=3000)
    assert panel.visible_subject_ids() == ids
    assert panel.result_status.isHidden()
