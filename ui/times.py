"""Stored times in words, for every view that lists records, packages or episodes."""

from __future__ import annotations

from datetime import datetime

from app.forms.dates import format_date, format_datetime, naive_local, parse_date, parse_datetime
from ui import plain_text


def when_text(when: str) -> str:
    """A stored time in words, local time: answers hold local wall-clock times, the store
    holds UTC stamps with a zone ("2026-11-29T01:10:12+00:00")."""
    if "T" in when:
        moment = parse_datetime(when)
        if moment is None:
            try:
                moment = naive_local(datetime.fromisoformat(when))
            except ValueError:
                moment = None
        if moment is not None:
            return format_datetime(moment)
    day = parse_date(when)
    return format_date(day) if day is not None else plain_text(when, one_line=True)
