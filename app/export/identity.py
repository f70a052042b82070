"""The profile's signing certificate: imported (PKCS#12) or made here for trials.

The certificate is kept in the encrypted store and its password with the other stored
secrets, so signing never asks for it again (SPEC 3).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import weakref
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.errors import CertificateError
from app.export.secrets import StoredSecrets
from app.service import Haven

if TYPE_CHECKING:
    from app.export.certificates import SigningIdentity
    from app.profile import Session

SIGNING_P12 = "signing_p12"
SIGNING_PASSWORD_FALLBACK = "signing_p12_password"  # noqa: S105 - a settings key, not a secret

_LOADED: weakref.WeakKeyDictionary[Session, tuple[bytes, SigningIdentity]] = (
    weakref.WeakKeyDictionary()
)
"""The identity each unlocked session last loaded, with the SHA-256 of the PKCS#12 it came
from. In memory only: opening the PKCS#12 (PBES2 decryption and OpenSSL's key check) is
most of a signature's cost, and the window signs many PDFs per session. An entry goes
with its session, and is dropped at the first use after the session locks."""


class SigningCertificate:
    """Import, create and load the signing identity of one unlocked profile."""

    def __init__(self, haven: Haven, stored: StoredSecrets) -> None:
        self.haven = haven
        self.stored = stored

    def import_certificate(self, p12: bytes, password: str) -> str:
        """Import a PKCS#12 signing certificate; returns its SHA-256 fingerprint."""
        from app.export.certificates import fingerprint_sha256, load_pkcs12

        identity = load_pkcs12(p12, password)
        self.stored.store("signing", SIGNING_PASSWORD_FALLBACK, password)
        self.haven.repo.set_setting(
            self.haven.actor, SIGNING_P12, base64.b64encode(p12).decode("ascii")
        )
        return fingerprint_sha256(identity.cert)

    def create_self_signed(self, org: str) -> str:
        """For trials: an organisation certificate made here (recipients must trust it)."""
        from app.export.certificates import create_self_signed, to_pkcs12

        if not org.strip():
            raise CertificateError("Enter the organisation's name for the certificate.")
        key, cert = create_self_signed(org.strip(), email=self.haven.session.info.email or None)
        password = secrets.token_urlsafe(24)
        return self.import_certificate(to_pkcs12(key, cert, password), password)

    def signing_identity(self) -> SigningIdentity:
        """The profile's signing identity, opened once per unlocked session.

        A new certificate (import or trial) replaces it, because the cache is keyed by the
        stored PKCS#12; a certificate that has since expired is opened again so the
        caller gets load_pkcs12's own error."""
        from app.export.certificates import load_pkcs12

        session = self.haven.session
        if not session.is_open:
            _LOADED.pop(session, None)
        raw = self.haven.repo.get_setting(SIGNING_P12)
        if not raw:
            raise CertificateError(
                "No signing certificate is set up. Import your organisation's certificate "
                "in Settings (or create a trial certificate)."
            )
        digest = hashlib.sha256(raw.encode("ascii")).digest()
        cached = _LOADED.get(session)
        if cached is not None and cached[0] == digest and _in_date(cached[1]):
            return cached[1]
        password = self.stored.load("signing", SIGNING_PASSWORD_FALLBACK)
        if password is None:
            raise CertificateError("The signing certificate's password could not be found.")
        identity = load_pkcs12(base64.b64decode(raw), password)
        _LOADED[session] = (digest, identity)
        return identity

    def certificate_pem(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        return self.signing_identity().cert.public_bytes(Encoding.PEM)


def _in_date(identity: SigningIdentity) -> bool:
    now = datetime.now(UTC)
    cert = identity.cert
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc
