"""PAdES signatures on Haven's PDFs with pyHanko (SPEC 4: "anyone can verify it").

The signature is a CAdES-detached (PAdES) signature - the subfilter is set explicitly
because pyHanko otherwise writes `adbe.pkcs7.detached` (security anchors 5) - with SHA-256,
in a visible field placed in the box the renderer reserved on the last page
(`app.export.pdf.SIGNATURE_BOX`). The visible stamp uses the embedded DejaVu font so the
signer's name prints in any Latin script and the appearance does not depend on the
reader's fonts.

Offline the signature is PAdES B-B and its time is the signer's own clock; the stamp says
so (security anchors E5: timestamp honesty). With a timestamp authority it is B-T.

pyHanko is imported inside the functions: it is slow to import (HOUSE_STYLE). It is loaded
through app.export.libraries, which leaves out the parts an offline signature never uses.
"""

from __future__ import annotations

import functools
import struct
import textwrap
import weakref
import zlib
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization

from app.errors import ExportError
from app.export.certificates import SigningIdentity
from app.export.libraries import load_pyhanko, real_module
from app.export.page import font_path, single_line
from app.export.pdf import SIGNATURE_BOX

if TYPE_CHECKING:
    from pyhanko.sign.timestamps.api import TimeStamper

FIELD_NAME = "HavenSignature"
STAMP_TIME_FORMAT = "%d %B %Y %H:%M %Z"


class TimestampUnavailable(ExportError):
    """The RFC 3161 service could not be reached (offline): sign without it (B-B)."""


def sign_pdf(
    pdf: bytes,
    identity: SigningIdentity,
    reason: str,
    signer_name: str,
    location: str | None = None,
    timestamper_url: str | None = None,
    *,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """Return `pdf` with a visible PAdES signature appended as an incremental update.

    `reason`, `signer_name` and `location` are written into the signature dictionary and
    the visible stamp, so they must not contain a child's details: use words such as
    "Completed CSE screening" and the practitioner's or organisation's name.

    With `timestamper_url` (an RFC 3161 TSA) or an explicit pyHanko `timestamper` (tests
    use pyHanko's dummy TSA) the signature carries a trusted time (PAdES B-T); otherwise it
    is B-B. Raises ExportError if the PDF cannot be signed; the input is never modified.
    """
    load_pyhanko()
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    if timestamper is None and timestamper_url:
        timestamper = HTTPTimeStamper(timestamper_url, timeout=15)
    trusted_time = timestamper is not None
    reason = single_line(reason)
    signer_name = single_line(signer_name)
    location = single_line(location) if location else None

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location,
        name=signer_name or None,
    )
    field_spec = fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=-1, box=SIGNATURE_BOX)
    signer = _pyhanko_signer(identity)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper,
        stamp_style=_stamp_style(
            trusted_time, location is not None, signer_name + reason + (location or "")
        ),
        new_field_spec=field_spec,
    )
    text_params = {
        "signer": _wrap(signer_name),
        "reason": _wrap(reason),
        "location": _wrap(location or ""),
    }
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        output = pdf_signer.sign_pdf(
            writer,
            appearance_text_params=text_params,
            bytes_reserved=None if trusted_time else signer.reserved_offline,
        )
    except TimestampRequestError as exc:
        raise TimestampUnavailable(
            "The timestamp service could not be reached, so the PDF was not signed. Try "
            "again when online, or sign without a timestamp."
        ) from exc
    except (PdfError, SigningError, ValueError, OSError) as exc:
        raise ExportError(
            "The PDF could not be signed. The record was not marked as signed."
        ) from exc
    result: bytes = output.getvalue()
    return result


_SIGNERS: weakref.WeakKeyDictionary[SigningIdentity, Any] = weakref.WeakKeyDictionary()
"""pyHanko signers by identity, in memory only: an entry goes with its identity, which
the profile's `SigningCertificate` keeps only while the session is unlocked."""


