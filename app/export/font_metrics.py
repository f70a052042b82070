"""reportlab's reading of Haven's TrueType fonts, shipped already read.

reportlab reads a TrueType font's character map and every glyph's width in Python when
the font is registered: about 12 ms for each DejaVu face, in every process that draws a
PDF (issue 11: the first signed PDF in a fresh process in under a second). What it reads
depends only on the font file and reportlab's version, so it is read once by a
maintainer's step (`write_font_metrics`) and shipped in resources/fonts beside the fonts,
as the pre-cut stamp font is. A font or a reportlab that does not match what was read is
simply read again as before, so the PDF is the same either way.

The font file itself is still read for every process: reportlab embeds a subset of it.
"""

from __future__ import annotations

import hashlib
import marshal
import zlib
from pathlib import Path
from typing import Any

METRICS_FILE = "reportlab-font-metrics.cache"
"""In the fonts folder. Regenerate it with `python -c "from app.export.page import
write_font_metrics; write_font_metrics()"` when a font or reportlab changes
(tests/export/test_font_metrics.py says when)."""

_NOT_KEPT = ("_ttf_data", "_pdfScale", "filename")
"""Face attributes not shipped: the file's bytes and name (this installation's) and the
scaling function, which is made from unitsPerEm as reportlab makes it."""


def ttfonts(fonts: dict[str, Path]) -> list[Any]:
    """reportlab's TTFont for each font file (by font name), from the shipped reading if
    it is that font's and this reportlab's, else read as reportlab reads it. Each call
    makes new faces: reportlab adds to a face's tables as it draws."""
    from reportlab.pdfbase.ttfonts import TTFont

    shipped: dict[str, Any] | None = None
    made = []
    for name, path in fonts.items():
        data = path.read_bytes()
        if shipped is None:
            shipped = _shipped(path.parent)
        state = shipped.get(_key(data))
        made.append(
            TTFont(name, str(path)) if state is None else _font(name, _face(state, data, path))
        )
    return made


def build_font_metrics(paths: list[Path]) -> bytes:
    """The shipped file's content: reportlab's reading of each font in `paths`."""
    from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFontFace

    faces: dict[str, Any] = {}
    for path in paths:
        face = TTFontFace(str(path))
        kept = {k: v for k, v in vars(face).items() if k not in _NOT_KEPT}
        names = {k: (bytes(v), v.ustr) for k, v in kept.items() if isinstance(v, TTFNameBytes)}
        plain = {k: v for k, v in kept.items() if k not in names}
        faces[_key(path.read_bytes())] = {"plain": plain, "names": names}
    return zlib.compress(marshal.dumps(faces), 9)


def _key(font: bytes) -> str:
    """The font's content and the reportlab that reads it."""
    from reportlab import Version

    return f"{Version}:{hashlib.blake2b(font, digest_size=16).hexdigest()}"


def _shipped(folder: Path) -> dict[str, Any]:
    try:
        # A shipped resource, as trusted as Haven's own code; never written by the app.
        faces = marshal.loads(zlib.decompress((folder / METRICS_FILE).read_bytes()))  # noqa: S302
    except (OSError, zlib.error, EOFError, ValueError, TypeError):
        return {}
    return faces if isinstance(faces, dict) else {}


def _face(state: dict[str, Any], data: bytes, path: Path) -> Any:
    """A TTFontFace as reportlab's own reading of `data` leaves it."""
    from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFontFace

    face = TTFontFace.__new__(TTFontFace)
    attributes = dict(state["plain"])
    for key, (raw, text) in state["names"].items():
        value = bytes.__new__(TTFNameBytes, raw)
        value.ustr = text
        attributes[key] = value
    vars(face).update(attributes)
    face._ttf_data = data
    face.filename = str(path)
    units = face.unitsPerEm
    if units == 1000:
        face._pdfScale = lambda x: x
    else:
        factor = 1000 / units
        face._pdfScale = lambda x: x * factor
    return face


def _font(name: str, face: Any) -> Any:
    """TTFont.__init__ with the face already read (tests/export/test_font_metrics.py
    compares the two, so a reportlab that sets up its fonts differently fails there)."""
    from fnmatch import fnmatch
    from weakref import WeakKeyDictionary

    from reportlab import rl_config
    from reportlab.pdfbase.ttfonts import TTEncoding, TTFont

    font = TTFont.__new__(TTFont)
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, glob) for glob in rl_config.unShapedFontGlob)
    return font
