"""A package built right after saving a signed PDF carries that very PDF (one signature),
and a PDF whose signature does not verify is refused rather than sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from app.errors import ExportError
from app.export.archive import open_encrypted_zip

if TYPE_CHECKING:
    from tests.flows.conftest import ProfileMaker


def test_the_package_reuses_the_saved_pdf(new_profile: ProfileMaker, org_identity: Any) -> None:
    profile = new_profile()
    profile.use_certificate(org_identity)
    record = profile.shared("screening", profile.add_child())
    saved = profile.exports.export_pdf(record.id, sign=True)
    package = profile.exports.build_package(
        [record.id], mailbox="mash@example.org", signed_pdfs={record.id: saved.data}
    )
    assert package.zip_bytes is not None and package.zip_passphrase is not None
    files = open_encrypted_zip(package.zip_bytes, package.zip_passphrase)
    assert files[f"{record.ref}.pdf"] == saved.data
    signs = [e for e in profile.repo.audit_entries(record.id) if e.action == "sign"]
    assert len(signs) == 1

    tampered = bytearray(saved.data)
    tampered[len(tampered) // 3] ^= 0x01
    with pytest.raises(ExportError):
        profile.exports.build_package(
            [record.id], mailbox="mash@example.org", signed_pdfs={record.id: bytes(tampered)}
        )
