"""The profile's data key and the ways it is wrapped (SPEC.md section 3: storage).

Each profile has ONE random 32-byte data key (DEK) that SQLCipher uses as a raw key. The
DEK is never written anywhere in the clear. It is wrapped (AES-256-GCM) more than one way,
so that no single loss locks a practitioner out of a child's records:

- by the user's passphrase through Argon2id: always present, and what unlocks after
  auto-lock or when the keychain is gone;
- by a random key-encryption key kept in the OS keychain, when the user chose "unlock
  automatically on this computer" (the keychain holds that KEK, the key file the wrap);
- by an organisation recovery RSA public key (RSA-OAEP-SHA256), so IT can recover a
  profile with the private key they keep offline.

Signal Desktop's issue tracker is the lesson here: a keychain-only key locked users out
when the keychain changed. The key file lives beside the database, is written atomically,
and records which keychain backend made the keychain wrap so a changed backend fails
closed to the passphrase instead of guessing.

A data-key rotation (`PRAGMA rekey`) first writes the new key's wraps as *pending* beside
the current ones, then rekeys, then promotes them; an interruption at any point leaves a
key file that opens the database with either the old or the new key.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.errors import KeyFileError, WeakPassphrase, WrongPassphrase

KEY_FILE_FORMAT = 1
DATA_KEY_BYTES = 32
MIN_PASSPHRASE_LENGTH = 10

# RFC 9106's second recommended option (m = 64 MiB, t = 3, p = 4): about 0.1 s on the
# project machine (notes/perf-baselines.md section 3), well under the 0.5 s unlock budget.
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_TIME_COST = 3
ARGON2_PARALLELISM = 4

_COMMON_PASSPHRASES = frozenset(
    {
        "password123",
        "passwordpassword",
        "1234567890",
        "qwertyuiop",
        "letmein123",
        "welcome123",
        "safeguarding",
        "haven12345",
    }
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise KeyFileError(f"The key file is damaged ({what} is missing).")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise KeyFileError(f"The key file is damaged ({what} is not valid).") from exc


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters, stored with each wrap so they can be raised later."""

    memory_kib: int = ARGON2_MEMORY_KIB
    time_cost: int = ARGON2_TIME_COST
    parallelism: int = ARGON2_PARALLELISM


