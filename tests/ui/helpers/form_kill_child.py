"""Child process of tests/ui/test_autosave_kill.py: type into a real FormView, then wait.

Arguments: PROFILE_DIR PASSPHRASE RECORD_ID ITEM_PATH TEXT. The child unlocks the
profile, shows the record's FormView offscreen, types TEXT into the question at
ITEM_PATH with QTest (key events, as a user), prints "typed" and then runs the event
loop, where the autosave timers fire, until the parent kills it with SIGKILL. It never
saves or closes anything itself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    folder, passphrase, record_id, item_path, text = sys.argv[1:6]

    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.profile import unlock
    from app.service import Haven
    from ui.form.item_widgets import ItemWidget
    from ui.form_view import FormView

    app = QApplication([sys.argv[0]])
    session = unlock(Path(folder), passphrase)
    view = FormView(Haven(session), record_id)
    view.resize(1200, 800)
    view.show()
    view.activateWindow()
    section = view.form.section_of(item_path)
    if section is not None:
        view.go_to(view.form.sections.index(section), item_path)
    widget = view.findChild(ItemWidget, f"item:{item_path}")
    if widget is None:
        print(f"no question {item_path}", flush=True)
        return 1
    target = widget.inputs()[0]
    target.setFocus()
    QTest.keyClicks(target, text)
    print("typed", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
