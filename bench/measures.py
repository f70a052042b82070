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
        session.repo.subjects_page(0, 50)  # the first query: the children list's first page
        session.lock()

    def floor() -> None:
        derive_passphrase_key(generator.PASSPHRASE, wrap.salt, wrap.kdf)
        conn = _raw(profile)
        conn.execute(
            "SELECT id, name FROM subjects ORDER BY name COLLATE NOCASE, id LIMIT 50"
        ).fetchall()
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
    from app.profile import ProfilePaths, Session, read_meta
    from app.service import Haven
    from app.store.connection import open_database

    paths = ProfilePaths(profile.folder)
    session = Session(
        paths, read_meta(profile.folder), open_database(paths.db, profile.key), profile.key
    )
    haven = Haven(session)
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

    h, f = interleaved(haven_save, floor_save, repeats * 4, warmup=20)
    results.append(
        Result(
            "autosave (store)",
            profile.size,
            h,
            f,
            "p99 <= 1.5x floor p99",
            lambda r: r.haven_p99 <= 1.5 * r.floor_p99,
            note="Repository.save_draft vs bare UPDATE; index queued (drained on search)",
        )
    )
    haven.index_pending()

    def haven_page() -> None:
        repo.subjects_page(0, 50)

    def floor_page() -> None:
        raw.execute(
            "SELECT id, ref, name, known_as, dob, gender, local_authority, created_at,"
            " updated_at FROM subjects ORDER BY name COLLATE NOCASE, id LIMIT 50"
        ).fetchall()

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
    """The same document laid out with reportlab's platypus directly: the record's details,
    a heading per section, a label/answer table, the outcomes and the sharing decision,
    the marking on every page.

    Like Haven's it embeds DejaVu Sans (SPEC 4 allows embedded fonts only, so the base-14
    Helvetica platypus defaults to is not the same work: no metrics to parse, no font to
    subset and embed) and draws the tables' cell borders, registered under its own names
    so it shares no font object with Haven."""
    from io import BytesIO
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    fonts = ROOT / "resources" / "fonts"
    if "FloorSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("FloorSans", str(fonts / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("FloorSans-Bold", str(fonts / "DejaVuSans-Bold.ttf")))
    styles = getSampleStyleSheet()
    styles["BodyText"].fontName = "FloorSans"
    styles["Title"].fontName = styles["Heading2"].fontName = "FloorSans-Bold"
    grid = [
        ("FONTNAME", (0, 0), (-1, -1), "FloorSans"),
        ("GRID", (0, 0), (-1, -1), 0.4, "#9a9a9a"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    out = BytesIO()
    story: list[Any] = [Paragraph(escape(doc.title), styles["Title"])]

    def rows(answers: list[Any]) -> list[list[Any]]:
        found: list[list[Any]] = []
        for a in answers:
            text = a.text if a.text is not None else "Not answered"
            found.append(
                [
                    Paragraph(escape(a.label), styles["BodyText"]),
                    Paragraph(escape(text), styles["BodyText"]),
                ]
            )
            for entry in a.entries:
                found.extend(rows(entry))
        return found

    def pairs(items: list[tuple[str, str]]) -> list[list[Any]]:
        return [
            [Paragraph(escape(k), styles["BodyText"]), Paragraph(escape(v), styles["BodyText"])]
            for k, v in items
        ]

    details = [
        ("Record reference", doc.record_ref),
        ("Form", f"{doc.form_id}, version {doc.form_version}"),
        ("Child or young person", doc.child_name),
        ("Completed by", doc.completed_by),
        ("Completed", str(doc.completed_at)),
        ("Protective marking", doc.marking),
    ]
    story.append(Table(pairs(details), colWidths=[150, 340], style=grid))
    for section in doc.sections:
        story.append(Paragraph(escape(section.title), styles["Heading2"]))
        body = rows(section.answers)
        if body:
            story.append(Table(body, colWidths=[170, 320], style=grid))
    # The rest of what Haven prints: the outcomes with their reasons and the sharing decision.
    if doc.outcomes:
        story.append(Paragraph("Outcome", styles["Heading2"]))
        outcomes = [
            (o.label, f"{o.value_text} ({o.kind})" + (f" Reason: {o.reason}" if o.reason else ""))
            for o in doc.outcomes
        ]
        story.append(Table(pairs(outcomes), colWidths=[170, 320], style=grid))
    story.append(Paragraph("Information-sharing decision", styles["Heading2"]))
    if doc.sharing_decision:
        story.append(Table(rows(doc.sharing_decision), colWidths=[170, 320], style=grid))

    def marking(canvas: Any, _doc: Any) -> None:
        canvas.setFont("FloorSans-Bold", 11)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 20, doc.marking)
        canvas.drawCentredString(A4[0] / 2, 15, doc.marking)

    SimpleDocTemplate(out, pagesize=A4, initialFontName="FloorSans").build(
        story, onFirstPage=marking, onLaterPages=marking
    )
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
    field."""
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

    from app.profile import ProfilePaths, Session, read_meta
    from app.service import Haven
    from app.store.connection import open_database
    from ui.form_view import FormView

    app = QApplication.instance() or QApplication([])
    paths = ProfilePaths(profile.folder)
    session = Session(
        paths, read_meta(profile.folder), open_database(paths.db, profile.key), profile.key
    )
    haven = Haven(session)
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
