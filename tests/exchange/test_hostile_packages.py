"""Hostile packages: every way a received package can be wrong is refused, and only that.

Each test hands the DSL's Haven a package that is wrong in one way (an untrusted signer,
a flipped byte, someone else's package, a path in a file name, a size bomb, ...) and
checks that the import is refused with the right reason code, stores nothing (the
tables an import writes keep their row counts), audits exactly one `receive-refused`
entry whose detail is that code, and says so without the child's name.

Most hostile packages are made by opening a genuine package with the DSL's key, changing
what is inside and sealing it again: signed with the teacher's own (trusted) key and
encrypted to the DSL, exactly as an attacker holding a stolen practitioner key, or a
buggy sender, could. A control test checks that sealing an unchanged package again is
accepted, so every refusal below is caused by the one change the test makes.

Profiles and packages are made once per module (RSA keys and signed PDFs are slow); a
refused import changes nothing, so the shared profiles stay as they were.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import re
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message, MIMEPart
from pathlib import Path
from typing import Any

import keyring
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from keyring.backends import null as null_keyring

from app.domain import ProfileInfo, Record
from app.errors import ImportRefused, InvalidState
from app.exchange import format as fmt
from app.exchange import relay
from app.exchange.relay import Exchange
from app.export.certificates import (
    DOCUMENT_SIGNING_OID,
    SigningIdentity,
    fingerprint_sha256,
    to_pkcs12,
)
from app.export.exports import Exports
from app.export.smime import decrypt_mime, encrypt_mime, sign_mime
from app.keys import KdfParams
from app.profile import Session, create_profile
from app.service import Haven

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "forms" / "examples"
PASSPHRASE = "copper kettle winter lantern"
FAST_KDF = KdfParams(memory_kib=8192, time_cost=1, parallelism=1)
NOW = dt.datetime(2026, 11, 25, 9, 30)
CHILD_NAME = "Zoë Łukasiewicz-Ó'Briain"
CHILD_DOB = "2012-02-10"
NAME_CANARIES = ("Zoë", "Zo\u0065\u0308", "Łukasiewicz", "Lukasiewicz", "Briain")
P12_PASSWORD = "pkcs12 test password"

TEACHER = ProfileInfo(
    name="Sam Teacher",
    role="practitioner",
    agency="Example Academy",
    local_authority="Sandwell",
    email="teacher@school.example",
)
YOUTH_WORKER = ProfileInfo(
    name="Jo Youthworker",
    role="practitioner",
    agency="Example Youth Service",
    local_authority="Sandwell",
    email="youth@youth.example",
)
DSL = ProfileInfo(
    name="Robin Lead",
    role="dsl",
    agency="Example Academy",
    local_authority="Sandwell",
    email="dsl@school.example",
)
STRANGER = ProfileInfo(
    name="Pat Stranger",
    role="practitioner",
    agency="Unknown Organisation",
    local_authority="Sandwell",
    email="someone@elsewhere.example",
)
COUNSELLOR = ProfileInfo(
    name="Alex Counsellor",
    role="practitioner",
    agency="Example Counselling Service",
    local_authority="Sandwell",
    email="counsellor@counselling.example",
)


def example(form_id: str) -> dict[str, Any]:
    answers: dict[str, Any] = json.loads((EXAMPLES / f"{form_id}.json").read_text("utf-8"))
    return answers


# ---- profiles made once per module ----------------------------------------------------


@dataclass
class Party:
    """One unlocked profile, made for the whole module."""

    session: Session
    haven: Haven
    exports: Exports
    exchange: Exchange

    def counts(self) -> dict[str, int]:
        """Rows in the tables an import may write: a refused import changes none."""
        db = self.session.db
        return {
            table: int(db.execute(f"SELECT COUNT(*) FROM {table}")[0][0])
            for table in ("records", "subjects", "received", "subject_links", "missing_episodes")
        }

    def refusals(self) -> list[str | None]:
        """The detail (reason code) of every `receive-refused` audit entry, oldest first."""
        return [e.detail for e in self.haven.repo.audit_entries() if e.action == "receive-refused"]

    def identity(self) -> SigningIdentity:
        return self.exports.signing_identity()

    def cert_pem(self) -> str:
        return self.exports.certificate_pem().decode("ascii")

    def shared_record(self) -> Record:
        child = self.haven.add_child(CHILD_NAME, CHILD_DOB, gender="Female")
        answers = example("screening")
        if "child_name" in answers:
            answers["child_name"] = child.name
        draft = self.haven.start_record(child.id, "screening", answers=answers)
        record = self.haven.complete(draft.id)
        self.exports.record_decision(record.id, example("sharing-decision"))
        return record


@contextmanager
def no_keychain() -> Iterator[None]:
    """No usable keychain while module-wide profiles are made: their signing password goes
    to the profile's encrypted store, so it outlives the per-test keychain of conftest."""
    previous = keyring.get_keyring()
    keyring.set_keyring(null_keyring.Keyring())  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        keyring.set_keyring(previous)


