"""The ASCII stamp font shipped in resources/fonts is what `build_stamp_font` makes, so the
first signature in a fresh process need not cut DejaVu Sans down (issue 11: < 1 s)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from app.export.page import font_path
from app.export.signing import STAMP_FONT_FILE, _stamp_font_bytes, build_stamp_font

ASCII = [chr(c) for c in range(32, 127)]


def _metrics(font: TTFont) -> tuple[int, str, dict[str, tuple[str, int]]]:
    cmap = font.getBestCmap()
    widths = {ch: (cmap[ord(ch)], font["hmtx"][cmap[ord(ch)]][0]) for ch in ASCII}
    return font["head"].unitsPerEm, font["name"].getDebugName(4), widths


def test_the_shipped_stamp_font_matches_a_fresh_build() -> None:
    shipped = font_path().parent / STAMP_FONT_FILE

    assert shipped.is_file()
    assert _metrics(TTFont(BytesIO(shipped.read_bytes()))) == _metrics(
        TTFont(BytesIO(build_stamp_font()))
    )
    assert _metrics(TTFont(BytesIO(shipped.read_bytes())))[:2] == (1000, "DejaVu Sans")


def test_ascii_stamps_use_the_shipped_font_and_others_a_fresh_cut() -> None:
    shipped = (font_path().parent / STAMP_FONT_FILE).read_bytes()

    assert _stamp_font_bytes("") == shipped
    accented = TTFont(BytesIO(_stamp_font_bytes("ëŁ")))
    assert {ord("ë"), ord("Ł")} <= set(accented.getBestCmap())
    assert accented["head"].unitsPerEm == 1000


def test_the_stamp_accumulator_sets_up_what_pyhankos_own_does() -> None:
    """_presubset_accumulator keeps the parsed font between signatures and gives each
    accumulator the per-document state GlyphAccumulator.__init__ would: the same
    attributes, the same shaping and the same font dictionaries. A pyHanko upgrade that
    changes its __init__ fails here rather than in a signed PDF."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
    from pyhanko.pdf_utils.writer import PdfFileWriter

    from app.export.signing import _presubset_accumulator

    font = _stamp_font_bytes("")
    ours = _presubset_accumulator()(font, writer=PdfFileWriter(), font_size=9)
    theirs = GlyphAccumulator(PdfFileWriter(), BytesIO(font), 9)
    assert set(vars(ours)) == set(vars(theirs))
    assert ours.units_per_em == theirs.units_per_em
    assert ours.cidfont_obj.name.split("+")[1] == theirs.cidfont_obj.name.split("+")[1]
    for text in ("Digitally signed by: Bench Worker", "Date: 3 March 2026 (signer's clock)"):
        assert ours.shape(text) == theirs.shape(text)
    assert ours._cid_to_unicode == theirs._cid_to_unicode
    assert ours._glyphs == theirs._glyphs
    # A second accumulator starts empty: nothing of the first document's glyphs is shared.
    again = _presubset_accumulator()(font, writer=PdfFileWriter(), font_size=9)
    assert again._glyphs == {} and again._cid_to_unicode == {}
    assert again.tt is ours.tt


def _accumulators(font: bytes) -> tuple[Any, Any]:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
    from pyhanko.pdf_utils.writer import PdfFileWriter

    from app.export.signing import _presubset_accumulator

    ours = _presubset_accumulator()(font, writer=PdfFileWriter(), font_size=9)
    theirs = GlyphAccumulator(PdfFileWriter(), BytesIO(font), 9)
    return ours, theirs


def test_the_stamp_font_read_without_fonttools_gives_pyhankos_font_dictionaries() -> None:
    """The stamp font's tables are read with `struct` (fontTools is slow to import): the
    font descriptor, the glyph widths and the PostScript name are what pyHanko reads with
    fontTools, for the shipped font and for a fresh cut with letters beyond ASCII."""
    for font in (_stamp_font_bytes(""), _stamp_font_bytes("ëŁŽ")):
        ours, theirs = _accumulators(font)
        mine = dict(ours.cidfont_obj._font_descriptor)
        pyhankos = dict(theirs.cidfont_obj._font_descriptor)
        for both in (mine, pyhankos):
            # The subset prefix is random per document.
            both["/FontName"] = str(both["/FontName"]).split("+")[1]
        assert mine == pyhankos
        assert ours.cidfont_obj.name.split("+")[1] == theirs.cidfont_obj.name.split("+")[1]
        tt = TTFont(BytesIO(font))
        widths = {gid: ours._glyph_set[gid].width for gid in range(len(tt.getGlyphOrder()))}
        assert widths == {gid: tt["hmtx"][name][0] for gid, name in enumerate(tt.getGlyphOrder())}


def test_a_cluster_of_several_glyphs_maps_back_to_its_characters_as_pyhanko_does() -> None:
    """A letter with a combining accent that has no precomposed glyph shapes to two
    glyphs in one cluster; pyHanko then maps the glyphs back to characters through the
    font's reversed character map, which is built here from HarfBuzz's."""
    ours, theirs = _accumulators(_stamp_font_bytes("q\u0301"))
    text = "Signed by q\u0301 Worker"

    assert ours.shape(text) == theirs.shape(text)
    assert ours._cid_to_unicode == theirs._cid_to_unicode
    assert "\u0301" in ours._cid_to_unicode.values()
