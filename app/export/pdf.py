"""Draw a completed record as a clean, printable PDF (SPEC 4) with reportlab platypus.

Every page carries the protective marking in its header and footer, the opaque record
reference, the form id and version, and "Page X of Y"; training documents carry a
"TRAINING — NOT REAL DATA" watermark on every page (framework Standard 10). Fonts are the
DejaVu TrueType files shipped in `resources/fonts`, registered and embedded, so names in
any Latin script print correctly and the PDF looks the same on every reader.

The last page ends with a reserved, visibly outlined box at a fixed position
(`SIGNATURE_BOX`) where `app.export.signing` puts the visible PAdES signature.

PDF metadata (title, author, subject, keywords) never carries the child's name: only the
form title and the opaque record reference (security anchors E3). reportlab is imported
inside the functions that need it because it is slow to import (HOUSE_STYLE).
"""

from __future__ import annotations

import sys
import threading
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from app import __version__
from app.errors import ExportError
from app.export.document import NOT_ANSWERED, PrintAnswer, PrintDocument, PrintOutcome

# Page geometry in PDF points (1/72 inch). A4 is written out so this module does not need
# reportlab at import time; `SIGNATURE_BOX` is shared with the signer.
PAGE_WIDTH = 595.2755905511812
PAGE_HEIGHT = 841.8897637795277
MARGIN_LEFT = 56
MARGIN_RIGHT = 56
CONTENT_BOTTOM = 64
CONTENT_TOP = PAGE_HEIGHT - 86
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

FONT_REGULAR = "HavenSans"
FONT_BOLD = "HavenSans-Bold"
FONT_FILES = {FONT_REGULAR: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
TRAINING_WATERMARK = "TRAINING — NOT REAL DATA"

_font_lock = threading.Lock()
_fonts_registered = False


def resources_dir() -> Path:
    """The `resources` folder, both from a source checkout and in a PyInstaller bundle.

    HOUSE_STYLE habit 10: one resource-path helper that works frozen and from source.
    PyInstaller unpacks data files under `sys._MEIPASS`; from source the folder sits at
    the repository root, two levels above this package.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        frozen = Path(bundle) / "resources"
        if frozen.is_dir():
            return frozen
    return Path(__file__).resolve().parents[2] / "resources"


def font_path(bold: bool = False) -> Path:
    """Path of the embedded TrueType font (DejaVu Sans), shared with the signature stamp."""
    name = FONT_FILES[FONT_BOLD if bold else FONT_REGULAR]
    path = resources_dir() / "fonts" / name
    if not path.is_file():
        raise ExportError("Haven's PDF fonts are missing from this installation.")
    return path


def clean_text(text: str) -> str:
    """Remove control characters (HOUSE_STYLE habit 7), keeping line breaks as '\\n'.

    Tabs become spaces; CR and CR LF become LF; other C0/C1 controls and the Unicode line
    and paragraph separators are dropped because they break reportlab's layout or hide
    text in viewers.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(
        ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Zl", "Zp")
    )


def markup(text: str) -> str:
    """User text made safe for reportlab's paragraph mini-markup (& < > escaped)."""
    return escape(clean_text(text)).replace("\n", "<br/>")


def single_line(text: str) -> str:
    """User text for places with room for one line (header, metadata)."""
    return " ".join(clean_text(text).split())


def _register_fonts() -> None:
    """Register the DejaVu fonts once per process; reportlab's registry is global."""
    global _fonts_registered
    with _font_lock:
        if _fonts_registered:
            return
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont(FONT_REGULAR, str(font_path(bold=False))))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(font_path(bold=True))))
        # Map <b> in paragraph markup to the embedded bold face (never to Helvetica).
        addMapping(FONT_REGULAR, 0, 0, FONT_REGULAR)
        addMapping(FONT_REGULAR, 1, 0, FONT_BOLD)
        addMapping(FONT_REGULAR, 0, 1, FONT_REGULAR)
        addMapping(FONT_REGULAR, 1, 1, FONT_BOLD)
        _fonts_registered = True


def format_datetime(value: datetime) -> str:
    """A UK-style date and time, e.g. '3 March 2026, 14:05 UTC' (portable, no %-d)."""
    text = f"{value.day} {value:%B %Y, %H:%M}"
    if value.tzinfo is not None:
        zone = value.tzname() or value.strftime("%z")
        text = f"{text} {zone}"
    return text


def _pdf_date(value: datetime) -> str:
    """The PDF CreationDate for the document: the record's completion time, in UTC.

    Using the record's own time (not the wall clock) makes the output reproducible for a
    given record, which the tests and the outbox's idempotent packages rely on.
    """
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    return f"D:{utc:%Y%m%d%H%M%S}+00'00'"


