"""The one place Haven talks to the OS keychain (`keyring`).

The keychain holds a random key-encryption key per profile (service "Haven", account =
profile id); the data key itself stays wrapped in the key file. A keychain is only ever a
convenience: when it is missing, locked or has changed (NoKeyringError, KeyringLocked,
InitError, any KeyringError), callers fall back to the passphrase. Plaintext backends
(keyrings.alt, and keyring's own "fail" and "null" backends) are never used: storing the
key "encrypted" in a file next to the database is no protection at all.
"""

from __future__ import annotations

import base64
import binascii

from app.errors import KeychainUnavailable

SERVICE = "Haven"

_REFUSED_MODULE_PREFIXES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


def _backend() -> object:
    import keyring

    return keyring.get_keyring()


def _name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _usable(backend: object) -> bool:
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        return any(_usable(b) for b in backend.backends)
    return not _name(backend).startswith(_REFUSED_MODULE_PREFIXES)


def backend_name() -> str | None:
    """The keychain backend Haven would use, or None when there is no safe one."""
    try:
        backend = _backend()
    except Exception:  # noqa: BLE001 - any failure to even find a backend means "none"
        return None
    return _name(backend) if _usable(backend) else None


def store_kek(profile_id: str, kek: bytes) -> str:
    """Save the key-encryption key; returns the backend's name (recorded in the key file)."""
    import keyring
    from keyring.errors import KeyringError

    name = backend_name()
    if name is None:
        raise KeychainUnavailable("No secure keychain is available on this computer.")
    try:
        keyring.set_password(SERVICE, profile_id, base64.b64encode(kek).decode("ascii"))
    except (KeyringError, RuntimeError, OSError) as exc:
        raise KeychainUnavailable() from exc
    return name


def load_kek(profile_id: str, expected_backend: str) -> bytes:
    """Read the key-encryption key; fail closed if the backend is not the one that stored it."""
    import keyring
    from keyring.errors import KeyringError

    name = backend_name()
    if name is None or name != expected_backend:
        # Signal Desktop's lesson: a changed keychain is not to be guessed around.
        raise KeychainUnavailable(
            "This computer's keychain has changed or is missing, so Haven needs your passphrase."
        )
    try:
        value = keyring.get_password(SERVICE, profile_id)
    except (KeyringError, RuntimeError, OSError) as exc:
        raise KeychainUnavailable() from exc
    if not value:
        raise KeychainUnavailable(
            "Haven's entry in this computer's keychain is missing, so it needs your passphrase."
        )
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeychainUnavailable() from exc


def delete_kek(profile_id: str) -> None:
    """Remove the entry; a keychain that cannot be reached has nothing to remove."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, profile_id)
    except (PasswordDeleteError, KeyringError, RuntimeError, OSError):
        return


def store_secret(account: str, value: str) -> None:
    """Save a password (e.g. the signing certificate's or the mail server's)."""
    import keyring
    from keyring.errors import KeyringError

    if backend_name() is None:
        raise KeychainUnavailable("No secure keychain is available on this computer.")
    try:
        keyring.set_password(SERVICE, account, value)
    except (KeyringError, RuntimeError, OSError) as exc:
        raise KeychainUnavailable() from exc


def load_secret(account: str) -> str | None:
    """A saved password, or None when there is none."""
    import keyring
    from keyring.errors import KeyringError

    if backend_name() is None:
        raise KeychainUnavailable("No secure keychain is available on this computer.")
    try:
        return keyring.get_password(SERVICE, account)
    except (KeyringError, RuntimeError, OSError) as exc:
        raise KeychainUnavailable() from exc
