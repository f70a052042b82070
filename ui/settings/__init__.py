"""The settings dialog's tabs, one module each (signing certificate, recipients, mail
server, security), over `SettingsBase`. The dialog itself is ui/settings_dialog.py.
"""
