"""The measures: Haven's own code path and its floor, sampled interleaved in one run.

Each measure returns a `Result` with Haven's samples and the floor's, taken alternately
(Haven, floor, floor, Haven, ...) so a noisy neighbour on the shared 2-core machine
slows both. Floors do the same work with no Haven code:
- store measures: the same SQL on a bare `sqlcipher3` connection to the same file with the
  same key and pragmas. (The issue names stdlib `sqlite3`; the stdlib cannot read an
  encrypted file, and a plaintext copy would put the cost of encryption itself into
  Haven's ratio, so the floor is the same SQLite build, keyed, running the same query.)
- start-up: a bare QMainWindow in a fresh process, exiting at first paint (startup_child).
- unlock: an absolute target (0.5 s), with Argon2id + raw-key open + first query shown
  as the floor for scale.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import generator

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    measure: str
    size: int
    haven: list[float]
    floor: list[float]
    target: str
    check: Callable[[Result], bool] = field(repr=False)
    unit: str = "ms"
    note: str = ""

    @property
    def haven_median(self) -> float:
        return statistics.median(self.haven)

    @property
    def haven_p99(self) -> float:
        return percentile(self.haven, 0.99)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor) if self.floor else float("nan")

    @property
    def floor_p99(self) -> float:
        return percentile(self.floor, 0.99) if self.floor else float("nan")

    @property
    def ratio(self) -> float:
        return self.haven_median / self.floor_median if self.floor else float("nan")

    @property
    def passed(self) -> bool:
        return self.check(self)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def interleaved(
    haven: Callable[[], Any], floor: Callable[[], Any], repeats: int, warmup: int = 3
) -> tuple[list[float], list[float]]:
    for _ in range(warmup):
        haven()
        floor()
    settle_heap()
    h: list[float] = []
    f: list[float] = []
    for n in range(repeats):
        # ABBA order: whichever runs second finds caches warmed by the first, so the two
        # take turns going first.
        pair = ((haven, h), (floor, f)) if n % 2 == 0 else ((floor, f), (haven, h))
        for fn, out in pair:
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return h, f


def _list_page_sql() -> str:
    from app.store.rows import LISTING_COLUMNS

    return f"SELECT {LISTING_COLUMNS} FROM subjects ORDER BY name COLLATE NOCASE, id LIMIT 50"


# The children list's page query (app.store.children_store.listing_page), run bare.
LIST_PAGE_SQL = _list_page_sql()


def _haven(profile: generator.Profile) -> Any:
    """Haven on the profile, opened with its raw key (no key derivation): the use cases
    the in-process measures time."""
    from app.profile import ProfilePaths, Session, read_meta
    from app.service import Haven
    from app.store.connection import open_database

    paths = ProfilePaths(profile.folder)
    db = open_database(paths.db, profile.key)
    return Haven(Session(paths, read_meta(profile.folder), db, profile.key))


def settle_heap() -> None:
    """Before the timed samples: collect, then freeze what survives, as Haven itself does
    once its window has painted (ui.start_up.first_paint_done). A later collection then
    walks only what the samples make, for Haven and floor alike; without it, a full
    collection of everything this process built before (earlier measures and sizes) lands
    on whichever single sample triggers it, and decides a p99 or a "none over" target."""
    gc.collect()
    gc.freeze()


def _raw(profile: generator.Profile) -> Any:
    """The floor's connection: same file, key, pragmas and connection set-up as
    app.store.connection.open_database.

    The same set-up includes the larger SQLite lookaside pool (`widen_lookaside`) and
    running the key and pragmas without keeping them prepared: both change how many of
    a query's allocations become mlock/munlock system calls under
    cipher_memory_security, so a floor without them would not be running the same
    SQLite configuration.
    """
    import sqlcipher3

    from app.store.connection import OPEN_PRAGMAS, widen_lookaside

    conn = sqlcipher3.connect(str(profile.db), isolation_level=None, check_same_thread=False)
    widen_lookaside(conn)
    conn.executescript(f"PRAGMA key = \"x'{profile.key.hex()}'\";")
    for pragma in ("cipher_memory_security = ON", *OPEN_PRAGMAS):
        conn.executescript(f"PRAGMA {pragma};")
    return conn


# ---- unlock --------------------------------------------------------------------------------


def unlock(profile: generator.Profile, repeats: int) -> Result:
    from app.keys import derive_passphrase_key, read_key_file
    from app.profile import unlock as haven_unlock

    wrap = read_key_file(profile.folder / "haven.key").wrap_of("passphrase")
    assert wrap is not None

    def haven() -> None:
        session = haven_unlock(profile.folder, generator.PASSPHRASE)
        session.repo.listing_page(0, 50)  # the first query: the children list's first page
        session.lock()

    def floor() -> None:
        derive_passphrase_key(generator.PASSPHRASE, wrap.salt, wrap.kdf)
        conn = _raw(profile)
        conn.execute(LIST_PAGE_SQL).fetchall()
        conn.close()

    h, f = interleaved(haven, floor, repeats, warmup=1)
    return Result(
        "passphrase unlock + first query",
        profile.size,
        h,
        f,
        "<= 0.5 s",
        lambda r: r.haven_p99 <= 0.5,
        note="floor: Argon2id + raw-key open + first query",
    )


# ---- store measures on one open session -------------------------------------------------------


def store(profile: generator.Profile, repeats: int) -> list[Result]:
    haven = _haven(profile)
    session = haven.session
    raw = _raw(profile)
    repo = session.repo
    record = repo.get_record(profile.draft_id)
    answers = dict(record.answers)
    text_keys = [k for k, v in answers.items() if isinstance(v, str) and len(v) > 200]
    counter = [0]
    results: list[Result] = []

    def typed() -> dict[str, Any]:
        counter[0] += 1
        if text_keys:
            key = text_keys[0]
            answers[key] = f"{answers[key][:-12]} word{counter[0]:07d}"
        return answers

    def haven_save() -> None:
        repo.save_draft(session.actor, record.id, typed(), problem_count=0, defer_index=True)

    def floor_save() -> None:
        raw.execute(
            "UPDATE records SET answers = ?, problem_count = ?, updated_at = ? WHERE id = ?",
            (json.dumps(typed(), ensure_ascii=False), 0, "2026-12-03T00:00:00+00:00", record.id),
        )

    # Many samples: the target is on p99, which with 200 samples is the second slowest
    # save and decided by whichever side a single pause of the machine falls on.
    h, f = interleaved(haven_save, floor_save, repeats * 20, warmup=20)
    results.append(
        Result(
            "autosave (store)",
            profile.size,
            h,
            f,
            "p99 <= 1.5x floor p99",
            lambda r: r.haven_p99 <= 1.5 * r.floor_p99,
            note="Repository.save_draft vs bare UPDATE; index row and audit entry queued",
        )
    )
    haven.index_pending()

    def haven_page() -> None:
        repo.listing_page(0, 50)  # what ui.children_model reads (Haven.children_page)

    def floor_page() -> None:
        raw.execute(LIST_PAGE_SQL).fetchall()

    h, f = interleaved(haven_page, floor_page, repeats * 4)
    results.append(
        Result(
            "children list first page",
            profile.size,
            h,
            f,
            "<= 1.3x floor, p99 < 50 ms",
            lambda r: r.ratio <= 1.3 and r.haven_p99 < 0.05,
        )
    )

    for label, term in (
        ("search, selective term", generator.SELECTIVE_TERM),
        ("search, common term", generator.COMMON_TERM),
    ):
        from app.store import search_store
        from app.store.rows import fts_query

        query = fts_query(term)

        def haven_search(term: str = term) -> None:
            haven.search(term)

        def floor_search(query: str = query) -> None:
            # Haven's own statements (app.store.search_store), run bare.
            hits = raw.execute(search_store.COUNT_SQL, (query, search_store.RANKED_HITS + 1))
            many = hits.fetchone()[0] > search_store.RANKED_HITS
            if many:
                words = search_store.whole_words(query)
                raw.execute(search_store.NEWEST_SQL, (words, 50)).fetchall()
            else:
                raw.execute(search_store.RANKED_SQL, (query, 50)).fetchall()

        h, f = interleaved(haven_search, floor_search, repeats)
        results.append(
            Result(
                label,
                profile.size,
                h,
                f,
                "<= 1.3x floor, p99 < 50 ms",
                lambda r: r.ratio <= 1.3 and r.haven_p99 < 0.05,
            )
        )
    raw.close()
    session.lock()
    return results


# ---- start-up and memory in fresh processes ---------------------------------------------------


def compile_tree() -> None:
    """Write the bytecode of Haven's own modules, as an installed Haven has it (the bundle
    holds .pyc files). Without this, with PYTHONDONTWRITEBYTECODE set (as in the dev shell)
    every module edited since its .pyc was last written is compiled again in every timed
    start, 50-90 ms that only Haven's side paid: the floor's PySide6 is compiled."""
    import compileall

    for package in ("app", "ui"):
        compileall.compile_dir(ROOT / package, quiet=2)


def _child(args: list[str]) -> tuple[float, int]:
    env_cmd = [sys.executable, str(ROOT / "bench" / "startup_child.py"), *args]
    start = time.perf_counter()
    done = subprocess.run(env_cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    rss = int(done.stdout.strip().splitlines()[-1])
    return elapsed, rss


def startup(profile: generator.Profile, repeats: int) -> list[Result]:
    key_file = generator.profile_dir(profile.size) / "bench.key"
    h: list[float] = []
    f: list[float] = []
    h_rss: list[float] = []
    f_rss: list[float] = []
    compile_tree()
    _child(["floor"])
    _child(["haven", str(profile.folder), str(key_file)])
    for _ in range(repeats):
        t, rss = _child(["haven", str(profile.folder), str(key_file)])
        h.append(t)
        h_rss.append(rss / 1024)
        t, rss = _child(["floor"])
        f.append(t)
        f_rss.append(rss / 1024)
    return [
        Result(
            "start to painted main window",
            profile.size,
            h,
            f,
            "<= 1.5x floor at 50k",
            lambda r: r.size < 50_000 or r.ratio <= 1.5,
            note="fresh process, raw key from bench.key",
        ),
        Result(
            "peak RSS, main window",
            profile.size,
            h_rss,
            f_rss,
            "<= bare window + 80 MB",
            lambda r: r.haven_median <= r.floor_median + 80,
            unit="MiB",
        ),
    ]


def check_growth(results: list[Result], measure: str, allowance: float = 1.25) -> None:
    """Target 1 also says start-up must not grow with the profile: each size's median must
    stay within `allowance` of the smallest profile's (noise on a shared machine)."""
    rows = sorted((r for r in results if r.measure == measure), key=lambda r: r.size)
    if len(rows) < 2:
        return
    base = rows[0].haven_median
    for r in rows[1:]:
        own = r.check
        r.check = lambda r, own=own: own(r) and r.haven_median <= allowance * base  # type: ignore[misc]
        r.target += f"; <= {allowance}x the {rows[0].size // 1000}k start"


