"""The LSCB dataset as a CSV file and a PDF with charts, and saving them (audited).

Only what `LscbReport` says may be published leaves here: each count's `text` ("12",
"0", "<5", "[c]") and, for the charts, `Count.shown` (0 for a hidden count, with the
hidden count's text as the bar's label), so neither a file nor a bar's height gives away
a small number.

The PDF is drawn on app.export.page's marked page (HOUSE_STYLE: one place draws PDFs):
the embedded DejaVu fonts, the protective marking in the header and footer
of every page, "Page X of Y", and the training watermark for a training profile. Charts
are reportlab.graphics bar charts drawn with the same embedded font. reportlab is
imported inside the functions that need it because it is slow to import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.export.page import (
    CONTENT_WIDTH,
    FONT_BOLD,
    FONT_REGULAR,
    PAGE_HEIGHT,
    TRAINING_WATERMARK,
    MarkedPage,
    build_marked_pdf,
    markup,
    register_fonts,
    single_line,
)
from app.forms.dates import format_date
from app.reports.lscb import Count, LscbReport, Measure, ProfileTable

if TYPE_CHECKING:
    from app.service import Haven

TITLE = "LSCB CSE dataset"
SOURCE = "West Midlands CSE framework, section 19 and Appendix 14; missing measures: section 11"
CSV_COLUMNS = ("section", "measure", "breakdown", "group", "category", "quarter", "year_to_date")
CONTENT_TOP = PAGE_HEIGHT - 78

Progress = Callable[[int, str], None]


# ---- CSV ----------------------------------------------------------------------------------


def lscb_csv(report: LscbReport) -> str:
    """The dataset as CSV text: marking lines first and last, a few lines saying what it
    is, then one row per count (long format: one count per row, quarter and year to date
    side by side). Every cell is a label from Haven's own files or a count's text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    rule = report.suppression
    writer.writerow([report.marking])
    writer.writerow([f"{TITLE} ({SOURCE})"])
    if report.training:
        writer.writerow([TRAINING_WATERMARK])
    writer.writerow(["Quarter", report.quarter.name, report.quarter.words()])
    writer.writerow(["Year to date", report.year_to_date.words()])
    writer.writerow(["Produced", format_date(report.generated_on)])
    if not report.quarter_ended:
        writer.writerow(["Note", "The quarter has not ended: its figures are to date."])
    writer.writerow(
        [
            "Small numbers",
            f"Counts from 1 to {rule.below - 1} are shown as {rule.shown_as}; "
            f"{rule.complementary} marks a count hidden so that a small one cannot be "
            "worked out from a total.",
        ]
    )
    writer.writerow([])
    writer.writerow(CSV_COLUMNS)
    for measure in report.screened:
        category = measure.label if measure.key != "screened" else "All categories"
        writer.writerow([measure.section, "Children screened", "", "", category, *_pair(measure)])
    section = report.screened[0].section if report.screened else ""
    for table in report.profiles:
        for row_index, row in enumerate(table.rows[:-1]):
            for column_index, column in enumerate(table.columns):
                writer.writerow(
                    [
                        section,
                        "Children screened",
                        table.title,
                        row,
                        column,
                        table.quarter[row_index][column_index].text,
                        table.year_to_date[row_index][column_index].text,
                    ]
                )
    for measure in report.measures:
        writer.writerow([measure.section, measure.label, "", "", "", *_pair(measure)])
    writer.writerow([])
    writer.writerow([report.marking])
    return out.getvalue()


def _pair(measure: Measure) -> list[str]:
    year = measure.year_to_date.text if measure.year_to_date is not None else ""
    return [measure.quarter.text, year]


# ---- PDF ----------------------------------------------------------------------------------


def lscb_pdf(report: LscbReport, progress: Callable[[float], None] | None = None) -> bytes:
    """The dataset as a PDF: summary table, charts, profile tables, definitions.

    Raises ExportError (no personal data: there is none in the report) when layout fails.
    """
    register_fonts()  # before the story: its tables and charts measure text
    story = _story(report)
    total = max(len(story), 1)
    done = 0

    def after_flowable() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(done / total, 0.99))

    title = f"{TITLE} {report.quarter.name}"
    page = MarkedPage(
        marking=report.marking,
        header_left=title,
        header_right="Anonymised counts",
        footer_left=title,
        training=report.training,
        made_at=datetime.combine(report.generated_on, time(), tzinfo=UTC),
        title=title,
        subject=f"{TITLE}, {report.quarter.words()}"
        + (f" ({TRAINING_WATERMARK})" if report.training else ""),
        keywords=f"{single_line(report.marking)}, {report.quarter.name}",
        template_id="lscb",
        content_top=CONTENT_TOP,
    )
    if progress is not None:
        progress(0.0)
    data = build_marked_pdf(
        page,
        story,
        layout_error="The LSCB report could not be laid out on the page.",
        after_flowable=after_flowable,
    )
    if progress is not None:
        progress(1.0)
    return data


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("LscbBody", fontName=FONT_REGULAR, fontSize=9.5, leading=12.5)
    return {
        "body": body,
        "small": ParagraphStyle(
            "LscbSmall", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor(0x333333)
        ),
        "cell": ParagraphStyle("LscbCell", parent=body, fontSize=8.5, leading=10.5),
        "note": ParagraphStyle(
            "LscbNote",
            parent=body,
            fontSize=8.5,
            leading=11,
            leftIndent=10,
            bulletIndent=0,
            bulletFontName=FONT_REGULAR,
            spaceAfter=3,
        ),
        "title": ParagraphStyle(
            "LscbTitle", parent=body, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=6
        ),
        "heading": ParagraphStyle(
            "LscbHeading",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=12,
            spaceAfter=5,
        ),
        "subheading": ParagraphStyle(
            "LscbSubheading", parent=body, fontName=FONT_BOLD, spaceBefore=8, spaceAfter=3
        ),
    }


