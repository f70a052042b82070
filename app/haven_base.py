"""What every use case starts from: the unlocked profile, its settings, the form
definitions and the evaluation context for a record.

The base of `app.service.Haven` (with app/child_overview.py between them): kept apart so
the overview of a child (flags, chronology, work list) can build on the same basics
without reaching into the records' use cases.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from app.domain import Subject
from app.errors import InvalidState
from app.forms.loader import load_registry
from app.profile import Session

if TYPE_CHECKING:
    from app.forms.context import EvaluationContext
    from app.forms.definitions import FormDefinition
    from app.forms.registry import FormRegistry
    from app.record_values import MissingEpisode, Record

DEFAULT_SETTINGS: dict[str, object] = {
    # Section 11: 3 or more missing episodes within 3 months -> automatic MASE discussion.
    # Some areas use 3 in 30 days: repeat_missing_window_days overrides the months.
    "repeat_missing_count": 3,
    "repeat_missing_window_months": 3,
    "repeat_missing_window_days": 0,
    # Section 11: the return interview is due within 72 hours of the child's return.
    "return_interview_hours": 72,
    "idle_lock_minutes": 5,
}

# Text settings: an RFC 3161 timestamp authority for PAdES B-T (empty: none, B-B only) and
# a protective marking that replaces the forms' own (e.g. OFFICIAL-SENSITIVE).
TEXT_SETTINGS: dict[str, str] = {"tsa_url": "", "marking": ""}


def _local_now() -> datetime:
    return datetime.now().replace(second=0, microsecond=0)


class HavenBase:
    """The profile, settings and forms one `Haven` works with."""

    def __init__(
        self,
        session: Session,
        registry: FormRegistry | None = None,
        clock: Callable[[], datetime] = _local_now,
    ) -> None:
        self.session = session
        self.repo = session.repo
        self.registry = registry if registry is not None else load_registry()
        self.clock = clock

    @property
    def training(self) -> bool:
        return self.session.training

    @property
    def actor(self) -> str:
        return self.session.actor

    # ---- settings and context ---------------------------------------------------------

    def settings(self) -> dict[str, object]:
        out = dict(DEFAULT_SETTINGS)
        for key, default in DEFAULT_SETTINGS.items():
            raw = self.repo.get_setting(key)
            if raw is not None and isinstance(default, int):
                try:
                    out[key] = int(raw)
                except ValueError:
                    out[key] = default
        return out

    def set_setting(self, key: str, value: object) -> None:
        """Change one profile setting; numbers are checked, text settings kept as given."""
        if key in TEXT_SETTINGS:
            self.repo.set_setting(self.actor, key, str(value).strip())
            return
        if key not in DEFAULT_SETTINGS:
            raise InvalidState(
                "That is not a setting Haven knows. Settings: "
                + ", ".join(sorted([*DEFAULT_SETTINGS, *TEXT_SETTINGS]))
                + "."
            )
        try:
            number = int(str(value))
        except ValueError as exc:
            raise InvalidState(f"The setting {key} takes a whole number.") from exc
        if number < 0 or (number == 0 and key != "repeat_missing_window_days"):
            raise InvalidState(f"The setting {key} must be a positive whole number.")
        self.repo.set_setting(self.actor, key, str(number))

    def text_setting(self, key: str) -> str:
        return self.repo.get_setting(key) or TEXT_SETTINGS.get(key, "")

    def context(
        self, record: Record | None = None, subject: Subject | None = None
    ) -> EvaluationContext:
        from app.forms.context import EvaluationContext  # the forms' side, not the window's

        if subject is None and record is not None:
            subject = self.repo.get_subject(record.subject_id)
        info = self.session.info
        episode: MissingEpisode | None = None
        if record is not None and record.episode_id:
            episode = self.repo.get_episode(record.episode_id)
        return EvaluationContext(
            now=self.clock(),
            settings=self.settings(),
            subject={
                "name": subject.name if subject else None,
                "dob": subject.dob if subject else None,
                "known_as": subject.known_as if subject else None,
                "gender": subject.gender if subject else None,
                "local_authority": subject.local_authority if subject else None,
            },
            profile={
                "name": info.name,
                "agency": info.agency,
                "role": info.role,
                "local_authority": info.local_authority,
                "email": info.email,
                "phone": info.phone,
            },
            episode={
                "missing_from": episode.missing_from if episode else None,
                "returned_at": episode.returned_at if episode else None,
            },
        )

    def form_for(self, record: Record) -> FormDefinition:
        """The form VERSION the record was started with, even if the file changed since."""
        return self.registry.get(record.form_id, record.form_version)
