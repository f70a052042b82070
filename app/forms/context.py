"""What the engine needs besides the answers: the time, settings and prefill sources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from app.forms.dates import naive_local


@dataclass(frozen=True)
class EvaluationContext:
    """The moment of evaluation and the values prefill and ``setting()`` read.

    ``now`` is local wall-clock time (a zone-aware value is converted), like every
    date-time in answers (FORMAT.md). ``settings`` are the profile settings, e.g.
    ``repeat_missing_count``. ``subject`` holds ``name``, ``dob``, ``known_as``,
    ``gender``, ``local_authority``;
    ``profile`` holds ``name``, ``agency``, ``role``, ``local_authority``, ``email``,
    ``phone``; ``episode`` holds ``missing_from``, ``returned_at`` of the missing episode a
    return interview belongs to (FORMAT.md, ``prefill``).
    """

    now: datetime
    settings: Mapping[str, object] = field(default_factory=dict)
    subject: Mapping[str, object] = field(default_factory=dict)
    profile: Mapping[str, object] = field(default_factory=dict)
    episode: Mapping[str, object] = field(default_factory=dict)

    @property
    def local_now(self) -> datetime:
        """``now`` as naive local time, the kind answers hold."""
        return naive_local(self.now)

    @classmethod
    def at(cls, now: datetime | None = None, **settings: object) -> EvaluationContext:
        """A context with no prefill sources: for checks run outside a session."""
        return cls(now=now or datetime.now(), settings=dict(settings))
