"""The MASE pack: one signed PDF about one child for the Multi-Agency Sexual Exploitation
meeting.

Framework section 8: the MASE meeting reviews and manages each child's case and shares
information "in order to complete the CSE risk assessment"; section 11: children missing
3 times in 3 months are discussed there automatically; section 19 and Appendix 15: the
"distance travelled" is evaluated when the child's plan is reviewed. So the pack holds the
child's details, what needs attention, the risk over time (chart and the same points in
words), the missing episodes with their 72-hour and repeat-missing flags, the chronology,
and the latest screening and risk assessment in full (which forms: the `mase_pack` part of
resources/risk_over_time.yaml).

Everything a reader may rely on is handled as for a record's PDF (app.export.printing): the
marked page of app.export.page (marking top and bottom of every page, page X of Y, embedded
DejaVu fonts, the training watermark), a PAdES signature verified before the file is
returned (a failed signature returns nothing), an `export` audit entry with no personal
data, and a file name and PDF metadata carrying only the child's opaque reference.
reportlab and pyHanko are imported inside the functions (HOUSE_STYLE: cheap imports).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.domain import Subject
from app.errors import ExportError
from app.reports.mase_pack_content import MasePackContent, gather
from app.reports.mase_pack_pdf import render_mase_pack

if TYPE_CHECKING:
    from app.export.exports import Exports
    from app.export.printing import ExportedPdf

# The pack's content and drawing are their own modules (mase_pack_content, mase_pack_pdf);
# callers find them here, with the use case.
__all__ = [
    "MasePackContent",
    "export_mase_pack",
    "gather",
    "mase_pack_filename",
    "render_mase_pack",
]

Progress = Callable[[float], None]

AUDIT_DETAIL = "mase-pack"
SIGN_REASON = "MASE pack"


def mase_pack_filename(subject: Subject) -> str:
    """The child's opaque reference only (SPEC 3: no names in file names)."""
    return f"{subject.ref}-mase-pack.pdf"


def export_mase_pack(
    exports: Exports, subject_id: str, *, progress: Progress | None = None
) -> ExportedPdf:
    """Gather, render, sign and verify the pack; audit the export (no record, no names).

    Raises CertificateError when no signing certificate is set up (before anything is
    drawn), and ExportError when the PDF cannot be laid out or its signature does not
    verify; nothing is returned or audited then.
    """
    from app.export.printing import TSA_URL, ExportedPdf
    from app.export.signing import TimestampUnavailable, sign_pdf
    from app.export.verify import verify_pdf

    haven = exports.haven
    subject = haven.child(subject_id)
    identity = exports.signing_identity()
    _tick(progress, 0.05)
    content = gather(exports, subject)
    _tick(progress, 0.3)
    data = render_mase_pack(content)
    _tick(progress, 0.7)
    tsa = haven.repo.get_setting(TSA_URL) or None

    def signed(url: str | None) -> bytes:
        return sign_pdf(
            data,
            identity,
            reason=SIGN_REASON,
            signer_name=haven.actor,
            location=haven.session.info.agency,
            timestamper_url=url,
        )

    try:
        # B-T when a timestamp authority is configured and reachable, else B-B.
        data = signed(tsa)
    except TimestampUnavailable:
        data = signed(None)
    _tick(progress, 0.9)
    report = verify_pdf(data)
    if not (report.signed and report.intact and report.covers_whole_file):
        raise ExportError("The signature could not be verified, so the MASE pack was not kept.")
    # The child's opaque reference says whose pack left (never the name).
    haven.repo.audit(haven.actor, "export", None, f"{AUDIT_DETAIL} {subject.ref}")
    _tick(progress, 1.0)
    return ExportedPdf(data=data, filename=mase_pack_filename(subject), signed=True, report=report)


def _tick(progress: Progress | None, value: float) -> None:
    if progress is not None:
        progress(max(0.0, min(1.0, value)))
