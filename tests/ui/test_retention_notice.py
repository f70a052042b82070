"""The retention notice after unlock (issue 12): "N records are due to be deleted under
your organisation's retention policy in the next 30 days", with a Show button listing
them by reference, form and due date; names a screen reader can read; keyboard only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.accessibility import accessible_name, assert_all_named, tab_reaches_everything
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.forms.dates import format_date
from app.retention import DueRecord, add_months
from app.service import Haven
from tests.haven_testkit import TEACHER, new_session
from ui.retention_notice import RetentionNotice

# Not the testkit's NOW: the banner's own "today", timezone-aware as retention dates are.
NOW = datetime(2027, 5, 10, 12, 0, tzinfo=UTC)


def due(ref: str, form_title: str, due_at: datetime, linked: int = 0) -> DueRecord:
    return DueRecord(
        key=f"key-{ref}",
        ref=ref,
        form_id="screening",
        form_title=form_title,
        state="sent",
        months=12,
        last_action=add_months(due_at, -12),
        due_at=due_at,
        refs=(ref, *(f"{ref}-linked-{n}" for n in range(linked))),
    )


@pytest.fixture
def notice(qtbot: object) -> Iterator[RetentionNotice]:
    host = QWidget()
    layout = QVBoxLayout(host)
    widget = RetentionNotice(host)
    layout.addWidget(widget)
    host.show()
    yield widget
    host.close()


@pytest.fixture(autouse=True)
def machine_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "machine-config"
    folder.mkdir()
    monkeypatch.setenv("HAVEN_MACHINE_CONFIG", str(folder))
    return folder


def rows(notice: RetentionNotice) -> list[list[str]]:
    return [
        [notice.list.topLevelItem(i).text(c) for c in range(3)]
        for i in range(notice.list.topLevelItemCount())
    ]


def test_banner_counts_and_lists_by_reference_form_and_date(
    qtbot: object, notice: RetentionNotice
) -> None:
    items = [
        due("HVN-2026-AAAAAA", "CSE screening tool", NOW - timedelta(days=1), linked=2),
        due("HVN-2026-BBBBBB", "Missing episode", NOW + timedelta(days=12)),
    ]
    notice.set_items(items, 30, now=NOW)

    assert notice.isVisible()
    text = (
        "2 records are due to be deleted under your organisation's retention policy in the "
        "next 30 days."
    )
    assert notice.message.text() == text
    assert accessible_name(notice.message) == text
    assert accessible_name(notice.show_button) == "Show the records due to be deleted"
    assert accessible_name(notice.dismiss_button) == "Dismiss the retention notice"
    assert not notice.list.isVisible()

    qtbot.mouseClick(notice.show_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert notice.list.isVisible()
    assert accessible_name(notice.list) == "Records due to be deleted"
    assert accessible_name(notice.show_button) == "Hide the records due to be deleted"
    later = format_date((NOW + timedelta(days=12)).astimezone().date())
    assert rows(notice) == [
        ["HVN-2026-AAAAAA (and 2 linked records)", "CSE screening tool", "Due now"],
        ["HVN-2026-BBBBBB", "Missing episode", later],
    ]
    qtbot.mouseClick(notice.show_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert not notice.list.isVisible()


def test_one_record_and_nothing_due(notice: RetentionNotice) -> None:
    notice.set_items([due("HVN-2026-CCCCCC", "Return interview", NOW)], 14, now=NOW)
    assert notice.message.text() == (
        "1 record is due to be deleted under your organisation's retention policy in the "
        "next 14 days."
    )
    notice.set_items([], 30, now=NOW)
    assert not notice.isVisible()


def test_keyboard_only_show_and_dismiss(qtbot: object, notice: RetentionNotice) -> None:
    notice.set_items([due("HVN-2026-DDDDDD", "CSE screening tool", NOW)], 30, now=NOW)
    notice.show_button.setFocus()
    assert notice.show_button.hasFocus()
    qtbot.keyClick(notice.show_button, Qt.Key.Key_Space)  # type: ignore[attr-defined]
    assert notice.list.isVisible() and notice.list.hasFocus()
    assert_all_named(notice)
    tab_reaches_everything(qtbot, notice.window(), notice.show_button)
    notice.dismiss_button.setFocus()
    with qtbot.waitSignal(notice.dismissed, timeout=2000):  # type: ignore[attr-defined]
        qtbot.keyClick(notice.dismiss_button, Qt.Key.Key_Space)  # type: ignore[attr-defined]
    assert not notice.isVisible()


def test_text_from_elsewhere_is_made_plain(notice: RetentionNotice) -> None:
    """A received record's reference came from another computer (house habit 7)."""
    notice.set_items([due("HVN-2026-\u202eEEEEEE\x07", "Screening\u200b\ntool", NOW)], 30, now=NOW)
    assert rows(notice)[0][:2] == ["HVN-2026-EEEEEE", "Screening tool"]


