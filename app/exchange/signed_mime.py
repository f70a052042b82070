"""Open an S/MIME package another Haven sealed: decrypt, then check the inner signature.

`cryptography` builds S/MIME but cannot verify it, so the detached CMS signature is
checked here with asn1crypto (already installed with pyHanko) for the structure and
`cryptography` for the mathematics. The envelope is AES-CBC with no integrity of its
own (app.export.smime), so this signature is the only thing that proves the package
was not changed and who made it: every failure here refuses the package.

The signed bytes are cut out of the multipart/signed entity exactly as they arrived
(RFC 1847: the CRLF before a boundary belongs to the boundary), never re-serialised, so
a byte changed anywhere in them breaks the digest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from app.errors import ImportRefused

_BOUNDARY = re.compile(rb'boundary="?([^";\r\n]+)"?', re.IGNORECASE)
_DIGESTS = {
    "sha256": (hashlib.sha256, hashes.SHA256),
    "sha384": (hashlib.sha384, hashes.SHA384),
    "sha512": (hashlib.sha512, hashes.SHA512),
}


@dataclass(frozen=True)
class VerifiedEntity:
    """The signed MIME entity's exact bytes and the certificate that signed them."""

    content: bytes
    signer: x509.Certificate
    certificates: tuple[x509.Certificate, ...]
    signed_at: datetime | None


def is_for(enveloped_der: bytes, cert: x509.Certificate) -> bool:
    """Whether an EnvelopedData names `cert` (issuer and serial) among its recipients.

    Asked before decrypting so that "this package is for someone else" is told apart from
    a damaged file, and raises ImportRefused('malformed') when the DER is not CMS at all
    (a truncated download, say).
    """
    from asn1crypto import cms  # type: ignore[import-untyped]

    try:
        info = cms.ContentInfo.load(enveloped_der, strict=True)
        if info["content_type"].native != "enveloped_data":
            raise ValueError("not enveloped data")
        recipients = info["content"]["recipient_infos"]
        issuer_serials = []
        for recipient in recipients:
            rid = recipient.chosen["rid"]
            if rid.name == "issuer_and_serial_number":
                issuer_serials.append(
                    (rid.chosen["issuer"].dump(), int(rid.chosen["serial_number"].native))
                )
        info["content"]["encrypted_content_info"]["encrypted_content"].native  # noqa: B018
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ImportRefused(
            "malformed",
            "The package is damaged or incomplete (its encrypted part cannot be read). "
            "Nothing was imported; ask the sender to send it again.",
        ) from exc
    mine = (cert.issuer.public_bytes(), cert.serial_number)
    return any(issuer == mine[0] and serial == mine[1] for issuer, serial in issuer_serials)


def verify_signed_entity(entity: bytes) -> VerifiedEntity:
    """Check a multipart/signed entity's detached signature; return what it covers.

    Raises ImportRefused('bad-signature') when the signature does not match the content,
    and ImportRefused('malformed') when the entity is not a signed message at all.
    """
    content, signature = _split_signed(entity)
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(signature, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        signed_data = info["content"]
        signer_infos = list(signed_data["signer_infos"])
        certificates = [
            x509.load_der_x509_certificate(c.chosen.dump())
            for c in (signed_data["certificates"] or [])
            if c.name == "certificate"
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _malformed() from exc
    if len(signer_infos) != 1 or not certificates:
        raise _malformed()
    signer_info = signer_infos[0]
    signer = _signer_certificate(signer_info, certificates)
    _check_signature(signer_info, signer, content)
    return VerifiedEntity(
        content=content,
        signer=signer,
        certificates=tuple(certificates),
        signed_at=_signing_time(signer_info),
    )


def _malformed() -> ImportRefused:
    return ImportRefused(
        "malformed",
        "The package is not a signed Haven package or it is damaged. Nothing was imported.",
    )


def _bad_signature() -> ImportRefused:
    return ImportRefused(
        "bad-signature",
        "The package's signature does not match its content: it was changed after it was "
        "signed, or damaged on the way. Nothing was imported; ask the sender to send it again.",
    )


def _split_signed(entity: bytes) -> tuple[bytes, bytes]:
    head, sep, body = entity.partition(b"\r\n\r\n")
    if not sep or b"multipart/signed" not in head.lower():
        raise _malformed()
    found = _BOUNDARY.search(head)
    if found is None:
        raise _malformed()
    delimiter = b"--" + found.group(1)
    first = body.find(delimiter + b"\r\n")
    if first < 0:
        raise _malformed()
    start = first + len(delimiter) + 2
    second = body.find(b"\r\n" + delimiter + b"\r\n", start)
    if second < 0:
        raise _malformed()
    content = body[start:second]
    sig_part = body[second + len(delimiter) + 4 :]
    end = sig_part.find(b"\r\n" + delimiter + b"--")
    if end < 0:
        raise _malformed()
    sig_head, sep, sig_body = sig_part[:end].partition(b"\r\n\r\n")
    if not sep or b"pkcs7-signature" not in sig_head.lower():
        raise _malformed()
    import base64
    import binascii

    try:
        signature = base64.b64decode(b"".join(sig_body.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _malformed() from exc
    return content, signature


def _signer_certificate(signer_info: Any, certificates: list[x509.Certificate]) -> x509.Certificate:
    sid = signer_info["sid"]
    for cert in certificates:
        if sid.name == "issuer_and_serial_number":
            if (
                cert.serial_number == int(sid.chosen["serial_number"].native)
                and cert.issuer.public_bytes() == sid.chosen["issuer"].dump()
            ):
                return cert
        elif sid.name == "subject_key_identifier":
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == sid.chosen.native:
                return cert
    raise _malformed()


def _check_signature(signer_info: Any, signer: x509.Certificate, content: bytes) -> None:
    try:
        _verify(signer_info, signer, content)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        # A crafted SignerInfo (unknown algorithm, empty attribute) is refused like any
        # other bad signature; it must never escape as a crash before the trust check.
        raise _bad_signature() from exc


def _verify(signer_info: Any, signer: x509.Certificate, content: bytes) -> None:
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in _DIGESTS:
        raise _bad_signature()
    hasher, hash_cls = _DIGESTS[digest_name]
    signed_attrs = signer_info["signed_attrs"]
    if not signed_attrs:
        raise _bad_signature()
    message_digest = None
    for attr in signed_attrs:
        if attr["type"].native == "message_digest":
            message_digest = attr["values"][0].native
    if message_digest != hasher(content).digest():
        raise _bad_signature()
    # The signature covers the DER of the attributes as a SET (tag 0x31), not as the
    # implicitly tagged [0] they are stored as (RFC 5652 section 5.4).
    to_verify = b"\x31" + signed_attrs.dump()[1:]
    signature = signer_info["signature"].native
    algorithm = signer_info["signature_algorithm"].signature_algo
    public = signer.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            if algorithm == "rsassa_pss":
                public.verify(
                    signature,
                    to_verify,
                    padding.PSS(mgf=padding.MGF1(hash_cls()), salt_length=padding.PSS.AUTO),
                    hash_cls(),
                )
            else:
                public.verify(signature, to_verify, padding.PKCS1v15(), hash_cls())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, to_verify, ec.ECDSA(hash_cls()))
        else:
            raise _bad_signature()
    except InvalidSignature as exc:
        raise _bad_signature() from exc


def _signing_time(signer_info: Any) -> datetime | None:
    try:
        for attr in signer_info["signed_attrs"]:
            if attr["type"].native == "signing_time":
                value = attr["values"][0].native
                if isinstance(value, datetime):
                    return value.astimezone(UTC)
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return None


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
