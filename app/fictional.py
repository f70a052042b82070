"""Fictional people and answers for profiles nobody relies on: the training profile
(app.training), the screenshots (ui/screenshots.py) and the desktop tests' form driver.

One place, so every throwaway profile is made the same way and every name in one is
plainly made up (framework Standard 10: training with example cases, never real ones).
Nothing here is personal data.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.domain import ProfileInfo, Subject
from app.keys import KdfParams

if TYPE_CHECKING:
    from app.profile import Session
    from app.service import Haven

EXAMPLE_WORKER = ProfileInfo(
    name="Sam Example",
    role="practitioner",
    agency="Example Youth Service",
    local_authority="Birmingham",
    email="sam.example@example.org",
    phone="07700 900123",
)
"""The practitioner of the screenshots and the desktop tests (an Ofcom drama number)."""

TRAINEE = ProfileInfo(
    name="Sam Trainee",
    role="practitioner",
    agency="Example Academy (training)",
    local_authority="Sandwell",
    email="sam.trainee@example.org",
    phone="01632 960000",
    training=True,
)
"""Whose the training profile is."""


@dataclass(frozen=True)
class FictionalChild:
    name: str
    dob: str
    known_as: str
    gender: str


EXAMPLE_CHILD = FictionalChild(
    name="Jamie Example", dob="2012-02-10", known_as="JJ", gender="Female"
)
"""The child the forms/examples answers are about."""

THROWAWAY_KDF = KdfParams(memory_kib=8192, time_cost=1, parallelism=1)
"""A cheap key derivation for a profile that protects nothing real and is deleted after
use (screenshots, tests). Never for a profile someone keeps."""


def example_answers(form_id: str, forms_dir: Path | None = None) -> dict[str, Any]:
    """The form's complete, valid example answers (forms/examples/<form-id>.json), a fresh
    copy; empty when the form has no example."""
    from app.forms.loader import default_forms_dir

    path = (forms_dir or default_forms_dir()) / "examples" / f"{form_id}.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return data if isinstance(data, dict) else {}


def add_example_child(haven: Haven, child: FictionalChild = EXAMPLE_CHILD) -> Subject:
    return haven.add_child(child.name, child.dob, known_as=child.known_as, gender=child.gender)


def throwaway_profile(
    folder: Path, info: ProfileInfo = EXAMPLE_WORKER, passphrase: str | None = None
) -> Session:
    """A new profile with the cheap key derivation. Without a passphrase, a random one
    that nobody will need: the profile is deleted after use."""
    from app.profile import create_profile

    return create_profile(folder, info, passphrase or secrets.token_urlsafe(24), kdf=THROWAWAY_KDF)