@dataclass(frozen=True)
class Wrap:
    """One wrapped copy of the data key.

    kind is "passphrase", "keychain" or "recovery". `backend` names the keychain backend
    that made a keychain wrap; `fingerprint` names the recovery public key.
    """

    kind: str
    nonce: bytes
    ciphertext: bytes
    salt: bytes = b""
    kdf: KdfParams | None = None
    backend: str = ""
    fingerprint: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "nonce": _b64(self.nonce),
            "ciphertext": _b64(self.ciphertext),
        }
        if self.kind == "passphrase" and self.kdf is not None:
            out["kdf"] = {
                "name": "argon2id",
                "salt": _b64(self.salt),
                "memory_kib": self.kdf.memory_kib,
                "time_cost": self.kdf.time_cost,
                "parallelism": self.kdf.parallelism,
            }
        if self.backend:
            out["backend"] = self.backend
        if self.fingerprint:
            out["fingerprint"] = self.fingerprint
        return out

    @staticmethod
    def from_json(data: object) -> Wrap:
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            raise KeyFileError("The key file is damaged (a key wrap is not readable).")
        kind = data["kind"]
        kdf: KdfParams | None = None
        salt = b""
        if kind == "passphrase":
            raw = data.get("kdf")
            if not isinstance(raw, dict) or raw.get("name") != "argon2id":
                raise KeyFileError("The key file is damaged (passphrase settings are missing).")
            try:
                kdf = KdfParams(
                    memory_kib=int(raw["memory_kib"]),
                    time_cost=int(raw["time_cost"]),
                    parallelism=int(raw["parallelism"]),
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise KeyFileError(
                    "The key file is damaged (passphrase settings are not valid)."
                ) from exc
            salt = _unb64(raw.get("salt"), "salt")
        return Wrap(
            kind=kind,
            nonce=_unb64(data.get("nonce"), "nonce"),
            ciphertext=_unb64(data.get("ciphertext"), "ciphertext"),
            salt=salt,
            kdf=kdf,
            backend=str(data.get("backend", "")),
            fingerprint=str(data.get("fingerprint", "")),
        )


@dataclass(frozen=True)
class KeyFile:
    """The small JSON file beside the database holding the wraps of the data key."""

    profile_id: str
    wraps: tuple[Wrap, ...]
    pending: tuple[Wrap, ...] = field(default_factory=tuple)

    def wrap_of(self, kind: str, *, pending: bool = False) -> Wrap | None:
        for wrap in self.pending if pending else self.wraps:
            if wrap.kind == kind:
                return wrap
        return None

    def to_bytes(self) -> bytes:
        body = {
            "format": KEY_FILE_FORMAT,
            "profile_id": self.profile_id,
            "wraps": [w.to_json() for w in self.wraps],
            "pending": [w.to_json() for w in self.pending],
        }
        return json.dumps(body, indent=2, sort_keys=True).encode("utf-8")

    @staticmethod
    def from_bytes(data: bytes) -> KeyFile:
        try:
            body = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise KeyFileError() from exc
        if not isinstance(body, dict) or body.get("format") != KEY_FILE_FORMAT:
            raise KeyFileError()
        profile_id = body.get("profile_id")
        wraps = body.get("wraps")
        pending = body.get("pending", [])
        if not isinstance(profile_id, str) or not isinstance(wraps, list):
            raise KeyFileError()
        if not isinstance(pending, list):
            raise KeyFileError()
        return KeyFile(
            profile_id=profile_id,
            wraps=tuple(Wrap.from_json(w) for w in wraps),
            pending=tuple(Wrap.from_json(w) for w in pending),
        )


def new_data_key() -> bytes:
    """A fresh random 256-bit SQLCipher key."""
    return secrets.token_bytes(DATA_KEY_BYTES)


def check_passphrase_strength(passphrase: str) -> None:
    """Refuse passphrases that would not protect a child's records (raises WeakPassphrase)."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphrase(
            f"Choose a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters; "
            "three or four unrelated words work well."
        )
    if passphrase.strip().lower() in _COMMON_PASSPHRASES or len(set(passphrase)) < 4:
        raise WeakPassphrase("That passphrase is too easy to guess; choose another.")


def passphrase_strength(passphrase: str) -> tuple[int, str]:
    """A 0-4 score and a word for strength feedback while the user types a new passphrase."""
    if not passphrase:
        return 0, "Enter a passphrase"
    try:
        check_passphrase_strength(passphrase)
    except WeakPassphrase:
        return 0, "Too weak"
    classes = sum(
        [
            any(c.islower() for c in passphrase),
            any(c.isupper() for c in passphrase),
            any(c.isdigit() for c in passphrase),
            any(not c.isalnum() for c in passphrase),
        ]
    )
    words = len(passphrase.split())
    score = 1 + (len(passphrase) >= 14) + (len(passphrase) >= 20 or words >= 4) + (classes >= 3)
    return min(score, 4), ["Too weak", "Fair", "Good", "Strong", "Very strong"][min(score, 4)]


def derive_passphrase_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """Argon2id(passphrase, salt): the key-encryption key for the passphrase wrap."""
    from argon2.low_level import Type, hash_secret_raw

    return bytes(
        hash_secret_raw(
            secret=passphrase.encode("utf-8"),
            salt=salt,
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            hash_len=32,
            type=Type.ID,
        )
    )


def _aad(profile_id: str, kind: str) -> bytes:
    # Binding the profile id and wrap kind stops a wrap being moved between profiles or kinds.
    return f"haven-key-wrap:v1:{profile_id}:{kind}".encode()


def _seal(kek: bytes, dek: bytes, profile_id: str, kind: str) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    return nonce, AESGCM(kek).encrypt(nonce, dek, _aad(profile_id, kind))


def _open(kek: bytes, wrap: Wrap, profile_id: str) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(kek).decrypt(wrap.nonce, wrap.ciphertext, _aad(profile_id, wrap.kind))
    except (InvalidTag, ValueError):
        return None


def passphrase_wrap(
    dek: bytes, passphrase: str, profile_id: str, params: KdfParams | None = None
) -> Wrap:
    params = params or KdfParams()
    salt = secrets.token_bytes(16)
    kek = derive_passphrase_key(passphrase, salt, params)
    nonce, ct = _seal(kek, dek, profile_id, "passphrase")
    return Wrap(kind="passphrase", nonce=nonce, ciphertext=ct, salt=salt, kdf=params)


def keychain_wrap(dek: bytes, kek: bytes, profile_id: str, backend: str) -> Wrap:
    nonce, ct = _seal(kek, dek, profile_id, "keychain")
    return Wrap(kind="keychain", nonce=nonce, ciphertext=ct, backend=backend)


def recovery_wrap(dek: bytes, public_key_pem: bytes, profile_id: str) -> Wrap:
    """Wrap the DEK to IT's offline recovery key (RSA-OAEP with SHA-256)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except ValueError as exc:
        raise KeyFileError("The organisation recovery key is not a PEM public key.") from exc
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 3072:
        raise KeyFileError("The organisation recovery key must be an RSA key of 3072 bits or more.")
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    from hashlib import sha256

    fingerprint = sha256(der).hexdigest()
    ct = key.encrypt(
        _aad(profile_id, "recovery") + dek,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    return Wrap(kind="recovery", nonce=b"", ciphertext=ct, fingerprint=fingerprint)


def unwrap_with_passphrase(keyfile: KeyFile, passphrase: str, *, pending: bool = False) -> bytes:
    wrap = keyfile.wrap_of("passphrase", pending=pending)
    if wrap is None or wrap.kdf is None:
        raise KeyFileError()
    kek = derive_passphrase_key(passphrase, wrap.salt, wrap.kdf)
    dek = _open(kek, wrap, keyfile.profile_id)
    if dek is None:
        raise WrongPassphrase()
    return dek


def unwrap_with_kek(keyfile: KeyFile, kek: bytes, *, pending: bool = False) -> bytes | None:
    """Unwrap the keychain wrap with the KEK read from the keychain (None if it does not fit)."""
    wrap = keyfile.wrap_of("keychain", pending=pending)
    if wrap is None:
        return None
    return _open(kek, wrap, keyfile.profile_id)


def unwrap_with_recovery_key(
    keyfile: KeyFile, private_key_pem: bytes, password: bytes | None = None
) -> bytes:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    wrap = keyfile.wrap_of("recovery")
    if wrap is None:
        raise KeyFileError("This profile has no organisation recovery key.")
    try:
        key = serialization.load_pem_private_key(private_key_pem, password=password)
    except (ValueError, TypeError) as exc:
        raise KeyFileError("The recovery private key could not be read.") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFileError("The recovery private key must be an RSA key.")
    try:
        plain = key.decrypt(
            wrap.ciphertext,
            padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
        )
    except ValueError as exc:
        raise KeyFileError("That recovery key does not belong to this profile.") from exc
    prefix = _aad(keyfile.profile_id, "recovery")
    if not plain.startswith(prefix):
        raise KeyFileError("That recovery key does not belong to this profile.")
    return plain[len(prefix) :]


def write_key_file(path: Path, keyfile: KeyFile) -> None:
    """Write atomically: temp file (0600), fsync, replace, fsync the folder."""
    write_file_atomic(path, keyfile.to_bytes())


def write_file_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):
        dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def read_key_file(path: Path) -> KeyFile:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise KeyFileError() from exc
    return KeyFile.from_bytes(data)


def replace_wrap(keyfile: KeyFile, wrap: Wrap) -> KeyFile:
    """The key file with `wrap` in place of any current wrap of the same kind."""
    others = tuple(w for w in keyfile.wraps if w.kind != wrap.kind)
    return replace(keyfile, wraps=(*others, wrap))


def without_wrap(keyfile: KeyFile, kind: str) -> KeyFile:
    return replace(keyfile, wraps=tuple(w for w in keyfile.wraps if w.kind != kind))
