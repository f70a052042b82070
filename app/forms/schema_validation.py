"""Validate form and guidance files against forms/form.schema.json with readable messages.

jsonschema's own messages quote whole sub-documents and say "False schema does not allow";
authors need "sections[0].items[3]: 'options' is not allowed on a 'text' item". The schema
file is the contract (FORMAT.md: "Every file is validated against forms/form.schema.json").
jsonschema is imported here, on first use, not at start-up (HOUSE_STYLE: imports are cheap
at start-up).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from app.forms.problems import format_path

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

_ITEM_KEYS = frozenset(
    [
        "id",
        "type",
        "label",
        "help",
        "guidance",
        "required",
        "relevant",
        "tags",
        "options",
        "min",
        "max",
        "min_length",
        "max_length",
        "pattern",
        "message",
        "constraints",
        "prefill",
        "items",
        "min_entries",
        "max_entries",
        "entry_label",
        "placeholder",
    ]
)
"""Every item key FORMAT.md defines: one of these on the wrong type gets a clearer message."""

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of keys to values",
    "null": "null",
}


@lru_cache(maxsize=4)
def _validators(schema_file: Path) -> tuple[Validator, Validator]:
    from jsonschema import Draft202012Validator

    # The schema is checked against the JSON Schema meta-schema by the tests, not here:
    # that check alone would double the time Haven takes to load its forms at start-up.
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    guidance_schema = {
        "$schema": schema.get("$schema"),
        "$defs": schema["$defs"],
        "$ref": "#/$defs/guidance_file",
    }
    return Draft202012Validator(schema), Draft202012Validator(guidance_schema)


_PASSED_FILE = "forms-passed-schema.json"


def data_file(name: str) -> Path | None:
    """A file in Haven's data folder for what loading the forms remembers between starts
    (None when there is no data folder: then nothing is remembered)."""
    try:
        from platformdirs import user_data_path

        return user_data_path("Haven", appauthor=False, roaming=False) / name
    except Exception:  # noqa: BLE001 - no data folder: just validate every time
        return None


def _passed_path() -> Path | None:
    return data_file(_PASSED_FILE)


@lru_cache(maxsize=1)
def _passed() -> set[str]:
    """Digests of (schema, document) pairs that passed: read once per process.

    Why: validating the shipped forms with jsonschema took over a second of every start
    (issue 11), to re-prove what an unchanged file already proved. The digest covers the
    schema file's bytes and the whole document, so any change to either is validated
    again; only passes are remembered, so every problem is always reported.
    """
    path = _passed_path()
    try:
        body = json.loads(path.read_text("utf-8")) if path is not None else []
    except (OSError, ValueError):
        return set()
    return {str(d) for d in body} if isinstance(body, list) else set()


def _remember_pass(digest: str) -> None:
    passed = _passed()
    passed.add(digest)
    path = _passed_path()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + ".tmp")
        temp.write_text(json.dumps(sorted(passed)), "utf-8")
        temp.replace(path)
    except OSError:
        return  # best effort: the next start validates again


def _digest(
    document: object, schema_file: Path, guidance: bool, source_digest: str | None = None
) -> str | None:
    import hashlib

    try:
        schema = schema_file.read_bytes()
        if source_digest is None:
            text = json.dumps(document, sort_keys=True, ensure_ascii=True, default=repr)
    except (OSError, TypeError, ValueError):
        return None
    h = hashlib.sha256(schema)
    h.update(b"\0guidance\0" if guidance else b"\0form\0")
    if source_digest is not None:
        h.update(b"source\0" + source_digest.encode("ascii"))
    else:
        h.update(text.encode("ascii"))
    return h.hexdigest()


def schema_problems(
    document: object, schema_file: Path, guidance: bool = False, source_digest: str | None = None
) -> list[tuple[str, str]]:
    """Every (path, message) by which a form (or guidance) document breaks the schema.

    `source_digest` (the loader's digest of the file the document was read from, which
    covers the way it is read) stands for the document in the remembered passes: hashing
    the file is cheaper than writing the whole document out again to hash it."""
    digest = _digest(document, schema_file, guidance, source_digest)
    if digest is not None and digest in _passed():
        return []
    found = _schema_problems(document, schema_file, guidance)
    if not found and digest is not None:
        _remember_pass(digest)
    return found


def _schema_problems(
    document: object, schema_file: Path, guidance: bool = False
) -> list[tuple[str, str]]:
    form_validator, guidance_validator = _validators(schema_file)
    validator = guidance_validator if guidance else form_validator
    found: list[tuple[str, str]] = []
    for error in validator.iter_errors(cast(Any, document)):
        found.extend(_describe(error, document))
    unique = sorted(set(found), key=lambda pair: (_sort_key(pair[0]), pair[1]))
    return unique


def _sort_key(path: str) -> list[tuple[int, int | str]]:
    key: list[tuple[int, int | str]] = []
    for chunk in path.replace("[", ".[").split("."):
        if chunk.startswith("[") and chunk.endswith("]") and chunk[1:-1].isdigit():
            key.append((0, int(chunk[1:-1])))
        elif chunk:
            key.append((1, chunk))
    return key


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(error: ValidationError, document: object) -> list[tuple[str, str]]:
    path: list[str | int] = list(error.absolute_path)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    instance = error.instance
    keyword = error.validator
    expected: Any = error.validator_value
    if keyword is None:
        key = error.schema_path[-1] if error.schema_path else None
        if isinstance(key, str) and (not path or path[-1] != key):
            path.append(key)
        parent = _resolve(document, path[:-1])
        item_type = parent.get("type") if isinstance(parent, Mapping) else None
        where = f" on a '{item_type}' item" if isinstance(item_type, str) else " here"
        return [(format_path(path), f"'{path[-1]}' is not allowed{where}")]
    if keyword == "required":
        present = instance if isinstance(instance, Mapping) else {}
        missing = [key for key in expected if key not in present]
        return [(format_path(path), f"missing required key '{key}'") for key in missing]
    if keyword == "additionalProperties" and isinstance(instance, Mapping):
        known = set(schema.get("properties", {}))
        extras = [key for key in instance if key not in known]
        item_type = instance.get("type")
        found = []
        for key in extras:
            if isinstance(item_type, str) and key in _ITEM_KEYS:
                message = f"'{key}' is not allowed on a '{item_type}' item"
            else:
                message = "unknown key (see forms/FORMAT.md)"
            found.append((format_path([*path, str(key)]), message))
        return found
    if keyword == "type":
        wanted = expected
        words = (
            [_TYPE_WORDS.get(wanted, wanted)]
            if isinstance(wanted, str)
            else [_TYPE_WORDS.get(w, w) for w in wanted]
        )
        return [(format_path(path), f"must be {' or '.join(words)}")]
    if keyword == "enum":
        choices = ", ".join(str(value) for value in expected)
        return [(format_path(path), f"{_short(instance)} must be one of: {choices}")]
    if keyword in ("pattern", "anyOf", "oneOf"):
        if (
            keyword == "anyOf"
            and isinstance(instance, Mapping)
            and "kind" in schema.get("properties", {})
        ):
            return [(format_path(path), "an outcome needs 'rules', 'otherwise' or both")]
        description = schema.get("description")
        if description:
            return [(format_path(path), f"{_short(instance)} must be {description}")]
        return [(format_path(path), f"{_short(instance)} is not valid here")]
    if keyword == "propertyNames":
        return [(format_path(path), f"key {_short(instance)} is not a valid id")]
    if keyword in ("minItems", "minLength", "minProperties"):
        if expected == 1:
            return [(format_path(path), "must not be empty")]
        return [(format_path(path), f"needs at least {expected} entries")]
    if keyword == "minimum":
        return [(format_path(path), f"must be at least {expected}")]
    if keyword == "uniqueItems":
        return [(format_path(path), "lists the same value more than once")]
    return [(format_path(path), error.message[:200])]


def _resolve(document: object, path: Sequence[str | int]) -> object:
    current = document
    for part in path:
        if isinstance(part, int) and isinstance(current, list) and 0 <= part < len(current):
            current = current[part]
        elif isinstance(part, str) and isinstance(current, Mapping):
            current = current.get(part)
        else:
            return None
    return current
