"""The export dialog's parts: the options page, the shown-once archive passphrase and the
save-file prompt. The dialog itself is ui/export_dialog.py; its steps are app.export.wizard.
"""
