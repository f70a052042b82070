"""Settings and the profile's own details (in the encrypted store, never beside it)."""

from __future__ import annotations

import json

from app import audit
from app.domain import (
    ProfileInfo,
)
from app.store.base import Store


class SettingsStore(Store):
    """Settings and the profile's own details (in the encrypted store, never beside it)."""

    def get_setting(self, key: str) -> str | None:
        rows = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_setting(self, actor: str, key: str, value: str, *, audited: bool = True) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
            if audited:
                audit.append(conn, actor, "settings-change", None, key)

    def profile_info(self) -> ProfileInfo | None:
        raw = self.get_setting("profile")
        return ProfileInfo(**json.loads(raw)) if raw else None

    def save_profile_info(self, info: ProfileInfo, *, created: bool = False) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES ('profile', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (json.dumps(info.__dict__),),
            )
            audit.append(
                conn,
                info.name,
                "profile-create" if created else "settings-change",
                None,
                "profile",
            )
