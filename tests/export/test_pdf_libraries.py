"""app.export.libraries: reportlab and pyHanko loaded for the first PDF of a process with
less work (issue 11: the first signed PDF in a fresh process in under a second), and
everything they leave out still there the moment something uses it.

Each check runs in a fresh interpreter: what is stood in for, deferred or frozen is
process-wide, and the test process has long since imported all of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

FIRST_PDF = """
import gc, json, re, sys, types
from datetime import UTC, datetime
from app.export import libraries
from app.export.certificates import SigningIdentity, create_self_signed
from app.export.document import PrintAnswer, PrintDocument, PrintSection
from app.export.pdf import render_pdf
from app.export.signing import sign_pdf
from app.export.verify import verify_pdf

def real(name):
    return hasattr(sys.modules.get(name), "__file__")

facts = {}
doc = PrintDocument(
    title="Screening", form_id="screening", form_version=1, record_ref="HVN-2026-000001",
    record_id="r1", child_name="Test Child", completed_by="Test Worker",
    completed_at=datetime(2026, 3, 1, tzinfo=UTC), marking="OFFICIAL-SENSITIVE",
    sections=[PrintSection(title="About", answers=[PrintAnswer(label="Q", text="A")])],
)
key, cert = create_self_signed("Test School")
identity = SigningIdentity(key=key, cert=cert)
pdf = render_pdf(doc)
signed = sign_pdf(pdf, identity, "Completed", "Test Worker")
facts["verified"] = verify_pdf(signed).intact
facts["collector"] = [gc.isenabled(), gc.get_freeze_count() > 0]
facts["re.compile restored"] = re.compile.__module__ == "re"
import dataclasses
facts["dataclasses exec restored"] = not hasattr(dataclasses, "exec")
facts["left out"] = sorted(
    name for name in ("PIL.Image", "fontTools.ttLib", "fontTools.subset", "lxml.etree",
                      "aiohttp", "pyhanko.pdf_utils.metadata.xmp_xml")
    if not real(name)
)

# reportlab's URL pattern: compiled on first use, and it matches as the real one does.
from reportlab.platypus import paragraph
facts["uri pattern deferred"] = not isinstance(paragraph.uri_pat, re.Pattern)
urls = ["https://example.org/a/b", "not a url", "HTTP://\\u00e9xample.org/x", "ftp://10.0.0.1:21/"]
facts["uri pattern agrees"] = [bool(paragraph.uri_pat.match(u)) for u in urls] == [
    bool(re.compile(paragraph.uri_pat.pattern, re.I).match(u)) for u in urls
]
facts["uri split"] = paragraph._uri_split_pairs("https://example.org/a/b")
from reportlab.lib import textsplit
facts["cjk pattern deferred"] = not isinstance(textsplit.rx, re.Pattern)
facts["cjk pattern agrees"] = textsplit.rx.sub("|", "ab\u6f22\u5b57") == "ab||"

# A bitmap through reportlab loads Pillow then and there.
from PIL import Image
from reportlab.lib.utils import ImageReader
facts["image size"] = list(ImageReader(Image.new("RGB", (3, 2))).getSize())
facts["Pillow real after use"] = real("PIL.Image")

