"""S/MIME: sign a MIME entity, then encrypt it to the recipient (SPEC 4).

Built with `cryptography` >= 50: versions 44-49 have a Bleichenbacher-style flaw in the
PKCS#7 decrypt functions (PYSEC-2026-3552, ecosystem anchors 4.4), so older versions are
refused when this module is imported.

Sign first, then encrypt, always. The only envelope `cryptography` can build is
AES-CBC with RSA PKCS#1 v1.5 key transport: no AES-GCM, so the ciphertext has no
integrity protection of its own and a flipped byte can still "decrypt". The inner
signature is therefore the package's only integrity check (security anchors 6, EFAIL),
and a recipient must verify it after decrypting.

Only the body is protected: Subject, From, To and the outer headers travel in clear, so
`app.export.package` puts nothing but the marking and an opaque reference in them.
"""

from __future__ import annotations

from collections.abc import Sequence

import cryptography
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.errors import CertificateError, ExportError
from app.export.certificates import SigningIdentity

MINIMUM_CRYPTOGRAPHY = (50, 0)


def _version_tuple(version: str) -> tuple[int, int]:
    major, _, rest = version.partition(".")
    minor = rest.split(".", 1)[0]
    return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)


if _version_tuple(cryptography.__version__) < MINIMUM_CRYPTOGRAPHY:
    raise ImportError(
        "Haven needs cryptography 50 or newer for S/MIME (older versions have a known "
        "decryption flaw)."
    )


def sign_mime(mime_bytes: bytes, identity: SigningIdentity) -> bytes:
    """A `multipart/signed` entity: `mime_bytes` unchanged plus a detached SHA-256 signature.

    `mime_bytes` must be a complete MIME entity (headers, blank line, body) with CRLF
    line endings and 7-bit-safe transfer encodings, exactly as it should be verified.
    """
    from cryptography.hazmat.primitives.serialization import pkcs7

    builder = pkcs7.PKCS7SignatureBuilder().set_data(mime_bytes)
    builder = builder.add_signer(identity.cert, identity.key, hashes.SHA256())
    for extra in identity.chain:
        builder = builder.add_certificate(extra)
    try:
        return builder.sign(
            serialization.Encoding.SMIME,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    except (ValueError, TypeError) as exc:
        raise ExportError("The email package could not be signed.") from exc


def encrypt_mime(
    mime_bytes: bytes,
    recipient_cert: x509.Certificate,
    also_encrypt_to: Sequence[x509.Certificate] = (),
) -> bytes:
    """CMS EnvelopedData (DER) of `mime_bytes` for the recipient, with AES-256-CBC.

    `also_encrypt_to` adds further recipients, e.g. the sender's own certificate so the
    sent copy stays readable. The result is the content of an `smime.p7m` part.
    """
    from cryptography.hazmat.primitives.ciphers import algorithms
    from cryptography.hazmat.primitives.serialization import pkcs7

    builder = pkcs7.PKCS7EnvelopeBuilder().set_data(mime_bytes)
    for cert in (recipient_cert, *also_encrypt_to):
        if not isinstance(cert.public_key(), rsa.RSAPublicKey):
            raise CertificateError("Haven can encrypt only to RSA certificates.")
        builder = builder.add_recipient(cert)
    builder = builder.set_content_encryption_algorithm(algorithms.AES256)
    try:
        # Binary: the signed entity is already canonical (CRLF); any rewriting here would
        # break the inner signature.
        return builder.encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    except (ValueError, TypeError) as exc:
        raise ExportError("The email package could not be encrypted.") from exc


def sign_then_encrypt(
    mime_bytes: bytes,
    identity: SigningIdentity,
    recipient_cert: x509.Certificate,
    also_encrypt_to: Sequence[x509.Certificate] = (),
) -> bytes:
    """Sign `mime_bytes` (multipart/signed), then envelope the signed entity.

    Returns the DER CMS EnvelopedData, i.e. the body of an
    `application/pkcs7-mime; smime-type=enveloped-data` part; `app.export.package` wraps
    it in the outer message (one place builds MIME).
    """
    return encrypt_mime(sign_mime(mime_bytes, identity), recipient_cert, also_encrypt_to)


def decrypt_mime(
    enveloped_der: bytes, recipient_cert: x509.Certificate, recipient_key: rsa.RSAPrivateKey
) -> bytes:
    """Decrypt an EnvelopedData back to the signed MIME entity (for tests and imports).

    Decryption succeeding proves nothing about integrity (CBC, no MAC): verify the inner
    signature afterwards.
    """
    from cryptography.hazmat.primitives.serialization import pkcs7

    try:
        return pkcs7.pkcs7_decrypt_der(enveloped_der, recipient_cert, recipient_key, [])
    except ValueError as exc:
        raise ExportError("The email package could not be decrypted.") from exc
