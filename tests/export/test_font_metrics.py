"""app.export.font_metrics: the DejaVu fonts come to reportlab already read, exactly as
reportlab itself reads them, so every PDF is the same byte for byte (issue 11: the first
signed PDF in a fresh process in under a second)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.export.font_metrics import METRICS_FILE, build_font_metrics, ttfonts
from app.export.page import FONT_BOLD, FONT_REGULAR, font_path

ROOT = Path(__file__).resolve().parents[2]
FONTS = {FONT_REGULAR: font_path(bold=False), FONT_BOLD: font_path(bold=True)}


def _decoded(packed: bytes) -> Any:
    import marshal
    import zlib

    return marshal.loads(zlib.decompress(packed))


def test_the_shipped_reading_is_what_reportlab_reads_now() -> None:
    """Fails after a reportlab or font upgrade: regenerate the file (font_metrics says how).
    Until then nothing is wrong, only slower: a reading that is not this reportlab's is
    not used."""
    shipped = (font_path().parent / METRICS_FILE).read_bytes()

    assert _decoded(shipped) == _decoded(build_font_metrics(list(FONTS.values())))


def _same_font(ours: Any, theirs: Any) -> None:
    from reportlab.pdfbase.ttfonts import TTFNameBytes

    mine, reportlabs = dict(vars(ours)), dict(vars(theirs))
    assert set(mine) == set(reportlabs)
    for key in ("face", "state", "encoding"):
        assert type(mine.pop(key)) is type(reportlabs.pop(key))
    assert mine == reportlabs
    face, their_face = dict(vars(ours.face)), dict(vars(theirs.face))
    assert set(face) == set(their_face)
    scale, their_scale = face.pop("_pdfScale"), their_face.pop("_pdfScale")
    assert [scale(v) for v in (0, 1, 37, 2048, -512)] == [
        their_scale(v) for v in (0, 1, 37, 2048, -512)
    ]
    assert face == their_face
    for key, value in their_face.items():
        assert type(face[key]) is type(value), key
        if isinstance(value, TTFNameBytes):
            assert face[key].ustr == value.ustr


def test_fonts_from_the_shipped_reading_are_reportlabs_own() -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    for ours, (name, path) in zip(ttfonts(FONTS), FONTS.items(), strict=True):
        _same_font(ours, TTFont(name, str(path)))


def test_each_call_makes_its_own_faces() -> None:
    """reportlab adds to a face's glyph tables as it draws: faces share nothing."""
    first, second = ttfonts(FONTS)[0], ttfonts(FONTS)[0]

    assert first.face.glyphToChar == second.face.glyphToChar
    assert first.face.glyphToChar is not second.face.glyphToChar
    assert first.face.charWidths is not second.face.charWidths


def test_a_font_the_reading_is_not_for_is_read_by_reportlab(tmp_path: Path) -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    other = tmp_path / "Other.ttf"
    shutil.copyfile(font_path().parent / "DejaVuSans-Stamp.ttf", other)
    shutil.copyfile(font_path().parent / METRICS_FILE, tmp_path / METRICS_FILE)

    (font,) = ttfonts({"Other": other})
    _same_font(font, TTFont("Other", str(other)))
    (tmp_path / METRICS_FILE).write_bytes(b"damaged")
    (font,) = ttfonts({"Other": other})
    _same_font(font, TTFont("Other", str(other)))


RENDER = """
import sys
from datetime import UTC, datetime
from app.export import font_metrics
from app.export.document import PrintAnswer, PrintDocument, PrintSection
from app.export.pdf import render_pdf

if sys.argv[1] == "read":
    font_metrics._shipped = lambda folder: {}
doc = PrintDocument(
    title="Screening — Zoë", form_id="screening", form_version=1, record_ref="HVN-2026-000001",
    record_id="r1", child_name="Zoë Łukasiewicz-Ó Briain", completed_by="Test Worker",
    completed_at=datetime(2026, 3, 1, tzinfo=UTC), marking="OFFICIAL-SENSITIVE", training=True,
    sections=[PrintSection(title="About", answers=[PrintAnswer(label="Q <b>", text="A & ß\\nű")])],
)
sys.stdout.buffer.write(render_pdf(doc))
"""


def test_a_pdf_drawn_with_the_shipped_reading_is_the_same_byte_for_byte() -> None:
    def render(how: str) -> bytes:
        done = subprocess.run(
            [sys.executable, "-c", RENDER, how],
            capture_output=True,
            timeout=120,
            cwd=ROOT,
            check=True,
        )
        return done.stdout

    shipped = render("shipped")
    assert shipped.startswith(b"%PDF")
    assert shipped == render("read")
