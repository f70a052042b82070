"""The marked page every PDF Haven draws shares: A4, the embedded DejaVu fonts, the
protective marking at the top and bottom of every page, a running header and footer,
"Page X of Y", and the training watermark (framework Standard 10).

A record's PDF (app.export.pdf), the MASE pack and the LSCB report all build on this, so
the furniture a reader relies on is drawn in one place (HOUSE_STYLE: one place draws
PDFs). reportlab is imported inside the functions that need it: it is slow to import, and
it is loaded through app.export.libraries, which leaves out what Haven does not use.
"""

from __future__ import annotations

import copy
import functools
import threading
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from app import __version__
from app.directory import resources_dir
from app.errors import ExportError
from app.export.font_metrics import METRICS_FILE, build_font_metrics, ttfonts
from app.export.libraries import load_reportlab

# Page geometry in PDF points (1/72 inch). A4 is written out so this module does not need
# reportlab at import time.
PAGE_WIDTH = 595.2755905511812
PAGE_HEIGHT = 841.8897637795277
MARGIN_LEFT = 56
MARGIN_RIGHT = 56
CONTENT_BOTTOM = 64
CONTENT_TOP = PAGE_HEIGHT - 86
CONTENT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

FONT_REGULAR = "HavenSans"
FONT_BOLD = "HavenSans-Bold"
FONT_FILES = {FONT_REGULAR: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
TRAINING_WATERMARK = "TRAINING — NOT REAL DATA"

GRID = [
    # Plain-string cells (the empty half of a spanned row) would otherwise use Helvetica.
    ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("GRID", (0, 0), (-1, -1), 0.4, "#9a9a9a"),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
]
"""The table style of every grid Haven prints."""

_font_lock = threading.Lock()
_fonts_registered = False


def font_path(bold: bool = False) -> Path:
    """Path of the embedded TrueType font (DejaVu Sans), shared with the signature stamp.

    The resources folder is app.directory's, the one helper that works frozen and from
    source (HOUSE_STYLE habit 10)."""
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
    if all(line.isprintable() for line in text.split("\n")):
        # Printable text has no Cc, Zl or Zp characters: nothing to drop, and no walk
        # over every character (a long record prints thousands of answers).
        return text
    return "".join(
        ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Zl", "Zp")
    )


def markup(text: str) -> str:
    """User text made safe for reportlab's paragraph mini-markup (& < > escaped)."""
    # xml.sax.saxutils.escape's three replacements, without importing it: it brings
    # urllib.request, a noticeable part of the first export in a fresh process.
    text = clean_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\n", "<br/>")


def single_line(text: str) -> str:
    """User text for places with room for one line (header, metadata)."""
    return " ".join(clean_text(text).split())


def register_fonts() -> None:
    """Register the DejaVu fonts once per process; reportlab's registry is global."""
    global _fonts_registered
    with _font_lock:
        if _fonts_registered:
            return
        load_reportlab()
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics

        # Read as reportlab reads them, from the reading shipped beside them (font_metrics).
        fonts = {FONT_REGULAR: font_path(bold=False), FONT_BOLD: font_path(bold=True)}
        for font in ttfonts(fonts):
            pdfmetrics.registerFont(font)
        # Map <b> in paragraph markup to the embedded bold face (never to Helvetica).
        addMapping(FONT_REGULAR, 0, 0, FONT_REGULAR)
        addMapping(FONT_REGULAR, 1, 0, FONT_BOLD)
        addMapping(FONT_REGULAR, 0, 1, FONT_REGULAR)
        addMapping(FONT_REGULAR, 1, 1, FONT_BOLD)
        _fonts_registered = True


def write_font_metrics() -> None:
    """Write reportlab's reading of the DejaVu fonts beside them (a maintainer's step)."""
    paths = [font_path(bold=False), font_path(bold=True)]
    (paths[0].parent / METRICS_FILE).write_bytes(build_font_metrics(paths))


def paragraph_styles() -> dict[str, Any]:
    """The paragraph styles of every Haven PDF, in the embedded font."""
    load_reportlab()
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


@functools.cache
def paragraph_type() -> Any:
    """reportlab's Paragraph, doing less of the same work: the PDF is byte for byte the same.

    It keeps its line breaks for the width it was last wrapped to. A table asks each
    cell's paragraph for its size two or three times at the same width (to size the rows,
    to split the table at a page end, and again as it draws the cell), and reportlab
    breaks the lines afresh every time: a fifth of a record's render time. The lines
    depend only on the text, the style and the width, so the first result is kept until
    the width changes; a split makes new paragraphs, which break their own lines.

    Most answers are plain text (no tag, no entity once `markup` has escaped them), which
    reportlab's parser turns into one fragment in the style's font; that fragment is
    made from the parser's own result for the style, kept per style object (Haven's
    styles are not changed once made).
    """
    load_reportlab()
    from reportlab.platypus import Paragraph
    from reportlab.platypus.paragraph import cleanBlockQuotedText
    from reportlab.platypus.paraparser import ParaParser

    plain_frags: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def plain_frag(style: Any) -> Any:
        """The fragment reportlab's parser makes for markup-free text in `style`."""
        frag = plain_frags.get(style)
        if frag is None:
            _style, frags, _bullets = ParaParser().parse("x", style)
            frag = plain_frags[style] = frags[0]
        return frag

    class _Paragraph(Paragraph):  # type: ignore[misc]
        _wrapped: tuple[float, Any, float] | None = None
        """(width, reportlab's line breaks, height) from the last real wrap."""

        def __init__(
            self,
            text: Any,
            style: Any = None,
            bulletText: Any = None,
            frags: Any = None,
            caseSensitive: int = 1,
            encoding: str = "utf8",
        ) -> None:
            # Text with no tag and no entity is one fragment in the style's font: the
            # parser's own result for it, without running the HTML parser per paragraph
            # (about a sixth of a record's render time).
            if (
                frags is None
                and bulletText is None
                and style is not None
                and isinstance(text, str)
                and "<" not in text
                and "&" not in text
                and getattr(style, "bulletText", None) is None
                and not getattr(style, "textTransform", None)
            ):
                cleaned = cleanBlockQuotedText(text)
                if cleaned:
                    frag = copy.copy(plain_frag(style))
                    frag.link = []
                    frag.us_lines = []
                    frag.text = cleaned
                    self.caseSensitive = caseSensitive
                    self.encoding = encoding
                    self.text = cleaned
                    self.frags = [frag]
                    self.style = style
                    self.bulletText = None
                    self.debug = 0
                    return
            super().__init__(text, style, bulletText, frags, caseSensitive, encoding)

        def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
            kept = self._wrapped
            # reportlab replaces or deletes blPara when it splits this paragraph: only
            # lines this wrap made are reused.
            if (
                kept is not None
                and kept[0] == availWidth
                and getattr(self, "blPara", None) is kept[1]
            ):
                self.width = availWidth
                self.height = kept[2]
                return availWidth, kept[2]
            width, height = super().wrap(availWidth, availHeight)
            lines = getattr(self, "blPara", None)
            # A width too narrow for any text returns early without breaking lines.
            fresh = lines is not None and width == availWidth
            self._wrapped = (availWidth, lines, height) if fresh else None
            return width, height

    return _Paragraph


@dataclass(frozen=True)
class MarkedPage:
    """What every page of one PDF shows, and what its metadata says.

    Nothing here may carry a child's name: it goes into the running header and footer and
    into the PDF's metadata, which viewers and file indexers show (security anchors E3).
    """

    marking: str
    header_left: str
    header_right: str
    footer_left: str
    training: bool
    made_at: datetime
    """The PDF CreationDate: the content's own time, never the wall clock, so the same
    content gives the same file (the tests and the outbox's idempotent packages rely on it)."""
    title: str
    subject: str
    keywords: str
    template_id: str = "record"
    content_top: float = CONTENT_TOP


def build_marked_pdf(
    page: MarkedPage,
    story: list[Any],
    *,
    layout_error: str,
    after_flowable: Callable[[], None] | None = None,
) -> bytes:
    """Lay `story` out on marked pages; `after_flowable` is called as each piece is placed
    (for progress). Raises ExportError(`layout_error`) when something cannot fit a page, so
    the message is the caller's plain words and never the content."""
    register_fonts()
    from reportlab.platypus import BaseDocTemplate, Frame, LayoutError, PageTemplate

    class _Template(BaseDocTemplate):  # type: ignore[misc]
        def afterFlowable(self, flowable: Any) -> None:
            if after_flowable is not None:
                after_flowable()

    frame = Frame(
        MARGIN_LEFT,
        CONTENT_BOTTOM,
        CONTENT_WIDTH,
        page.content_top - CONTENT_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )

    def on_page(canvas: Any, _template: Any) -> None:
        _draw_furniture(canvas, page)

    buffer = BytesIO()
    template = _Template(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=PAGE_HEIGHT - page.content_top,
        bottomMargin=CONTENT_BOTTOM,
        title=page.title,
        author="Haven",
        subject=page.subject,
        keywords=page.keywords,
        creator=f"Haven {__version__}",
        lang="en-GB",
        displayDocTitle=1,
        invariant=1,
        # Without this the canvas preamble selects Helvetica, a base-14 font that is
        # referenced but never embedded (SPEC 4: embedded fonts only).
        initialFontName=FONT_REGULAR,
        initialFontSize=9.5,
        initialLeading=12.5,
        pageTemplates=[PageTemplate(id=page.template_id, frames=[frame], onPage=on_page)],
    )
    try:
        template.build(story, canvasmaker=_numbered_canvas_class(page.made_at))
    except LayoutError as exc:
        raise ExportError(layout_error) from exc
    return buffer.getvalue()


def _pdf_date(value: datetime) -> str:
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    return f"D:{utc:%Y%m%d%H%M%S}+00'00'"


def _draw_furniture(canvas: Any, page: MarkedPage) -> None:
    """Marking top and bottom, the running header and footer, and the training watermark.

    Drawn at the start of every page, before the content, so the watermark sits under
    the text. "Page X of Y" is added later by the numbered canvas, once Y is known.
    """
    from reportlab.lib import colors

    marking = single_line(page.marking)
    right = PAGE_WIDTH - MARGIN_RIGHT
    canvas.saveState()
    if page.training:
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
    canvas.drawString(MARGIN_LEFT, PAGE_HEIGHT - 46, single_line(page.header_left))
    canvas.drawRightString(right, PAGE_HEIGHT - 46, single_line(page.header_right))
    canvas.setStrokeColor(colors.grey)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_LEFT, PAGE_HEIGHT - 52, right, PAGE_HEIGHT - 52)
    canvas.line(MARGIN_LEFT, 54, right, 54)
    if page.training:
        # A horizontal banner as well as the diagonal watermark: it reads in every viewer
        # and in text extraction, where rotated text comes out scrambled.
        canvas.setFillColor(colors.Color(0.7, 0.05, 0.05))
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 66, TRAINING_WATERMARK)
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT_REGULAR, 8)
    canvas.drawString(MARGIN_LEFT, 42, single_line(page.footer_left))
    canvas.setFont(FONT_BOLD, 11)
    canvas.drawCentredString(PAGE_WIDTH / 2, 24, marking)
    canvas.restoreState()


def _numbered_canvas_class(made_at: datetime) -> Any:
    """A canvas that holds pages back until the end so it can print "Page X of Y".

    The standard reportlab recipe: remember each page's state at showPage, then at save
    replay them with the total known. One pass, so no second layout run.
    """
    from reportlab.pdfgen.canvas import Canvas

    stamp = _pdf_date(made_at)

    class _NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(lambda *_parts: stamp)
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
