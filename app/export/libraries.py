"""reportlab and pyHanko, loaded once per process and no more of them than Haven uses.

They are imported when the first PDF of a process is drawn or signed, not at start-up
(HOUSE_STYLE), and loading them was about half of that first PDF (issue 11: the first
signed PDF in a fresh process in under a second). What is done here changes no byte of
any PDF; it only leaves out work the PDFs never needed:

1. Modules these libraries import but Haven never calls stay stand-ins (`_StandIn`) until
   something really uses them: aiohttp (pyHanko's timestamp client and certificate
   fetchers: an offline signature makes no request), fontTools (the stamp font is pre-cut
   and read without it: app.export.signing), lxml (XMP metadata, which Haven's PDFs do not
   have) and Pillow (reportlab's bitmap images: Haven draws none). The first real use
   loads the real module.
2. reportlab compiles, as it is imported, a case-insensitive pattern for web addresses
   across most of Unicode (about 40 ms) and one for CJK text (5 ms); they are only used
   to hyphenate URLs and to wrap CJK text by hand, which Haven's PDFs never do, so they
   are compiled the first time they are used instead.
3. The cyclic garbage collector is paused while they load and what they leave is frozen
   (`gc.freeze`), as ui.start_up does after the first window: their tens of thousands of
   modules, classes and functions live as long as the process, and the collector walked them again
   and again as they loaded and after (about 40 ms). Reference counting frees ordinary
   objects as usual; only cyclic garbage that exists at that moment is never collected.
4. pyHanko makes some 140 dataclasses as it is imported, and `dataclasses` writes the
   source of their ~830 methods and compiles it each time (a third of pyHanko's import).
   Those methods come precompiled from `CODE_CACHE_FILE`, shipped in resources like the
   .pyc files Python keeps for modules: each entry is found by a hash of the exact source
   `dataclasses` wrote and is what compiling that source gives, so a source the cache
   does not have (another pyHanko, another Python) is simply compiled as before.
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import hashlib
import importlib
import importlib.util
import marshal
import re
import sys
import threading
import types
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from app.directory import resources_dir

_lock = threading.RLock()
_loaded: set[str] = set()

REPORTLAB_MODULES = (
    "reportlab.platypus",
    "reportlab.pdfbase.ttfonts",
    "reportlab.lib.fonts",
)
"""What app.export.page draws with (the platypus package imports the rest of it)."""

PYHANKO_MODULES = (
    "pyhanko.pdf_utils.incremental_writer",
    "pyhanko.sign",
    "pyhanko.stamp",
    "pyhanko.pdf_utils.font.opentype",
    "pyhanko.pdf_utils.text",
)
"""What app.export.signing signs with."""

_DEFERRED: dict[str, tuple[tuple[tuple[str, ...], dict[str, tuple[str, ...]]], ...]] = {
    "pyhanko": (
        # pyHanko imports aiohttp whenever its signing API is imported, through its
        # timestamp client and the certificate fetchers it names: about 0.15 s of the first
        # signature in a fresh process, and an offline (B-B) signature makes no request.
        (
            ("aiohttp", "pyhanko.sign"),
            {
                "pyhanko_certvalidator.fetchers.aiohttp_fetchers": ("AIOHttpFetcherBackend",),
                "pyhanko.sign.timestamps.aiohttp_client": (
                    "HTTPTimeStamper",
                    "AIOHttpTimeStamper",
                ),
            },
        ),
        # pyHanko's embedded-font engine imports fontTools' font reader and subsetter
        # (about 0.05 s with the font tables it reads), which the pre-cut stamp font,
        # read with HarfBuzz, does without (app.export.signing._StampFontTables).
        (
            ("pyhanko.pdf_utils.font.opentype", "fontTools.ttLib", "fontTools.subset"),
            {"fontTools.ttLib": ("TTFont",), "fontTools.subset": ("Options", "Subsetter")},
        ),
        # pyHanko's XMP metadata support imports lxml (about 7 ms); it is only used for a
        # PDF that has XMP metadata or is PDF 2.0, and Haven's are neither.
        (
            ("pyhanko.pdf_utils.metadata.xmp_xml", "lxml.etree"),
            {"pyhanko.pdf_utils.metadata.xmp_xml": ()},
        ),
    ),
    "reportlab": (
        # reportlab.lib.utils imports Pillow for bitmap images (about 10 ms); Haven's PDFs
        # have none. No name is stood in for: any use of the module loads it.
        (("PIL.Image",), {"PIL.Image": ()}),
    ),
}
"""Per library, groups of modules put off until used: (already imported? then leave the
group alone, {module: the names other modules take from it at import time})."""

_LAZY_PATTERNS = ("(^(?:[a-z0-9\\.\\-\\+]*)://)", "([\u2e80-\uffff])")
"""How the patterns compiled on first use begin: reportlab.platypus.paragraph.uri_pat
(URL hyphenation) and reportlab.lib.textsplit.rx (`cjkwrap`, which platypus never calls)."""


CODE_CACHE_FILE = "pdf-libraries.codecache"
"""In resources: the methods `dataclasses` writes while the libraries load, compiled
(`build_code_cache`). Regenerate it with `python -c "from app.export.libraries import
write_code_cache; write_code_cache()"` when pyHanko, reportlab or Python changes
(tests/export/test_pdf_libraries.py says when)."""


def load_reportlab() -> None:
    """Import what Haven draws PDFs with, once per process (see the module docstring)."""
    _load("reportlab", REPORTLAB_MODULES)


def load_pyhanko() -> None:
    """Import what Haven signs PDFs with, once per process (see the module docstring)."""
    _load("pyhanko", PYHANKO_MODULES)


def real_module(module_name: str) -> types.ModuleType:
    """`module_name` itself, loaded now (with the rest of its group) if a stand-in holds
    its place: for code that imports a submodule of a stood-in package."""
    for groups in _DEFERRED.values():
        for _guards, modules in groups:
            if module_name in modules and any(_is_stand_in(m) for m in modules):
                for name in modules:
                    if _is_stand_in(name):
                        del sys.modules[name]
                for name in modules:  # in order: pyHanko's timestamp client uses the fetchers
                    importlib.import_module(name)
    return importlib.import_module(module_name)


def _load(library: str, modules: tuple[str, ...]) -> None:
    if library in _loaded:
        return
    with _lock:
        if library in _loaded:
            return
        _defer(library)
        with (
            _collector_paused(),
            _patterns_compiled_on_first_use(),
            _dataclass_methods_precompiled(_code_cache()),
        ):
            for name in modules:
                importlib.import_module(name)
        _loaded.add(library)


def _defer(library: str) -> None:
    """Put the stand-ins in place for each group nothing has imported yet."""
    for guards, modules in _DEFERRED[library]:
        if any(name in sys.modules for name in (*guards, *modules)):
            continue
        for module_name, names in modules.items():
            stand_in = _StandIn(module_name)
            for name in names:
                setattr(stand_in, name, _deferred_class(module_name, name))
            sys.modules[module_name] = stand_in


def _is_stand_in(module_name: str) -> bool:
    return isinstance(sys.modules.get(module_name), _StandIn)


class _StandIn(types.ModuleType):
    """Takes the place of a `_DEFERRED` module until something of it is used.

    A name taken from the stand-in is a class that makes the real class's object; any
    other name loads the real module (and the rest of its group, in order).
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            # The import system probing (__spec__, __path__ ...). A stand-in has no
            # submodules: code importing one calls `real_module` for the package first.
            raise AttributeError(name)
        return getattr(real_module(self.__name__), name)


