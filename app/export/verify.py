"""Check a signed PDF with pyHanko's validator and say what it means in plain words.

Used to prove a freshly signed PDF before it is marked signed, and to check PDFs Haven
receives. Three separate questions, because they fail separately:

* intact - do the signed bytes still hash to what was signed? One flipped byte makes
  this False (security anchors E2).
* covers_whole_file - does the signature cover every byte of the file? Data appended
  after signing (an incremental update) leaves the signature intact but not covering
  the file; pyHanko still calls such a file valid, so Haven checks coverage itself
  (security anchors 5).
* trusted - does the signer's certificate chain to a certificate the caller trusts?
  Only answered when trust anchors are given (for example the organisation's own
  certificate); otherwise None, because an offline app has no authoritative trust list.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.export.libraries import load_pyhanko
from app.export.signing import FIELD_NAME

# pyHanko logs untrusted-certificate warnings with tracebacks that name the signer; Haven
# reports what matters in SignatureReport instead, and its logs carry no personal data.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.ERROR)


@dataclass(frozen=True)
class SignatureReport:
    """What a reader needs to know about a PDF's signature, with a one-paragraph summary.

    `signed_at` is the time from a timestamp authority when `timestamped` is True, and
    otherwise the time the signer's own computer claimed (PAdES B-B).
    """

    signed: bool
    signer: str | None
    signed_at: datetime | None
    intact: bool
    covers_whole_file: bool
    trusted: bool | None
    summary: str
    timestamped: bool = False


def verify_pdf(
    data: bytes, trusted_certificates: Sequence[x509.Certificate] = ()
) -> SignatureReport:
    """Validate the Haven signature (or, failing that, the last signature) in `data`.

    Never raises for a bad or unreadable file: the report says what is wrong.
    """
    load_pyhanko()
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, OSError):
        return _unsigned("This file is not a PDF Haven can read, or it is damaged.")
    if not signatures:
        return _unsigned("This PDF is not signed.")
    embedded = next((s for s in signatures if s.field_name == FIELD_NAME), signatures[-1])
    try:
        embedded_cert = embedded.signer_cert
    except (ValueError, KeyError, SignatureValidationError):
        return _broken("The signature in this PDF is damaged and cannot be checked.")

    trust_given = bool(trusted_certificates)
    roots = [to_asn1(c) for c in trusted_certificates] if trust_given else [embedded_cert]
    try:
        status = validate_pdf_signature(
            embedded,
            signer_validation_context=_validation_context(roots),
            key_usage_settings=_key_usage_settings(),
        )
    except (PdfError, SignatureValidationError, ValueError, KeyError) as exc:
        del exc  # the message may quote file content; the summary below is enough
        return _broken("The signature in this PDF is damaged and cannot be checked.")

    signer = common_name(status.signing_cert)
    intact = bool(status.intact and status.valid)
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    trusted = bool(status.trusted) if trust_given else None
    timestamp = status.timestamp_validity
    timestamped = timestamp is not None and bool(timestamp.intact and timestamp.valid)
    signed_at = timestamp.timestamp if timestamped and timestamp else status.signer_reported_dt
    return SignatureReport(
        signed=True,
        signer=signer,
        signed_at=signed_at,
        intact=intact,
        covers_whole_file=covers,
        trusted=trusted,
        summary=_summary(signer, intact, covers, trusted, timestamped),
        timestamped=timestamped,
    )


def _summary(
    signer: str | None, intact: bool, covers: bool, trusted: bool | None, timestamped: bool
) -> str:
    who = signer or "an unnamed signer"
    if not intact:
        return (
            f"The PDF was signed by {who}, but it has been changed since: the signature "
            "does not match the content. Do not rely on this document."
        )
    parts = [f"Signed by {who}; the signed content has not been changed."]
    if not covers:
        parts.append(
            "Something was added to the file after it was signed; the added part is "
            "not covered by the signature."
        )
    if trusted is True:
        parts.append("The signer's certificate is trusted.")
    elif trusted is False:
        parts.append("The signer's certificate is not one you have chosen to trust.")
    else:
        parts.append("Whether to trust the signer's certificate was not checked.")
    if not timestamped:
        parts.append("The signing time comes from the signer's own computer.")
    return " ".join(parts)


def _unsigned(summary: str) -> SignatureReport:
    return SignatureReport(
        signed=False,
        signer=None,
        signed_at=None,
        intact=False,
        covers_whole_file=False,
        trusted=None,
        summary=summary,
    )


def _broken(summary: str) -> SignatureReport:
    return SignatureReport(
        signed=True,
        signer=None,
        signed_at=None,
        intact=False,
        covers_whole_file=False,
        trusted=None,
        summary=summary,
    )


def _validation_context(roots: list[Any]) -> Any:
    """Offline validation: the given roots only, no fetching, revocation soft-fail."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=roots, allow_fetching=False)


def _key_usage_settings() -> Any:
    """Accept digitalSignature or nonRepudiation: Haven's own certificates carry both,
    and a recipient checking someone else's PDF should not see a valid signature called
    broken because of a key-usage preference."""
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    return KeyUsageConstraints(
        key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
    )


def to_asn1(cert: x509.Certificate) -> Any:
    """The certificate as asn1crypto sees it: pyHanko's validator takes only that form."""
    from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def common_name(cert: Any) -> str | None:
    """The subject's common name of an asn1crypto certificate, or None when it has none
    (a crafted certificate may have no subject at all: a refusal, not a crash)."""
    try:
        name = cert.subject.native.get("common_name")
    except (AttributeError, ValueError):
        return None
    if isinstance(name, list):
        name = name[0] if name else None
    return str(name) if name else None
