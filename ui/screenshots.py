"""Render Haven's screens to PNG files: `python -m ui.screenshots OUTDIR [--readme README.md]`.

`make screenshots` writes the images the README shows into docs/screenshots/ (committed;
tests/test_readme.py fails when one is missing); `make screenshots-all` writes every
screen into screenshots/ for review. All at 1366x768, the school laptop Haven is laid out
for. Every section page of every form (filled with the form's fictional example answers from
forms/examples/, when there is one), each form's check-your-answers page, the main window
and the unlock screen, drawn offscreen with `QWidget.grab()`. Everything happens in a
temporary profile with a fictional child that is deleted afterwards: no real data is read
or written, and no file name carries anything but form and section ids.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SIZE = (1366, 768)
SHELL_RECORD_FORM = "screening"
"""Which form's record is shown open inside the main window (any form would do)."""


def _examples_dir() -> Path:
    from app.forms.loader import default_forms_dir

    return default_forms_dir() / "examples"


def _example(form_id: str) -> dict[str, Any]:
    path = _examples_dir() / f"{form_id}.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return data if isinstance(data, dict) else {}


def _settle() -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    for _ in range(3):
        QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


README_IMAGE = re.compile(r"docs/screenshots/([A-Za-z0-9_.-]+)\.png")


def readme_images(readme: Path) -> set[str]:
    """The screenshot names (without .png) that the README shows from docs/screenshots/."""
    return set(README_IMAGE.findall(readme.read_text("utf-8")))


def render(outdir: Path, only: set[str] | None = None) -> list[Path]:
    """Write the screenshots (all, or those named in `only`) into `outdir`; returns the
    files written."""
    from PySide6.QtWidgets import QApplication, QWidget

    from app.domain import ProfileInfo
    from app.keys import KdfParams
    from app.profile import create_profile
    from app.service import Haven
    from ui.form_view import FormView
    from ui.theme import apply_theme

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0]])
    apply_theme(app, high_contrast=False)
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def wanted(name: str) -> bool:
        return only is None or name in only

    def save(widget: QWidget, name: str) -> None:
        if not wanted(name):
            return
        _settle()
        path = outdir / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path.name}")
        written.append(path)

    with tempfile.TemporaryDirectory(prefix="haven-screenshots-") as tmp:
        profile_dir = Path(tmp) / "profile"
        info = ProfileInfo(
            name="Sam Example",
            role="practitioner",
            agency="Example Youth Service",
            local_authority="Birmingham",
            email="sam.example@example.org",
            phone="07700 900123",
        )
        # A cheap key derivation: this throwaway profile protects nothing real.
        kdf = KdfParams(memory_kib=8192, time_cost=1, parallelism=1)
        passphrase = secrets.token_urlsafe(24)  # never needed again: the profile is deleted
        session = create_profile(profile_dir, info, passphrase, kdf=kdf)
        haven = Haven(session)
        child = haven.add_child("Jamie Example", "2012-02-10", known_as="JJ", gender="Female")
        for form in haven.registry.latest():
            if only is not None and not any(n.startswith(f"{form.id}-") for n in only):
                continue
            record = haven.start_record(child.id, form.id, answers=_example(form.id))
            view = FormView(haven, record.id)
            view.resize(*SIZE)
            view.show()
            for index, section in enumerate(form.sections):
                view.go_to_section(index, focus=False)
                save(view, f"{form.id}-{index + 1:02d}-{section.id}")
            view.show_check_page(focus=False)
            save(view, f"{form.id}-check-answers")
            view.clear()
            view.close()
            view.deleteLater()
            _settle()
        shown = SHELL_RECORD_FORM if SHELL_RECORD_FORM in haven.registry else None
        shown = shown or haven.registry.ids()[0]
        record_id = haven.start_record(child.id, shown, answers=_example(shown)).id
        _render_shell(profile_dir, session, record_id, save)
        if session.is_open:
            session.lock()
    return written


def _render_shell(
    profile_dir: Path, session: Any, record_id: str, save: Callable[[Any, str], None]
) -> None:
    """The unlock screen and the main window (also with a record open), when the shell
    is installed."""
    try:
        from ui.main_window import MainWindow
    except ImportError:
        print("ui.main_window is not available: main window and unlock screen skipped.")
        return
    window = MainWindow(profile_dir, try_keychain=False, listen_to_os=False)
    window.resize(*SIZE)
    window.show()
    save(window, "unlock-screen")
    window.open_session(session)
    save(window, "main-window")
    window.open_record(record_id)
    save(window, "main-window-record")
    window.close()
    window.deleteLater()
    _settle()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.screenshots", description=__doc__)
    parser.add_argument("outdir", type=Path)
    parser.add_argument(
        "--readme",
        type=Path,
        help="render only the docs/screenshots/*.png images this README shows",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    only = readme_images(args.readme) if args.readme is not None else None
    written = render(args.outdir, only)
    print(f"{len(written)} screenshots written to {args.outdir}")
    if only is not None:
        missing = sorted(only - {p.stem for p in written})
        if missing:
            print(f"The README shows screens this script does not draw: {', '.join(missing)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
