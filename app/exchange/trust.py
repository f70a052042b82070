"""Whose signatures this profile accepts on received packages (issue 9).

The organisation's list is machine-wide policy, found as `trust.yaml` beside
`recipients.yaml` in the machine configuration folder (app.directory): IT names each
practitioner's certificate, or the CA that issues them. Where IT has placed that file,
it is the whole list and users cannot add to it. Where it has not (a trial, a single
school), a DSL adds the certificates of the practitioners they accept, and those live
in the profile's encrypted store. Either way, a package whose signer is not on the list
is refused, however good its signature: anyone can make a certificate.

    version: 1
    trusted:
      - label: Example Academy staff certificates
        certificate_pem: |
          -----BEGIN CERTIFICATE-----
          ...
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from app.directory import DirectoryError, _load_yaml, machine_config_dir
from app.errors import CertificateError
from app.export.certificates import fingerprint_sha256

TRUST_FILE = "trust.yaml"
PROFILE_TRUST_KEY = "trusted_certificates"


@dataclass(frozen=True)
class TrustedCertificate:
    label: str
    certificate: x509.Certificate
    locked: bool

    @property
    def fingerprint(self) -> str:
        return fingerprint_sha256(self.certificate)

    @property
    def is_ca(self) -> bool:
        try:
            return bool(
                self.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
            )
        except x509.ExtensionNotFound:
            return False


def parse_certificate(pem: str | bytes) -> x509.Certificate:
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise CertificateError("That file is not a certificate Haven can read.") from exc


def machine_trust() -> list[TrustedCertificate] | None:
    """The organisation's list, or None when IT has not placed one on this machine."""
    path = machine_config_dir() / TRUST_FILE
    if not path.exists():
        return None
    data = _load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("trusted"), list):
        raise DirectoryError("The trust list must hold a list under 'trusted'.")
    out: list[TrustedCertificate] = []
    for entry in data["trusted"]:
        if not isinstance(entry, dict) or not entry.get("certificate_pem"):
            raise DirectoryError("Every entry in the trust list needs a certificate_pem.")
        try:
            cert = parse_certificate(str(entry["certificate_pem"]))
        except CertificateError as exc:
            raise DirectoryError("A certificate in the trust list cannot be read.") from exc
        out.append(TrustedCertificate(str(entry.get("label") or ""), cert, locked=True))
    return out


def profile_trust(stored: str | None) -> list[TrustedCertificate]:
    """The certificates a user added to this profile (JSON in the encrypted store)."""
    if not stored:
        return []
    entries = json.loads(stored)
    return [
        TrustedCertificate(str(e.get("label", "")), parse_certificate(e["pem"]), locked=False)
        for e in entries
        if isinstance(e, dict) and e.get("pem")
    ]


def add_to_profile_trust(stored: str | None, label: str, pem: str) -> str:
    """The stored JSON with one more certificate (the same certificate is kept once)."""
    cert = parse_certificate(pem)
    entries = json.loads(stored) if stored else []
    fp = fingerprint_sha256(cert)
    entries = [e for e in entries if fingerprint_sha256(parse_certificate(e["pem"])) != fp]
    entries.append(
        {"label": label.strip(), "pem": cert.public_bytes(serialization.Encoding.PEM).decode()}
    )
    return json.dumps(entries)


def effective_trust(stored: str | None) -> list[TrustedCertificate]:
    """Machine-wide policy when present (it wins), else the profile's own list."""
    machine = machine_trust()
    return machine if machine is not None else profile_trust(stored)


def trusted_signer(
    signer: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust: Sequence[TrustedCertificate],
    now: datetime | None = None,
) -> TrustedCertificate | None:
    """The trust entry that vouches for `signer`, or None.

    A listed certificate is trusted as itself; a listed CA vouches for certificates it
    issued, directly or through intermediates the signer sent (at most three steps).
    The signer's certificate must be within its dates either way.
    """
    moment = now or datetime.now(UTC)
    if not (signer.not_valid_before_utc <= moment <= signer.not_valid_after_utc):
        return None
    fp = fingerprint_sha256(signer)
    for entry in trust:
        if entry.fingerprint == fp:
            return entry
    cas = [entry for entry in trust if entry.is_ca]
    chain_pool = [c for c in intermediates if fingerprint_sha256(c) != fp]
    current = signer
    for _ in range(4):
        for entry in cas:
            if _issued_by(current, entry.certificate):
                return entry
        parent = next((c for c in chain_pool if _issued_by(current, c)), None)
        if parent is None:
            return None
        chain_pool.remove(parent)
        current = parent
    return None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
