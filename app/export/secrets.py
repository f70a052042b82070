"""Passwords Haven keeps for a profile (signing certificate, SMTP, IMAP).

The OS keychain first; where none exists, the encrypted store, never a plain file
(HOUSE_STYLE: Vorta's keyring layer, without its plaintext fallback). One place does this
so every password is kept the same way.
"""

from __future__ import annotations

from app import keychain
from app.errors import KeychainUnavailable
from app.service import Haven


class StoredSecrets:
    """The passwords of one unlocked profile, each under a name and a settings fallback."""

    def __init__(self, haven: Haven) -> None:
        self.haven = haven

    def _account(self, name: str) -> str:
        # Per profile, so two profiles on one computer never share a keychain entry.
        return f"{self.haven.session.meta.profile_id}:{name}"

    def store(self, name: str, fallback_key: str, value: str) -> None:
        """Keep a password in the keychain; where none exists, in the encrypted store."""
        repo = self.haven.repo
        try:
            keychain.store_secret(self._account(name), value)
            repo.set_setting(self.haven.actor, fallback_key, "", audited=False)
        except KeychainUnavailable:
            repo.set_setting(self.haven.actor, fallback_key, value, audited=False)

    def load(self, name: str, fallback_key: str) -> str | None:
        """The password, or None when it was never kept (or the keychain is gone)."""
        stored = self.haven.repo.get_setting(fallback_key)
        if stored:
            return stored
        try:
            return keychain.load_secret(self._account(name))
        except KeychainUnavailable:
            return None