def test_load_works_out_what_is_due_off_the_ui_thread(
    qtbot: object, notice: RetentionNotice, tmp_path: Path
) -> None:
    session = new_session(tmp_path / "profile", TEACHER)
    try:
        haven = Haven(session)
        child = haven.add_child("Alex Example", "2012-02-10")
        soon = haven.start_record(child.id, "screening")
        later = haven.start_record(child.id, "screening")
        now = datetime.now(UTC)
        with session.db.transaction() as conn:
            for record, when in (
                (soon, add_months(now, -24) + timedelta(days=5)),
                (later, add_months(now, -24) + timedelta(days=60)),
            ):
                conn.execute(
                    "UPDATE records SET status = 'completed', created_at = ?, updated_at = ?"
                    " WHERE id = ?",
                    (when.isoformat(), when.isoformat(), record.id),
                )
        notice.load(haven)
        qtbot.waitUntil(notice.isVisible, timeout=10_000)  # type: ignore[attr-defined]
        assert [item.ref for item in notice.items()] == [soon.ref]
        assert notice.message.text().startswith("1 record is due to be deleted")
        assert rows(notice)[0][1] == "CSE screening tool"
    finally:
        session.lock()


def test_a_broken_policy_is_said_in_the_banner(
    qtbot: object, notice: RetentionNotice, tmp_path: Path, machine_config: Path
) -> None:
    (machine_config / "retention.yaml").write_text("retention_months:\n  sent: 0\n", "utf-8")
    session = new_session(tmp_path / "profile", TEACHER)
    try:
        notice.load(Haven(session))
        qtbot.waitUntil(notice.isVisible, timeout=10_000)  # type: ignore[attr-defined]
        assert "retention for 'sent'" in notice.message.text()
        assert not notice.show_button.isVisible()
        assert notice.items() == []
    finally:
        session.lock()


def test_the_main_window_shows_the_notice_after_unlock(qtbot: object, tmp_path: Path) -> None:
    from ui.main_window import MainWindow

    session = new_session(tmp_path / "profile", TEACHER)
    haven = Haven(session)
    child = haven.add_child("Alex Example", "2012-02-10")
    record = haven.start_record(child.id, "screening")
    when = add_months(datetime.now(UTC), -24) + timedelta(days=3)
    with session.db.transaction() as conn:
        conn.execute(
            "UPDATE records SET status = 'completed', created_at = ?, updated_at = ? WHERE id = ?",
            (when.isoformat(), when.isoformat(), record.id),
        )
    window = MainWindow(
        tmp_path / "profile",
        listen_to_os=False,
        try_keychain=False,
        service_factory=lambda _s: haven,
    )
    try:
        window.show()
        window.open_session(session)
        qtbot.waitUntil(lambda: window.retention_notice is not None)  # type: ignore[attr-defined]
        notice = window.retention_notice
        assert notice is not None
        qtbot.waitUntil(notice.isVisible, timeout=10_000)  # type: ignore[attr-defined]
        assert [item.ref for item in notice.items()] == [record.ref]
    finally:
        window.lock.forget_session()
        session.lock()
        window.close()
