"""Exports: printable PDFs, PAdES signatures, S/MIME packages and encrypted archives.

Each module takes plain values (the dataclasses in `document`, bytes and paths) so it can
be used and tested without the store or the forms engine. Heavy libraries (reportlab,
pyHanko, cryptography's PKCS#7) are imported inside the functions that use them, so
importing this package is cheap (HOUSE_STYLE).
"""

from app.export.document import (
    NOT_ANSWERED,
    PrintAnswer,
    PrintDocument,
    PrintOutcome,
    PrintSection,
)

__all__ = ["NOT_ANSWERED", "PrintAnswer", "PrintDocument", "PrintOutcome", "PrintSection"]
