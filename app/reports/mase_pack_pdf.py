"""The MASE pack drawn as a PDF on app.export.page's marked page, laid out like a record's
PDF (its answer and outcome tables are app.export.pdf's), with the risk-over-time chart
drawn in the embedded font. reportlab is imported inside the functions (it is slow to
import).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any

from app.forms.dates import format_date, format_datetime, naive_local
from app.reports.risk_over_time import (
    BAR_COLOURS,
    CATEGORY_LEVELS,
    RiskPoint,
    describe_points,
    indicator_kinds,
)

if TYPE_CHECKING:
    from app.export.document import PrintDocument

from app.reports.mase_pack_content import (
    PACK_LAYOUT,
    PACK_LAYOUT_VERSION,
    PACK_TITLE,
    ChronologyRow,
    EpisodeRow,
    MasePackContent,
)

# ---- rendering --------------------------------------------------------------------------


def render_mase_pack(content: MasePackContent) -> bytes:
    """The pack as PDF bytes, on app.export.page's marked page, laid out like a record's.

    Raises ExportError (no personal data in the message) when the layout fails.
    """
    from app.export.page import build_marked_pdf, register_fonts
    from app.export.pdf import record_page

    register_fonts()
    story = _story(content)
    return build_marked_pdf(
        record_page(_frame_document(content)),
        story,
        layout_error=(
            "The MASE pack could not be laid out: one answer is too large to fit on a page."
        ),
    )


def _frame_document(content: MasePackContent) -> PrintDocument:
    """What the shared page template reads: title, reference, marking, training, time.

    The child's name is deliberately left out: the template writes these values into the
    PDF's metadata and running headers (security anchors E3).
    """
    from app.export.document import PrintDocument

    prepared = content.prepared_at
    aware = prepared if prepared.tzinfo is not None else prepared.astimezone()
    return PrintDocument(
        title=PACK_TITLE,
        form_id=PACK_LAYOUT,
        form_version=PACK_LAYOUT_VERSION,
        record_ref=content.subject_ref,
        record_id="",
        child_name="",
        completed_by=content.prepared_by,
        completed_at=aware.astimezone(UTC),
        marking=content.marking,
        training=content.training,
    )


def _story(content: MasePackContent) -> list[Any]:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from app.export.page import CONTENT_WIDTH, markup, paragraph_styles
    from app.export.pdf import signature_space

    styles = paragraph_styles()
    styles["small"] = ParagraphStyle(
        "MaseSmall", parent=styles["body"], fontSize=8.5, leading=11, spaceAfter=4
    )
    styles["subheading"] = ParagraphStyle(
        "MaseSubheading", parent=styles["group"], fontSize=10.5, leading=13, spaceBefore=8
    )
    width = CONTENT_WIDTH
    story: list[Any] = [
        Paragraph(PACK_TITLE, styles["title"]),
        Paragraph(
            "Prepared for the Multi-Agency Sexual Exploitation (MASE) meeting "
            "(West Midlands CSE framework, section 8).",
            styles["body"],
        ),
        Paragraph(
            f"<b>Confidentiality.</b> {markup(content.confidentiality)} "
            f"({markup(content.confidentiality_source)})",
            styles["small"],
        ),
    ]
    details = [
        *content.details,
        ("Prepared by", content.prepared_by),
        ("Prepared", format_datetime(naive_local(content.prepared_at))),
        ("Protective marking", content.marking),
    ]
    story.append(_key_value_table(details, width, styles, shaded=True))

    story.append(Paragraph("Needs attention", styles["heading"]))
    if content.flags:
        story.extend(Paragraph("• " + markup(flag), styles["body"]) for flag in content.flags)
    else:
        story.append(Paragraph("Nothing is flagged for this child.", styles["missing"]))

    story.append(Paragraph("Risk over time", styles["heading"]))
    story.append(
        Paragraph(
            "Each completed screening and risk assessment: the category decided and the "
            "number of indicators (section 19 and Appendix 15: distance travelled).",
            styles["small"],
        )
    )
    if content.points:
        story.append(risk_chart(content.points, width))
        story.append(_points_table(content.points, width, styles))
    else:
        story.append(Paragraph(markup(describe_points([])), styles["missing"]))

    story.append(Paragraph("Missing episodes", styles["heading"]))
    story.append(Paragraph(markup(content.repeat_missing), styles["body"]))
    if content.episodes:
        story.append(_episodes_table(content.episodes, width, styles))
    else:
        story.append(Paragraph("No missing episodes are recorded.", styles["missing"]))

    story.append(Paragraph("Chronology, newest first", styles["heading"]))
    story.append(Paragraph("Drafts are not included.", styles["small"]))
    if content.chronology:
        story.append(_chronology_table(content.chronology, width, styles))
    else:
        story.append(Paragraph("Nothing is recorded for this child yet.", styles["missing"]))

    for title, doc in content.records:
        story.extend(_record_flowables(title, doc, width, styles))
    story.append(signature_space())
    return story


def _key_value_table(
    rows: Sequence[tuple[str, str]], width: float, styles: dict[str, Any], *, shaded: bool
) -> Any:
    from reportlab.platypus import Paragraph, Table, TableStyle

    from app.export.page import GRID, markup

    cells = [
        [Paragraph(markup(label), styles["label"]), Paragraph(markup(value), styles["body"])]
        for label, value in rows
    ]
    extra = [("BACKGROUND", (0, 0), (0, -1), "#eeeeee")] if shaded else []
    return Table(
        cells,
        colWidths=[width * 0.3, width * 0.7],
        style=TableStyle([*GRID, *extra]),
        splitInRow=1,
        hAlign="LEFT",
    )


def _grid_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], styles: Any
) -> Any:
    """A table with a repeated header row, splittable over pages."""
    from reportlab.platypus import Paragraph, Table, TableStyle

    from app.export.page import GRID, markup

    cells = [[Paragraph(f"<b>{markup(text)}</b>", styles["label"]) for text in header]]
    cells += [[Paragraph(markup(text), styles["body"]) for text in row] for row in rows]
    return Table(
        cells,
        colWidths=list(widths),
        style=TableStyle([*GRID, ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee")]),
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
    )


def _points_table(points: Sequence[RiskPoint], width: float, styles: Any) -> Any:
    rows = [
        [
            format_date(p.when),
            f"{p.name} ({p.record_ref})",
            p.category_words(),
            "; ".join(i.words() for i in p.indicators),
        ]
        for p in points
    ]
    widths = [width * 0.17, width * 0.28, width * 0.17, width * 0.38]
    return _grid_table(("Date", "Record", "Category", "Indicators"), rows, widths, styles)


def _episodes_table(episodes: Sequence[EpisodeRow], width: float, styles: Any) -> Any:
    rows = [
        [
            e.missing_from,
            e.returned,
            e.return_interview,
            "Yes: counts towards the repeat-missing flag" if e.repeat_missing else "No",
        ]
        for e in episodes
    ]
    widths = [width * 0.22, width * 0.22, width * 0.31, width * 0.25]
    header = ("Missing from", "Returned", "Return interview (72 hours)", "Repeat missing")
    return _grid_table(header, rows, widths, styles)


def _chronology_table(rows: Sequence[ChronologyRow], width: float, styles: Any) -> Any:
    cells = [[r.when, r.what, r.status, r.needs_attention] for r in rows]
    widths = [width * 0.2, width * 0.38, width * 0.17, width * 0.25]
    return _grid_table(("When", "What", "Status", "Needs attention"), cells, widths, styles)


def _record_flowables(
    title: str, doc: PrintDocument | None, width: float, styles: dict[str, Any]
) -> list[Any]:
    """A record in full, drawn with the record PDF's own answer and outcome tables."""
    from reportlab.platypus import CondPageBreak, Paragraph

    from app.export.page import markup
    from app.export.pdf import answer_flowables, format_datetime, outcome_table

    flow: list[Any] = [CondPageBreak(120), Paragraph(f"Latest {markup(title)}", styles["heading"])]
    if doc is None:
        flow.append(Paragraph(f"No completed {markup(title)} is recorded.", styles["missing"]))
        return flow
    details = [
        ("Record reference", doc.record_ref),
        ("Form", f"{doc.form_id}, version {doc.form_version}"),
        ("Completed by", doc.completed_by),
        ("Completed", format_datetime(doc.completed_at)),
    ]
    flow.append(_key_value_table(details, width, styles, shaded=True))
    for section in doc.sections:
        flow.append(Paragraph(markup(section.title), styles["subheading"]))
        if section.answers:
            flow.extend(answer_flowables(section.answers, width, 0, styles))
        else:
            flow.append(Paragraph("No items in this section applied.", styles["missing"]))
    if doc.outcomes:
        flow.append(Paragraph("Outcome", styles["subheading"]))
        flow.append(outcome_table(doc.outcomes, width, styles))
    return flow


