"""Deterministic synthetic Haven profiles for the bench: 1k, 10k and 50k records.

Why a generator and not a fixture: the issue's claims are about years of data (answers of
3–8 KB with long free text, every form, children with several records, missing episodes),
and the numbers only mean something if every run measures the same bytes. A seeded
`random.Random` drives everything, so the same size always gives the same answers.

Profiles are real Haven profiles: made by `app.profile.create_profile` (the real Argon2id
wrap, so passphrase unlock is measured honestly), filled through the store's own schema in
one transaction per batch, with the search index written by `app.store.rows.index_row`
and an audit entry per record through `app.audit.append` (the chain verifies). The text
indexed for a record is `summarise()` of its answers, exactly what `Haven.save_draft`
indexes. A raw-key file (`bench.key`, hex) sits beside the profile so the start-up
measure can open it without timing a KDF; it exists only under bench/.cache/.

Built once and cached under bench/.cache/ (git-ignored); a `complete` marker is written
last, so an interrupted build is rebuilt rather than measured.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = Path(__file__).resolve().parent / ".cache"
GENERATOR_VERSION = 3
PASSPHRASE = "bench passphrase that is long enough"
SEED = 20261203

# A word every record contains (the "common term" search) and a word in about one record
# in 400 (the "selective term" search). Both are ordinary words, not generator noise.
COMMON_TERM = "school"
SELECTIVE_TERM = "lighthouse"
SELECTIVE_EVERY = 400

FORM_WEIGHTS = (
    ("screening", 34),
    ("missing-episode", 20),
    ("return-interview", 16),
    ("risk-assessment", 10),
    ("information-report", 10),
    ("sharing-decision", 10),
)
RECORDS_PER_CHILD = 5

_FIRST = [
    "Jamie",
    "Alex",
    "Sam",
    "Charlie",
    "Riley",
    "Jordan",
    "Casey",
    "Morgan",
    "Taylor",
    "Robin",
    "Ashley",
    "Frankie",
    "Jess",
    "Kai",
    "Leah",
    "Noor",
    "Amir",
    "Zara",
    "Kyle",
    "Megan",
    "Tyler",
    "Aisha",
    "Liam",
    "Ruby",
    "Ellis",
    "Finley",
    "Harvey",
    "Isla",
    "Mason",
    "Priya",
]
_LAST = [
    "Example",
    "Sample",
    "Fictional",
    "Testcase",
    "Placeholder",
    "Madeup",
    "Demo",
    "Pretend",
    "Invented",
    "Notreal",
    "Specimen",
    "Trial",
    "Mock",
    "Dummy",
    "Fakename",
]
_BASE_WORDS = [
    "the",
    "a",
    "and",
    "to",
    "of",
    "in",
    "was",
    "with",
    "at",
    "on",
    "for",
    "said",
    "that",
    "he",
    "she",
    "they",
    "her",
    "his",
    "their",
    "had",
    "not",
    "been",
    "about",
    "from",
    "after",
    "when",
    "where",
    "bus",
    "station",
    "park",
    "home",
    "house",
    "flat",
    "car",
    "friend",
    "friends",
    "older",
    "man",
    "men",
    "group",
    "party",
    "phone",
    "messages",
    "snapchat",
    "instagram",
    "money",
    "gifts",
    "alcohol",
    "cannabis",
    "missing",
    "returned",
    "police",
    "officer",
    "social",
    "worker",
    "teacher",
    "nurse",
    "mother",
    "father",
    "carer",
    "foster",
    "placement",
    "worried",
    "concern",
    "concerns",
    "disclosed",
    "disclosure",
    "staying",
    "overnight",
    "night",
    "late",
    "hotel",
    "taxi",
    "shop",
    "town",
    "centre",
    "city",
    "estate",
    "street",
    "address",
    "unknown",
    "known",
    "seen",
    "saw",
    "told",
    "asked",
    "refused",
    "agreed",
    "felt",
    "scared",
    "angry",
    "upset",
    "quiet",
    "tired",
    "hungry",
    "injury",
    "bruise",
    "absent",
    "lessons",
    "attendance",
    "excluded",
    "college",
    "youth",
    "club",
    "referral",
    "strategy",
    "meeting",
    "plan",
    "safety",
    "support",
]


def _vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Ordinary words first (so they are the frequent ones), then pronounceable fillers."""
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"]
    words = list(_BASE_WORDS)
    seen = set(words) | {COMMON_TERM, SELECTIVE_TERM}
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class _Text:
    """Free text with a Zipf-like word distribution, in sentences."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = _vocabulary(rng)
        weights = [1.0 / (rank + 1) for rank in range(len(self.words))]
        total = 0.0
        self.cumulative: list[float] = []
        for w in weights:
            total += w
            self.cumulative.append(total)

    def paragraph(self, chars: int) -> str:
        picks = self.rng.choices(self.words, cum_weights=self.cumulative, k=max(4, chars // 6))
        lengths = self.rng.choices(range(8, 19), k=len(picks) // 8 + 1)
        out: list[str] = []
        at = 0
        for n in lengths:
            if at >= len(picks):
                break
            out.append(" ".join(picks[at : at + n]).capitalize() + ".")
            at += n
        return " ".join(out)[:chars]


@dataclass(frozen=True)
class Profile:
    """A cached bench profile: where it is and what it holds."""

    size: int
    folder: Path
    key: bytes
    children: int
    draft_id: str
    risk_assessment_id: str

    @property
    def db(self) -> Path:
        return self.folder / "haven.db"


def profile_dir(size: int) -> Path:
    return CACHE / f"profile-{size}-v{GENERATOR_VERSION}"


def load(size: int) -> Profile:
    folder = profile_dir(size)
    facts = json.loads((folder / "bench.json").read_text("utf-8"))
    return Profile(
        size=size,
        folder=folder / "profile",
        key=bytes.fromhex((folder / "bench.key").read_text("ascii").strip()),
        children=int(facts["children"]),
        draft_id=str(facts["draft_id"]),
        risk_assessment_id=str(facts["risk_assessment_id"]),
    )


def ensure(size: int, *, log: Any = print) -> Profile:
    """The cached profile of `size` records, built first if it is missing or incomplete."""
    folder = profile_dir(size)
    if (folder / "complete").exists():
        return load(size)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    build(size, folder)
    (folder / "complete").write_text("ok\n", "ascii")
    log(f"built the {size:,}-record profile in {time.perf_counter() - started:.0f} s")
    return load(size)


def _fill(form: Any, example: dict[str, Any], text: _Text, target: int) -> dict[str, Any]:
    """The form's example answers with every free-text answer replaced by long prose."""
    answers = json.loads(json.dumps(example))
    free = [
        item.id
        for _section, item in form.iter_items()
        if item.type == "long_text" and isinstance(answers.get(item.id), str)
    ]
    if not free:
        free = [k for k, v in answers.items() if isinstance(v, str) and len(v) > 30]
    base = len(json.dumps(answers, ensure_ascii=False))
    share = max(200, (target - base) // max(1, len(free)))
    for key in free:
        answers[key] = text.paragraph(text.rng.randint(share // 2, share * 3 // 2))
    return answers


def _summary(
    form: Any, answers: dict[str, Any], ctx: Any, skeletons: dict[tuple[str, frozenset[str]], str]
) -> str:
    """summarise() of the answers, computed once per form with a marker in place of each
    text answer and filled in per record: free text never changes which items are shown,
    and this keeps building the 50k profile to minutes rather than a quarter of an hour."""
    from app.forms import summarise

    texts = {k: v for k, v in answers.items() if isinstance(v, str) and len(v) > 20}
    names = sorted(texts)
    cache_key = (form.id, frozenset(texts))
    if cache_key not in skeletons:
        marked = dict(answers)
        for n, k in enumerate(names):
            marked[k] = f"Zqbenchmark{n}qZ"  # survives plain_text(): letters and digits only
        skeletons[cache_key] = summarise(form, marked, ctx)
    out = skeletons[cache_key]
    for n, k in reversed(list(enumerate(names))):  # Zq…10qZ before Zq…1qZ
        out = out.replace(f"Zqbenchmark{n}qZ", texts[k])
    return out


def build(size: int, folder: Path) -> None:
    from app import audit
    from app.domain import ProfileInfo
    from app.forms import EvaluationContext, load_registry
    from app.profile import create_profile
    from app.store.rows import index_row, unique_ref

    rng = random.Random(SEED + size)
    text = _Text(rng)
    registry = load_registry()
    forms = {form_id: registry.get(form_id) for form_id, _w in FORM_WEIGHTS}
    examples = {
        form_id: json.loads((ROOT / "forms" / "examples" / f"{form_id}.json").read_text("utf-8"))
        for form_id in forms
    }
    info = ProfileInfo("Bench Worker", "dsl", "Bench School", "Sandwell")
    session = create_profile(folder / "profile", info, PASSPHRASE)
    actor = session.actor
    key = bytes(session._data_key)
    (folder / "bench.key").write_text(key.hex() + "\n", "ascii")
    (folder / "bench.key").chmod(0o600)

    children = max(1, size // RECORDS_PER_CHILD)
    start = datetime(2023, 1, 1, 8, 0)
    step = timedelta(days=3 * 365) / size
    form_ids = [f for f, _w in FORM_WEIGHTS]
    weights = [w for _f, w in FORM_WEIGHTS]
    subjects: list[tuple[str, str, str]] = []
    skeletons: dict[tuple[str, frozenset[str]], str] = {}
    draft_id = ""
    risk_id = ""
    db = session.db
    with db.transaction() as conn:
        for i in range(children):
            subject_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"bench-{size}-child-{i}"))
            ref = unique_ref(conn, "subjects", "C")
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            dob = date(2008, 1, 1) + timedelta(days=rng.randint(0, 3650))
            when = (start + step * i * RECORDS_PER_CHILD // 2).isoformat(timespec="seconds")
            conn.execute(
                "INSERT INTO subjects (id, ref, name, known_as, dob, gender, local_authority,"
                " created_at, updated_at) VALUES (?, ?, ?, '', ?, '', 'Sandwell', ?, ?)",
                (subject_id, ref, name, dob.isoformat(), when, when),
            )
            index_row(conn, "subject", subject_id, subject_id, f"{name}  {ref}")
            audit.append(conn, actor, "child-create", None, ref)
            subjects.append((subject_id, name, dob.isoformat()))
    batch = 2_000
    for first in range(0, size, batch):
        with db.transaction() as conn:
            for n in range(first, min(size, first + batch)):
                subject_id, name, dob = subjects[n % children]
                form_id = rng.choices(form_ids, weights=weights)[0]
                if n == size - 1:
                    form_id = "risk-assessment"
                form = forms[form_id]
                answers = _fill(form, examples[form_id], text, rng.randint(3_000, 6_000))
                if "child_name" in answers:
                    answers["child_name"] = name
                if "dob" in answers:
                    answers["dob"] = dob
                if n % SELECTIVE_EVERY == 7:
                    # Into the longest free-text answer, which the summary (and so the
                    # search index) always carries.
                    k = max(
                        (k for k, v in answers.items() if isinstance(v, str)),
                        key=lambda k: len(answers[k]),
                    )
                    answers[k] = f"{answers[k]} {SELECTIVE_TERM}"
                when = start + step * n
                ctx = EvaluationContext(
                    now=when,
                    settings={},
                    subject={"name": name, "dob": dob, "known_as": ""},
                    profile={"name": actor},
                    episode={},
                )
                summary = f"{_summary(form, answers, ctx, skeletons)} {COMMON_TERM}"
                record_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"bench-{size}-record-{n}"))
                ref = unique_ref(conn, "records", "HVN")
                draft = n == size - 2 or rng.random() < 0.2
                stamp = when.isoformat(timespec="seconds")
                episode_id = None
                if form_id == "missing-episode":
                    episode_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"bench-{size}-ep-{n}"))
                conn.execute(
                    "INSERT INTO records (id, ref, subject_id, form_id, form_version, status,"
                    " answers, problem_count, created_at, updated_at, created_by,"
                    " completed_at, completed_by) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
                    (
                        record_id,
                        ref,
                        subject_id,
                        form_id,
                        form.version,
                        "draft" if draft else "completed",
                        json.dumps(answers, ensure_ascii=False),
                        stamp,
                        stamp,
                        actor,
                        None if draft else stamp,
                        None if draft else actor,
                    ),
                )
                if episode_id is not None:
                    back = when + timedelta(hours=rng.randint(2, 96))
                    conn.execute(
                        "INSERT INTO missing_episodes (id, subject_id, record_id, missing_from,"
                        " returned_at, interviewed_at, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
                        (
                            episode_id,
                            subject_id,
                            record_id,
                            when.isoformat(timespec="minutes"),
                            back.isoformat(timespec="minutes"),
                            stamp,
                            stamp,
                        ),
                    )
                    conn.execute(
                        "UPDATE records SET episode_id = ? WHERE id = ?", (episode_id, record_id)
                    )
                index_row(conn, "record", record_id, subject_id, f"{ref} {summary}")
                audit.append(conn, actor, "create", record_id, f"{form_id} v{form.version}")
                if n == size - 2:
                    draft_id = record_id
                if form_id == "risk-assessment":
                    risk_id = record_id
    session.lock()
    (folder / "bench.json").write_text(
        json.dumps(
            {
                "size": size,
                "children": children,
                "draft_id": draft_id,
                "risk_assessment_id": risk_id,
                "seed": SEED,
                "generator": GENERATOR_VERSION,
            },
            indent=2,
        ),
        "utf-8",
    )


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000"]:
        ensure(int(arg))
