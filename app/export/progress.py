"""Progress as a plain callback, so long exports report to any front end (HOUSE_STYLE:
`app` reports progress through callbacks; `ui` turns them into signals)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float], None]


def tick(progress: Progress | None, value: float) -> None:
    """Report `value`, clamped to 0..1 so a rounding slip never confuses a progress bar."""
    if progress is not None:
        progress(max(0.0, min(1.0, value)))


def scaled(progress: Progress | None, start: float, span: float) -> Progress | None:
    """A callback for one step of a longer job: its 0..1 maps onto `start`..`start+span`."""
    if progress is None:
        return None
    return lambda fraction: tick(progress, start + span * fraction)
