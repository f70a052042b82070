"""Draw a completed record as a clean, printable PDF (SPEC 4) with reportlab platypus.

Every page carries the protective marking in its header and footer, the opaque record
reference, the form id and version, and "Page X of Y"; training documents carry a
"TRAINING — NOT REAL DATA" watermark on every page (framework Standard 10). Fonts are the
DejaVu TrueType files shipped in `resources/fonts`, registered and embedded, so names in
any Latin script print correctly and the PDF looks the same on every reader. The page
furniture, fonts and styles are app.export.page's, shared with the MASE pack and the LSCB
report; the answer and outcome tables here are public for the MASE pack to reuse.

The last page ends with a reserved, visibly outlined box at a fixed position
(`SIGNATURE_BOX`) where `app.export.signing` puts the visible PAdES signature.

PDF metadata (title, author, subject, keywords) never carries the child's name: only the
form title and the opaque record reference (security anchors E3). reportlab is imported
inside the functions that need it because it is slow to import (HOUSE_STYLE).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.export.document import NOT_ANSWERED, PrintAnswer, PrintDocument, PrintOutcome
from app.export.page import (
    CONTENT_BOTTOM,
    CONTENT_WIDTH,
    FONT_BOLD,
    FONT_REGULAR,
    GRID,
    MARGIN_LEFT,
    TRAINING_WATERMARK,
    MarkedPage,
    build_marked_pdf,
    markup,
    paragraph_styles,
    paragraph_type,
    register_fonts,
    single_line,
)

SIGNATURE_WIDTH = 300
SIGNATURE_HEIGHT = 90
SIGNATURE_CAPTION_HEIGHT = 22
SIGNATURE_BOX: tuple[int, int, int, int] = (
    MARGIN_LEFT,
    CONTENT_BOTTOM,
    MARGIN_LEFT + SIGNATURE_WIDTH,
    CONTENT_BOTTOM + SIGNATURE_HEIGHT,
)
"""Lower-left x, lower-left y, upper-right x, upper-right y of the reserved signature
space on the last page. The renderer always draws the box exactly here (it sits at the
bottom of the last page's frame) so the signer can place its field without parsing."""

_INDENT = 14.0


def format_datetime(value: datetime) -> str:
    """A UK-style date and time, e.g. '3 March 2026, 14:05 UTC' (portable, no %-d)."""
    text = f"{value.day} {value:%B %Y, %H:%M}"
    if value.tzinfo is not None:
        zone = value.tzname() or value.strftime("%z")
        text = f"{text} {zone}"
    return text


def render_pdf(doc: PrintDocument, progress: Callable[[float], None] | None = None) -> bytes:
    """Render `doc` to PDF bytes; `progress` receives fractions from 0.0 to 1.0.

    Progress is a plain callback so the UI can turn it into a Qt signal (HOUSE_STYLE
    habit 4). Raises ExportError (with no personal data in its message) when layout fails.
    """
    register_fonts()  # before the story: its tables and charts measure text
    story = _story(doc)
    total = max(len(story), 1)
    done = 0

    def after_flowable() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(done / total, 0.99))

    if progress is not None:
        progress(0.0)
    data = build_marked_pdf(
        record_page(doc),
        story,
        layout_error="The PDF could not be laid out: one answer is too large to fit on a page.",
        after_flowable=after_flowable,
    )
    if progress is not None:
        progress(1.0)
    return data


def record_page(doc: PrintDocument) -> MarkedPage:
    """A record's page furniture and metadata: the form title and the opaque reference,
    never the child's name (security anchors E3)."""
    title = single_line(doc.title)
    ref = single_line(doc.record_ref)
    subject = f"{title}, form {single_line(doc.form_id)} version {doc.form_version}"
    if doc.training:
        subject = f"{subject} ({TRAINING_WATERMARK})"
    ref_line = f"Haven ref {ref} · form {single_line(doc.form_id)} version {doc.form_version}"
    return MarkedPage(
        marking=doc.marking,
        header_left=title,
        header_right=ref_line,
        footer_left=ref_line,
        training=doc.training,
        made_at=doc.completed_at,
        title=f"{title} — {ref}",
        subject=subject,
        keywords=f"{single_line(doc.marking)}, {ref}",
    )


def _story(doc: PrintDocument) -> list[Any]:
    """The flowables: title block, sections, outcomes, sharing decision, signature space."""
    from reportlab.platypus import Table, TableStyle

    Paragraph = paragraph_type()
    styles = paragraph_styles()
    width = CONTENT_WIDTH
    story: list[Any] = [Paragraph(markup(doc.title), styles["title"])]
    details = [
        ("Record reference", doc.record_ref),
        ("Form", f"{doc.form_id}, version {doc.form_version}"),
        ("Child or young person", doc.child_name),
        ("Completed by", doc.completed_by),
        ("Completed", format_datetime(doc.completed_at)),
        ("Protective marking", doc.marking),
    ]
    rows = [
        [Paragraph(markup(label), styles["label"]), Paragraph(markup(value), styles["body"])]
        for label, value in details
    ]
    story.append(
        Table(
            rows,
            colWidths=[width * 0.3, width * 0.7],
            style=TableStyle([*GRID, ("BACKGROUND", (0, 0), (0, -1), "#eeeeee")]),
            hAlign="LEFT",
        )
    )
    for section in doc.sections:
        story.append(Paragraph(markup(section.title), styles["heading"]))
        if section.answers:
            story.extend(answer_flowables(section.answers, width, 0, styles))
        else:
            story.append(Paragraph("No items in this section applied.", styles["missing"]))
    if doc.outcomes:
        story.append(Paragraph("Outcome", styles["heading"]))
        story.append(outcome_table(doc.outcomes, width, styles))
    story.append(Paragraph("Information-sharing decision", styles["heading"]))
    if doc.sharing_decision is None:
        story.append(
            Paragraph(
                "No information-sharing decision has been recorded for this record.",
                styles["missing"],
            )
        )
    else:
        story.extend(answer_flowables(doc.sharing_decision, width, 0, styles))
    story.append(signature_space())
    return story


