"""The outbox's "Send now": every waiting package is tried once, off the UI thread.

Sending talks to a mail server over the network, so it runs in ui.workers (house habit
3). `Exports.send_due(force=True)` records each attempt (audited, with the server's reply
or the error) whatever happens; this module only reports the outcome in words and lets
the window refresh My work. A training profile never sends (Standard 10): the core
refuses, and the error is shown like any other through ui.errors.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from app.export.exports import Exports
from app.export.sending import SendReport
from app.service import Haven
from ui import plain_text
from ui.errors import show_error, show_notice
from ui.workers import Task, run_task


def send_waiting(exports: Exports) -> SendReport:
    """Worker: send every queued package now, whatever its back-off says."""
    return exports.send_due(force=True)


def report_text(report: SendReport) -> str:
    """A SendReport in words; server replies are untrusted text (house habit 7)."""
    if report.sent == report.failed == report.waiting == 0:
        return "Nothing was waiting to be sent."
    parts: list[str] = []
    if report.sent:
        parts.append(f"{report.sent} package{'s' if report.sent != 1 else ''} sent.")
    if report.waiting:
        parts.append(
            f"{report.waiting} package{'s' if report.waiting != 1 else ''} could not be sent "
            "yet; Haven will try again."
        )
    if report.failed:
        parts.append(
            f"{report.failed} package{'s' if report.failed != 1 else ''} could not be sent "
            "and will not be retried."
        )
    text = " ".join(parts)
    if report.messages:
        text += "\n\n" + "\n".join(
            plain_text(m, one_line=True, limit=300) for m in report.messages[:20]
        )
    return text


class OutboxSender:
    """One "Send now" at a time for a window. `context` is the widget whose lifetime the
    result is tied to (the workspace: a lock destroys it, and the result is dropped)."""

    def __init__(self) -> None:
        self._task: Task | None = None

    @property
    def sending(self) -> bool:
        return self._task is not None

    def send_now(
        self,
        haven: Haven,
        context: QWidget,
        *,
        on_done: Callable[[SendReport | None], None] | None = None,
    ) -> bool:
        """Start sending; False when a send is already running."""
        if self._task is not None:
            return False

        def succeeded(report: object) -> None:
            if isinstance(report, SendReport):
                if on_done is not None:
                    on_done(report)
                show_notice(context, report_text(report), title="Outbox")

        def failed(exc: BaseException) -> None:
            if on_done is not None:
                on_done(None)
            show_error(context, exc, title="Outbox")

        task = run_task(
            send_waiting,
            Exports(haven),
            context=context,
            on_success=succeeded,
            on_failure=failed,
        )
        # Connected to the task itself, not through run_task's on_finished (which is
        # skipped once `context` is destroyed), so a lock mid-send never leaves the
        # sender thinking it is still busy.
        task.signals.finished.connect(self._finished)
        self._task = task
        return True

    def _finished(self) -> None:
        self._task = None
