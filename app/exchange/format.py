"""What travels between two Havens, and how a received one is read without trusting it.

A Haven-to-Haven package is the ordinary export package (app.export.package: signed PDF,
answers JSON, manifest) plus `exchange.json`, which says what kind of package it is
(a record for the DSL's queue, or a record returned to its author), who sent it, for
whose certificate, and which record and version it carries, with the child's details so
the receiving DSL can file it (or confirm it is a child they already know).

Everything read here came from outside the profile, so it is bounded before it is
parsed: the whole message, the number and nesting of MIME parts, each attachment's size
and name. A name with a path in it is refused, not cleaned: nothing in a package is ever
written to disk under the name the sender chose.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

from app.errors import ImportRefused

EXCHANGE_FORMAT = "haven-exchange"
EXCHANGE_VERSION = 1
EXCHANGE_FILE = "exchange.json"
MANIFEST_FILE = "manifest.json"

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
"""A whole received message: far above a real package (a 150-item risk assessment's PDF
is well under 1 MB) and far below what would exhaust memory when decrypted."""
MAX_PARTS = 32
MAX_DEPTH = 3
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_JSON_BYTES = 4 * 1024 * 1024

_REF = r"[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*"
_ALLOWED_NAME = re.compile(
    rf"(?:{re.escape(EXCHANGE_FILE)}|{re.escape(MANIFEST_FILE)}|answers-{_REF}\.json|{_REF}\.pdf)"
)
KINDS = ("record", "return")


def refused(reason: str, message: str) -> ImportRefused:
    return ImportRefused(reason, message)


def _malformed(detail: str) -> ImportRefused:
    return refused(
        "malformed",
        f"The package is not in the form Haven expects ({detail}). Nothing was imported.",
    )


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


def exchange_json(document: dict[str, Any]) -> bytes:
    """`exchange.json`'s bytes; `document` holds format, kind, sender, recipient, ..."""
    body = {"format": EXCHANGE_FORMAT, "format_version": EXCHANGE_VERSION, **document}
    return (json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def check_attachment_name(name: str | None) -> str:
    """The name if it is one a Haven package may carry; otherwise refuse the package."""
    if not name:
        raise _malformed("an attachment has no name")
    if any(ch in name for ch in "/\\\x00:") or ".." in name or name.startswith("."):
        raise refused(
            "unsafe-name",
            "The package has an attachment whose name points outside its folder (a path "
            "trick). It was refused and nothing was imported.",
        )
    if not _ALLOWED_NAME.fullmatch(name):
        raise _malformed("it carries an attachment Haven does not use")
    return name


def read_entity(content: bytes) -> dict[str, Attachment]:
    """The signed entity's attachments by name, bounded and checked against the manifest."""
    if len(content) > MAX_MESSAGE_BYTES:
        raise too_large()
    try:
        entity = message_from_bytes(content, policy=policy.default)
    except (ValueError, TypeError, IndexError) as exc:
        raise _malformed("its content cannot be read") from exc
    parts = _walk(entity)
    files: dict[str, Attachment] = {}
    total = 0
    for part in parts:
        if part.is_multipart() or part.get_content_disposition() != "attachment":
            continue
        name = check_attachment_name(part.get_filename())
        if name in files:
            raise _malformed("an attachment appears twice")
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            raise _malformed("an attachment cannot be decoded")
        total += len(payload)
        if len(payload) > MAX_ATTACHMENT_BYTES or total > MAX_MESSAGE_BYTES:
            raise too_large()
        if name.endswith(".json") and len(payload) > MAX_JSON_BYTES:
            raise too_large()
        files[name] = Attachment(name, part.get_content_type(), payload)
    _check_manifest(files)
    return files


def too_large() -> ImportRefused:
    return refused(
        "too-large",
        "The package is larger than any Haven package should be, so it was not opened. "
        "Nothing was imported.",
    )


def _walk(entity: Message) -> list[Message]:
    out: list[Message] = []

    def visit(part: Message, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise too_large()
        out.append(part)
        if len(out) > MAX_PARTS:
            raise too_large()
        if part.is_multipart():
            payload = part.get_payload()
            if not isinstance(payload, list):
                raise _malformed("a multipart section is empty")
            for child in payload:
                if not isinstance(child, Message):
                    raise _malformed("a multipart section is damaged")
                visit(child, depth + 1)

    visit(entity, 0)
    return out


def _check_manifest(files: dict[str, Attachment]) -> None:
    manifest = files.get(MANIFEST_FILE)
    if manifest is None:
        raise _malformed("it has no manifest")
    data = load_json(manifest.data, "manifest")
    listed = data.get("attachments")
    if not isinstance(listed, list):
        raise _malformed("its manifest lists no attachments")
    names = set()
    for entry in listed:
        if not isinstance(entry, dict):
            raise _malformed("its manifest is damaged")
        name = check_attachment_name(str(entry.get("filename") or ""))
        names.add(name)
        attached = files.get(name)
        if attached is None or hashlib.sha256(attached.data).hexdigest() != entry.get("sha256"):
            raise refused(
                "bad-signature",
                "An attachment does not match the package's manifest: it was changed or "
                "lost. Nothing was imported.",
            )
    if names != set(files) - {MANIFEST_FILE}:
        raise _malformed("its manifest and its attachments differ")


def load_json(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _malformed(f"its {what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise _malformed(f"its {what} is not a JSON object")
    return value


def text(value: object, what: str, *, required: bool = True, limit: int = 500) -> str:
    """A string field of exchange.json, bounded; control characters removed."""
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _malformed(f"{what} is missing")
    cleaned = "".join(ch for ch in value if ch >= " " or ch in "\n\t")
    if len(cleaned) > limit:
        raise _malformed(f"{what} is too long")
    return cleaned


def integer(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 1_000_000:
        raise _malformed(f"{what} is not a whole number")
    return value


def mapping(value: object) -> dict[str, Any]:
    """A JSON object from an untrusted document, or an empty one where it is anything else."""
    return value if isinstance(value, dict) else {}


def optional_text(value: object) -> str | None:
    """A non-empty string from an untrusted document, else None."""
    return value if isinstance(value, str) and value else None