def first_pdf(profile: generator.Profile, repeats: int) -> Result:
    """The first signed PDF in a fresh process (bench/pdf_child.py), imports included;
    an absolute target, so there is no floor."""
    key_file = generator.profile_dir(profile.size) / "bench.key"
    times: list[float] = []
    for _ in range(repeats):
        done = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "pdf_child.py"),
                str(profile.folder),
                str(key_file),
                profile.risk_assessment_id,
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return Result(
        "first signed PDF in a fresh process",
        profile.size,
        times,
        [],
        "< 1 s",
        lambda r: r.haven_p99 < 1.0,
        note="process start to signed bytes, identity creation excluded",
    )


def not_measured(name: str, size: int, target: str) -> Result:
    return Result(name, size, [float("nan")], [], target, lambda r: False, note="not measured yet")


# ---- S/MIME ---------------------------------------------------------------------------------


def smime(size: int, repeats: int) -> Result:
    """app.export.smime.sign_then_encrypt vs cryptography's pkcs7 builders called directly.

    The entity is a text part and a 200 KiB attachment (as in the baselines note), signed
    with RSA-3072 and enveloped to an RSA-3072 recipient with AES-256-CBC. It does not
    depend on the profile size; it is run once per size so every row has it.
    """
    import os as _os
    from email.message import EmailMessage
    from email.policy import SMTP

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.ciphers import algorithms
    from cryptography.hazmat.primitives.serialization import pkcs7

    from app.export.certificates import SigningIdentity, create_self_signed
    from app.export.smime import sign_then_encrypt

    key, cert = create_self_signed("Bench School", email="dsl@bench.example")
    _rkey, rcert = create_self_signed("Bench MASH", email="mash@bench.example")
    identity = SigningIdentity(key=key, cert=cert)
    message = EmailMessage(policy=SMTP)
    message.set_content("A referral is attached.\n" * 20)
    message.add_attachment(
        _os.urandom(200 * 1024), maintype="application", subtype="pdf", filename="r.pdf"
    )
    entity = message.as_bytes()

    def haven() -> None:
        sign_then_encrypt(entity, identity, rcert)

    def floor() -> None:
        signed = (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(entity)
            .add_signer(cert, key, hashes.SHA256())
            .sign(
                serialization.Encoding.SMIME,
                [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
            )
        )
        (
            pkcs7.PKCS7EnvelopeBuilder()
            .set_data(signed)
            .add_recipient(rcert)
            .set_content_encryption_algorithm(algorithms.AES256)
            .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
        )

    h, f = interleaved(haven, floor, repeats)
    return Result(
        "S/MIME package (sign + envelope)",
        size,
        h,
        f,
        "<= 1.2x floor",
        lambda r: r.ratio <= 1.2,
    )


# ---- signed PDF -----------------------------------------------------------------------------


def _floor_pdf(doc: Any) -> bytes:
    """The same document laid out with reportlab's platypus directly, as Haven draws it:
    the title block, a heading per section with its label/answer table (repeatable groups
    as a heading and one table per entry, "Not answered" for the unanswered), the
    outcomes with their reasons, the sharing decision and the reserved signature box;
    on every page the marking at the top and bottom, the running header and footer, two
    rules and "Page X of Y" (SPEC 4), with the standard numbered-canvas recipe.

    The same font sizes, column widths and cell padding as Haven's, so it breaks the same
    lines and fills the same number of pages: the earlier floor, in 10 pt with its own
    column widths and groups folded into their parent table, laid the bench's risk
    assessment out on 11 pages to Haven's 9 and drew no running header, footer or page
    numbers, so it was not the same work in either direction.

    Like Haven's it embeds DejaVu Sans (SPEC 4 allows embedded fonts only, so the base-14
    Helvetica platypus defaults to is not the same work: no metrics to parse, no font to
    subset and embed), registered under its own names so it shares no font object with
    Haven."""
    from io import BytesIO
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.fonts import addMapping
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table

    fonts = ROOT / "resources" / "fonts"
    if "FloorSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("FloorSans", str(fonts / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("FloorSans-Bold", str(fonts / "DejaVuSans-Bold.ttf")))
        addMapping("FloorSans", 0, 0, "FloorSans")
        addMapping("FloorSans", 1, 0, "FloorSans-Bold")
    body = ParagraphStyle("FloorBody", fontName="FloorSans", fontSize=9.5, leading=12.5)
    bold = ParagraphStyle("FloorBold", parent=body, fontName="FloorSans-Bold")
    label = ParagraphStyle("FloorLabel", parent=body, textColor=colors.HexColor(0x222222))
    grey = ParagraphStyle("FloorGrey", parent=body, textColor=colors.HexColor(0x555555))
    title = ParagraphStyle("FloorTitle", parent=bold, fontSize=16, leading=20, spaceAfter=8)
    heading = ParagraphStyle(
        "FloorHeading", parent=bold, fontSize=12, leading=15, spaceBefore=12, spaceAfter=5
    )
    group = ParagraphStyle("FloorGroup", parent=bold, spaceBefore=6, spaceAfter=3)
    grid: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), "FloorSans"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, "#9a9a9a"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    width = A4[0] - 112

    def para(text: str, style: Any = body) -> Any:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    def answer(a: Any) -> Any:
        return para(a.text) if a.text is not None else Paragraph("Not answered", grey)

    def answers(items: list[Any], level: int) -> list[Any]:
        out: list[Any] = []
        rows: list[list[Any]] = []
        inner = width - 14 * level

        def flush() -> None:
            if rows:
                out.append(
                    Table(
                        list(rows),
                        colWidths=[inner * 0.42, inner * 0.58],
                        style=grid,
                        splitInRow=1,
                        hAlign="RIGHT",
                    )
                )
                rows.clear()

        for a in items:
            if not a.entries:
                rows.append([para(a.label, label), answer(a)])
                continue
            flush()
            count = len(a.entries)
            out.append(para(f"{a.label} ({count} {'entry' if count == 1 else 'entries'})", group))
            sub = inner - 14
            for number, entry in enumerate(a.entries, start=1):
                plain = [e for e in entry if not e.entries]
                body_rows = [[para(e.label, label), answer(e)] for e in plain] or [
                    [Paragraph("Not answered", grey), ""]
                ]
                out.append(
                    Table(
                        [[Paragraph(f"Entry {number} of {count}", bold), ""], *body_rows],
                        colWidths=[sub * 0.42, sub * 0.58],
                        style=[
                            *grid,
                            ("SPAN", (0, 0), (-1, 0)),
                            ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
                        ],
                        repeatRows=1,
                        splitInRow=1,
                        hAlign="RIGHT",
                    )
                )
                groups = [e for e in entry if e.entries]
                if groups:
                    out.extend(answers(groups, level + 2))
        flush()
        return out

    class SignatureBox(Flowable):  # type: ignore[misc]
        """The dashed box at the bottom of the last page that the signer fills."""

        def wrap(self, aw: float, ah: float) -> tuple[float, float]:
            self.height = max(ah, 112.0)
            return aw, self.height

        def draw(self) -> None:
            self.canv.setFont("FloorSans-Bold", 10)
            self.canv.drawString(0, 98, "Digital signature")
            self.canv.setFont("FloorSans", 8)
            self.canv.drawString(112, 98, "(added here when the document is signed)")
            self.canv.setStrokeColor(colors.grey)
            self.canv.setDash(3, 3)
            self.canv.rect(0, 0, 300, 90)

    details = [
        ("Record reference", doc.record_ref),
        ("Form", f"{doc.form_id}, version {doc.form_version}"),
        ("Child or young person", doc.child_name),
        ("Completed by", doc.completed_by),
        ("Completed", f"{doc.completed_at:%-d %B %Y, %H:%M %Z}"),
        ("Protective marking", doc.marking),
    ]
    story: list[Any] = [
        para(doc.title, title),
        Table(
            [[para(k, label), para(v)] for k, v in details],
            colWidths=[width * 0.3, width * 0.7],
            style=[*grid, ("BACKGROUND", (0, 0), (0, -1), "#eeeeee")],
            hAlign="LEFT",
        ),
    ]
    for section in doc.sections:
        story.append(para(section.title, heading))
        if section.answers:
            story.extend(answers(section.answers, 0))
        else:
            story.append(Paragraph("No items in this section applied.", grey))
    if doc.outcomes:
        story.append(Paragraph("Outcome", heading))
        rows = []
        for o in doc.outcomes:
            cell = [Paragraph(f"<b>{escape(o.value_text)}</b> ({escape(o.kind)})", body)]
            if o.reason:
                cell.append(para(f"Reason: {o.reason}"))
            rows.append([para(o.label, label), cell])
        story.append(Table(rows, colWidths=[width * 0.42, width * 0.58], style=grid, splitInRow=1))
    story.append(Paragraph("Information-sharing decision", heading))
    if doc.sharing_decision is None:
        story.append(
            Paragraph("No information-sharing decision has been recorded for this record.", grey)
        )
    else:
        story.extend(answers(doc.sharing_decision, 0))
    story.append(SignatureBox())

    ref = f"Haven ref {doc.record_ref} · form {doc.form_id} version {doc.form_version}"

    def furniture(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        if doc.training:
            canvas.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.16))
            canvas.setFont("FloorSans-Bold", 40)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(45)
            canvas.drawCentredString(0, -14, "TRAINING — NOT REAL DATA")
            canvas.rotate(-45)
            canvas.translate(-A4[0] / 2, -A4[1] / 2)
            canvas.setFillColor(colors.black)
            canvas.setFont("FloorSans-Bold", 9)
            canvas.drawCentredString(A4[0] / 2, A4[1] - 66, "TRAINING — NOT REAL DATA")
        canvas.setFont("FloorSans-Bold", 11)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 30, doc.marking)
        canvas.setFont("FloorSans", 8)
        canvas.drawString(56, A4[1] - 46, doc.title)
        canvas.drawRightString(A4[0] - 56, A4[1] - 46, ref)
        canvas.setStrokeColor(colors.grey)
        canvas.setLineWidth(0.5)
        canvas.line(56, A4[1] - 52, A4[0] - 56, A4[1] - 52)
        canvas.line(56, 54, A4[0] - 56, 54)
        canvas.drawString(56, 42, ref)
        canvas.setFont("FloorSans-Bold", 11)
        canvas.drawCentredString(A4[0] / 2, 24, doc.marking)
        canvas.restoreState()

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """reportlab's "Page X of Y" recipe: keep each page until the total is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self.pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for number, state in enumerate(self.pages, start=1):
                self.__dict__.update(state)
                self.setFont("FloorSans", 8)
                self.drawRightString(A4[0] - 56, 42, f"Page {number} of {len(self.pages)}")
                super().showPage()
            super().save()

    out = BytesIO()
    frame = Frame(56, 64, width, A4[1] - 150, 0, 0, 0, 0)
    BaseDocTemplate(
        out,
        pagesize=A4,
        title=f"{doc.title} — {doc.record_ref}",
        author="Haven floor",
        initialFontName="FloorSans",
        pageTemplates=[PageTemplate(frames=[frame], onPage=furniture)],
    ).build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()


def _floor_signer(key: Any, cert: Any) -> Any:
    """pyHanko's SimpleSigner keeping the loaded key (the baselines note: the default
    reloads and re-validates an RSA-3072 key for each of its two signatures)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class CachedKeySigner(signers.SimpleSigner):
        async def async_sign_raw(
            self, data: bytes, digest_algorithm: str, dry_run: bool = False
        ) -> bytes:
            if dry_run:
                return bytes(key.key_size // 8)
            return bytes(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))

    der_cert = cert.public_bytes(serialization.Encoding.DER)
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return CachedKeySigner(
        signing_cert=asn1_x509.Certificate.load(der_cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(der_cert)]),
    )


def signed_pdf(profile: generator.Profile, repeats: int) -> Result:
    """A full risk assessment rendered and signed: Haven's render_pdf + sign_pdf vs the
    floor's platypus layout + pyHanko with a key-caching signer, bytes_reserved and a visible
    field.

    The floor's stamp is pyHanko's default, in a base-14 font it does not embed; Haven's
    embeds DejaVu (SPEC 4). That is less work for the floor, so it can only make Haven look
    slower: pyHanko's own embedding (GlyphAccumulatorFactory, which subsets the font again
    for every signature) costs about 25 ms more even with Haven's pre-cut stamp font."""
    from io import BytesIO

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from app.export.certificates import SigningIdentity, create_self_signed
    from app.export.exports import Exports
    from app.export.pdf import render_pdf
    from app.export.signing import sign_pdf
    from app.profile import ProfilePaths, Session, read_meta
    from app.service import Haven
    from app.store.connection import open_database

    paths = ProfilePaths(profile.folder)
    db = open_database(paths.db, profile.key)
    session = Session(paths, read_meta(profile.folder), db, profile.key)
    try:
        haven = Haven(session)
        record = haven.record(profile.risk_assessment_id)
        doc = Exports(haven).print_document(record)
    finally:
        session.lock()
    key, cert = create_self_signed("Bench School", email="dsl@bench.example")
    identity = SigningIdentity(key=key, cert=cert)
    signer = _floor_signer(key, cert)

    def haven_pdf() -> None:
        sign_pdf(render_pdf(doc), identity, "Completed CSE risk assessment", "Bench Worker")

    def floor_pdf() -> None:
        writer = IncrementalPdfFileWriter(BytesIO(_floor_pdf(doc)))
        meta = signers.PdfSignatureMetadata(
            field_name="Signature1",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason="Completed CSE risk assessment",
        )
        # A visible signature, as Haven's (SPEC 4), with pyHanko's own default stamp.
        visible = fields.SigFieldSpec(
            sig_field_name="Signature1", on_page=-1, box=(56, 64, 356, 154)
        )
        signers.PdfSigner(meta, signer, new_field_spec=visible).sign_pdf(
            writer, bytes_reserved=16384
        )

    h, f = interleaved(haven_pdf, floor_pdf, repeats, warmup=2)
    return Result(
        "signed PDF of a risk assessment, warm",
        profile.size,
        h,
        f,
        "<= 1.2x floor",
        lambda r: r.ratio <= 1.2,
    )


