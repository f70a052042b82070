"""The size yardstick for Haven's bundle: the smallest useful PySide6-Essentials program.

`installer/build.py` freezes this with the same PyInstaller, the same one-folder mode and
no excludes in the same run as Haven, so "how much bigger than a bare Qt window" is
measured against today's wheels rather than a number written down once.
"""

import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


def main() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setCentralWidget(QLabel("Hello"))
    window.show()
    if "--quit" in sys.argv:
        return 0
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
