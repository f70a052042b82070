"""Full-text search inside the encrypted file (FTS5, keyed by search_keys)."""

from __future__ import annotations

from typing import Any

from app.domain import (
    SearchHit,
)
from app.store.base import Store
from app.store.rows import (
    fts_query,
    index_row,
    unindex_row,
)


class SearchStore(Store):
    """Full-text search inside the encrypted file (FTS5, keyed by search_keys)."""

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        query = fts_query(text)
        if not query:
            return []
        rows = self.db.execute(
            "SELECT kind, item_id, subject_id, snippet(search_index, 3, '[', ']', '…', 12)"
            " FROM search_index WHERE search_index MATCH ? ORDER BY rank LIMIT ?",
            (query, limit),
        )
        return [SearchHit(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def _index(self, conn: Any, kind: str, item_id: str, subject_id: str, body: str) -> None:
        index_row(conn, kind, item_id, subject_id, body)

    def _unindex(self, conn: Any, kind: str, item_id: str) -> None:
        unindex_row(conn, kind, item_id)