_GRID = [
    ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),
    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("GRID", (0, 0), (-1, -1), 0.4, "#9a9a9a"),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
    ("BACKGROUND", (0, 0), (-1, 0), "#e6e6e6"),
]


def _story(report: LscbReport) -> list[Any]:
    from reportlab.platypus import KeepTogether, Paragraph

    styles = _styles()
    width = CONTENT_WIDTH
    rule = report.suppression
    story: list[Any] = [
        Paragraph(markup(f"{TITLE}: {report.quarter.name}"), styles["title"]),
        Paragraph(
            markup(
                f"Quarter: {report.quarter.words()}. Year to date: {report.year_to_date.words()}. "
                f"Produced {format_date(report.generated_on)}."
            ),
            styles["body"],
        ),
    ]
    if not report.quarter_ended:
        story.append(
            Paragraph("The quarter has not ended: its figures are to date.", styles["body"])
        )
    story.append(
        Paragraph(
            markup(
                f"{SOURCE}. Anonymised counts: no names, dates of birth, record references or "
                f"typed text. Counts from 1 to {rule.below - 1} are shown as {rule.shown_as}; "
                f"{rule.complementary} marks a count hidden so that a small one cannot be "
                "worked out from a total."
            ),
            styles["small"],
        )
    )
    story.append(Paragraph("Summary", styles["heading"]))
    story.append(_summary_table(report, width, styles))
    story.append(
        KeepTogether(
            [
                Paragraph("Children screened by final category", styles["heading"]),
                _bar_chart(
                    [m.label for m in report.screened],
                    [
                        ("Quarter", [m.quarter for m in report.screened]),
                        (
                            "Year to date",
                            [m.year_to_date or m.quarter for m in report.screened],
                        ),
                    ],
                    width,
                ),
                Paragraph(_chart_caption(report), styles["small"]),
            ]
        )
    )
    missing = [
        m
        for m in report.measures
        if m.year_to_date is not None and m.section in ("Missing", "Return interviews")
    ]
    story.append(
        KeepTogether(
            [
                Paragraph("Missing episodes and return interviews", styles["heading"]),
                _bar_chart(
                    [m.label for m in missing],
                    [
                        ("Quarter", [m.quarter for m in missing]),
                        ("Year to date", [m.year_to_date or m.quarter for m in missing]),
                    ],
                    width,
                ),
                Paragraph(_chart_caption(report), styles["small"]),
            ]
        )
    )
    story.append(Paragraph("Profile of children screened", styles["heading"]))
    story.append(
        Paragraph(
            "Each child once per period, by their latest screening in it. Rows: the child's "
            "profile; columns: the final category decided.",
            styles["small"],
        )
    )
    for table in report.profiles:
        for name, words in (("quarter", "quarter"), ("year_to_date", "year to date")):
            story.append(
                KeepTogether(
                    [
                        Paragraph(markup(f"{table.title}, {words}"), styles["subheading"]),
                        _profile_table(table, name, width, styles),
                    ]
                )
            )
    story.append(Paragraph("What the figures count", styles["heading"]))
    for note in report.notes:
        story.append(Paragraph(markup(note), styles["note"], bulletText="•"))
    return story


def _chart_caption(report: LscbReport) -> str:
    rule = report.suppression
    return markup(
        f"Counts shown as {rule.shown_as} or {rule.complementary} are drawn as empty bars "
        "so that the chart does not give them away."
    )


