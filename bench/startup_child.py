"""One start-up in a fresh process: exits right after the main window's first paint.

`python bench/startup_child.py floor` shows a bare QMainWindow (the floor);
`python bench/startup_child.py haven PROFILE_DIR KEY_FILE` opens the profile with the raw
key from the bench's key file (so no KDF is timed), builds Haven's MainWindow on it and
shows it. Either way it prints its peak RSS in KiB on exit; the parent times the process.
"""

from __future__ import annotations

import cProfile
import importlib
import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_rss_kib() -> int:
    """This process's peak RSS. VmHWM belongs to the new image after exec; ru_maxrss can
    keep the high-water mark of the (large) bench process this one was forked from."""
    try:
        for line in Path("/proc/self/status").read_text("ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main() -> None:
    if sys.argv[1] != "floor":
        # As Haven starts (ui/__main__.py): ui/start_up.py says what and why.
        importlib.import_module("ui.start_up").begin()

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget

    app = QApplication(sys.argv[:1])

    def finish() -> None:
        # At first paint: report and leave at once, so quitting (saving, locking) is not
        # counted as start-up, for Haven as for the floor.
        print(peak_rss_kib())
        sys.stdout.flush()
        if os.environ.get("HAVEN_BENCH_PROFILE"):
            PROFILER.disable()
            PROFILER.dump_stats(os.environ["HAVEN_BENCH_PROFILE"])
        os._exit(0)

    class FirstPaint(QObject):
        """The first paint of the window or any widget in it (Qt does not paint a parent
        where opaque children cover it, so watching one widget can miss the first frame)."""

        done = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                not self.done
                and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget)
                and watched.window() is window
            ):
                self.done = True
                QTimer.singleShot(0, finish)
            return False

    if sys.argv[1] == "floor":
        window = QMainWindow()
        central = QLabel("Haven", window)
        window.setCentralWidget(central)
    else:
        from app.profile import ProfilePaths, Session, read_meta
        from app.store.connection import open_database
        from ui.main_window import MainWindow

        folder = Path(sys.argv[2])
        key = bytes.fromhex(Path(sys.argv[3]).read_text("ascii").strip())
        paths = ProfilePaths(folder)
        session = Session(paths, read_meta(folder), open_database(paths.db, key), key)
        session.db.check_integrity_in_background(key)
        window = MainWindow(folder, try_keychain=False, listen_to_os=False)
        window.open_session(session)
    watcher = FirstPaint()
    app.installEventFilter(watcher)
    window.resize(1100, 750)
    window.show()
    QTimer.singleShot(20_000, app.quit)
    app.exec()
    raise SystemExit("no paint within 20 s")


PROFILER = cProfile.Profile()

if __name__ == "__main__":
    if os.environ.get("HAVEN_BENCH_PROFILE"):  # where to write a cProfile of one start
        PROFILER.enable()
    main()
