"""The status bar's "Queue: N waiting" button, always in sight while unlocked.

Its own collaborator because the count has its own state: counting reads the whole store,
so it runs off the UI thread, and a count that finishes after a newer one (or after the
Queue view said its own) must be dropped rather than shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow, QPushButton

from ui.workers import run_task

if TYPE_CHECKING:
    from app.exchange.relay import Exchange


class QueueCount:
    """The button in the window's status bar; choosing it opens the Queue."""

    def __init__(self, window: QMainWindow, open_queue: Callable[[], None]) -> None:
        self._generation = 0  # a count older than the newest one is dropped
        self.button = QPushButton("Queue", window)
        self.button.setObjectName("queueCountButton")
        self.button.setFlat(True)
        self.button.setAccessibleName("Queue")
        self.button.setAccessibleDescription("Open the Queue (Control 3).")
        self.button.clicked.connect(open_queue)
        window.statusBar().addPermanentWidget(self.button)

    def refresh(self, exchange: Exchange, context: QObject) -> None:
        """Count what is waiting off the UI thread (the queue reads the whole store)."""
        from ui.queue_view import waiting_count

        self._generation += 1
        generation = self._generation

        def counted(total: object) -> None:
            if generation == self._generation:
                self.show(total)

        run_task(waiting_count, exchange, context=context, on_success=counted)

    def counted(self, total: int) -> None:
        """The Queue view's own count: the newest, so any count still running is dropped."""
        self._generation += 1
        self.show(total)

    def show(self, total: object) -> None:
        text = f"Queue: {total} waiting" if isinstance(total, int) else "Queue"
        self.button.setText(text)
        self.button.setAccessibleName(text)

    def set_unlocked(self, unlocked: bool) -> None:
        self.button.setVisible(unlocked)
        if not unlocked:
            self.show(None)
