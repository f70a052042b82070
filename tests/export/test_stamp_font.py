"""The ASCII stamp font shipped in resources/fonts is what `build_stamp_font` makes, so the
first signature in a fresh process need not cut DejaVu Sans down (issue 11: < 1 s)."""

from __future__ import annotations

from io import BytesIO

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
