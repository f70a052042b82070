"""Signing identities and recipient certificates are checked before use (anchors E4, F6)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from app.errors import CertificateError
from app.export.certificates import (
    DOCUMENT_SIGNING_OID,
    create_self_signed,
    fingerprint_sha256,
    load_pkcs12,
    load_recipient_certificate,
    to_pkcs12,
)


def p12(key, cert, password: bytes = b"pw") -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"t", key, cert, None, serialization.BestAvailableEncryption(password)
    )


def test_self_signed_certificate_has_the_usages_signing_and_smime_need(signer):
    cert = signer.cert
    assert signer.key.key_size == 3072
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and usage.key_encipherment
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku and DOCUMENT_SIGNING_OID in eku
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["dsl@school.example"]
    assert cert.signature_hash_algorithm is not None
    assert cert.signature_hash_algorithm.name == "sha256"
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=824) < lifetime < dt.timedelta(days=826)


def test_pkcs12_round_trip_and_encryption(signer):
    data = to_pkcs12(signer.key, signer.cert, "correct horse")
    identity = load_pkcs12(data, "correct horse")
    assert identity.cert == signer.cert
    assert fingerprint_sha256(identity.cert) == fingerprint_sha256(signer.cert)
    # The key is protected: the bundle does not open without the password.
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(data, None)


def test_empty_password_is_refused_so_the_key_is_never_unencrypted(signer):
    with pytest.raises(CertificateError):
        to_pkcs12(signer.key, signer.cert, "")


def test_wrong_password_and_non_pkcs12_give_plain_messages(signer):
    data = to_pkcs12(signer.key, signer.cert, "right")
    with pytest.raises(CertificateError, match="password is wrong"):
        load_pkcs12(data, "wrong")
    with pytest.raises(CertificateError, match="PKCS#12"):
        load_pkcs12(b"this is not a certificate file", "right")


def test_expired_or_not_yet_valid_signing_certificates_are_refused(certs):
    key = certs.rsa_key(2048)
    now = dt.datetime.now(dt.UTC)
    usage = certs.key_usage(digital_signature=True, content_commitment=True)
    expired = certs.certificate(
        key, key_usage=usage, not_before=now - dt.timedelta(days=10),
        not_after=now - dt.timedelta(days=1),
    )  # fmt: skip
    future = certs.certificate(
        key, key_usage=usage, not_before=now + dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=10),
    )  # fmt: skip
    with pytest.raises(CertificateError, match="expired"):
        load_pkcs12(p12(key, expired), "pw")
    with pytest.raises(CertificateError, match="not valid yet"):
        load_pkcs12(p12(key, future), "pw")


def test_signing_certificate_without_non_repudiation_is_refused(certs):
    key = certs.rsa_key(2048)
    cert = certs.certificate(key, key_usage=certs.key_usage(digital_signature=True))
    with pytest.raises(CertificateError, match="non-repudiation"):
        load_pkcs12(p12(key, cert), "pw")


def test_key_that_does_not_match_the_certificate_is_refused(certs, monkeypatch):
    # cryptography and OpenSSL refuse to write such a file, but other tools have.
    key = certs.rsa_key(2048)
    cert = certs.certificate(
        certs.rsa_key(2048),
        key_usage=certs.key_usage(digital_signature=True, content_commitment=True),
    )
    monkeypatch.setattr(pkcs12, "load_key_and_certificates", lambda data, pw: (key, cert, []))
    with pytest.raises(CertificateError, match="does not match"):
        load_pkcs12(b"mismatched", "pw")


def test_expired_recipient_is_refused(certs):
    key = certs.rsa_key(2048)
    now = dt.datetime.now(dt.UTC)
    cert = certs.certificate(
        key, not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1)
    )
    with pytest.raises(CertificateError, match="expired"):
        load_recipient_certificate(cert.public_bytes(serialization.Encoding.PEM))


def test_recipient_certificate_not_for_email_is_refused(certs):
    key = certs.rsa_key(2048)
    cert = certs.certificate(key, extended_key_usage=[ExtendedKeyUsageOID.SERVER_AUTH])
    with pytest.raises(CertificateError, match="email"):
        load_recipient_certificate(cert.public_bytes(serialization.Encoding.PEM))
    no_encipherment = certs.certificate(key, key_usage=certs.key_usage(digital_signature=True))
    with pytest.raises(CertificateError, match="encryption"):
        load_recipient_certificate(no_encipherment.public_bytes(serialization.Encoding.PEM))


def test_garbage_is_not_a_recipient_certificate():
    with pytest.raises(CertificateError):
        load_recipient_certificate(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----")
    with pytest.raises(CertificateError):
        load_recipient_certificate(b"\x30\x03\x02\x01\x00")


def test_messages_carry_no_names():
    key, cert = create_self_signed("Zoë Łukasiewicz Organisation")
    data = to_pkcs12(key, cert, "pw")
    with pytest.raises(CertificateError) as caught:
        load_pkcs12(data, "nope")
    assert "Łukasiewicz" not in str(caught.value)