def render_pdf(doc: PrintDocument, progress: Callable[[float], None] | None = None) -> bytes:
    """Render `doc` to PDF bytes; `progress` receives fractions from 0.0 to 1.0.

    Progress is a plain callback so the UI can turn it into a Qt signal (HOUSE_STYLE
    habit 4). Raises ExportError (with no personal data in its message) when layout fails.
    """
    from reportlab.platypus import LayoutError

    _register_fonts()
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
    buffer = BytesIO()
    template = _doc_template(doc, buffer, after_flowable)
    try:
        template.build(story, canvasmaker=_numbered_canvas_class(doc))
    except LayoutError as exc:
        raise ExportError(
            "The PDF could not be laid out: one answer is too large to fit on a page."
        ) from exc
    if progress is not None:
        progress(1.0)
    return buffer.getvalue()


def _metadata(doc: PrintDocument) -> dict[str, str]:
    """Title/author/subject/keywords: form title and opaque reference only, no names."""
    title = single_line(doc.title)
    ref = single_line(doc.record_ref)
    subject = f"{title}, form {single_line(doc.form_id)} version {doc.form_version}"
    if doc.training:
        subject = f"{subject} ({TRAINING_WATERMARK})"
    return {
        "title": f"{title} — {ref}",
        "author": "Haven",
        "subject": subject,
        "keywords": f"{single_line(doc.marking)}, {ref}",
        "creator": f"Haven {__version__}",
    }


def _doc_template(doc: PrintDocument, buffer: BytesIO, after_flowable: Callable[[], None]) -> Any:
    """A BaseDocTemplate whose single page template draws header, footer and watermark."""
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    class _Template(BaseDocTemplate):  # type: ignore[misc]
        def afterFlowable(self, flowable: Any) -> None:
            after_flowable()

    meta = _metadata(doc)
    frame = Frame(
        MARGIN_LEFT,
        CONTENT_BOTTOM,
        PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT,
        CONTENT_TOP - CONTENT_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )

    def on_page(canvas: Any, _template: Any) -> None:
        _draw_page_furniture(canvas, doc)

    template = _Template(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=PAGE_HEIGHT - CONTENT_TOP,
        bottomMargin=CONTENT_BOTTOM,
        title=meta["title"],
        author=meta["author"],
        subject=meta["subject"],
        keywords=meta["keywords"],
        creator=meta["creator"],
        lang="en-GB",
        displayDocTitle=1,
        invariant=1,
        # Without this the canvas preamble selects Helvetica, a base-14 font that is
        # referenced but never embedded (SPEC 4: embedded fonts only).
        initialFontName=FONT_REGULAR,
        initialFontSize=9.5,
        initialLeading=12.5,
        pageTemplates=[PageTemplate(id="record", frames=[frame], onPage=on_page)],
    )
    return template


def _draw_page_furniture(canvas: Any, doc: PrintDocument) -> None:
    """Marking top and bottom, reference and form version, and the training watermark.

    Drawn at the start of every page, before the content, so the watermark sits under
    the text. "Page X of Y" is added later by the numbered canvas, once Y is known.
    """
    from reportlab.lib import colors

    marking = single_line(doc.marking)
    ref_line = (
        f"Haven ref {single_line(doc.record_ref)} · form {single_line(doc.form_id)} "
        f"version {doc.form_version}"
    )
    right = PAGE_WIDTH - MARGIN_RIGHT
    canvas.saveState()
    if doc.training:
        canvas.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.16))
        canvas.setFont(FONT_BOLD, 40)
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(45)
        canvas.drawCentredString(0, -14, TRAINING_WATERMARK)
        canvas.rotate(-45)
        canvas.translate(-PAGE_WIDTH / 2, -PAGE_HEIGHT / 2)
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_BOLD, 11)
    canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 30, marking)
    canvas.setFont(FONT_REGULAR, 8)
    canvas.drawString(MARGIN_LEFT, PAGE_HEIGHT - 46, single_line(doc.title))
    canvas.drawRightString(right, PAGE_HEIGHT - 46, ref_line)
    canvas.setStrokeColor(colors.grey)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_LEFT, PAGE_HEIGHT - 52, right, PAGE_HEIGHT - 52)
    canvas.line(MARGIN_LEFT, 54, right, 54)
    if doc.training:
        # A horizontal banner as well as the diagonal watermark: it reads in every viewer
        # and in text extraction, where rotated text comes out scrambled.
        canvas.setFillColor(colors.Color(0.7, 0.05, 0.05))
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 66, TRAINING_WATERMARK)
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT_REGULAR, 8)
    canvas.drawString(MARGIN_LEFT, 42, ref_line)
    canvas.setFont(FONT_BOLD, 11)
    canvas.drawCentredString(PAGE_WIDTH / 2, 24, marking)
    canvas.restoreState()


