"""Children (subjects): add, change, read; each indexed for search and audited."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import cast

from app import audit
from app.domain import ChildListing, Subject
from app.errors import NotFound
from app.store.rows import (
    _SUBJECT_COLUMNS,
    LISTING_COLUMNS,
    _now,
    _subject,
    new_id,
    subjects_from_rows,
    unique_ref,
)
from app.store.search_store import SearchStore

# A listing row as SQLite returns it, typed: `tuple.__new__` over the row is one C call,
# where `ChildListing._make` is a Python call per row (a fifth of the first page's time).
# The columns are LISTING_COLUMNS, so the row always has the five fields.
_as_listing = cast(Callable[[Iterable[object]], ChildListing], partial(tuple.__new__, ChildListing))


class ChildrenStore(SearchStore):
    """Children (subjects): add, change, read; each indexed for search and audited."""

    def add_subject(
        self,
        actor: str,
        name: str,
        dob: str | None = None,
        *,
        known_as: str = "",
        gender: str = "",
        local_authority: str = "",
    ) -> Subject:
        now = _now()
        subject_id = new_id()
        with self.db.transaction() as conn:
            ref = unique_ref(conn, "subjects", "C")
            conn.execute(
                f"INSERT INTO subjects ({_SUBJECT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (subject_id, ref, name, known_as, dob, gender, local_authority, now, now),
            )
            self._index(conn, "subject", subject_id, subject_id, f"{name} {known_as} {ref}")
            audit.append(conn, actor, "child-create", None, ref)
        return self.get_subject(subject_id)

    def update_subject(self, actor: str, subject_id: str, **fields: str | None) -> Subject:
        allowed = {"name", "known_as", "dob", "gender", "local_authority"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        current = self.get_subject(subject_id)
        merged = {**{k: getattr(current, k) for k in allowed}, **fields}
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE subjects SET name = ?, known_as = ?, dob = ?, gender = ?,"
                " local_authority = ?, updated_at = ? WHERE id = ?",
                (
                    merged["name"],
                    merged["known_as"] or "",
                    merged["dob"],
                    merged["gender"] or "",
                    merged["local_authority"] or "",
                    _now(),
                    subject_id,
                ),
            )
            self._index(
                conn,
                "subject",
                subject_id,
                subject_id,
                f"{merged['name']} {merged['known_as'] or ''} {current.ref}",
            )
            audit.append(conn, actor, "child-change", None, current.ref)
        return self.get_subject(subject_id)

    def get_subject(self, subject_id: str) -> Subject:
        rows = self.db.execute(
            f"SELECT {_SUBJECT_COLUMNS} FROM subjects WHERE id = ? OR ref = ?",
            (subject_id, subject_id),
        )
        if not rows:
            raise NotFound("There is no child with that id.")
        return _subject(rows[0])

    def listing_page(self, offset: int, limit: int) -> list[ChildListing]:
        """One page of the children list, in list order: the five fields it shows, as
        the rows SQLite returns (ChildListing), through the subjects_name index."""
        # Numbers, not parameters: with a bound LIMIT SQLite plans the scan without knowing
        # it stops after one page, which made the first page several times slower.
        rows = self.db.execute(
            f"SELECT {LISTING_COLUMNS} FROM subjects ORDER BY name COLLATE NOCASE, id"
            f" LIMIT {int(limit)} OFFSET {int(offset)}"
        )
        return list(map(_as_listing, rows))

    def count_subjects(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM subjects")[0][0])

    def list_subjects(self) -> list[Subject]:
        rows = self.db.execute(
            f"SELECT {_SUBJECT_COLUMNS} FROM subjects ORDER BY name COLLATE NOCASE"
        )
        return subjects_from_rows(rows)
