"""The base of every store: one profile's open, encrypted database."""

from __future__ import annotations

from app.store.connection import EncryptedDatabase


class Store:
    """Reads and writes over one connection; each store owns one kind of data."""

    def __init__(self, db: EncryptedDatabase) -> None:
        self.db = db