def _summary_table(report: LscbReport, width: float, styles: dict[str, Any]) -> Any:
    from reportlab.platypus import Paragraph, Table, TableStyle

    rows: list[list[Any]] = [["Measure", "Quarter", "Year to date"]]
    spans: list[tuple[str, tuple[int, int], tuple[int, int], Any]] = []
    section = ""
    for measure in (*report.screened, *report.measures):
        if measure.section != section:
            section = measure.section
            spans.append(("SPAN", (0, len(rows)), (-1, len(rows)), None))
            rows.append([Paragraph(f"<b>{markup(section)}</b>", styles["cell"]), "", ""])
        label = measure.label
        if measure.section == report.screened[0].section and measure.key != "screened":
            label = f"Children screened: {label}"
        year = measure.year_to_date.text if measure.year_to_date is not None else "n/a"
        rows.append([Paragraph(markup(label), styles["cell"]), measure.quarter.text, year])
    commands: list[Any] = [*_GRID, ("ALIGN", (1, 0), (-1, -1), "RIGHT")]
    for _, start, end, _unused in spans:
        commands.append(("SPAN", start, end))
        commands.append(("BACKGROUND", start, end, "#f3f3f3"))
    return Table(
        rows,
        colWidths=[width * 0.64, width * 0.18, width * 0.18],
        style=TableStyle(commands),
        repeatRows=1,
        hAlign="LEFT",
    )


def _profile_table(table: ProfileTable, period: str, width: float, styles: dict[str, Any]) -> Any:
    from reportlab.platypus import Paragraph, Table, TableStyle

    cells = table.quarter if period == "quarter" else table.year_to_date
    header: list[Any] = [
        Paragraph(f"<b>{markup(table.title)}</b>", styles["cell"]),
        *(Paragraph(f"<b>{markup(c)}</b>", styles["cell"]) for c in table.columns),
    ]
    rows: list[list[Any]] = [header]
    for row_label, counts in zip(table.rows, cells, strict=True):
        rows.append([Paragraph(markup(row_label), styles["cell"]), *(c.text for c in counts)])
    first = width * 0.34
    rest = (width - first) / len(table.columns)
    return Table(
        rows,
        colWidths=[first, *([rest] * len(table.columns))],
        style=TableStyle(
            [
                *_GRID,
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
                ("FONTNAME", (-1, 1), (-1, -1), FONT_BOLD),
            ]
        ),
        hAlign="LEFT",
    )


def _bar_chart(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[Count]]], width: float
) -> Any:
    """Grouped bars, one colour per series, each bar labelled with its published text.

    Hidden counts are drawn at 0 (`Count.shown`); their label ("<5", "[c]") says why.
    Every string uses the embedded font, so no base-14 font is referenced.
    """
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    height = 190.0
    drawing = Drawing(width, height)
    # The renderer starts every drawing in Helvetica unless told otherwise; a base-14
    # font would be referenced but not embedded (SPEC 4).
    drawing.initialFontName = FONT_REGULAR
    chart = VerticalBarChart()
    chart.x, chart.y = 34, 46
    chart.width, chart.height = width - 44, height - 76
    chart.data = [[count.shown for count in counts] for _, counts in series]
    top = max([1, *(v for row in chart.data for v in row)])
    step = max(1, -(-top // 5))
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = step * 5 + (step if top >= step * 5 else 0)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = FONT_REGULAR
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = [single_line(c) for c in categories]
    chart.categoryAxis.labels.fontName = FONT_REGULAR
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.maxWidth = chart.width / max(1, len(categories)) - 4
    chart.barLabelFormat = "values"
    chart.barLabelArray = [[count.text for count in counts] for _, counts in series]
    chart.barLabels.fontName = FONT_REGULAR
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    chart.groupSpacing = 8
    chart.barSpacing = 1
    palette = [colors.HexColor(0x1D4E89), colors.HexColor(0x7FA7D9)]
    for index in range(len(series)):
        chart.bars[index].fillColor = palette[index % len(palette)]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.fontName = FONT_REGULAR
    legend.fontSize = 7.5
    legend.x, legend.y = 34, height - 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 90
    legend.colorNamePairs = [
        (palette[index % len(palette)], name) for index, (name, _) in enumerate(series)
    ]
    drawing.add(legend)
    return drawing


# ---- saving -------------------------------------------------------------------------------


def save_lscb(
    haven: Haven,
    report: LscbReport,
    *,
    csv_path: Path | None = None,
    pdf_path: Path | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Write the CSV and/or PDF atomically (owner-only), then audit that the dataset left.

    Both files are made before either is written, so a layout failure writes nothing.
    The audit entry's detail is "lscb <quarter>": the report holds no personal data, and
    the entry says a dataset left Haven even if the second file then failed to save.
    """
    from app.export.atomic import write_atomic

    def report_progress(percent: float, text: str) -> None:
        if progress is not None:
            progress(int(max(0.0, min(100.0, percent))), text)

    outputs: list[tuple[Path, bytes]] = []
    if csv_path is not None:
        report_progress(5, "Making the CSV")
        outputs.append((Path(csv_path), lscb_csv(report).encode("utf-8")))
    if pdf_path is not None:
        report_progress(10, "Making the PDF")
        pdf = lscb_pdf(report, lambda f: report_progress(10 + 80 * f, "Making the PDF"))
        outputs.append((Path(pdf_path), pdf))
    written: list[Path] = []
    try:
        for path, data in outputs:
            report_progress(92, "Saving")
            write_atomic(path, data)
            written.append(path)
    finally:
        if written:
            haven.repo.audit(haven.actor, "report", None, f"lscb {report.quarter.name}")
    report_progress(100, "Done")
    return written
