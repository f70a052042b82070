"""The encrypted store: one SQLCipher 4 database per profile.

`connection` opens it (raw key, integrity check, durable pragmas), `migrations` holds the
numbered schema, `repository` is the only place that writes SQL.
"""

from app.store.connection import EncryptedDatabase, open_database
from app.store.repository import Repository

__all__ = ["EncryptedDatabase", "Repository", "open_database"]
