"""The window's menus (File, Go, View, Help): every command a keyboard user can reach.

Kept apart from the window so that the list of commands, their shortcuts and which ones a
locked Haven greys out are read in one place. The actions do nothing themselves: they call
the window's commands (`MenuCommands`), so the menu, a shortcut and a button share one path.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow

from ui.shortcuts import describe_shortcut
from ui.theme import set_high_contrast


class MenuCommands(Protocol):
    """What the menus call on the window."""

    def new_child(self) -> None: ...

    def import_received(self) -> None: ...

    def open_lscb_report(self) -> object: ...

    def open_backup(self) -> object: ...

    def open_settings(self) -> object: ...

    def lock_now(self) -> None: ...

    def close(self) -> bool: ...

    def focus_search(self) -> None: ...

    def focus_children(self) -> None: ...

    def show_my_work(self) -> None: ...

    def show_queue(self) -> None: ...

    def show_shortcuts(self) -> None: ...


class ShellMenus:
    """The menu bar's actions, made once with the window and kept for its lifetime.

    The window passes its own menu bar; the actions are parented to the window, so its
    shortcuts work wherever focus is in it.
    """

    def __init__(self, window: QMainWindow, commands: MenuCommands) -> None:
        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_child_action = QAction("&New child…", window)
        self.new_child_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_child_action.triggered.connect(commands.new_child)
        self.import_action = QAction("&Import received records…", window)
        self.import_action.triggered.connect(commands.import_received)
        self.lscb_action = QAction("LSCB &dataset report…", window)
        self.lscb_action.triggered.connect(commands.open_lscb_report)
        self.backup_action = QAction("&Back up this profile…", window)
        self.backup_action.triggered.connect(commands.open_backup)
        self.settings_action = QAction("Se&ttings…", window)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(lambda: commands.open_settings())
        self.lock_action = QAction("&Lock now", window)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(commands.lock_now)
        self.quit_action = QAction("&Quit", window)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(commands.close)
        for action in (
            self.new_child_action,
            self.import_action,
            self.lscb_action,
            self.settings_action,
            self.backup_action,
            self.lock_action,
            self.quit_action,
        ):
            file_menu.addAction(action)

        go_menu = bar.addMenu("&Go")
        self.search_action = QAction("&Search", window)
        self.search_action.setShortcut(QKeySequence.StandardKey.Find)
        self.search_action.triggered.connect(commands.focus_search)
        self.children_action = QAction("&Children", window)
        self.children_action.setShortcut(QKeySequence("Ctrl+1"))
        self.children_action.triggered.connect(commands.focus_children)
        self.my_work_action = QAction("&My work", window)
        self.my_work_action.setShortcut(QKeySequence("Ctrl+2"))
        self.my_work_action.triggered.connect(commands.show_my_work)
        self.queue_action = QAction("&Queue", window)
        self.queue_action.setShortcut(QKeySequence("Ctrl+3"))
        self.queue_action.triggered.connect(commands.show_queue)
        for action in (
            self.search_action,
            self.children_action,
            self.my_work_action,
            self.queue_action,
        ):
            go_menu.addAction(action)

        view_menu = bar.addMenu("&View")
        self.children_list_action = QAction("&Children list", window)
        self.children_list_action.setCheckable(True)
        self.children_list_action.setChecked(True)
        self.children_list_action.setShortcut(QKeySequence("F9"))
        self.children_list_action.setToolTip(
            "Show or hide the children list (F9). It folds away while a record is open, "
            "so the questions keep the width."
        )
        view_menu.addAction(self.children_list_action)
        self.contrast_action = QAction("&High contrast", window)
        self.contrast_action.setCheckable(True)
        app = QApplication.instance()
        self.contrast_action.setChecked(bool(app and app.property("havenHighContrast")))
        self.contrast_action.toggled.connect(_toggle_contrast)
        view_menu.addAction(self.contrast_action)

        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts", window)
        self.shortcuts_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.shortcuts_action.triggered.connect(commands.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        for action in window.findChildren(QAction):
            describe_shortcut(action)

    def set_unlocked(self, unlocked: bool) -> None:
        """A locked Haven has nothing to act on: only Quit, contrast and Help stay on."""
        for action in (
            self.new_child_action,
            self.settings_action,
            self.lock_action,
            self.search_action,
            self.children_action,
            self.my_work_action,
            self.import_action,
            self.queue_action,
            self.backup_action,
            self.lscb_action,
            self.children_list_action,
        ):
            action.setEnabled(unlocked)


def _toggle_contrast(on: bool) -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        set_high_contrast(app, on)
