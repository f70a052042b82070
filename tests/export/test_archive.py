"""AES-256 ZIP for recipients without a certificate (SPEC 4)."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

import pytest

from app.errors import ExportError
from app.export.archive import (
    PASSPHRASE_ALPHABET,
    encrypted_zip,
    new_passphrase,
    open_encrypted_zip,
)

FILES = {
    "HVN-2026-000123.pdf": b"%PDF-1.4 fictional " * 500,
    "answers-HVN-2026-000123.json": '{"name": "Zoë Łukasiewicz"}'.encode(),
}


def test_opens_with_the_passphrase_and_gives_the_files_back():
    data, passphrase = encrypted_zip(FILES)
    assert open_encrypted_zip(data, passphrase) == FILES


def test_contents_are_aes_256_encrypted():
    data, _passphrase = encrypted_zip(FILES)
    assert "Łukasiewicz".encode() not in data
    assert b"fictional" not in data
    with zipfile.ZipFile(BytesIO(data)) as plain:
        for info in plain.infolist():
            assert info.flag_bits & 0x1, "entry must be encrypted"
            assert info.compress_type == 99, "WinZip AES method"
            extra = info.extra
            at = extra.find(b"\x01\x99")
            assert at >= 0, "AES extra field"
            assert extra[at + 8] == 3, "AES strength 3 = 256-bit"
        with pytest.raises(RuntimeError):
            plain.read(next(iter(FILES)))


def test_wrong_or_missing_passphrase_fails():
    data, passphrase = encrypted_zip(FILES)
    with pytest.raises(ExportError, match="passphrase"):
        open_encrypted_zip(data, "WRONG-PASS-PHRASE")
    with pytest.raises(ExportError, match="passphrase"):
        open_encrypted_zip(data, "")
    other_data, _other = encrypted_zip(FILES)
    with pytest.raises(ExportError):
        open_encrypted_zip(other_data, passphrase)


def test_tampered_archive_is_detected():
    data, passphrase = encrypted_zip(FILES)
    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x01
    with pytest.raises(ExportError):
        open_encrypted_zip(bytes(changed), passphrase)


def test_passphrases_are_long_unambiguous_and_fresh():
    seen = {new_passphrase() for _ in range(200)}
    assert len(seen) == 200
    for passphrase in seen:
        assert re.fullmatch(r"([A-Z2-9]{4}-){6}[A-Z2-9]{4}", passphrase)
        assert not set(passphrase.replace("-", "")) - set(PASSPHRASE_ALPHABET)
        assert not set(passphrase) & set("IL01O")


def test_each_archive_gets_its_own_passphrase():
    _a, first = encrypted_zip(FILES)
    _b, second = encrypted_zip(FILES)
    assert first != second


@pytest.mark.parametrize("name", ["../evil.pdf", "folder/x.pdf", ".hidden", "Zoë.pdf", ""])
def test_unsafe_or_revealing_names_are_refused(name):
    with pytest.raises(ExportError):
        encrypted_zip({name: b"x"})


def test_empty_archive_is_refused():
    with pytest.raises(ExportError):
        encrypted_zip({})
