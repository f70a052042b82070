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

Everything a reader may rely on is handled as for a record's PDF (app.export.printing): the page
furniture of app.export.pdf (marking top and bottom of every page, page X of Y, embedded
DejaVu fonts, the training watermark), a PAdES signature verified before the file is
returned (a failed signature returns nothing), an `export` audit entry with no personal
data, and a file name and PDF metadata carrying only the child's opaque reference.
reportlab and pyHanko are imported inside the functions (HOUSE_STYLE: cheap imports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO
from typing import TYPE_CHECKING, Any

from app.domain import Record, Subject
from app.errors import ExportError
from app.forms import form_date, return_interview_status
from app.forms.dates import age_on, format_date, format_datetime, naive_local, parse_date
from app.forms.dates import parse_datetime as parse_answer_datetime
from app.reports.risk_over_time import (
    BAR_COLOURS,
    CATEGORY_LEVELS,
    RiskPoint,
    current_completed,
    describe_points,
    indicator_kinds,
    load_config,
    risk_over_time,
)

if TYPE_CHECKING:
    from app.export.document import PrintDocument
    from app.export.exports import Exports
    from app.export.printing import ExportedPdf
    from app.service import Haven

Progress = Callable[[float], None]

PACK_TITLE = "MASE pack"
PACK_LAYOUT = "mase-pack"
PACK_LAYOUT_VERSION = 1
"""What the page header shows where a record's PDF shows its form id and version."""
AUDIT_DETAIL = "mase-pack"
SIGN_REASON = "MASE pack"
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class EpisodeRow:
    """One missing episode in words, with its flags (section 11)."""

    missing_from: str
    returned: str
    return_interview: str
    repeat_missing: bool


@dataclass(frozen=True)
class ChronologyRow:
    when: str
    what: str
    status: str
    needs_attention: str


@dataclass(frozen=True)
class MasePackContent:
    """Everything the pack prints, as plain values: the renderer needs no store."""

    subject_ref: str
    details: list[tuple[str, str]]
    flags: list[str]
    points: list[RiskPoint]
    episodes: list[EpisodeRow]
    repeat_missing: str
    chronology: list[ChronologyRow]
    records: list[tuple[str, PrintDocument | None]]
    """(form title, its latest completed record's printable form or None)."""
    marking: str
    prepared_by: str
    prepared_at: datetime
    confidentiality: str
    confidentiality_source: str
    training: bool = False


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


# ---- gathering --------------------------------------------------------------------------


def gather(exports: Exports, subject: Subject) -> MasePackContent:
    """The pack's content from the store, through the same use cases the window uses."""
    haven = exports.haven
    config = load_config()
    now = haven.clock()
    points = risk_over_time(haven, subject.id, config)
    repeat = haven.repeat_missing_episodes(subject.id)
    repeat_ids = set(repeat[0]) if repeat else set()
    settings = haven.settings()
    hours = int(str(settings["return_interview_hours"]))
    episodes = [
        EpisodeRow(
            missing_from=_when_words(e.missing_from) if e.missing_from else NOT_RECORDED,
            returned=_when_words(e.returned_at) if e.returned_at else "Not returned",
            return_interview=_interview_words(haven, e, now, hours),
            repeat_missing=e.id in repeat_ids,
        )
        for e in sorted(haven.episodes(subject.id), key=lambda e: e.missing_from or e.created_at)
    ]
    if repeat:
        repeat_text = repeat[1]
    else:
        count = settings["repeat_missing_count"]
        days = int(str(settings["repeat_missing_window_days"]))
        span = f"{days} days" if days else f"{settings['repeat_missing_window_months']} months"
        repeat_text = f"Not repeat-missing: fewer than {count} missing episodes within {span}."
    # Drafts are unchecked work in progress: a signed pack for a multi-agency meeting
    # carries completed records and the episodes only.
    chronology = [
        ChronologyRow(
            when=_when_words(entry.when),
            what=entry.title,
            status=", ".join(dict.fromkeys([entry.status, *entry.badges])).capitalize(),
            needs_attention="; ".join(entry.flags),
        )
        for entry in haven.chronology(subject.id)
        if entry.status != "draft"
    ]
    records: list[tuple[str, PrintDocument | None]] = []
    for form_id in config.mase_pack.latest_in_full:
        latest = _latest_completed(haven, subject.id, form_id)
        title = haven.registry.get(form_id).title
        records.append((title, exports.print_document(latest) if latest is not None else None))
    info = haven.session.info
    return MasePackContent(
        subject_ref=subject.ref,
        details=_child_details(subject, now.date()),
        flags=haven.child_flags(subject.id),
        points=points,
        episodes=episodes,
        repeat_missing=repeat_text,
        chronology=chronology,
        records=records,
        marking=exports.marking(config.mase_pack.marking),
        prepared_by=f"{info.name}, {info.agency}" if info.agency else info.name,
        prepared_at=now,
        confidentiality=config.mase_pack.confidentiality,
        confidentiality_source=config.mase_pack.confidentiality_source,
        training=haven.training,
    )


def _child_details(subject: Subject, today: date) -> list[tuple[str, str]]:
    born = parse_date(subject.dob) if subject.dob else None
    dob = NOT_RECORDED
    if born is not None:
        age = age_on(born, today)
        dob = format_date(born) + (f" (age {age})" if age is not None else "")
    return [
        ("Haven reference", subject.ref),
        ("Name", subject.name),
        ("Known as", subject.known_as or NOT_RECORDED),
        ("Date of birth", dob),
        ("Gender", subject.gender or NOT_RECORDED),
        ("Local authority", subject.local_authority or NOT_RECORDED),
    ]


def _latest_completed(haven: Haven, subject_id: str, form_id: str) -> Record | None:
    """The newest completed, current version of a form, by the form's own date."""
    best: tuple[tuple[date, str], Record] | None = None
    for record in current_completed(haven, subject_id, form_id):
        stamp = record.completed_at or record.updated_at
        dated = form_date(haven.form_for(record), record.answers) or _day(stamp)
        key = (dated, stamp)
        if best is None or key > best[0]:
            best = (key, record)
    return best[1] if best is not None else None


def _interview_words(haven: Haven, episode: Any, now: datetime, hours: int) -> str:
    """Section 11: the return interview is due within 72 hours of the child's return."""
    returned = parse_answer_datetime(episode.returned_at)
    if returned is None:
        return "Not due until the child returns"
    if episode.interviewed_at:
        held = _moment(episode.interviewed_at)
        if held is None:
            return "Recorded"
        status = return_interview_status(returned, now, held, hours=hours)
        timing = f"within {hours} hours" if not status.overdue else f"after {hours} hours"
        return f"Held {format_datetime(held)} ({timing})"
    flags = haven.episode_flags(episode)
    return "; ".join(flags) if flags else "Not held"


def _moment(text: str) -> datetime | None:
    """An answer's local time, or a store stamp (UTC, with zone) in local time."""
    moment = parse_answer_datetime(text)
    if moment is not None:
        return moment
    try:
        return naive_local(datetime.fromisoformat(text))
    except ValueError:
        return None


def _when_words(text: str) -> str:
    if "T" in text:
        moment = _moment(text)
        if moment is not None:
            return format_datetime(moment)
    day = parse_date(text)
    return format_date(day) if day is not None else text


def _day(stamp: str) -> date:
    moment = _moment(stamp)
    return moment.date() if moment is not None else date.min


def _tick(progress: Progress | None, value: float) -> None:
    if progress is not None:
        progress(max(0.0, min(1.0, value)))


# ---- rendering --------------------------------------------------------------------------


def render_mase_pack(content: MasePackContent) -> bytes:
    """The pack as PDF bytes, with app.export.pdf's page template and furniture.

    Raises ExportError (no personal data in the message) when the layout fails.
    """
    from reportlab.platypus import LayoutError

    from app.export.pdf import _doc_template, _numbered_canvas_class, _register_fonts

    _register_fonts()
    frame_doc = _frame_document(content)
    story = _story(content)
    buffer = BytesIO()
    template = _doc_template(frame_doc, buffer, lambda: None)
    try:
        template.build(story, canvasmaker=_numbered_canvas_class(frame_doc))
    except LayoutError as exc:
        raise ExportError(
            "The MASE pack could not be laid out: one answer is too large to fit on a page."
        ) from exc
    return buffer.getvalue()


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

    from app.export.pdf import (
        MARGIN_LEFT,
        MARGIN_RIGHT,
        PAGE_WIDTH,
        _signature_space,
        _styles,
        markup,
    )

    styles = _styles()
    styles["small"] = ParagraphStyle(
        "MaseSmall", parent=styles["body"], fontSize=8.5, leading=11, spaceAfter=4
    )
    styles["subheading"] = ParagraphStyle(
        "MaseSubheading", parent=styles["group"], fontSize=10.5, leading=13, spaceBefore=8
    )
    width = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
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
    story.append(_signature_space())
    return story


def _key_value_table(
    rows: Sequence[tuple[str, str]], width: float, styles: dict[str, Any], *, shaded: bool
) -> Any:
    from reportlab.platypus import Paragraph, Table, TableStyle

    from app.export.pdf import _GRID, markup

    cells = [
        [Paragraph(markup(label), styles["label"]), Paragraph(markup(value), styles["body"])]
        for label, value in rows
    ]
    extra = [("BACKGROUND", (0, 0), (0, -1), "#eeeeee")] if shaded else []
    return Table(
        cells,
        colWidths=[width * 0.3, width * 0.7],
        style=TableStyle([*_GRID, *extra]),
        splitInRow=1,
        hAlign="LEFT",
    )


def _grid_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], styles: Any
) -> Any:
    """A table with a repeated header row, splittable over pages."""
    from reportlab.platypus import Paragraph, Table, TableStyle

    from app.export.pdf import _GRID, markup

    cells = [[Paragraph(f"<b>{markup(text)}</b>", styles["label"]) for text in header]]
    cells += [[Paragraph(markup(text), styles["body"]) for text in row] for row in rows]
    return Table(
        cells,
        colWidths=list(widths),
        style=TableStyle([*_GRID, ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee")]),
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

    from app.export.pdf import _answer_flowables, _outcome_table, format_datetime, markup

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
            flow.extend(_answer_flowables(section.answers, width, 0, styles))
        else:
            flow.append(Paragraph("No items in this section applied.", styles["missing"]))
    if doc.outcomes:
        flow.append(Paragraph("Outcome", styles["subheading"]))
        flow.append(_outcome_table(doc.outcomes, width, styles))
    return flow


# ---- the chart ----------------------------------------------------------------------------


def risk_chart(points: Sequence[RiskPoint], width: float) -> Any:
    """A reportlab Drawing: the category as a step line (0 to 3) above the indicator
    counts as grouped bars, one slot per point in time order."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
    from reportlab.lib import colors

    from app.export.pdf import FONT_BOLD, FONT_REGULAR

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