# ---- the chart ----------------------------------------------------------------------------


def risk_chart(points: Sequence[RiskPoint], width: float) -> Any:
    """A reportlab Drawing: the category as a step line (0 to 3) above the indicator
    counts as grouped bars, one slot per point in time order."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
    from reportlab.lib import colors

    from app.export.page import FONT_BOLD, FONT_REGULAR

    height = 230.0
    left, right = 62.0, 8.0
    cat_low, cat_high = 150.0, 215.0
    bar_low, bar_high = 52.0, 130.0
    drawing = Drawing(width, height)
    plot = width - left - right
    slot = plot / max(len(points), 1)
    centres = [left + slot * (i + 0.5) for i in range(len(points))]

    def text(x: float, y: float, words: str, size: float = 7, anchor: str = "start") -> None:
        drawing.add(String(x, y, words, fontName=FONT_REGULAR, fontSize=size, textAnchor=anchor))

    # Category panel: grid lines for levels 0..3 and their names.
    def level_y(level: int) -> float:
        return cat_low + (cat_high - cat_low) * level / 3

    for level, words in enumerate(CATEGORY_LEVELS):
        y = level_y(level)
        drawing.add(Line(left, y, left + plot, y, strokeColor=colors.HexColor(0xDDDDDD)))
        text(left - 4, y - 2.5, words, anchor="end")
    drawing.add(String(left, height - 8, "Category decided", fontName=FONT_BOLD, fontSize=8))
    previous: tuple[float, float] | None = None
    for x, point in zip(centres, points, strict=True):
        if point.category is None:
            previous = None
            continue
        y = level_y(point.category)
        if previous is not None:
            drawing.add(Line(previous[0], previous[1], x, previous[1], strokeWidth=1.5))
            drawing.add(Line(x, previous[1], x, y, strokeWidth=1.5))
        drawing.add(Circle(x, y, 3, fillColor=colors.black, strokeColor=colors.black))
        previous = (x, y)

    # Indicator panel: grouped bars with their numbers.
    kinds = indicator_kinds(points)
    colour = {kind: BAR_COLOURS[i % len(BAR_COLOURS)] for i, (kind, _) in enumerate(kinds)}
    highest = max([i.count for p in points for i in p.indicators] + [1])
    drawing.add(String(left, bar_high + 8, "Indicators (number)", fontName=FONT_BOLD, fontSize=8))
    drawing.add(Line(left, bar_low, left + plot, bar_low, strokeColor=colors.grey))
    text(left - 4, bar_low - 2.5, "0", anchor="end")
    text(left - 4, bar_high - 2.5, str(highest), anchor="end")
    for x, point in zip(centres, points, strict=True):
        count = max(len(point.indicators), 1)
        group = min(slot * 0.7, 16.0 * count)
        bar = group / count
        for index, indicator in enumerate(point.indicators):
            x0 = x - group / 2 + index * bar
            h = (bar_high - bar_low) * indicator.count / highest
            drawing.add(
                Rect(
                    x0,
                    bar_low,
                    bar * 0.9,
                    h,
                    fillColor=colors.HexColor(colour[indicator.id]),
                    strokeColor=None,
                )
            )
            text(x0 + bar * 0.45, bar_low + h + 2, str(indicator.count), size=6, anchor="middle")

    # Time axis: every point's date and form under its slot (thinned when crowded).
    step = max(1, int(len(points) * 52 / plot) + 1) if plot > 0 else 1
    for index, (x, point) in enumerate(zip(centres, points, strict=True)):
        if index % step and index != len(points) - 1:
            continue
        text(x, bar_low - 11, f"{point.when.day} {point.when:%b %Y}", size=6.5, anchor="middle")
        text(x, bar_low - 19, point.name, size=6, anchor="middle")

    # Legend, wrapped onto a second row when the words do not fit on one.
    x, y = left, 16.0
    for kind, words in kinds:
        needed = 16 + 3.6 * len(words)
        if x + needed > width and x > left:
            x, y = left, y - 12
        drawing.add(Rect(x, y, 8, 8, fillColor=colors.HexColor(colour[kind]), strokeColor=None))
        text(x + 11, y + 1, words)
        x += needed
    return drawing
