"""The first-run dialog with its errors shown, drawn and measured (issue 14): it grows
to fit the messages, no field is squashed, no message is cut off or drawn over another
widget, and a message goes as soon as its field is fixed (the summary follows)."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui.first_run import FirstRunDialog

GOOD_PASSPHRASE = "amber meadow signal harbour"


def _laid_out(dialog: FirstRunDialog) -> list[tuple[QWidget, QRect]]:
    """Every visible field, label, message and button with its place in the dialog."""
    kinds = (QLabel, QLineEdit, QComboBox, QPushButton, QCheckBox, QProgressBar)
    out: list[tuple[QWidget, QRect]] = []
    for widget in dialog.findChildren(QWidget):
        if isinstance(widget, kinds) and widget.isVisibleTo(dialog) and widget.parent() is dialog:
            top_left = widget.mapTo(dialog, widget.rect().topLeft())
            out.append((widget, QRect(top_left, widget.size())))
    return out


def layout_problems(dialog: FirstRunDialog) -> list[str]:
    problems: list[str] = []
    placed = _laid_out(dialog)
    inside = dialog.rect()
    for widget, rect in placed:
        name = f"{type(widget).__name__}({widget.objectName() or widget.accessibleName()})"
        if not inside.contains(rect):
            problems.append(f"{name} is outside the dialog")
        if isinstance(widget, QLabel) and widget.wordWrap() and widget.text():
            if widget.heightForWidth(widget.width()) > widget.height() + 1:
                problems.append(f"{name} is cut off")
        elif widget.height() < widget.minimumSizeHint().height():
            problems.append(f"{name} is squashed")
    for (first, a), (second, b) in itertools.combinations(placed, 2):
        if a.intersects(b):
            problems.append(
                f"{type(first).__name__}({first.objectName()}) overlaps "
                f"{type(second).__name__}({second.objectName()})"
            )
    return problems


def _show(qtbot: QtBot, tmp_path: Path) -> FirstRunDialog:
    dialog = FirstRunDialog(tmp_path / "profile")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_errors_are_laid_out_cleanly(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _show(qtbot, tmp_path)
    height_before = dialog.height()
    assert layout_problems(dialog) == []
    qtbot.keyClicks(dialog.passphrase, "short")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    errors = [dialog.name_error, dialog.agency_error, dialog.la_error, dialog.passphrase_error]
    assert all(e.isVisible() for e in errors)
    assert dialog.summary.isVisible()
    assert dialog.height() > height_before, "the dialog grows to fit the messages"
    assert layout_problems(dialog) == []
    shot = tmp_path / "first-run-errors.png"
    assert dialog.grab().save(str(shot))
    image = QImage(str(shot))
    assert image.width() == dialog.width() and image.height() == dialog.height()
    # The messages are drawn: the error colour appears in the picture.
    error_colour = dialog.summary.palette().color(dialog.summary.foregroundRole())
    rect = QRect(
        dialog.summary.mapTo(dialog, dialog.summary.rect().topLeft()), dialog.summary.size()
    )
    colours = {
        image.pixelColor(x, y).name()
        for x in range(rect.left(), rect.right(), 2)
        for y in range(rect.top(), rect.bottom(), 2)
    }
    assert error_colour.name() in colours


def test_a_fixed_field_loses_its_message_at_once(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _show(qtbot, tmp_path)
    qtbot.keyClicks(dialog.passphrase, "short")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.passphrase_error.isVisible()
    assert dialog.summary.text().startswith("There are 4 problems")
    dialog.passphrase.selectAll()
    qtbot.keyClicks(dialog.passphrase, GOOD_PASSPHRASE)
    assert not dialog.passphrase_error.isVisible()
    assert dialog.summary.text().startswith("There are 3 problems")
    assert "passphrase" not in dialog.summary.text()
    # The confirmation is still empty, but no new message appears while typing.
    assert not dialog.confirm_error.isVisible()
    qtbot.keyClicks(dialog.name, "Robin Testworker")
    qtbot.keyClicks(dialog.agency, "Example Academy")
    assert dialog.summary.text().startswith("There is a problem")
    dialog.local_authority.setFocus()
    qtbot.keyClick(dialog.local_authority, Qt.Key.Key_Down)
    assert not dialog.la_error.isVisible()
    assert not dialog.summary.isVisible()
    assert layout_problems(dialog) == []
