"""The pieces of the main window (ui.main_window), one concern each.

The window grew past a thousand lines doing five jobs; each job has its own room here so a
change to the menus, the queue count, the workspace, locking or the dialogs the window opens
is made in one place. ui.main_window.MainWindow stays the one class the rest of Haven and
the tests use; nothing here imports it (an import-linter contract forbids the cycle).
"""
