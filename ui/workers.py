"""The ONE helper for background work in Haven's window (house habit 3).

Unlocking (Argon2id), search over the encrypted store, creating the training profile,
and later PDF, signing, packaging, sending and backup all run through `run_task`: a
QRunnable on a QThreadPool whose results come back to the UI thread as signals
(success, failure, progress). Workers get plain data, never widgets; a result that
arrives after the widget that asked for it was destroyed (for example after an auto-lock)
is dropped rather than delivered to a dead object.

The core reports progress through a plain callback (house habit 4): a task function that
takes `progress` and `cancelled` keyword arguments is given a `progress(percent, text)`
callable and a `cancelled()` predicate; this module turns them into signals.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

_pool: QThreadPool | None = None
_active: set[Task] = set()
_active_lock = threading.Lock()


def pool() -> QThreadPool:
    """Haven's own thread pool (not the global one, so tests can join just ours)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(max(2, min(4, QThreadPool.globalInstance().maxThreadCount())))
    return _pool


def wait_for_all(timeout_ms: int = 10_000) -> bool:
    """Join every running task (used at quit and in test teardown)."""
    return pool().waitForDone(timeout_ms)


class TaskSignals(QObject):
    """Created on the UI thread, so emits from the worker are queued back to it."""

    succeeded = Signal(object)
    failed = Signal(object)
    progress = Signal(int, str)
    finished = Signal()


class Task(QRunnable):
    """One function call off the UI thread. Keep the returned object to cancel it."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        super().__init__()
        self.setAutoDelete(False)
        self.signals = TaskSignals()
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._cancel = threading.Event()
        if _accepts(fn, "progress"):
            self._kwargs["progress"] = self._report
        if _accepts(fn, "cancelled"):
            self._kwargs["cancelled"] = self._cancel.is_set

    def cancel(self) -> None:
        """Ask the task to stop; its result, if any, is then not delivered."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _report(self, percent: int, text: str = "") -> None:
        self.signals.progress.emit(int(percent), text)

    def run(self) -> None:
        try:
            result = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the UI thread
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _alive(context: QObject | None) -> bool:
    return context is None or shiboken6.isValid(context)


def run_task(
    fn: Callable[..., Any],
    *args: Any,
    context: QObject | None = None,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, str], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    **kwargs: Any,
) -> Task:
    """Run `fn(*args, **kwargs)` on Haven's pool; callbacks run on the UI thread.

    `context` is the widget that asked: when it has been destroyed, or the task was
    cancelled, callbacks are skipped. A failure with no `on_failure` goes to ui.errors,
    the one place errors become dialogs.
    """
    task = Task(fn, args, dict(kwargs))

    def deliver_success(result: object) -> None:
        if task.is_cancelled or not _alive(context):
            return
        if on_success is not None:
            on_success(result)

    def deliver_failure(exc: object) -> None:
        if task.is_cancelled or not _alive(context):
            return
        if not isinstance(exc, BaseException):
            return
        if on_failure is not None:
            on_failure(exc)
        else:
            from ui.errors import show_error

            show_error(context if isinstance(context, QWidget) else None, exc)

    def deliver_progress(percent: int, text: str) -> None:
        if on_progress is not None and not task.is_cancelled and _alive(context):
            on_progress(percent, text)

    def done() -> None:
        with _active_lock:
            _active.discard(task)
        if on_finished is not None and _alive(context):
            on_finished()

    task.signals.succeeded.connect(deliver_success)
    task.signals.failed.connect(deliver_failure)
    task.signals.progress.connect(deliver_progress)
    task.signals.finished.connect(done)
    with _active_lock:
        _active.add(task)
    pool().start(task)
    return task