def _numbered_canvas_class(doc: PrintDocument) -> Any:
    """A canvas that holds pages back until the end so it can print "Page X of Y".

    The standard reportlab recipe: remember each page's state at showPage, then at save
    replay them with the total known. One pass, so no second layout run.
    """
    from reportlab.pdfgen.canvas import Canvas

    completed_at = doc.completed_at

    class _NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(lambda *_parts: _pdf_date(completed_at))
            self._saved_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                self.setFont(FONT_REGULAR, 8)
                self.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, 42, f"Page {number} of {total}")
                super().showPage()
            super().save()

    return _NumberedCanvas


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("HavenBody", fontName=FONT_REGULAR, fontSize=9.5, leading=12.5)
    return {
        "body": body,
        "label": ParagraphStyle("HavenLabel", parent=body, textColor=colors.HexColor(0x222222)),
        "missing": ParagraphStyle("HavenMissing", parent=body, textColor=colors.HexColor(0x555555)),
        "title": ParagraphStyle(
            "HavenTitle", parent=body, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=8
        ),
        "heading": ParagraphStyle(
            "HavenHeading",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=12,
            spaceAfter=5,
        ),
        "group": ParagraphStyle(
            "HavenGroup", parent=body, fontName=FONT_BOLD, spaceBefore=6, spaceAfter=3
        ),
        "entry": ParagraphStyle("HavenEntry", parent=body, fontName=FONT_BOLD),
    }


_GRID = [
    # Plain-string cells (the empty half of a spanned row) would otherwise use Helvetica.
    ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("GRID", (0, 0), (-1, -1), 0.4, "#9a9a9a"),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
]
_INDENT = 14.0


def _story(doc: PrintDocument) -> list[Any]:
    """The flowables: title block, sections, outcomes, sharing decision, signature space."""
    from reportlab.platypus import Paragraph, Table, TableStyle

    styles = _styles()
    width = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
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
            style=TableStyle([*_GRID, ("BACKGROUND", (0, 0), (0, -1), "#eeeeee")]),
            hAlign="LEFT",
        )
    )
    for section in doc.sections:
        story.append(Paragraph(markup(section.title), styles["heading"]))
        if section.answers:
            story.extend(_answer_flowables(section.answers, width, 0, styles))
        else:
            story.append(Paragraph("No items in this section applied.", styles["missing"]))
    if doc.outcomes:
        story.append(Paragraph("Outcome", styles["heading"]))
        story.append(_outcome_table(doc.outcomes, width, styles))
    story.append(Paragraph("Information-sharing decision", styles["heading"]))
    if doc.sharing_decision is None:
        story.append(
            Paragraph(
                "No information-sharing decision has been recorded for this record.",
                styles["missing"],
            )
        )
    else:
        story.extend(_answer_flowables(doc.sharing_decision, width, 0, styles))
    story.append(_signature_space())
    return story


def _answer_paragraph(answer: PrintAnswer, styles: dict[str, Any]) -> Any:
    from reportlab.platypus import Paragraph

    if answer.text is None:
        return Paragraph(NOT_ANSWERED, styles["missing"])
    return Paragraph(markup(answer.text), styles["body"])


def _answer_flowables(
    answers: list[PrintAnswer], width: float, level: int, styles: dict[str, Any]
) -> list[Any]:
    """Question/answer rows as a splittable table; repeatable groups as sub-tables.

    Groups are drawn as their own tables after the rows before them (not nested inside a
    cell) so a long list of suspects or vehicles can run over several pages.
    """
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    flowables: list[Any] = []
    rows: list[list[Any]] = []
    indent = _INDENT * level
    inner = width - indent

    def flush() -> None:
        if rows:
            table = Table(
                list(rows),
                colWidths=[inner * 0.42, inner * 0.58],
                style=TableStyle(_GRID),
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
                            *_GRID,
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
                flowables.extend(_answer_flowables(groups, width, level + 2, styles))
    flush()
    return flowables


def _outcome_table(outcomes: list[PrintOutcome], width: float, styles: dict[str, Any]) -> Any:
    """The category (or other outcome), whether suggested or decided, and its reasons."""
    from reportlab.platypus import Paragraph, Table, TableStyle

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
        style=TableStyle(_GRID),
        splitInRow=1,
        hAlign="LEFT",
    )


def _signature_space() -> Any:
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