# A signer's name beyond ASCII cuts a stamp font with fontTools, submodules and all.
accented = sign_pdf(pdf, identity, "Completed", "Zo\\u00eb \\u0141ukasiewicz")
facts["accented verified"] = verify_pdf(accented).intact
facts["fontTools real after use"] = real("fontTools.ttLib") and real("fontTools.subset")
print(json.dumps(facts))
"""


def _run(script: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_first_signed_pdf_loads_only_what_it_uses_and_the_rest_loads_on_use() -> None:
    facts = _run(FIRST_PDF)

    assert facts["verified"] is True
    assert facts["left out"] == [
        "PIL.Image",
        "aiohttp",
        "fontTools.subset",
        "fontTools.ttLib",
        "lxml.etree",
        "pyhanko.pdf_utils.metadata.xmp_xml",
    ]
    # The collector runs again afterwards, with the libraries' objects frozen.
    assert facts["collector"] == [True, True]
    assert facts["re.compile restored"] is True
    assert facts["dataclasses exec restored"] is True
    assert facts["uri pattern deferred"] is True
    assert facts["uri pattern agrees"] is True
    assert facts["uri split"][0] == ["https://example.org/a/", "b"]
    assert facts["cjk pattern deferred"] is True
    assert facts["cjk pattern agrees"] is True
    assert facts["image size"] == [3, 2]
    assert facts["Pillow real after use"] is True
    assert facts["accented verified"] is True
    assert facts["fontTools real after use"] is True


def test_a_paused_collector_is_left_paused() -> None:
    """ui.start_up pauses the collector until the first window has painted: loading the
    libraries meanwhile neither turns it back on nor freezes anything early."""
    facts = _run(
        "import gc, json\n"
        "gc.disable()\n"
        "from app.export import libraries\n"
        "libraries.load_reportlab(); libraries.load_pyhanko()\n"
        "print(json.dumps({'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count()}))\n"
    )

    assert facts == {"enabled": False, "frozen": 0}


def _decoded(packed: bytes) -> dict[str, Any]:
    import marshal
    import zlib

    data: dict[str, Any] = marshal.loads(zlib.decompress(packed))
    return data


def test_the_shipped_code_cache_is_what_a_fresh_build_makes() -> None:
    """Every method `dataclasses` writes while the libraries load is in the shipped cache,
    compiled as `exec` would compile it. Fails after a pyHanko, reportlab or Python
    upgrade: regenerate the cache (app.export.libraries.CODE_CACHE_FILE says how)."""
    from app.directory import resources_dir
    from app.export.libraries import CODE_CACHE_FILE

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from app.export.libraries import build_code_cache\n"
            "sys.stdout.buffer.write(build_code_cache())\n",
        ],
        capture_output=True,
        timeout=180,
        cwd=ROOT,
        check=True,
    )
    fresh = _decoded(done.stdout)
    shipped = _decoded((resources_dir() / CODE_CACHE_FILE).read_bytes())

    assert len(fresh["code"]) > 500
    assert shipped == fresh


def test_a_missing_damaged_or_foreign_code_cache_is_not_used(
    monkeypatch: Any, tmp_path: Path
) -> None:
    import marshal
    import zlib

    from app.export import libraries

    monkeypatch.setattr(libraries, "resources_dir", lambda: tmp_path)
    assert libraries._code_cache() == {}  # missing
    cache = tmp_path / libraries.CODE_CACHE_FILE
    cache.write_bytes(b"not a cache")
    assert libraries._code_cache() == {}
    code = {libraries._source_key("x = 1"): libraries._compiled("x = 1")}
    for magic in (b"\0\0\r\n", __import__("importlib.util").util.MAGIC_NUMBER):
        data = {"magic": magic, "optimize": sys.flags.optimize, "code": code}
        cache.write_bytes(zlib.compress(marshal.dumps(data)))
        assert libraries._code_cache() == ({} if magic == b"\0\0\r\n" else code)


def test_precompiled_methods_run_for_their_own_source_only() -> None:
    """A source the cache has runs its compiled code; any other is compiled as usual."""
    import dataclasses

    from app.export import libraries

    source = "def __create_fn__():\n def f(self):\n  return 1\n return f"
    cache = {libraries._source_key(source): libraries._compiled(source.replace("1", "2"))}
    with libraries._dataclass_methods_precompiled(cache):

        @dataclasses.dataclass
        class Point:
            x: int

        namespace: dict[str, Any] = {}
        dataclasses.exec(source, {}, namespace)  # type: ignore[attr-defined]
    assert namespace["__create_fn__"]()(None) == 2  # from the cache (deliberately unlike)
    assert Point(3) == Point(3) and Point(3).x == 3  # not in the cache: compiled
    assert not hasattr(dataclasses, "exec")
