"""The printable PDF, checked with poppler's independent tools (pdftotext, pdfinfo, pdffonts).

SPEC 4: marking in header and footer of every page, page X of Y, record id and form
version, answered and unanswered items, outcome with reasons, sharing decision, embedded
fonts. Security anchors E3: no child identifiers in PDF metadata.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from app.errors import ExportError
from app.export.document import PrintAnswer, PrintDocument, PrintSection
from app.export.page import PAGE_HEIGHT, PAGE_WIDTH, TRAINING_WATERMARK
from app.export.pdf import SIGNATURE_BOX, render_pdf

# Header and footer bands, in points from the top of the page (pdftotext -x/-y/-W/-H).
HEADER_BAND = (0, 0, int(PAGE_WIDTH) + 1, 58)
FOOTER_BAND = (0, int(PAGE_HEIGHT) - 58, int(PAGE_WIDTH) + 1, 58)


def band(page: int, area: tuple[int, int, int, int]) -> list[str]:
    x, y, w, h = area
    return [
        "-f", str(page), "-l", str(page),
        "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h),
    ]  # fmt: skip


def page_text(tools, path: Path, page: int) -> str:
    return str(tools.pdftotext(path, "-f", str(page), "-l", str(page)))


@pytest.fixture
def rendered_file(rendered: bytes, pdf_file: Callable[[bytes], Path]) -> Path:
    return pdf_file(rendered)


def test_every_answer_section_and_outcome_is_printed(tools, document, rendered_file):
    text = tools.pdftotext(rendered_file)
    flat = " ".join(text.split())
    for section in document.sections:
        assert section.title in text
        for answer in section.answers:
            assert answer.label in text
            if answer.text is not None:
                assert " ".join(answer.text.split()) in flat
    for outcome in document.outcomes:
        assert outcome.label in text
        assert outcome.value_text in text
        assert outcome.reason in flat
        assert f"({outcome.kind})" in text
    assert "Information-sharing decision" in text
    for answer in document.sharing_decision:
        assert answer.text in flat
    # Header facts on the title block: record id reference and the form version.
    assert document.record_ref in text
    assert "screening, version 3" in text


def test_repeatable_groups_print_every_entry(tools, rendered_file):
    text = tools.pdftotext(rendered_file)
    assert "Details of known suspects (2 entries)" in text
    assert "Entry 1 of 2" in text and "Entry 2 of 2" in text
    assert "Suspect Alpha" in text and "Suspect Beta" in text
    assert "Vehicles (1 entry)" in text
    assert "AB12 CDE" in text and "Silver" in text


def test_unanswered_items_print_not_answered(tools, document, rendered_file):
    text = tools.pdftotext(rendered_file)
    expected = sum(tools.count_unanswered(s.answers) for s in document.sections)
    assert expected > 5
    assert text.count("Not answered") == expected


def test_marking_is_in_header_and_footer_of_every_page(tools, rendered_file):
    pages = int(tools.pdfinfo(rendered_file)["Pages"])
    assert pages >= 3, "the sample must run over several pages for this test to mean much"
    for page in range(1, pages + 1):
        header = tools.pdftotext(rendered_file, *band(page, HEADER_BAND))
        footer = tools.pdftotext(rendered_file, *band(page, FOOTER_BAND))
        assert tools.marking in header, f"page {page} header"
        assert tools.marking in footer, f"page {page} footer"
        assert f"Haven ref {tools.record_ref}" in header + footer
        assert "form screening version 3" in header
        assert "form screening version 3" in footer


def test_page_x_of_y_is_right_on_every_page(tools, rendered_file):
    pages = int(tools.pdfinfo(rendered_file)["Pages"])
    assert pages >= 3
    for page in range(1, pages + 1):
        footer = tools.pdftotext(rendered_file, *band(page, FOOTER_BAND))
        numbers = re.findall(r"Page (\d+) of (\d+)", footer)
        assert numbers == [(str(page), str(pages))]


def test_non_ascii_latin_name_extracts_exactly(tools, rendered_file):
    text = tools.pdftotext(rendered_file)
    assert tools.child_name in text


def test_user_text_is_escaped_not_interpreted_as_markup(tools, rendered_file):
    text = tools.pdftotext(rendered_file)
    assert "Tom & Jerry <b>not bold</b> 5 > 3" in text
    assert "First line\nSecond line" in text


def test_all_fonts_are_embedded_truetype(tools, rendered_file):
    result = tools.run(["pdffonts", str(rendered_file)])
    assert result.returncode == 0
    rows = result.stdout.decode().splitlines()[2:]
    assert rows, "the PDF should use fonts"
    for row in rows:
        # columns: name type encoding emb sub uni object-id
        fields = row.split()
        assert "DejaVuSans" in fields[0], row
        assert fields[-5] == "yes", f"font not embedded: {row}"
    for base14 in ("Helvetica", "Times", "Courier"):
        assert base14 not in result.stdout.decode()


def test_metadata_has_reference_and_title_but_no_child_name(tools, rendered, rendered_file):
    info = tools.pdfinfo(rendered_file)
    keys = ("Title", "Subject", "Keywords", "Author", "Creator")
    metadata = " ".join(info.get(k, "") for k in keys)
    assert tools.record_ref in info["Title"]
    assert "CSE screening tool" in info["Title"]
    for canary in tools.name_canaries:
        assert canary not in metadata
        assert canary.encode("utf-8") not in rendered
        assert canary.encode("utf-16-be") not in rendered
    assert "Pat Practitioner" not in metadata


def test_training_documents_carry_the_watermark_on_every_page(tools, make_document, pdf_file):
    path = pdf_file(render_pdf(make_document(training=True)))
    pages = int(tools.pdfinfo(path)["Pages"])
    assert pages >= 3
    for page in range(1, pages + 1):
        assert TRAINING_WATERMARK in page_text(tools, path, page), f"page {page}"
    assert "TRAINING" in tools.pdfinfo(path)["Subject"]


def test_real_documents_have_no_training_watermark(tools, rendered_file):
    assert "TRAINING" not in tools.pdftotext(rendered_file)


def test_signature_space_is_reserved_at_the_fixed_box_on_the_last_page(
    tools, make_document, pdf_file
):
    """Short and long documents both put the box where the signer will draw its field."""
    for sections in (0, 4, 9):
        path = pdf_file(render_pdf(make_document(sections=sections)))
        pages = int(tools.pdfinfo(path)["Pages"])
        bbox = tools.pdftotext(path, "-bbox", "-f", str(pages), "-l", str(pages))
        match = re.search(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">Digital</word>',
            bbox,
        )
        assert match, f"no signature caption on the last page ({sections} sections)"
        x_min, y_max = float(match.group(1)), float(match.group(3))
        caption_baseline_from_top = PAGE_HEIGHT - (SIGNATURE_BOX[3] + 8)
        assert abs(x_min - SIGNATURE_BOX[0]) < 2
        assert abs(y_max - caption_baseline_from_top) < 4


def test_output_is_deterministic_and_progress_reaches_one(document):
    steps: list[float] = []
    first = render_pdf(document, progress=steps.append)
    assert first == render_pdf(document)
    assert first.startswith(b"%PDF-")
    assert steps[0] == 0.0 and steps[-1] == 1.0
    assert steps == sorted(steps)


def test_empty_sections_and_missing_sharing_decision_are_stated(tools, make_document, pdf_file):
    doc = replace(
        make_document(sections=0),
        sections=[PrintSection("Nothing relevant", [])],
        sharing_decision=None,
    )
    text = tools.pdftotext(pdf_file(render_pdf(doc)))
    assert "No items in this section applied." in text
    assert "No information-sharing decision has been recorded" in text


def test_a_very_long_answer_flows_over_pages(tools, make_document, pdf_file):
    essay = " ".join(f"word{i}" for i in range(6000))
    doc: PrintDocument = replace(
        make_document(sections=0),
        sections=[PrintSection("Long", [PrintAnswer("Account in the child's words", essay)])],
    )
    path = pdf_file(render_pdf(doc))
    text = " ".join(tools.pdftotext(path).split())
    assert "word0 " in text and "word5999" in text
    assert int(tools.pdfinfo(path)["Pages"]) >= 3


def test_kept_line_breaks_give_the_same_pdf_as_reportlabs_paragraph(
    monkeypatch, document, make_document
):
    """app.export.page.paragraph_type reuses line breaks across a table's repeated wraps;
    the PDF must be byte for byte what reportlab's own Paragraph draws, including a long
    answer split inside its row across pages."""
    from reportlab.platypus import Paragraph

    import app.export.pdf as pdf_module

    essay = "\n".join(" ".join(f"line{n}word{i}" for i in range(40)) for n in range(120))
    long_doc: PrintDocument = replace(
        document,
        sections=[
            *document.sections,
            PrintSection("Long", [PrintAnswer("Account in the child's words", essay)]),
        ],
    )
    kept = [render_pdf(long_doc), render_pdf(document)]
    monkeypatch.setattr(pdf_module, "paragraph_type", lambda: Paragraph)
    assert [render_pdf(long_doc), render_pdf(document)] == kept


@pytest.mark.parametrize(
    "text",
    [
        "plain words",
        "  leading, trailing   and  inner   spaces  ",
        "tab\tand\u00a0no-break\u2003em space",
        "line one\nline two\n\n  line four",
        "Zoë Łukasiewicz Ó Briain — “quoted” 'apostrophe' > 3",
        "   ",
        "",
        "a <b>bold</b> &amp; an entity",
    ],
)
def test_plain_text_paragraphs_match_reportlabs_parser(text):
    """paragraph_type skips reportlab's HTML parser for text with no tag or entity; the
    fragments must be the parser's own, font, size, colour and all."""
    from reportlab.platypus import Paragraph

    from app.export.page import paragraph_styles, paragraph_type, register_fonts

    register_fonts()
    for style in paragraph_styles().values():
        ours = paragraph_type()(text, style)
        theirs = Paragraph(text, style)
        assert ours.text == theirs.text
        assert [vars(f) for f in ours.frags] == [vars(f) for f in theirs.frags]
        assert ours.wrap(200, 1000) == theirs.wrap(200, 1000)


def test_control_characters_in_answers_do_not_break_rendering(tools, make_document, pdf_file):
    doc = replace(
        make_document(sections=0),
        sections=[PrintSection("Odd", [PrintAnswer("Q", "bell\x07 null\x00 tab\there")])],
    )
    text = tools.pdftotext(pdf_file(render_pdf(doc)))
    assert "bell null tab here" in text


def test_missing_font_files_raise_export_error(monkeypatch, tmp_path):
    from app.export import page

    monkeypatch.setattr(page, "resources_dir", lambda: tmp_path)
    with pytest.raises(ExportError):
        page.font_path()


def test_resources_are_found_inside_a_pyinstaller_bundle(monkeypatch, tmp_path):
    from app.export import page

    (tmp_path / "resources" / "fonts").mkdir(parents=True)
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert page.resources_dir() == tmp_path / "resources"
