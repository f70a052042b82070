"""Reading the certificate files a user picks in Settings: size-checked, with plain
messages for the usual mistakes (a folder, the wrong kind of file, no permission)."""

from __future__ import annotations

import ssl
from pathlib import Path

from app.errors import CertificateError, HavenError
from app.export.exports import Exports

MAX_CERTIFICATE_FILE = 1_000_000
"""A certificate or PKCS#12 file is a few kilobytes; anything this big is the wrong file."""


def read_small_file(path: Path, what: str) -> bytes:
    """A certificate file's bytes, with plain messages for the usual mistakes."""
    try:
        if path.stat().st_size > MAX_CERTIFICATE_FILE:
            raise CertificateError(f"That file is too large to be {what}.")
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or "unknown error"
        raise CertificateError(f"Haven could not read that file ({reason}).") from exc


def import_p12_file(exports: Exports, path: Path, password: str) -> str:
    """Read and import a PKCS#12 file (worker); returns the certificate's fingerprint."""
    return exports.import_certificate(read_small_file(path, "a certificate"), password)


def current_fingerprint(exports: Exports) -> str | None:
    try:
        identity = exports.signing_identity()
    except HavenError:
        return None
    from app.export.certificates import fingerprint_sha256

    return fingerprint_sha256(identity.cert)


def pem_text(data: bytes) -> str:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        text = ""
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise CertificateError(
            "That file is not a PEM certificate (a text file starting "
            "'-----BEGIN CERTIFICATE-----')."
        )
    return text


def check_ca_pem(text: str) -> None:
    """The mail server's CA file must be one Python's TLS can trust from."""
    try:
        ssl.create_default_context().load_verify_locations(cadata=text)
    except (ssl.SSLError, ValueError) as exc:
        raise CertificateError(
            "That file is not a certificate authority file Haven can use (PEM)."
        ) from exc