def _pyhanko_signer(identity: SigningIdentity) -> Any:
    """pyHanko's in-memory signer for `identity`, built once per loaded identity.

    pyHanko's SimpleSigner parses (and OpenSSL re-validates) the DER private key for every
    raw signature, twice per PDF (a dry run sizes the signature): about 0.1 s each for
    RSA-3072. This signer signs with the key object the identity already holds.
    """
    signer = _SIGNERS.get(identity)
    if signer is None:
        signer = _new_signer(identity)
        _SIGNERS[identity] = signer
    return signer


def _new_signer(identity: SigningIdentity) -> Any:
    from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

    key = identity.key

    class _LoadedKeySigner(SimpleSigner):
        """SimpleSigner without the per-signature key parsing (same mechanisms).

        It also remembers the room its first offline signature needed, so later ones skip
        pyHanko's sizing dry run (a whole second CMS signature): see `reserved_offline`.
        """

        reserved_offline: int | None = None
        """pyHanko's own estimate for a B-B signature by this signer: the dry-run CMS in
        hex plus its 50 % margin. It depends only on the certificates, key and
        attributes, which are fixed per identity; a timestamp token is not (B-T)."""

        async def async_sign(
            self,
            data_digest: bytes,
            digest_algorithm: str,
            dry_run: Any = False,
            use_pades: Any = False,
            timestamper: Any = None,
            signed_attr_settings: Any = None,
            is_pdf_sig: Any = True,
            encap_content_info: Any = None,
        ) -> Any:
            result = await super().async_sign(
                data_digest,
                digest_algorithm,
                dry_run=dry_run,
                use_pades=use_pades,
                timestamper=timestamper,
                signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info,
            )
            if dry_run and timestamper is None:
                hex_len = len(result.dump()) * 2
                self.reserved_offline = hex_len + 2 * (hex_len // 4)
            return result

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                name = mechanism.signature_algo
            except ValueError:
                name = mechanism["algorithm"].native
            if name == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                hash_algo = get_pyca_cryptography_hash(digest_algorithm)
                return key.sign(data, padding.PKCS1v15(), hash_algo)
            if name == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
                pss, hash_algo = process_pss_params(mechanism["parameters"])
                return key.sign(data, pss, hash_algo)
            if name == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
                hash_algo = get_pyca_cryptography_hash(digest_algorithm)
                return key.sign(data, ec.ECDSA(hash_algo))
            result: bytes = super().sign_raw(data, digest_algorithm)
            return result

    def to_asn1(cert: Any) -> Any:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _LoadedKeySigner(
        signing_cert=to_asn1(identity.cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [to_asn1(c) for c in identity.chain]
        ),
    )


STAMP_FONT_SIZE = 9
STAMP_LINE_CHARS = 48


def _wrap(value: str) -> str:
    """Break long values over lines so the stamp shrinks less to fit its box."""
    return "\n    ".join(textwrap.wrap(value, STAMP_LINE_CHARS)) or value


def _stamp_style(trusted_time: bool, has_location: bool, text: str) -> Any:
    """The visible stamp: signer, date and reason, in the embedded DejaVu font."""
    # Only the characters beyond ASCII change the font, so most signatures reuse one style.
    extra = "".join(sorted({c for c in text if ord(c) > 126}))
    return _stamp_style_for(trusted_time, has_location, extra)


@functools.lru_cache(maxsize=16)
def _stamp_style_for(trusted_time: bool, has_location: bool, extra: str) -> Any:
    """A stamp style holds no per-document state (each PDF gets its own font engine)."""
    from pyhanko.pdf_utils.font.api import FontEngineFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    font_bytes = _stamp_font_bytes(extra)

    class _EmbeddedDejaVu(FontEngineFactory):
        """pyHanko's GlyphAccumulatorFactory, but reading the font from memory."""

        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            if obj_stream is None and writer.stream_xrefs:
                obj_stream = writer.prepare_object_stream()
            return _presubset_accumulator()(
                font_bytes,
                writer=writer,
                font_size=STAMP_FONT_SIZE,
                obj_stream=obj_stream,
            )

    time_note = "time-stamped" if trusted_time else "signer's clock"
    lines = [
        "Digitally signed by: %(signer)s",
        f"Date: %(ts)s ({time_note})",
        "Reason: %(reason)s",
    ]
    if has_location:
        lines.append("Location: %(location)s")
    return TextStampStyle(
        stamp_text="\n".join(lines),
        timestamp_format=STAMP_TIME_FORMAT,
        # The engine's and the box's font sizes must agree, or every line after the
        # first drifts sideways (pyHanko issue #733).
        text_box_style=TextBoxStyle(
            font=_EmbeddedDejaVu(), font_size=STAMP_FONT_SIZE, leading=STAMP_FONT_SIZE + 3
        ),
        border_width=1,
        background=None,
    )


@functools.cache
def _presubset_accumulator() -> Any:
    """pyHanko's GlyphAccumulator for a font that `_stamp_font_bytes` already cut down.

    pyHanko subsets the font again for every signature and re-saves it with fontTools
    (about 20 ms of a 30 ms signature). The font is already cut to the stamp's
    characters, so its bytes are embedded as they are: the glyph ids stay the font's own,
    as pyHanko's subset (retain_gids) keeps them, and the stamp draws the same.

    pyHanko also parses the font (fontTools and HarfBuzz) for every signature: the font
    is read once per font instead, without fontTools (`_parsed_stamp_font`), and each
    accumulator gets the per-document state pyHanko's own __init__ gives it.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.font.api import FontEngine
    from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator

    class _PresubsetAccumulator(GlyphAccumulator):
        def __init__(
            self, font_bytes: bytes, *, writer: Any, font_size: int, obj_stream: Any = None
        ) -> None:
            parsed = _parsed_stamp_font(font_bytes)
            # GlyphAccumulator.__init__ for TrueType outlines (DejaVu's), with the
            # default shaping options; tests/export/test_stamp_font.py checks that it
            # leaves the same attributes as pyHanko's own.
            FontEngine.__init__(
                self,
                writer,
                parsed.ps_name,
                embedded_subset=True,
                obj_stream=obj_stream,
                font_size=font_size,
            )
            self.hb_font = parsed.hb_font
            self.tt = parsed.tt
            self._font_ref = writer.allocate_placeholder()
            self.cff_charset = None
            self.use_raw_gids = True
            self.cidfont_obj = cidfont = CIDFontType2(parsed.tt, parsed.ps_name, self.subset_prefix)
            self.features = None
            self.units_per_em = parsed.units_per_em
            self._glyphs: dict[int, tuple[int, int]] = {}
            self._glyph_set = parsed.glyph_set
            self._cid_to_unicode: dict[int, str] = {}
            self._GlyphAccumulator__reverse_cmap = None
            self.ot_language_tag = None
            self.ot_script_tag = None
            self.writing_direction = None
            self.bcp47_lang_code = None
            self._write_prepared = False
            self._subset_created = True  # nothing left to cut

            def set_font_file(writer: Any) -> Any:
                stream = generic.StreamObject(
                    {generic.pdf_name("/Filter"): generic.pdf_name("/FlateDecode")},
                    stream_data=font_bytes,
                    encoded_data=_deflated(font_bytes),
                )
                ref = writer.add_object(stream)
                cidfont._font_descriptor[generic.pdf_name("/FontFile2")] = ref
                return ref

            cidfont.set_font_file = set_font_file  # type: ignore[method-assign]

    return _PresubsetAccumulator


@dataclass(frozen=True)
class _ParsedFont:
    """What pyHanko's GlyphAccumulator reads from a font, shared by every signature."""

    tt: _StampFontTables
    hb_font: Any
    ps_name: str
    units_per_em: int
    glyph_set: dict[int, _GlyphWidth]


@dataclass(frozen=True)
class _GlyphWidth:
    width: int


@dataclass(frozen=True)
class _Table:
    """The fields of one font table that pyHanko's font dictionaries read."""

    fields: dict[str, int | float]

    def __getattr__(self, name: str) -> int | float:
        try:
            return self.fields[name]
        except KeyError:
            raise AttributeError(name) from None


class _StampFontTables:
    """The stamp font's tables as pyHanko's GlyphAccumulator and FontDescriptor read them
    from a fontTools TTFont, read from the font's bytes with `struct` instead.

    fontTools takes about 50 ms to import with the table modules this needs (its 'name'
    table alone brings in all of OpenType layout), the larger part of the first signature
    in a fresh process. Glyphs are named by their ids: the accumulator only uses a name
    to look the glyph's width up again here.
    """

    def __init__(self, font_bytes: bytes, hb_font: Any) -> None:
        tables = _sfnt_tables(font_bytes)
        head, hhea, os2, post = (tables[t] for t in ("head", "hhea", "OS/2", "post"))
        self._hb_font = hb_font
        self._tables = {
            "head": _Table(
                dict(
                    zip(
                        ("unitsPerEm", "xMin", "yMin", "xMax", "yMax"),
                        struct.unpack_from(">H16xhhhh", head, 18),
                        strict=True,
                    )
                )
            ),
            "hhea": _Table(
                dict(zip(("ascent", "descent"), struct.unpack_from(">hh", hhea, 4), strict=True))
            ),
            "OS/2": _Table(_os2_fields(os2)),
            # A 16.16 fixed-point number, as fontTools gives it: a float.
            "post": _Table({"italicAngle": struct.unpack_from(">i", post, 4)[0] / 65536}),
        }
        glyphs = struct.unpack_from(">H", tables["maxp"], 4)[0]
        metrics = struct.unpack_from(">H", hhea, 34)[0]
        advances = [
            struct.unpack_from(">H", tables["hmtx"], 4 * i)[0] for i in range(min(metrics, glyphs))
        ]
        advances += [advances[-1]] * (glyphs - len(advances))
        self.glyph_set = {gid: _GlyphWidth(width) for gid, width in enumerate(advances)}
        self.ps_name = _postscript_name(tables["name"])
        self._reversed: dict[int, set[int]] | None = None

    def __getitem__(self, tag: str) -> Any:
        if tag == "cmap":
            return self  # for buildReversed
        return self._tables[tag]  # KeyError for 'CFF ': TrueType outlines, as pyHanko asks

    def __contains__(self, tag: str) -> bool:
        return tag in self._tables

    def getGlyphName(self, glyph_id: int) -> int:  # fontTools' name
        return glyph_id

    def buildReversed(self) -> dict[int, set[int]]:  # fontTools' name
        """Glyph to characters, for a cluster of several glyphs (combining accents)."""
        if self._reversed is None:
            reversed_cmap: dict[int, set[int]] = {}
            for code in self._hb_font.face.unicodes:
                gid = self._hb_font.get_nominal_glyph(code)
                if gid:
                    reversed_cmap.setdefault(gid, set()).add(code)
            self._reversed = reversed_cmap
        return self._reversed


def _sfnt_tables(font_bytes: bytes) -> dict[str, bytes]:
    """The tables of a TrueType font file by tag (the OpenType table directory)."""
    try:
        (count,) = struct.unpack_from(">H", font_bytes, 4)
        tables = {}
        for i in range(count):
            tag, _checksum, offset, length = struct.unpack_from(">4sIII", font_bytes, 12 + 16 * i)
            tables[tag.decode("latin-1")] = font_bytes[offset : offset + length]
    except struct.error as exc:
        raise ExportError("The signature stamp font could not be read.") from exc
    if "glyf" not in tables or "CFF " in tables:
        raise ExportError("The signature stamp font must have TrueType outlines.")
    return tables


def _os2_fields(os2: bytes) -> dict[str, int | float]:
    version, weight = struct.unpack_from(">H2xH", os2, 0)
    fields: dict[str, int | float] = {"version": version, "usWeightClass": weight}
    if version >= 2:  # sCapHeight came with version 2; pyHanko's default stands in before
        fields["sCapHeight"] = struct.unpack_from(">h", os2, 88)[0]
    return fields


def _postscript_name(name: bytes) -> str:
    """The first PostScript name (name id 6) in the 'name' table, as pyHanko reads it."""
    count, strings = struct.unpack_from(">2xHH", name, 0)
    for i in range(count):
        platform, encoding, _language, name_id, length, offset = struct.unpack_from(
            ">HHHHHH", name, 6 + 12 * i
        )
        if name_id != 6:
            continue
        raw = name[strings + offset : strings + offset + length]
        if platform in (0, 3):
            return raw.decode("utf-16-be")
        if platform == 1 and encoding == 0:
            return raw.decode("mac-roman")
        break
    raise ExportError("The signature stamp font has no PostScript name Haven can read.")


@functools.lru_cache(maxsize=16)
def _parsed_stamp_font(font_bytes: bytes) -> _ParsedFont:
    """The stamp font read as GlyphAccumulator reads it, once per font (read only once
    made, so later signatures on any thread share it)."""
    import uharfbuzz as hb  # type: ignore[import-untyped]

    hb_font = hb.Font(hb.Face(font_bytes))
    tables = _StampFontTables(font_bytes, hb_font)
    return _ParsedFont(
        tt=tables,
        hb_font=hb_font,
        ps_name=tables.ps_name,
        units_per_em=tables["head"].unitsPerEm,
        glyph_set=tables.glyph_set,
    )


@functools.lru_cache(maxsize=16)
def _deflated(font_bytes: bytes) -> bytes:
    """The stamp font as pyHanko's FlateDecode filter writes it, made once, not per PDF."""
    return zlib.compress(font_bytes)


STAMP_FONT_FILE = "DejaVuSans-Stamp.ttf"
"""`build_stamp_font()` for plain ASCII, shipped beside DejaVu Sans: cutting the whole font
down takes about half a second, most of the first signature in a fresh process.
Regenerate it with `python -c "from app.export.signing import write_stamp_font;
write_stamp_font()"` when DejaVu Sans or fontTools changes."""


@functools.lru_cache(maxsize=16)
def _stamp_font_bytes(text: str) -> bytes:
    """The stamp's font for the characters beyond ASCII in `text` (see build_stamp_font)."""
    if not text:
        shipped = font_path().parent / STAMP_FONT_FILE
        if shipped.is_file():
            return shipped.read_bytes()
    return build_stamp_font(text)


def write_stamp_font() -> None:
    """Write the shipped ASCII stamp font (a maintainer's step, not run by the app)."""
    (font_path().parent / STAMP_FONT_FILE).write_bytes(build_stamp_font())


def build_stamp_font(text: str = "") -> bytes:
    """DejaVu Sans cut down to the stamp's characters and rescaled to 1000 units per em.

    pyHanko 0.38 writes glyph widths in the font's own units, but PDF glyph space is
    1000 units per em; DejaVu uses 2048, so without rescaling every glyph advances about
    twice too far and the stamp is spaced out and clipped. Subsetting first keeps the
    rescale fast (well under a second instead of several seconds for the whole font).
    ASCII is always kept because pyHanko formats the date itself.
    """
    real_module("fontTools.ttLib")  # not its stand-in: submodules are imported from it
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
    from fontTools.ttLib.scaleUpem import scale_upem  # type: ignore[import-untyped]

    font = TTFont(str(font_path()))
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = True
    options.drop_tables = [*options.drop_tables, "FFTM"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(chr(c) for c in range(32, 127)) + text)
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    buffer = BytesIO()
    font.save(buffer)
    return buffer.getvalue()
