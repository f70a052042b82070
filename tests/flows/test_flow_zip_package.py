"""A package for a recipient without a certificate (SPEC 4): the files travel in an
AES-256 ZIP attached to the .eml; the passphrase is returned once, to be sent by another
channel, and is never part of the message.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.domain import Record
from app.errors import ExportError
from app.export.archive import new_passphrase, open_encrypted_zip
from app.export.packaging import ExportedPackage

if TYPE_CHECKING:
    from conftest import FlowProfile, Mime, OrgIdentity, ProfileMaker, Tools

CHILD_NAME = "Zoë Łukasiewicz-Ó'Briain"
RAW_NAME_CANARIES = (b"Zo\xc3\xab", "Łukasiewicz".encode(), b"Lukasiewicz", b"Briain")
NAME_CANARIES = ("Zoë", "Zoe", "Łukasiewicz", "Lukasiewicz", "Briain")
FIB = "fib@police.example"
MARKING = "OFFICIAL-SENSITIVE"
WINZIP_AES = 99
AES_EXTRA_FIELD = 0x9901
AES_256 = 3


@dataclass(frozen=True)
class ZipCase:
    desk: FlowProfile
    record: Record
    package: ExportedPackage
    attached_zip: bytes
    folder: Path


@pytest.fixture(scope="module")
def case(
    module_profiles: ProfileMaker,
    org_identity: OrgIdentity,
    mime: Mime,
    tmp_path_factory: pytest.TempPathFactory,
) -> ZipCase:
    desk = module_profiles()
    desk.use_certificate(org_identity)
    record = desk.shared("screening", desk.add_child(CHILD_NAME))
    package = desk.exports.build_package([record.id], mailbox=FIB)
    zips = {
        name: data
        for name, data in mime.attachments(mime.parse(package.message_bytes)).items()
        if name.endswith(".zip")
    }
    assert list(zips) == [f"{record.ref}.zip"]
    return ZipCase(desk, record, package, zips[f"{record.ref}.zip"], tmp_path_factory.mktemp("zip"))


def aes_strengths(data: bytes) -> list[int]:
    """The WinZip AES key strength of every member (3 = AES-256), read from the extra
    field with the standard library, not with the library that wrote the archive."""
    strengths: list[int] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            assert info.compress_type == WINZIP_AES, info.filename
            extra, found = info.extra, None
            while len(extra) >= 4:
                header, size = struct.unpack("<HH", extra[:4])
                if header == AES_EXTRA_FIELD:
                    found = extra[4 + 4]  # version (2), vendor "AE" (2), then the strength
                extra = extra[4 + size :]
            assert found is not None, info.filename
            strengths.append(found)
    return strengths


def test_the_eml_carries_an_aes_256_zip(case: ZipCase) -> None:
    assert case.package.encrypted
    assert case.attached_zip == case.package.zip_bytes
    assert aes_strengths(case.attached_zip) == [AES_256, AES_256, AES_256]
    with zipfile.ZipFile(io.BytesIO(case.attached_zip)) as archive:
        names = archive.namelist()
        assert all(info.flag_bits & 0x1 for info in archive.infolist()), "not encrypted"
    assert sorted(names) == sorted(
        [f"{case.record.ref}.pdf", f"answers-{case.record.ref}.json", "manifest.json"]
    )


def test_the_passphrase_opens_the_archive(case: ZipCase, tools: Tools) -> None:
    assert case.package.zip_passphrase

    files = open_encrypted_zip(case.attached_zip, case.package.zip_passphrase)

    manifest = json.loads(files["manifest.json"])
    listed = {a["filename"]: a["sha256"] for a in manifest["attachments"]}
    assert set(listed) == set(files) - {"manifest.json"}
    for name, digest in listed.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name
    answers = json.loads(files[f"answers-{case.record.ref}.json"])
    assert (answers["record_id"], answers["form_id"]) == (case.record.id, "screening")
    pdf = case.folder / "from-zip.pdf"
    pdf.write_bytes(files[f"{case.record.ref}.pdf"])
    assert "Signature is Valid." in tools.pdfsig(pdf)
    assert CHILD_NAME in tools.pdftotext(pdf)


@pytest.mark.parametrize("attempt", ["no passphrase", "wrong passphrase", "one letter off"])
def test_without_the_right_passphrase_the_archive_stays_shut(case: ZipCase, attempt: str) -> None:
    right = case.package.zip_passphrase
    assert right is not None
    passphrase = {
        "no passphrase": "",
        "wrong passphrase": new_passphrase(),
        "one letter off": ("B" if right[0] == "A" else "A") + right[1:],
    }[attempt]

    with pytest.raises(ExportError):
        open_encrypted_zip(case.attached_zip, passphrase)


def test_the_passphrase_is_not_in_the_message(case: ZipCase, mime: Mime) -> None:
    passphrase = case.package.zip_passphrase
    assert passphrase is not None
    forms = {passphrase, passphrase.replace("-", ""), passphrase.lower()}
    message = case.package.message_bytes
    decoded = b"".join(mime.attachments(mime.parse(message)).values())
    body = mime.parse(message).get_body(("plain",))
    assert body is not None
    for form in forms:
        assert form.encode("ascii") not in message
        assert form.encode("ascii") not in decoded
        assert form not in body.get_content()
    for _action, detail in case.desk.audit(case.record.id):
        assert passphrase not in detail


def test_the_message_shows_the_marking_and_reference_only(case: ZipCase, mime: Mime) -> None:
    message = mime.parse(case.package.message_bytes)
    subject = str(message["Subject"])
    assert subject == f"{MARKING}: Haven ref {case.record.ref}"
    headers = "\n".join(f"{k}: {v}" for k, v in message.items())
    for canary in NAME_CANARIES:
        assert canary not in headers
    for raw in RAW_NAME_CANARIES:
        assert raw not in case.package.message_bytes
        # ZIP member names are not encrypted: they must be opaque too.
        assert raw not in case.attached_zip
    zip_export = [d for a, d in case.desk.audit(case.record.id) if a == "export" and "zip" in d]
    assert zip_export == [f"package to {FIB} zip"]
