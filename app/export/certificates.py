"""Signing identities and recipient certificates, checked before anything is signed or sent.

The organisation (or practitioner) signs PDFs and S/MIME messages with a key and
certificate imported once from a PKCS#12 file (SPEC 4). Self-signed organisation
certificates are supported for pilots: recipients import the certificate as a trust
anchor and check its fingerprint out of band (security anchors 5).

Checks made here so that failures are plain-English `CertificateError`s up front rather
than obscure errors from pyHanko, OpenSSL or a recipient's mail client:

* signer: RSA or EC key matching the certificate; valid today; key usage allows
  digitalSignature and nonRepudiation (pyHanko's validator requires nonRepudiation by
  default: security anchors 5 and E4);
* recipient: RSA only (the S/MIME envelope we can build uses RSA key transport:
  security anchors 6), at least 2048 bits (3072 recommended), valid today, and allowed
  for email encryption when it says what it may be used for (F6).

Messages never include names from certificates; they may be shown and logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.errors import CertificateError

SIGNING_KEY_BITS = 3072
MINIMUM_RECIPIENT_BITS = 2048
RECOMMENDED_RECIPIENT_BITS = 3072
DOCUMENT_SIGNING_OID = x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
"""Microsoft's "Document Signing" extended key usage, recognised by Adobe Reader."""

SigningKey: TypeAlias = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class SigningIdentity:
    """A private key, its certificate and any intermediate/root certificates.

    Held in memory only while signing; the PKCS#12 file and its password are kept by the
    caller (the keychain), and the key is never written unencrypted.
    """

    key: SigningKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RecipientCertificate:
    """A recipient's encryption certificate that passed the checks, and how strong it is.

    `below_recommended` is True for RSA keys of 2048 up to 3071 bits: still accepted (many
    public-sector certificates are 2048-bit) but the UI should say a 3072-bit or longer
    key is recommended.
    """

    certificate: x509.Certificate
    key_bits: int
    below_recommended: bool


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_self_signed(
    org: str,
    valid_days: int = 825,
    email: str | None = None,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """Create an organisation signing key (RSA 3072) and a self-signed certificate for it.

    Key usage covers PDF and S/MIME signing (digitalSignature + nonRepudiation) and
    receiving encrypted mail (keyEncipherment); extended key usage is emailProtection and
    Document Signing. 825 days is the longest lifetime mainstream clients accept for
    certificates they are asked to trust. `email`, when given, becomes the subject
    alternative name S/MIME clients match against the From address.
    """
    org = " ".join(org.split())
    if not org:
        raise CertificateError("Enter the organisation's name for the certificate.")
    if not 1 <= valid_days <= 3650:
        raise CertificateError("A certificate must be valid for between 1 and 3650 days.")
    key = rsa.generate_private_key(public_exponent=65537, key_size=SIGNING_KEY_BITS)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{org} document signing"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org[:64]),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
        ]
    )
    now = _now()
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING_OID]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
    )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email.strip())]), critical=False
        )
    cert = builder.sign(key, hashes.SHA256())
    return key, cert


def to_pkcs12(
    key: SigningKey,
    cert: x509.Certificate,
    password: str,
    chain: tuple[x509.Certificate, ...] = (),
) -> bytes:
    """Bundle a key and certificate into a password-protected PKCS#12 (.p12) file.

    Uses PBES2 with AES-256-CBC and a SHA-256 MAC rather than the legacy RC2/3DES
    defaults. An empty password is refused: the private key is never written
    unencrypted (security anchors E4).
    """
    if not password:
        raise CertificateError("Choose a password to protect the certificate file.")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(200_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode("utf-8"))
    )
    return pkcs12.serialize_key_and_certificates(
        b"Haven signing", key, cert, list(chain) or None, encryption
    )


def load_pkcs12(data: bytes, password: str) -> SigningIdentity:
    """Open a PKCS#12 file and check that its certificate may sign documents today."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, password.encode("utf-8") if password else None
        )
    except (ValueError, TypeError) as exc:
        # cryptography cannot tell a wrong password from a damaged or foreign file.
        raise CertificateError(
            "The certificate file could not be opened: the password is wrong, or the "
            "file is not a PKCS#12 (.p12 or .pfx) certificate file."
        ) from exc
    if key is None or cert is None:
        raise CertificateError(
            "The certificate file must contain both a certificate and its private key."
        )
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateError(
            "Haven can sign only with RSA or elliptic-curve keys; this file holds another kind."
        )
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise CertificateError("The private key in the file does not match its certificate.")
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < MINIMUM_RECIPIENT_BITS:
        raise CertificateError(
            f"The signing key is too short ({key.key_size} bits); at least "
            f"{MINIMUM_RECIPIENT_BITS} bits are needed."
        )
    _check_dates(cert, "signing certificate")
    usage = _key_usage(cert)
    if usage is not None and not (usage.digital_signature and usage.content_commitment):
        raise CertificateError(
            "This certificate is not allowed to sign documents: it needs the "
            "'digital signature' and 'non-repudiation' key usages."
        )
    return SigningIdentity(key=key, cert=cert, chain=tuple(extra))


def load_recipient_certificate(pem_or_der: bytes) -> RecipientCertificate:
    """Read a recipient's certificate (PEM or DER) and check it can receive encrypted mail."""
    cert = _parse_certificate(pem_or_der)
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise CertificateError(
            "Haven can encrypt only to RSA certificates; this certificate uses another kind of key."
        )
    bits = public.key_size
    if bits < MINIMUM_RECIPIENT_BITS:
        raise CertificateError(
            f"The recipient's key is too short ({bits} bits); at least "
            f"{MINIMUM_RECIPIENT_BITS} bits are needed."
        )
    _check_dates(cert, "recipient's certificate")
    usage = _key_usage(cert)
    if usage is not None and not usage.key_encipherment:
        raise CertificateError(
            "The recipient's certificate is not allowed for encryption (no 'key "
            "encipherment' key usage)."
        )
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is not None and ExtendedKeyUsageOID.EMAIL_PROTECTION not in eku:
        raise CertificateError(
            "The recipient's certificate is not for email (no 'email protection' usage)."
        )
    return RecipientCertificate(
        certificate=cert, key_bits=bits, below_recommended=bits < RECOMMENDED_RECIPIENT_BITS
    )


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """The SHA-256 fingerprint as colon-separated hex, for checking a certificate by phone."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _parse_certificate(data: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise CertificateError(
            "The file is not a certificate Haven can read (expected PEM or DER)."
        ) from exc


def _public_der(public: CertificatePublicKeyTypes) -> bytes:
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_usage(cert: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _check_dates(cert: x509.Certificate, what: str) -> None:
    now = _now()
    if now < cert.not_valid_before_utc:
        raise CertificateError(f"The {what} is not valid yet.")
    if now > cert.not_valid_after_utc:
        raise CertificateError(f"The {what} has expired.")