class Maker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: list[Party] = []

    def party(self, info: ProfileInfo, p12: bytes, password: str) -> Party:
        with no_keychain():
            folder = self.root / f"profile-{len(self.made)}"
            session = create_profile(folder, info, PASSPHRASE, kdf=FAST_KDF)
            haven = Haven(session, clock=lambda: NOW)
            exports = Exports(haven)
            exports.import_certificate(p12, password)
        party = Party(session, haven, exports, Exchange(exports))
        self.made.append(party)
        return party

    def close(self) -> None:
        for party in self.made:
            if party.session.is_open:
                party.session.lock()


@dataclass
class World:
    teacher: Party
    youth: Party
    dsl: Party
    maker: Maker
    record: Record
    package: bytes
    """The teacher's genuine package for the DSL (a completed screening)."""
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, identities: Any) -> Iterator[World]:
    maker = Maker(tmp_path_factory.mktemp("hostile"))

    def made(info: ProfileInfo, name: str) -> Party:
        ident = identities[name]
        return maker.party(info, ident.p12, ident.password)

    teacher = made(TEACHER, "teacher")
    youth = made(YOUTH_WORKER, "youth")
    dsl = made(DSL, "dsl")
    for practitioner in (teacher, youth):
        practitioner.exports.set_recipient(
            "dsl", mailbox=DSL.email, certificate_pem=identities["dsl"].cert_pem
        )
        dsl.exchange.trust(practitioner.cert_pem(), practitioner.session.info.name)
    record = teacher.shared_record()
    package = teacher.exchange.send_record(record.id, queue=False).message_bytes
    yield World(teacher, youth, dsl, maker, record, package)
    maker.close()


def send_from(world: World, party: Party) -> bytes:
    party.exports.set_recipient("dsl", mailbox=DSL.email, certificate_pem=world.dsl.cert_pem())
    record = party.shared_record()
    return party.exchange.send_record(record.id, queue=False).message_bytes


@pytest.fixture(scope="module")
def youth_package(world: World) -> bytes:
    return send_from(world, world.youth)


@pytest.fixture(scope="module")
def stranger_package(world: World, identities: Any) -> bytes:
    ident = identities["stranger"]
    return send_from(world, world.maker.party(STRANGER, ident.p12, ident.password))