def _answer_paragraph(answer: PrintAnswer, styles: dict[str, Any]) -> Any:
    Paragraph = paragraph_type()

    if answer.text is None:
        return Paragraph(NOT_ANSWERED, styles["missing"])
    return Paragraph(markup(answer.text), styles["body"])


def answer_flowables(
    answers: list[PrintAnswer], width: float, level: int, styles: dict[str, Any]
) -> list[Any]:
    """Question/answer rows as a splittable table; repeatable groups as sub-tables.

    Groups are drawn as their own tables after the rows before them (not nested inside a
    cell) so a long list of suspects or vehicles can run over several pages.
    """
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Table, TableStyle

    Paragraph = paragraph_type()

    flowables: list[Any] = []
    rows: list[list[Any]] = []
    indent = _INDENT * level
    inner = width - indent

    def flush() -> None:
        if rows:
            table = Table(
                list(rows),
                colWidths=[inner * 0.42, inner * 0.58],
                style=TableStyle(GRID),
                splitInRow=1,
                hAlign="RIGHT",
            )
            flowables.append(table)
            rows.clear()

    for answer in answers:
        if not answer.entries:
            label = Paragraph(markup(answer.label), styles["label"])
            rows.append([label, _answer_paragraph(answer, styles)])
            continue
        flush()
        count = len(answer.entries)
        heading = f"{markup(answer.label)} ({count} {'entry' if count == 1 else 'entries'})"
        group_style = ParagraphStyle(
            f"HavenGroup{level}", parent=styles["group"], leftIndent=indent
        )
        flowables.append(Paragraph(heading, group_style))
        for number, entry in enumerate(answer.entries, start=1):
            title_row = [Paragraph(f"Entry {number} of {count}", styles["entry"]), ""]
            sub_width = inner - _INDENT
            plain = [a for a in entry if not a.entries]
            groups = [a for a in entry if a.entries]
            entry_rows = [title_row] + [
                [Paragraph(markup(a.label), styles["label"]), _answer_paragraph(a, styles)]
                for a in plain
            ]
            if not plain:
                entry_rows.append([Paragraph(NOT_ANSWERED, styles["missing"]), ""])
            flowables.append(
                Table(
                    entry_rows,
                    colWidths=[sub_width * 0.42, sub_width * 0.58],
                    style=TableStyle(
                        [
                            *GRID,
                            ("SPAN", (0, 0), (-1, 0)),
                            ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
                        ]
                    ),
                    repeatRows=1,
                    splitInRow=1,
                    hAlign="RIGHT",
                )
            )
            if groups:
                flowables.extend(answer_flowables(groups, width, level + 2, styles))
    flush()
    return flowables


def outcome_table(outcomes: list[PrintOutcome], width: float, styles: dict[str, Any]) -> Any:
    """The category (or other outcome), whether suggested or decided, and its reasons."""
    from reportlab.platypus import Table, TableStyle

    Paragraph = paragraph_type()

    rows = []
    for outcome in outcomes:
        value = f"<b>{markup(outcome.value_text)}</b>"
        if outcome.kind:
            value = f"{value} ({markup(outcome.kind)})"
        cell = [Paragraph(value, styles["body"])]
        if outcome.reason:
            cell.append(Paragraph(f"Reason: {markup(outcome.reason)}", styles["body"]))
        rows.append([Paragraph(markup(outcome.label), styles["label"]), cell])
    return Table(
        rows,
        colWidths=[width * 0.42, width * 0.58],
        style=TableStyle(GRID),
        splitInRow=1,
        hAlign="LEFT",
    )


def signature_space() -> Any:
    """The reserved signature box, always drawn at `SIGNATURE_BOX` on the last page.

    The flowable takes all the height left in the frame, so it is drawn at the bottom of
    the frame; if too little height is left it asks for more and platypus moves it to a
    new page. Either way the box's position on the (last) page is fixed.
    """
    from reportlab.lib import colors
    from reportlab.platypus.flowables import Flowable

    needed = SIGNATURE_HEIGHT + SIGNATURE_CAPTION_HEIGHT

    class _SignatureSpace(Flowable):  # type: ignore[misc]
        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            self._height = max(float(avail_height), float(needed))
            return avail_width, self._height

        def draw(self) -> None:
            canvas = self.canv
            canvas.saveState()
            canvas.setFont(FONT_BOLD, 10)
            canvas.drawString(0, SIGNATURE_HEIGHT + 8, "Digital signature")
            canvas.setFont(FONT_REGULAR, 8)
            canvas.drawString(112, SIGNATURE_HEIGHT + 8, "(added here when the document is signed)")
            canvas.setStrokeColor(colors.grey)
            canvas.setDash(3, 3)
            canvas.rect(0, 0, SIGNATURE_WIDTH, SIGNATURE_HEIGHT)
            canvas.restoreState()

    return _SignatureSpace()
