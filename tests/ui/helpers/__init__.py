"""Helpers for the form renderer's tests: a driver that fills forms through real widgets,
and the child process of the autosave kill test."""