# ---- a CA, a practitioner it issued, and a rogue CA with the same name ----------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Counselling Service"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
        ]
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_ca(common_name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = _key()
    now = dt.datetime.now(dt.UTC)
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_leaf(
    ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate, email: str
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = _key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Alex Counsellor"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclass(frozen=True)
class CaPackages:
    ca_pem: str
    issued: bytes
    """Sent by a practitioner whose certificate the CA issued."""
    rogue: bytes
    """Sent by a practitioner whose certificate a rogue CA with the CA's very name issued."""


@pytest.fixture(scope="module")
def ca_packages(world: World) -> CaPackages:
    ca_key, ca_cert = make_ca("Example Counselling CA")
    rogue_key, rogue_cert = make_ca("Example Counselling CA")
    assert rogue_cert.subject == ca_cert.subject
    packages = []
    for issuer_key, issuer_cert in ((ca_key, ca_cert), (rogue_key, rogue_cert)):
        key, cert = make_leaf(issuer_key, issuer_cert, COUNSELLOR.email)
        p12 = to_pkcs12(key, cert, P12_PASSWORD, (issuer_cert,))
        packages.append(send_from(world, world.maker.party(COUNSELLOR, p12, P12_PASSWORD)))
    return CaPackages(pem(ca_cert), issued=packages[0], rogue=packages[1])


def machine_trust(monkeypatch: pytest.MonkeyPatch, folder: Path, *pems: str) -> None:
    """Place an organisation's trust.yaml (IT's list) and point Haven at it."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    entries = [{"label": f"entry {i}", "certificate_pem": p} for i, p in enumerate(pems)]
    (folder / "trust.yaml").write_text(
        yaml.safe_dump({"version": 1, "trusted": entries}), encoding="utf-8"
    )
    monkeypatch.setenv("HAVEN_MACHINE_CONFIG", str(folder))


# ---- opening and sealing packages again -----------------------------------------------


def outer_der(package: bytes) -> bytes:
    outer = message_from_bytes(package, policy=policy.default)
    der = outer.get_payload(decode=True)
    assert isinstance(der, bytes) and der
    return der


def rewrap(package: bytes, der: bytes) -> bytes:
    """The package's outer message (same headers) carrying a different encrypted part."""
    outer = message_from_bytes(package, policy=policy.SMTP)
    assert isinstance(outer, EmailMessage)
    outer.set_content(
        der,
        maintype="application",
        subtype="pkcs7-mime",
        params={"smime-type": "enveloped-data"},
        disposition="attachment",
        filename="smime.p7m",
    )
    outer.set_param("name", "smime.p7m")
    return outer.as_bytes(policy=policy.SMTP)


def open_package(world: World, package: bytes) -> bytes:
    """The signed entity (multipart/signed) inside a package for the DSL."""
    ident = world.dsl.identity()
    assert isinstance(ident.key, rsa.RSAPrivateKey)
    return decrypt_mime(outer_der(package), ident.cert, ident.key)


def encrypt_to_dsl(world: World, package: bytes, signed_entity: bytes) -> bytes:
    return rewrap(package, encrypt_mime(signed_entity, world.dsl.identity().cert))


@dataclass
class Contents:
    """The files of a package by name, in order, with their content types."""

    files: dict[str, tuple[str, bytes]]

    def json(self, name: str) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.files[name][1])
        return value

    def set_json(self, name: str, document: dict[str, Any]) -> None:
        data = (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
        self.files[name] = ("application/json", data)

    def exchange(self) -> dict[str, Any]:
        return self.json(fmt.EXCHANGE_FILE)

    def ref(self) -> str:
        return str(self.exchange()["record"]["record_ref"])


def contents(world: World, package: bytes) -> Contents:
    entity = message_from_bytes(open_package(world, package), policy=policy.default)
    assert entity.get_content_type() == "multipart/signed"
    signed_content = entity.get_payload(0)  # the second part is the signature
    assert isinstance(signed_content, Message)
    files: dict[str, tuple[str, bytes]] = {}
    for part in signed_content.walk():
        if part.get_content_disposition() == "attachment" and part.get_filename():
            data = part.get_payload(decode=True)
            assert isinstance(data, bytes)
            files[str(part.get_filename())] = (part.get_content_type(), data)
    assert fmt.MANIFEST_FILE in files and fmt.EXCHANGE_FILE in files
    found = Contents(files)
    # A package id of its own, so that a package accepted by mistake (a protection
    # broken) cannot turn the next test's package into a "duplicate".
    doc = found.exchange()
    doc["package_id"] = str(uuid.uuid4())
    found.set_json(fmt.EXCHANGE_FILE, doc)
    recompute_manifest(found)
    return found


def recompute_manifest(found: Contents) -> None:
    manifest = found.json(fmt.MANIFEST_FILE)
    manifest["package_id"] = found.exchange()["package_id"]
    manifest["attachments"] = [
        {
            "filename": name,
            "content_type": ctype,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        for name, (ctype, data) in found.files.items()
        if name != fmt.MANIFEST_FILE
    ]
    found.set_json(fmt.MANIFEST_FILE, manifest)


def reseal(
    world: World,
    package: bytes,
    found: Contents,
    *,
    manifest: bool = True,
    extra_parts: tuple[MIMEPart, ...] = (),
    raw_replace: tuple[bytes, bytes] | None = None,
) -> bytes:
    """A package holding `found`'s files, signed by the teacher and encrypted to the DSL.

    `manifest=True` rewrites the manifest to match the files; False keeps it as it is
    (`contents` hands out files and manifest that agree). `extra_parts` are added to the
    signed entity after the files; `raw_replace` (old, new) rewrites its bytes once,
    before it is signed (for headers the email package would not write).
    """
    if manifest:
        recompute_manifest(found)
    entity = MIMEPart(policy=policy.SMTP)
    entity.set_content(
        "OFFICIAL-SENSITIVE\n\nThis message from Haven contains 1 record(s).\n",
        subtype="plain",
        cte="quoted-printable",
    )
    entity.make_mixed(boundary=f"=_hostile_{uuid.uuid4().hex}")
    names = [n for n in found.files if n != fmt.MANIFEST_FILE] + [fmt.MANIFEST_FILE]
    for name in names:
        ctype, data = found.files[name]
        maintype, subtype = ctype.split("/", 1)
        entity.add_attachment(data, maintype=maintype, subtype=subtype, filename=name, cte="base64")
    for part in extra_parts:
        entity.attach(part)
    inner = entity.as_bytes(policy=policy.SMTP)
    # what the receiver will see is exactly what the test meant to send
    reparsed = message_from_bytes(inner, policy=policy.default)
    assert [p.get_filename() for p in reparsed.walk() if p.get_filename()] == names
    if raw_replace is not None:
        assert inner.count(raw_replace[0]) == 1
        inner = inner.replace(*raw_replace)
    signed = sign_mime(inner, world.teacher.identity())
    return encrypt_to_dsl(world, package, signed)


def flip(data: bytes, index: int) -> bytes:
    """`data` with the byte at `index` changed to another (printable, if it was) byte."""
    old = data[index]
    new = ord("B") if old == ord("A") else ord("A") if 32 <= old < 127 else old ^ 0x01
    return data[:index] + bytes([new]) + data[index + 1 :]


# ---- the refusal every test checks ------------------------------------------------------


def refused(party: Any, data: bytes, reason: str | tuple[str, ...] | None) -> ImportRefused:
    """Import `data`: refused (with `reason`, or one of them; any when None), nothing
    stored, audited once with the reason code, and the message does not name the child.

    Any other exception (a crash on hostile input) fails the test: it would be neither
    audited nor handled by callers such as the inbox poll."""
    before = party.counts()
    refusals = [e.detail for e in party.haven.repo.audit_entries() if e.action == "receive-refused"]
    with pytest.raises(ImportRefused) as caught:
        party.exchange.import_message(data)
    exc = caught.value
    if isinstance(reason, str):
        assert exc.reason == reason, str(exc)
    elif reason is not None:
        assert exc.reason in reason, str(exc)
    assert party.counts() == before
    after = [e.detail for e in party.haven.repo.audit_entries() if e.action == "receive-refused"]
    assert after == [*refusals, exc.reason]
    message = str(exc)
    assert message.strip()
    assert exc.reason not in (None, "")
    for canary in NAME_CANARIES:
        assert canary not in message
    return exc


# ---- 0. control: the tools below make packages Haven accepts -----------------------------


def test_control_resealed_unchanged_package_is_accepted(
    world: World, people: Callable[..., Any], identities: Any
) -> None:
    dsl = people(DSL, "dsl")
    dsl.exchange.trust(identities["teacher"].cert_pem, "Teacher")
    resealed = reseal(world, world.package, contents(world, world.package))
    result = dsl.exchange.import_message(resealed)
    assert result.status == "filed"
    assert result.record_id == world.record.id


# ---- 1. who signed it ---------------------------------------------------------------------


def test_stranger_is_untrusted(world: World, stranger_package: bytes) -> None:
    exc = refused(world.dsl, stranger_package, "untrusted-signer")
    assert "fingerprint" in str(exc)


def test_certificate_from_a_ca_not_trusted_is_refused(
    world: World, ca_packages: CaPackages
) -> None:
    refused(world.dsl, ca_packages.issued, "untrusted-signer")


@pytest.mark.parametrize("which", ["rogue", "teacher"])
def test_machine_trust_list_is_the_whole_list(
    world: World,
    ca_packages: CaPackages,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    which: str,
) -> None:
    """IT trusts the CA only: a certificate from a rogue CA of the same name is refused,
    and so is the teacher the profile's own list trusts (IT's list replaces it)."""
    machine_trust(monkeypatch, tmp_path / "machine", ca_packages.ca_pem)
    package = ca_packages.rogue if which == "rogue" else world.package
    refused(world.dsl, package, "untrusted-signer")


def test_machine_trusted_ca_vouches_for_the_practitioners_it_issued(
    ca_packages: CaPackages,
    people: Callable[..., Any],
    identities: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    dsl = people(DSL, "dsl")
    machine_trust(monkeypatch, tmp_path / "machine", ca_packages.ca_pem)
    assert [t.locked for t in dsl.exchange.trust_list()] == [True]
    with pytest.raises(InvalidState):
        dsl.exchange.trust(identities["teacher"].cert_pem, "Teacher")

    result = dsl.exchange.import_message(ca_packages.issued)

    assert result.status == "filed"
    assert dsl.exchange.provenance(result.record_id).signer_name == "Alex Counsellor"


# ---- 2. a byte changed on the way ---------------------------------------------------------


def flip_in_attachment(entity: bytes, filename: str, near: bytes) -> bytes:
    """`entity` with one letter of an attachment's decoded content changed (at or after
    `near`), by changing one base64 character in place: every other byte is the same."""
    start = entity.index(f'filename="{filename}"'.encode())
    body_start = entity.index(b"\r\n\r\n", start) + 4
    body_end = entity.index(b"\r\n--", body_start)
    lines = entity[body_start:body_end].split(b"\r\n")
    flat = b"".join(lines)
    decoded = base64.b64decode(flat)
    # a byte at a multiple of 3 is encoded by its group's first character (its top six
    # bits) and one more character (its low two bits): change only the top six bits
    target = next(
        i
        for i in range(decoded.index(near), len(decoded))
        if i % 3 == 0 and chr(decoded[i]).isalpha()
    )
    changed = bytearray(decoded)
    changed[target] ^= 0x04
    new_flat = base64.b64encode(bytes(changed))
    differ = [i for i in range(len(flat)) if flat[i] != new_flat[i]]
    assert len(differ) == 1
    index = differ[0]
    offset = body_start
    for line in lines:
        if index < len(line):
            break
        index -= len(line)
        offset += len(line) + 2
    assert entity[offset + index] == flat[differ[0]]
    return (
        entity[: offset + index]
        + new_flat[differ[0] : differ[0] + 1]
        + entity[offset + index + 1 :]
    )


def _tamper(where: str, entity: bytes, ref: str) -> bytes:
    if where == "text-body":
        # a letter of the message text, which nothing but the signature covers
        return flip(entity, entity.index(b"This message from Haven") + len(b"This message from H"))
    if where == "manifest-generator":
        # still valid JSON, and no field the import reads: only the signature covers it
        return flip_in_attachment(entity, fmt.MANIFEST_FILE, b"Haven ")
    # the answers: the manifest's checksum would catch this too (defence in depth)
    return flip_in_attachment(entity, f"answers-{ref}.json", b'"answers"')


@pytest.mark.parametrize("where", ["text-body", "manifest-generator", "answers-json"])
def test_byte_flipped_in_signed_content_breaks_signature(world: World, where: str) -> None:
    entity = open_package(world, world.package)
    tampered = _tamper(where, entity, world.record.ref)
    assert len(tampered) == len(entity)
    assert sum(a != b for a, b in zip(tampered, entity, strict=True)) == 1
    refused(world.dsl, encrypt_to_dsl(world, world.package, tampered), "bad-signature")


@pytest.mark.parametrize("from_end", [20, 2000, 20_000])
def test_byte_flipped_in_ciphertext_is_refused(world: World, from_end: int) -> None:
    der = outer_der(world.package)
    refused(world.dsl, rewrap(world.package, flip(der, len(der) - from_end)), None)


def damage_signature(entity: bytes, damage: str) -> bytes:
    """`entity` with its detached CMS signature re-encoded with one field made hostile."""
    from asn1crypto import cms  # type: ignore[import-untyped]

    start = entity.index(b"\r\n\r\n", entity.index(b'filename="smime.p7s"')) + 4
    end = entity.index(b"\r\n--", start)
    info = cms.ContentInfo.load(base64.b64decode(b"".join(entity[start:end].split())))
    signer_info = info["content"]["signer_infos"][0]
    if damage == "unknown-signature-algorithm":
        signer_info["signature_algorithm"] = {"algorithm": "1.2.3.4"}
    else:  # a message-digest attribute with no value
        for attr in signer_info["signed_attrs"]:
            if attr["type"].native == "message_digest":
                attr["values"] = []
    encoded = base64.encodebytes(info.dump(force=True)).replace(b"\n", b"\r\n").rstrip()
    return entity[:start] + encoded + entity[end:]


@pytest.mark.parametrize("damage", ["unknown-signature-algorithm", "empty-message-digest"])
def test_crafted_cms_signature_is_refused_not_a_crash(world: World, damage: str) -> None:
    """A signature anyone can craft (no trusted key needed: it is checked before trust)."""
    entity = damage_signature(open_package(world, world.package), damage)
    package = encrypt_to_dsl(world, world.package, entity)
    refused(world.dsl, package, ("bad-signature", "malformed"))


@pytest.mark.parametrize("message_id", [b"<", b"<@>", b"<a@[>"])
def test_damaged_outer_message_id_is_refused_not_a_crash(world: World, message_id: bytes) -> None:
    """The outer headers travel in clear and unsigned: anyone on the way can change them."""
    package = reseal(world, world.package, contents(world, world.package))
    header = re.compile(rb"^Message-ID: <[^>\r\n]+>\r\n", re.MULTILINE | re.IGNORECASE)
    assert len(header.findall(package)) == 1
    damaged = header.sub(b"Message-ID: " + message_id + b"\r\n", package)
    refused(world.dsl, damaged, "malformed")


# ---- 3. for someone else ------------------------------------------------------------------


def test_package_for_the_dsl_cannot_be_imported_by_another_profile(world: World) -> None:
    refused(world.youth, world.package, "not-for-this-profile")


def test_exchange_file_naming_another_recipient_is_refused(world: World) -> None:
    found = contents(world, world.package)
    doc = found.exchange()
    doc["recipient"]["certificate_sha256"] = fingerprint_sha256(world.youth.identity().cert)
    found.set_json(fmt.EXCHANGE_FILE, doc)
    refused(world.dsl, reseal(world, world.package, found), "not-for-this-profile")


# ---- 4. a form this Haven does not have ---------------------------------------------------


def test_unknown_form_version_is_refused_naming_the_form(world: World) -> None:
    found = contents(world, world.package)
    doc = found.exchange()
    doc["record"]["form_version"] = 99
    found.set_json(fmt.EXCHANGE_FILE, doc)
    answers_name = f"answers-{found.ref()}.json"
    answers = found.json(answers_name)
    answers["form_version"] = 99
    found.set_json(answers_name, answers)

    exc = refused(world.dsl, reseal(world, world.package, found), "unknown-form-version")

    assert "'screening'" in str(exc)
    assert "99" in str(exc)


# ---- 5. a damaged file --------------------------------------------------------------------


def test_truncated_file_is_refused(world: World) -> None:
    refused(world.dsl, world.package[: len(world.package) // 2], "malformed")


# ---- 6. size bombs ------------------------------------------------------------------------


def test_oversized_file_is_refused_before_it_is_parsed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversized file was parsed")

    monkeypatch.setattr(relay, "message_from_bytes", must_not_parse)
    data = world.package + b"\r\n" + b"A" * (fmt.MAX_MESSAGE_BYTES - len(world.package))
    assert len(data) > fmt.MAX_MESSAGE_BYTES
    started = time.monotonic()
    refused(world.dsl, data, "too-large")
    assert time.monotonic() - started < 5


def _filler(n: int) -> tuple[MIMEPart, ...]:
    parts = []
    for i in range(n):
        part = MIMEPart(policy=policy.SMTP)
        part.set_content(f"filler {i}\n")
        parts.append(part)
    return tuple(parts)


def _nested(depth: int) -> MIMEPart:
    part = MIMEPart(policy=policy.SMTP)
    part.set_content("the bottom\n")
    for _ in range(depth):
        wrapper = MIMEPart(policy=policy.SMTP)
        wrapper.make_mixed()
        wrapper.attach(part)
        part = wrapper
    return part


def test_too_many_mime_parts_is_refused(world: World) -> None:
    found = contents(world, world.package)
    package = reseal(world, world.package, found, extra_parts=_filler(fmt.MAX_PARTS))
    refused(world.dsl, package, "too-large")


def test_too_deeply_nested_mime_is_refused(world: World) -> None:
    found = contents(world, world.package)
    package = reseal(world, world.package, found, extra_parts=(_nested(fmt.MAX_DEPTH + 1),))
    refused(world.dsl, package, "too-large")


def test_zip_bomb_attachment_is_refused_without_opening_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(50):
            member.write(bytes(1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 1024 * 1024
    found = contents(world, world.package)
    found.files["bomb.zip"] = ("application/zip", bomb)
    package = reseal(world, world.package, found)

    def no_unzipping(*args: object, **kwargs: object) -> None:
        raise AssertionError("the import opened the zip attachment")

    monkeypatch.setattr(zipfile, "ZipFile", no_unzipping)
    started = time.monotonic()
    tracemalloc.start()
    try:
        refused(world.dsl, package, "malformed")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 10
    assert peak < 25 * 1024 * 1024  # 50 MB of zeros were never inflated


# ---- 7. path tricks in names ------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../../evil.pdf", "..\\evil.json", "/etc/passwd.pdf", "answers-../x.json"]
)
def test_attachment_name_with_a_path_is_refused(world: World, name: str) -> None:
    found = contents(world, world.package)
    found.files[name] = ("application/json", b'{"evil": true}\n')
    refused(world.dsl, reseal(world, world.package, found), "unsafe-name")


def test_renamed_record_file_with_a_path_is_refused(world: World) -> None:
    """The record's own PDF, moved under a path name (the manifest agreeing)."""
    found = contents(world, world.package)
    ref = found.ref()
    found.files = {
        (f"../{ref}.pdf" if name == f"{ref}.pdf" else name): value
        for name, value in found.files.items()
    }
    refused(world.dsl, reseal(world, world.package, found), "unsafe-name")


@pytest.mark.parametrize(
    "disposition",
    [
        b'filename*0="../"; filename*1="evil.pdf"',  # RFC 2231 continuations
        b"filename*=utf-8''%2E%2E%2Fevil.pdf",  # RFC 2231 percent-encoding
        b'filename="=?utf-8?b?Li4vZXZpbC5wZGY=?="',  # an RFC 2047 encoded word
    ],
    ids=["rfc2231-continuation", "rfc2231-percent", "encoded-word"],
)
def test_path_hidden_in_an_encoded_name_is_refused(world: World, disposition: bytes) -> None:
    """The name a mail reader decodes is the one checked, not the raw header text."""
    header = b"Content-Disposition: attachment; " + disposition + b"\r\n\r\n"
    assert message_from_bytes(header, policy=policy.default).get_filename() == "../evil.pdf"
    found = contents(world, world.package)
    found.files["placeholder.pdf"] = ("application/pdf", b"%PDF-1.7\n")
    package = reseal(
        world, world.package, found, raw_replace=(b'filename="placeholder.pdf"', disposition)
    )
    refused(world.dsl, package, "unsafe-name")


# ---- 8. the manifest ----------------------------------------------------------------------


def test_attachment_changed_without_the_manifest_is_refused(world: World) -> None:
    found = contents(world, world.package)
    name = f"answers-{found.ref()}.json"
    answers = found.json(name)
    answers["answers"] = {**answers["answers"], "extra_note": "added on the way"}
    found.set_json(name, answers)
    refused(world.dsl, reseal(world, world.package, found, manifest=False), "bad-signature")


def test_attachment_missing_from_the_manifest_is_refused(world: World) -> None:
    found = contents(world, world.package)
    manifest = found.json(fmt.MANIFEST_FILE)
    answers_name = f"answers-{found.ref()}.json"
    manifest["attachments"] = [a for a in manifest["attachments"] if a["filename"] != answers_name]
    found.set_json(fmt.MANIFEST_FILE, manifest)
    refused(world.dsl, reseal(world, world.package, found, manifest=False), "malformed")


# ---- 9. the PDF's own signature ---------------------------------------------------------


def test_pdf_changed_after_signing_is_refused(world: World) -> None:
    from app.export.verify import verify_pdf

    found = contents(world, world.package)
    pdf_name = f"{found.ref()}.pdf"
    ctype, pdf = found.files[pdf_name]
    # a byte of the binary comment on the PDF's second line: still a readable PDF, but
    # no longer the bytes that were signed
    index = pdf.index(b"\n", 0) + 2
    tampered = flip(pdf, index)
    report = verify_pdf(tampered)
    assert report.signed and not report.intact
    found.files[pdf_name] = (ctype, tampered)
    refused(world.dsl, reseal(world, world.package, found), "bad-pdf-signature")


def test_pdf_signed_by_someone_else_is_refused(world: World, youth_package: bytes) -> None:
    theirs = contents(world, youth_package)
    their_pdf = theirs.files[f"{theirs.ref()}.pdf"][1]
    found = contents(world, world.package)
    pdf_name = f"{found.ref()}.pdf"
    found.files[pdf_name] = (found.files[pdf_name][0], their_pdf)
    refused(world.dsl, reseal(world, world.package, found), "bad-pdf-signature")


# ---- 10. not a Haven-to-Haven package ---------------------------------------------------


def test_plain_text_email_is_not_encrypted(world: World) -> None:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = TEACHER.email
    msg["To"] = DSL.email
    msg["Subject"] = "OFFICIAL-SENSITIVE: Haven ref X"
    msg.set_content(f"Please see the record about {CHILD_NAME}.\n")
    refused(world.dsl, msg.as_bytes(), "not-encrypted")


@pytest.fixture(scope="module")
def referral_pdf(world: World) -> bytes:
    found = contents(world, world.package)
    return found.files[f"{found.ref()}.pdf"][1]


def test_zip_referral_export_is_not_encrypted(world: World, referral_pdf: bytes) -> None:
    package = world.teacher.exports.build_package(
        [world.record.id], mailbox=DSL.email, signed_pdfs={world.record.id: referral_pdf}
    )
    assert package.zip_bytes is not None
    refused(world.dsl, package.message_bytes, "not-encrypted")


def test_smime_referral_export_is_not_an_exchange_package(
    world: World, referral_pdf: bytes
) -> None:
    package = world.teacher.exports.build_package(
        [world.record.id],
        mailbox=DSL.email,
        recipient_certificate_pem=world.dsl.cert_pem().encode("ascii"),
        signed_pdfs={world.record.id: referral_pdf},
    )
    refused(world.dsl, package.message_bytes, "not-exchange")