# ---- the risk assessment form: open and switch sections -----------------------------------


def _visible_controls(root: Any) -> list[tuple[Any, ...]]:
    """The user-visible controls under `root`, in order, as plain descriptions: what a
    floor must build to show the same screen. A question's options stay inside their
    group box (the named group a screen reader announces, as plain Qt would do it) and a
    scrolled panel's controls in their scroll area (its scroll bar shows); other
    containers and frames, hidden widgets and focus frames are Haven's own structure and
    are not counted."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QComboBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QListView,
        QPlainTextEdit,
        QScrollArea,
        QWidget,
    )

    def visit(widget: Any, out: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        for child in widget.children():
            if not isinstance(child, QWidget) or not child.isVisibleTo(root):
                continue
            if isinstance(child, QLabel):
                out.append(("label", child.text(), child.wordWrap()))
            elif isinstance(child, QLineEdit):
                out.append(("line", child.text()))
            elif isinstance(child, QPlainTextEdit):
                out.append(("plain", child.toPlainText()))
            elif isinstance(child, QComboBox):
                items = [child.itemText(i) for i in range(child.count())]
                out.append(("combo", items, child.currentIndex()))
            elif isinstance(child, QListView):
                model = child.model()
                rows = [str(model.index(r, 0).data()) for r in range(model.rowCount())]
                out.append(("list", rows, child.wordWrap()))
            elif isinstance(child, QAbstractButton):
                base = next(
                    (
                        c.__name__
                        for c in type(child).__mro__
                        if c.__name__ in ("QCheckBox", "QRadioButton", "QToolButton")
                    ),
                    "QPushButton",
                )
                out.append(("button", base, child.text(), child.isChecked()))
            elif isinstance(child, QGroupBox):
                out.append(("group", child.accessibleName(), visit(child, [])))
            elif isinstance(child, QScrollArea) and child.widget() is not None:
                fixed = child.minimumWidth() == child.maximumWidth()
                width = child.width() if fixed else None
                out.append(("scroll", visit(child.widget(), []), width))
            else:
                visit(child, out)
        return out

    return visit(root, [])


def form_sections(profile: generator.Profile, repeats: int) -> list[Result]:
    """Open the risk assessment (FormView) and move through its sections, vs plain Qt
    widgets showing the same visible controls: every label (question, hint, option
    words, guidance title), input, option button, list and button that Haven's window or
    section page shows, with the same texts, taken from one Haven view before timing."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import (
        QApplication,
        QBoxLayout,
        QCheckBox,
        QComboBox,
        QGroupBox,
        QHBoxLayout,
        QLabel,
        QLineEdit,
        QListWidget,
        QPlainTextEdit,
        QPushButton,
        QRadioButton,
        QScrollArea,
        QStackedWidget,
        QToolButton,
        QVBoxLayout,
        QWidget,
    )

    from ui.form_view import FormView

    app = QApplication.instance() or QApplication([])
    haven = _haven(profile)
    session = haven.session
    record = haven.record(profile.risk_assessment_id)
    form = haven.form_for(record)
    counts = [len(section.items) for section in form.sections]

    def settle(widget: QWidget) -> None:
        app.processEvents()
        widget.repaint()

    # What each screen shows, read once from a Haven view (not timed).
    sample = FormView(haven, record.id)
    sample.resize(1280, 860)
    sample.show()
    settle(sample)
    outside_page: list[tuple[Any, ...]] = []
    page_controls: list[list[tuple[Any, ...]]] = []
    for index in range(len(counts)):
        sample.go_to_section(index, focus=False)
        settle(sample)
        page = sample.stack.currentWidget()
        page_controls.append(_visible_controls(page))
        if index == 0:
            page.setVisible(False)
            outside_page = _visible_controls(sample)
            page.setVisible(True)
    sample.clear()
    sample.close()
    sample.deleteLater()
    app.processEvents()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def fill(controls: list[tuple[Any, ...]], box: QWidget, layout: QBoxLayout) -> None:
        for control in controls:
            kind = control[0]
            widget: QWidget
            if kind == "label":
                label = QLabel(control[1], box)
                label.setWordWrap(control[2])
                widget = label
            elif kind == "line":
                widget = QLineEdit(control[1], box)
            elif kind == "plain":
                widget = QPlainTextEdit(control[1], box)
            elif kind == "combo":
                combo = QComboBox(box)
                combo.addItems(control[1])
                combo.setCurrentIndex(control[2])
                widget = combo
            elif kind == "list":
                listing = QListWidget(box)
                listing.setWordWrap(control[2])
                listing.addItems(control[1])
                widget = listing
            elif kind == "scroll":
                area = QScrollArea(box)
                area.setWidgetResizable(True)
                area.setWidget(build(control[1], area))
                if control[2] is not None:  # a fixed-width column, as Haven's
                    area.setFixedWidth(control[2])
                widget = area
            elif kind == "group":
                group = QGroupBox(box)
                group.setFlat(True)
                group.setAccessibleName(control[1])
                fill(control[2], group, QVBoxLayout(group))
                widget = group
            else:
                button_kind = {
                    "QCheckBox": QCheckBox,
                    "QRadioButton": QRadioButton,
                    "QToolButton": QToolButton,
                }.get(control[1], QPushButton)
                button = button_kind(box)
                button.setText(control[2])
                if control[3]:
                    button.setCheckable(True)
                    button.setChecked(True)
                widget = button
            layout.addWidget(widget)

    def build(controls: list[tuple[Any, ...]], parent: QWidget) -> QWidget:
        box = QWidget(parent)
        layout = QVBoxLayout(box)
        fill(controls, box, layout)
        layout.addStretch(1)
        return box

    def floor_page(n: int) -> QWidget:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(build(page_controls[n], area))
        return area

    settle_heap()
    opens_h: list[float] = []
    opens_f: list[float] = []
    switch_h: list[float] = []
    switch_f: list[float] = []
    for n in range(repeats):
        order = (0, 1) if n % 2 == 0 else (1, 0)
        for which in order:
            start = time.perf_counter()
            if which == 0:
                view = FormView(haven, record.id)
                view.resize(1280, 860)
                view.show()
                settle(view)
                opens_h.append(time.perf_counter() - start)
                for index in range(1, len(counts)):
                    start = time.perf_counter()
                    view.go_to_section(index, focus=False)
                    settle(view)
                    switch_h.append(time.perf_counter() - start)
                view.clear()
                view.close()
                view.deleteLater()
            else:
                window = QWidget()
                row = QHBoxLayout(window)
                stack = QStackedWidget(window)
                stack.addWidget(floor_page(0))
                row.addWidget(stack, 1)
                row.addWidget(build(outside_page, window))
                window.resize(1280, 860)
                window.show()
                settle(window)
                opens_f.append(time.perf_counter() - start)
                for index in range(1, len(counts)):
                    start = time.perf_counter()
                    stack.addWidget(floor_page(index))
                    stack.setCurrentIndex(index)
                    settle(window)
                    switch_f.append(time.perf_counter() - start)
                window.close()
                window.deleteLater()
            app.processEvents()
            # Without a running event loop deleteLater never happens: the app's loop
            # deletes a closed record's view, so the bench does too (untimed). Otherwise
            # every view and floor window of the run stays alive and later garbage
            # collections (at 50k, after the 1k run) walk them all.
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    session.lock()
    return [
        Result(
            "open the risk assessment",
            profile.size,
            opens_h,
            opens_f,
            "<= 2x floor",
            lambda r: r.ratio <= 2.0,
            note=f"{sum(counts)} items in {len(counts)} sections",
        ),
        Result(
            "switch risk assessment sections",
            profile.size,
            switch_h,
            switch_f,
            "<= 2x floor, none > 100 ms",
            lambda r: r.ratio <= 2.0 and max(r.haven) <= 0.1,
        ),
    ]
