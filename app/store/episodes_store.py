"""Missing episodes (section 11): the rows that the 72-hour and repeat-missing flags read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import audit
from app.errors import NotFound
from app.store.base import Store
from app.store.rows import (
    _EPISODE_COLUMNS,
    _episode,
    _now,
    upsert_episode,
)

if TYPE_CHECKING:
    from app.record_values import MissingEpisode


class EpisodesStore(Store):
    """Missing episodes (section 11): the rows that the 72-hour and repeat-missing flags read."""

    def list_episodes(self, subject_id: str | None = None) -> list[MissingEpisode]:
        sql = f"SELECT {_EPISODE_COLUMNS} FROM missing_episodes"
        params: tuple[Any, ...] = ()
        if subject_id:
            sql += " WHERE subject_id = ?"
            params = (subject_id,)
        return [_episode(r) for r in self.db.execute(sql + " ORDER BY missing_from DESC", params)]

    def get_episode(self, episode_id: str) -> MissingEpisode:
        rows = self.db.execute(
            f"SELECT {_EPISODE_COLUMNS} FROM missing_episodes WHERE id = ? OR record_id = ?",
            (episode_id, episode_id),
        )
        if not rows:
            raise NotFound("There is no missing episode with that id.")
        return _episode(rows[0])

    def set_interviewed(self, actor: str, episode_id: str, interviewed_at: str | None) -> None:
        """Record when the return interview was held (clears the 72-hour flag); audited."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT record_id FROM missing_episodes WHERE id = ?", (episode_id,)
            ).fetchone()
            if row is None:
                raise NotFound("There is no missing episode with that id.")
            conn.execute(
                "UPDATE missing_episodes SET interviewed_at = ?, updated_at = ? WHERE id = ?",
                (interviewed_at, _now(), episode_id),
            )
            audit.append(conn, actor, "change", row[0], "return interview held")

    def _upsert_episode(
        self,
        conn: Any,
        record_id: str,
        subject_id: str,
        missing_from: str | None,
        returned_at: str | None,
        now: str,
    ) -> None:
        upsert_episode(conn, record_id, subject_id, missing_from, returned_at, now)
