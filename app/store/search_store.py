"""Full-text search inside the encrypted file (FTS5, keyed by search_keys).

Ranking every hit with bm25 costs time in proportion to the number of hits: a word found
in every one of 50,000 records took longer than a keystroke should (issue 11). So the
search first counts hits up to `RANKED_HITS`: below that the hits are ranked (bm25, best
first); above it the term says little about relevance anyway, and the newest records
holding the words as typed come first. FTS5 reads that newest-first, stopping after one
page, only for whole words: a prefix term ("word"*) makes it merge every matching
doclist before the first row (2 s for a word in all of 50,000 records), so the many-hits
query matches whole words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.store.base import Store
from app.store.rows import (
    fts_query,
    index_row,
    unindex_row,
)

if TYPE_CHECKING:
    from app.record_values import SearchHit

RANKED_HITS = 1000
COUNT_SQL = "SELECT count(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT ?)"
_SELECT = (
    "SELECT kind, item_id, subject_id, snippet(search_index, 3, '[', ']', '…', 12)"
    " FROM search_index WHERE search_index MATCH ?"
)
RANKED_SQL = _SELECT + " ORDER BY rank LIMIT ?"
NEWEST_SQL = _SELECT + " ORDER BY rowid DESC LIMIT ?"


def whole_words(query: str) -> str:
    """The same query (from fts_query) with each prefix term made a whole-word term."""
    return query.replace('"* ', '" ').removesuffix("*")


class SearchStore(Store):
    """Full-text search inside the encrypted file (FTS5, keyed by search_keys)."""

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        query = fts_query(text)
        if not query:
            return []
        with self.db.reading() as conn:
            hits = int(conn.execute(COUNT_SQL, (query, RANKED_HITS + 1)).fetchone()[0])
            if hits <= RANKED_HITS:
                rows = conn.execute(RANKED_SQL, (query, limit)).fetchall()
            else:
                rows = conn.execute(NEWEST_SQL, (whole_words(query), limit)).fetchall()
        from app.record_values import SearchHit  # made when first used (app.domain says why)

        return [SearchHit(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def _index(self, conn: Any, kind: str, item_id: str, subject_id: str, body: str) -> None:
        index_row(conn, kind, item_id, subject_id, body)

    def _unindex(self, conn: Any, kind: str, item_id: str) -> None:
        unindex_row(conn, kind, item_id)
