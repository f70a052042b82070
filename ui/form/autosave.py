"""Drafts save themselves as the user types, and say when a draft was recovered.

SPEC 3: "Drafts save themselves as the user types (debounced) and on every page change;
a crash or power cut loses at most the last second of typing." So:

- `Autosaver.schedule()` after each edit starts two single-shot timers: a 700 ms debounce
  (restarted by each keystroke) and a 900 ms deadline (not restarted), whichever fires
  first saves. Without the deadline, someone typing steadily would never pause long
  enough for a debounce alone to save.
- `flush()` saves at once if anything is pending (page change, window close, lock).
- The save is `Haven.save_draft`: validation plus one short SQLite transaction (about a
  millisecond), run on the UI thread from the timer, so nothing else can write between
  the answers being read and being stored, and typing is never blocked for long.

SPEC 3: "After a crash, reopening a draft says that it was recovered and from what time."
A marker in the profile's settings lists the drafts being edited: a record id goes in
when its first unsaved change is saved and comes out at a clean stop (the view closes,
locks or completes). A draft still listed when it is opened again was being edited when
Haven stopped without closing it, so its last autosave is a recovery. The marker is one
settings row (not audited: it records no action on a child's record, only that an editor
window is open), and it holds record ids only.

Issue 14: after a crash the draft should reopen where the user was, not at section 1.
While a draft is listed, a second settings row keeps its place: the section, the
question that had the focus (its item id, never an answer) and whether Check your
answers was open. It is written with the autosave and on every page change, only when
the place moved, and dropped at a clean stop. `unfinished_drafts` lists the drafts left
open, newest first, for the window's offer to reopen one after unlocking.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from app.errors import HavenError
from app.service import Haven, SaveResult

log = logging.getLogger(__name__)

DEBOUNCE_MS = 700
DEADLINE_MS = 900
OPEN_DRAFTS_SETTING = "ui_open_drafts"
DRAFT_PLACES_SETTING = "ui_draft_places"


class Autosaver(QObject):
    """Debounced saving with a deadline; `saved(SaveResult)` or `failed(HavenError)`."""

    saved = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        save: Callable[[], SaveResult],
        parent: QObject | None = None,
        *,
        debounce_ms: int = DEBOUNCE_MS,
        deadline_ms: int = DEADLINE_MS,
    ) -> None:
        super().__init__(parent)
        self._save = save
        self._enabled = True
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.flush)
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.setInterval(deadline_ms)
        self._deadline.timeout.connect(self.flush)

    @property
    def pending(self) -> bool:
        return self._debounce.isActive() or self._deadline.isActive()

    def schedule(self) -> None:
        """An edit happened: save soon (at most `deadline_ms` from the first unsaved edit)."""
        if not self._enabled:
            return
        self._debounce.start()
        if not self._deadline.isActive():
            self._deadline.start()

    def flush(self) -> bool:
        """Save now if anything is pending; True when a save happened and succeeded."""
        if not self.pending:
            return False
        self._debounce.stop()
        self._deadline.stop()
        if not self._enabled:
            return False
        try:
            result = self._save()
        except HavenError as error:
            # Keep the user typing: the view shows "not saved" and the next edit retries.
            kind = type(error).__name__  # the type only: messages never reach the log
            log.warning("Autosave failed: %s", kind)
            self.failed.emit(error)
            return False
        self.saved.emit(result)
        return True

    def cancel(self) -> None:
        """Forget pending edits (the draft was deleted or the record text cleared)."""
        self._debounce.stop()
        self._deadline.stop()

    def stop(self) -> None:
        """Never save again (after `clear`, delete or completion)."""
        self.cancel()
        self._enabled = False

    @property
    def enabled(self) -> bool:
        return self._enabled


# --- the "was it closed cleanly?" marker ----------------------------------------------------


def _open_drafts(haven: Haven) -> list[str]:
    raw = haven.repo.get_setting(OPEN_DRAFTS_SETTING)
    if not raw:
        return []
    try:
        ids = json.loads(raw)
    except ValueError:
        return []
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


def _write_open_drafts(haven: Haven, ids: list[str]) -> None:
    haven.repo.set_setting(haven.actor, OPEN_DRAFTS_SETTING, json.dumps(ids), audited=False)


def draft_left_open(haven: Haven, record_id: str) -> bool:
    """Whether Haven stopped (crash, kill, power cut) while this draft had unsaved edits
    being autosaved, i.e. without closing it cleanly."""
    return record_id in _open_drafts(haven)


def mark_draft_editing(haven: Haven, record_id: str) -> None:
    """The draft has edits since its last clean stop."""
    ids = _open_drafts(haven)
    if record_id not in ids:
        _write_open_drafts(haven, [*ids, record_id])


def mark_draft_closed(haven: Haven, record_id: str) -> None:
    """A clean stop: everything typed is saved and the editor is closing or locking."""
    ids = _open_drafts(haven)
    if record_id in ids:
        _write_open_drafts(haven, [i for i in ids if i != record_id])
    places = _places(haven)
    if record_id in places:
        del places[record_id]
        _write_places(haven, places)


@dataclass(frozen=True)
class DraftPlace:
    """Where in a draft the user was: plain values (a section index and an item path)."""

    section_index: int
    item_id: str | None = None
    on_check_page: bool = False


def _places(haven: Haven) -> dict[str, DraftPlace]:
    raw = haven.repo.get_setting(DRAFT_PLACES_SETTING)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    places: dict[str, DraftPlace] = {}
    if not isinstance(data, dict):
        return places
    for record_id, value in data.items():
        if not isinstance(value, dict) or not isinstance(value.get("section"), int):
            continue
        item = value.get("item")
        places[str(record_id)] = DraftPlace(
            value["section"], item if isinstance(item, str) else None, value.get("check") is True
        )
    return places


def _write_places(haven: Haven, places: dict[str, DraftPlace]) -> None:
    data = {
        record_id: {"section": p.section_index, "item": p.item_id, "check": p.on_check_page}
        for record_id, p in places.items()
    }
    haven.repo.set_setting(haven.actor, DRAFT_PLACES_SETTING, json.dumps(data), audited=False)


def remember_place(haven: Haven, record_id: str, place: DraftPlace) -> None:
    """Keep where the user is in a draft being edited (read back after a crash)."""
    places = _places(haven)
    if places.get(record_id) != place:
        places[record_id] = place
        _write_places(haven, places)


def saved_place(haven: Haven, record_id: str) -> DraftPlace | None:
    """Where the user was in a draft Haven stopped without closing, if known."""
    if not draft_left_open(haven, record_id):
        return None
    return _places(haven).get(record_id)


def unfinished_drafts(haven: Haven) -> list[str]:
    """Drafts left open when Haven stopped (still drafts, still there), newest first."""
    found: list[tuple[str, str]] = []
    for record_id in _open_drafts(haven):
        try:
            record = haven.record(record_id, audited=False)
        except HavenError:
            continue
        if record.is_draft:
            found.append((record.updated_at, record.id))
    return [record_id for _, record_id in sorted(found, reverse=True)]


def local_time(stamp: str) -> str:
    """A stored UTC timestamp as the local HH:MM people read on their clock."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%H:%M")


def local_date_time(stamp: str) -> str:
    """A stored UTC timestamp as local "29 November 2026 at 14:05"."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{moment.day} {moment.strftime('%B %Y')} at {moment.strftime('%H:%M')}"