def _deferred_class(module_name: str, name: str) -> type:
    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        return getattr(real_module(module_name), name)(*args, **kwargs)

    return type(name, (), {"__new__": __new__, "__module__": __name__})


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic collection while the libraries load; what they leave is frozen after.

    Left alone when the collector is already off (ui.start_up pauses it until the first
    window has painted, and freezes what is there then).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


class _CompiledOnFirstUse:
    """A regular expression compiled the first time it is matched, not when it is made."""

    def __init__(self, compile_now: Callable[..., Any], pattern: str, flags: int) -> None:
        self._compile_now = compile_now
        self._args = (pattern, flags)
        self._compiled: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._compiled is None:
            self._compiled = self._compile_now(*self._args)
        return getattr(self._compiled, name)


@contextlib.contextmanager
def _patterns_compiled_on_first_use() -> Iterator[None]:
    """While the libraries load, `re.compile` puts off the `_LAZY_PATTERNS` it is given.

    Every other pattern, from any thread, is compiled at once as usual. The caller holds
    `_lock`, so only one thread swaps `re.compile` at a time.
    """
    compile_now = re.compile

    def compile_or_defer(pattern: Any, flags: Any = 0) -> Any:
        if isinstance(pattern, str) and pattern.startswith(_LAZY_PATTERNS):
            return _CompiledOnFirstUse(compile_now, pattern, flags)
        return compile_now(pattern, flags)

    re.compile = compile_or_defer
    try:
        yield
    finally:
        re.compile = compile_now


