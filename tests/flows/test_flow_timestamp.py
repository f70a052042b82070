"""Offline signing never waits for a timestamp authority (issue: exports, PAdES B-B/B-T).

With a configured RFC 3161 service that cannot be reached, the PDF is still signed (B-B,
the signer's own clock) instead of failing; pdfsig accepts it.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.export.printing import TSA_URL

if TYPE_CHECKING:
    from tests.flows.conftest import ProfileMaker


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_timestamp_service_falls_back_to_the_signers_clock(
    new_profile: ProfileMaker, org_identity: Any, tools: Any, tmp_path: Path
) -> None:
    profile = new_profile()
    profile.use_certificate(org_identity)
    record = profile.shared("screening", profile.add_child())
    profile.repo.set_setting("test", TSA_URL, f"http://127.0.0.1:{closed_port()}/tsa")

    exported = profile.exports.export_pdf(record.id, sign=True)

    assert exported.signed and exported.report is not None
    assert exported.report.intact and not exported.report.timestamped
    path = tmp_path / exported.filename
    path.write_bytes(exported.data)
    report = tools.pdfsig(path)
    assert "Signature is Valid." in report and "Total document signed" in report
    assert profile.haven.record(record.id).status == "signed"
