"""Every image the README shows is in the repository (docs/screenshots/, `make screenshots`).

A newcomer's first look at Haven is the README on the forge: a broken image there is the
first thing that does not work. Markdown images and HTML <img> tags are both checked.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(?:<([^>]+)>|([^)\s]+))(?:\s+\"[^\"]*\")?\s*\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']", re.IGNORECASE)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def image_paths(text: str) -> list[str]:
    found = [a or b for a, b in MARKDOWN_IMAGE.findall(text)] + HTML_IMAGE.findall(text)
    return [p for p in found if not re.match(r"^[a-z][a-z0-9+.-]*:", p, re.IGNORECASE)]


def test_the_parser_finds_both_kinds_of_image() -> None:
    text = (
        '![a](docs/a.png) and ![b]( <docs/b c.png> ) ![c](docs/c.png "title") '
        '<img alt="d" src="docs/d.png"> ![e](https://example.org/e.png)'
    )
    assert image_paths(text) == ["docs/a.png", "docs/b c.png", "docs/c.png", "docs/d.png"]


def test_every_readme_image_exists_and_is_a_png() -> None:
    paths = image_paths(README.read_text("utf-8"))
    assert paths, "the README shows no images; this test would prove nothing"
    missing = [p for p in paths if not (ROOT / p).is_file()]
    assert missing == [], f"README images not in the repository (run `make screenshots`): {missing}"
    for path in paths:
        data = (ROOT / path).read_bytes()
        assert data.startswith(PNG_MAGIC), f"{path} is not a PNG"
        assert len(data) < 1_000_000, f"{path} is over 1 MB: too heavy for a README"


def test_screenshots_make_the_readme_images() -> None:
    from ui.screenshots import readme_images

    shown = {Path(p).stem for p in image_paths(README.read_text("utf-8")) if "screenshots/" in p}
    assert readme_images(README) == shown