def _source_key(source: str) -> bytes:
    return hashlib.blake2b(source.encode("utf-8"), digest_size=16).digest()


def _compiled(source: str) -> types.CodeType:
    # As `exec(source)` in the dataclasses module compiles it: no __future__ flags.
    return compile(source, "<string>", "exec", dont_inherit=True)


def _code_cache() -> dict[bytes, types.CodeType]:
    """The shipped cache, or nothing if it is missing, damaged or for another Python."""
    try:
        # A shipped resource, as trusted as Haven's own code and .pyc files (which Python
        # reads with marshal too); never a file a user or another program writes.
        packed = (resources_dir() / CODE_CACHE_FILE).read_bytes()
        data = marshal.loads(zlib.decompress(packed))  # noqa: S302
    except (OSError, zlib.error, EOFError, ValueError, TypeError):
        return {}
    if (
        not isinstance(data, dict)
        or data.get("magic") != importlib.util.MAGIC_NUMBER
        or data.get("optimize") != sys.flags.optimize
        or not isinstance(data.get("code"), dict)
    ):
        return {}
    code: dict[bytes, types.CodeType] = data["code"]
    return code


@contextlib.contextmanager
def _dataclass_methods_precompiled(cache: dict[bytes, types.CodeType]) -> Iterator[None]:
    """While the libraries load, `dataclasses` runs the methods it writes from `cache`.

    `exec` is looked up in the dataclasses module before the builtins, so a module global
    of that name stands in for it there and nowhere else. The caller holds `_lock`.
    """
    import dataclasses

    if not cache or hasattr(dataclasses, "exec"):
        yield
        return

    def exec_precompiled(source: Any, globals: Any = None, locals: Any = None, /) -> None:
        code = cache.get(_source_key(source)) if isinstance(source, str) else None
        builtins.exec(source if code is None else code, globals, locals)  # noqa: S102 (dataclasses' own)

    dataclasses.exec = exec_precompiled  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del dataclasses.exec  # type: ignore[attr-defined]


def build_code_cache() -> bytes:
    """`CODE_CACHE_FILE`'s content: every method `dataclasses` writes while reportlab and
    pyHanko load, compiled. Only in a process that has loaded neither yet."""
    if _loaded or any(name in sys.modules for name in ("pyhanko", "reportlab")):
        raise RuntimeError("build the code cache in a fresh process")
    import dataclasses

    sources: list[str] = []

    def exec_recorded(source: Any, globals: Any = None, locals: Any = None, /) -> None:
        if isinstance(source, str):
            sources.append(source)
        builtins.exec(source, globals, locals)  # noqa: S102 (dataclasses' own)

    dataclasses.exec = exec_recorded  # type: ignore[attr-defined]
    try:
        load_reportlab()
        load_pyhanko()
    finally:
        del dataclasses.exec  # type: ignore[attr-defined]
    code = {_source_key(source): _compiled(source) for source in sources}
    data = {"magic": importlib.util.MAGIC_NUMBER, "optimize": sys.flags.optimize, "code": code}
    return zlib.compress(marshal.dumps(data), 9)


def write_code_cache() -> None:
    """Write the shipped code cache (a maintainer's step, not run by the app)."""
    (resources_dir() / CODE_CACHE_FILE).write_bytes(build_code_cache())
