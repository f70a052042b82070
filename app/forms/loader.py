"""Load and check every form file: forms/<id>/<version>.yaml and forms/guidance.yaml.

Order of checks (FORMAT.md): each file against forms/form.schema.json; then ids, every
expression, names, outcomes and guidance ids. Every problem in every file is collected and
reported together in one FormDefinitionError naming file, path and problem, because a form
author fixing one error at a time would take all day. Form files hold no personal data.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.forms.problems import DefinitionProblem, definition_error
from app.forms.registry import FormRegistry
from app.forms.schema_validation import data_file, schema_problems

if TYPE_CHECKING:
    import yaml

    from app.forms.definitions import FormDefinition, GuidanceBlock

__all__ = ["FormRegistry", "check_forms", "default_forms_dir", "load_registry"]

SCHEMA_NAME = "form.schema.json"
GUIDANCE_NAME = "guidance.yaml"
_FORM_ID_RE = re.compile(r"[a-z][a-z0-9-]*")
_VERSION_FILE_RE = re.compile(r"[1-9][0-9]*\.yaml")


def default_forms_dir() -> Path:
    """The forms/ folder beside the app package, or inside a PyInstaller bundle."""
    beside = Path(__file__).resolve().parents[2] / "forms"
    if beside.is_dir():
        return beside
    bundle = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle, str):
        return Path(bundle) / "forms"
    return beside


def _schema_file(forms_dir: Path) -> Path:
    local = forms_dir / SCHEMA_NAME
    return local if local.is_file() else default_forms_dir() / SCHEMA_NAME


@lru_cache(maxsize=1)
def _strict_loader() -> type[yaml.SafeLoader]:
    """YAML 1.2-like reading: ``no``/``yes``/``on`` stay text, dates stay text, and a key
    written twice is an error instead of silently keeping the last one.

    Made (and yaml imported) only when a form file has to be parsed: an unchanged file
    comes from the parsed-documents file (`_Documents`), so most starts never need it.
    libyaml's parser is used when installed: it reads the form files about six times
    faster."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _StrictLoader(base):  # type: ignore[valid-type,misc]
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[object] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, str | int | float | bool) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {key!r} is written twice", key_node.start_mark
                    )
                seen.add(key)
            mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return mapping

    _StrictLoader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _StrictLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    return _StrictLoader


def _parse_yaml(text: str, label: str, problems: list[DefinitionProblem]) -> object:
    import yaml

    try:
        return yaml.load(text, Loader=_strict_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or "is not valid YAML"
        problems.append(DefinitionProblem(label, where, f"YAML error: {reason}"))
        return None


_DOCUMENTS_FILE = "forms-parsed.json"
# Part of every file's digest: change it whenever `_strict_loader` reads text differently.
_READING = b"haven-forms-yaml-1\0"


class _Documents:
    """The parsed documents of the form files one load reads, remembered between starts.

    Why: parsing the shipped YAML (and importing yaml to do it) was a fifth of the time
    from start to the unlocked window (issue 11), to re-read files that had not changed.
    A document is found by the SHA-256 of the file's exact text (and of `_READING`), so
    any change to a file parses it again, and every check after parsing (schema, ids,
    expressions) still runs on every load. Only documents that come back from JSON
    unchanged are remembered (not e.g. a mapping with number keys, which the checks
    report); files that fail to parse never are. Best effort: an unreadable or damaged
    file just means parsing again.
    """

    def __init__(self) -> None:
        self.path = data_file(_DOCUMENTS_FILE)
        self.known: dict[str, object] = {}
        self.used: dict[str, object] = {}
        self.parsed = False
        try:
            body = json.loads(self.path.read_text("utf-8")) if self.path is not None else {}
        except (OSError, ValueError):
            body = {}
        if isinstance(body, dict):
            self.known = body

    def read(
        self, path: Path, label: str, problems: list[DefinitionProblem]
    ) -> tuple[object, str | None]:
        """(document or None, digest of the file's text)."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                DefinitionProblem(label, "", f"cannot be read: {exc.__class__.__name__}")
            )
            return None, None
        digest = hashlib.sha256(_READING + text.encode("utf-8")).hexdigest()
        if digest in self.known:
            document = self.known[digest]
            self.used[digest] = document
            return document, digest
        document = _parse_yaml(text, label, problems)
        if document is not None and _survives_json(document):
            self.used[digest] = document
            self.parsed = True
        return document, digest

    def save(self) -> None:
        """Keep what this load used (so files no longer there drop out)."""
        if self.path is None or not (self.parsed or self.used.keys() != self.known.keys()):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.path.with_name(self.path.name + ".tmp")
            temp.write_text(json.dumps(self.used, ensure_ascii=True), "utf-8")
            temp.replace(self.path)
        except (OSError, TypeError, ValueError):
            return  # best effort: the next start parses again


def _survives_json(document: object) -> bool:
    try:
        return bool(json.loads(json.dumps(document)) == document)
    except (TypeError, ValueError):
        return False


def _non_text_keys(document: object, path: str = "") -> list[str]:
    """Paths of mapping keys that are not text (``1: x``), which the schema cannot judge."""
    found: list[str] = []
    stack: list[tuple[object, str]] = [(document, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                if not isinstance(key, str):
                    found.append(where)
                    continue
                stack.append((value, f"{where}.{key}" if where else key))
        elif isinstance(node, list):
            stack.extend((value, f"{where}[{index}]") for index, value in enumerate(node))
    return sorted(set(found))


def _schema_checked(
    document: object,
    label: str,
    schema_file: Path,
    problems: list[DefinitionProblem],
    guidance: bool = False,
    digest: str | None = None,
) -> bool:
    bad_keys = _non_text_keys(document)
    for where in bad_keys:
        problems.append(DefinitionProblem(label, where, "every key must be text"))
    if bad_keys:
        return False
    found = schema_problems(document, schema_file, guidance=guidance, source_digest=digest)
    problems.extend(DefinitionProblem(label, path, message) for path, message in found)
    return not found


def _load_guidance(
    forms_dir: Path, schema_file: Path, documents: _Documents, problems: list[DefinitionProblem]
) -> dict[str, GuidanceBlock]:
    path = forms_dir / GUIDANCE_NAME
    if not path.is_file():
        return {}
    document, digest = documents.read(path, GUIDANCE_NAME, problems)
    if document is None:
        document, digest = {}, None
    if not _schema_checked(
        document, GUIDANCE_NAME, schema_file, problems, guidance=True, digest=digest
    ):
        return {}
    assert isinstance(document, Mapping)
    from app.forms.building import build_guidance

    return build_guidance(document)


def _form_files(forms_dir: Path, problems: list[DefinitionProblem]) -> list[tuple[Path, str]]:
    """(file, label) for every form version file; misnamed files are problems."""
    found: list[tuple[Path, str]] = []
    for folder in sorted(p for p in forms_dir.iterdir() if p.is_dir()):
        if folder.name.startswith((".", "_")):
            continue
        yaml_files = sorted(
            p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml")
        )
        if not yaml_files:
            continue
        if not _FORM_ID_RE.fullmatch(folder.name):
            problems.append(
                DefinitionProblem(
                    f"{folder.name}/", "", "a form folder name must be a form id (a-z, 0-9, '-')"
                )
            )
            continue
        for path in yaml_files:
            label = f"{folder.name}/{path.name}"
            if not _VERSION_FILE_RE.fullmatch(path.name):
                problems.append(
                    DefinitionProblem(
                        label, "", "a form file must be named after its version, e.g. 1.yaml"
                    )
                )
                continue
            found.append((path, label))
    return found


def _load_form(
    path: Path,
    label: str,
    schema_file: Path,
    guidance: Mapping[str, GuidanceBlock],
    documents: _Documents,
    problems: list[DefinitionProblem],
) -> FormDefinition | None:
    """The built form (None when it does not even fit the schema); its problems are added
    to ``problems``, and the caller registers nothing while any problem remains."""
    before = len(problems)
    document, digest = documents.read(path, label, problems)
    if document is None:
        if len(problems) == before:
            problems.append(DefinitionProblem(label, "", "the file is empty"))
        return None
    if not _schema_checked(document, label, schema_file, problems, digest=digest):
        return None
    assert isinstance(document, Mapping)
    # Building and checking are imported with the first load, which a start whose forms
    # have loaded before leaves until they are first used (load_registry).
    from app.forms.building import FormBuilder
    from app.forms.checks import FormChecker

    builder = FormBuilder()
    form = builder.form(document, guidance)
    checker = FormChecker(form, path.parent.name, int(path.stem), guidance.keys())
    found = [*builder.problems, *checker.run()]
    problems.extend(DefinitionProblem(label, where, message) for where, message in found)
    return form


def _read_all(
    forms_dir: Path,
) -> tuple[list[FormDefinition], dict[str, GuidanceBlock], list[DefinitionProblem]]:
    problems: list[DefinitionProblem] = []
    if not forms_dir.is_dir():
        problems.append(DefinitionProblem(str(forms_dir), "", "the forms folder does not exist"))
        return [], {}, problems
    schema_file = _schema_file(forms_dir)
    documents = _Documents()
    guidance = _load_guidance(forms_dir, schema_file, documents, problems)
    forms: list[tuple[str, FormDefinition]] = []
    for path, label in _form_files(forms_dir, problems):
        form = _load_form(path, label, schema_file, guidance, documents, problems)
        if form is not None:
            forms.append((label, form))
    documents.save()
    known = {form.id for _, form in forms} | {
        path.parent.name for path, _ in _form_files(forms_dir, [])
    }
    for label, form in forms:
        for index, other in enumerate(form.starts_with):
            if other not in known:
                problems.append(
                    DefinitionProblem(label, f"starts_with[{index}]", f"there is no form '{other}'")
                )
        for index, follow in enumerate(form.follow_ups):
            if follow.form not in known:
                problems.append(
                    DefinitionProblem(
                        label, f"follow_ups[{index}].form", f"there is no form '{follow.form}'"
                    )
                )
        problems.extend(_prefill_source_problems(label, form, forms, known))
    return [form for _, form in forms], guidance, problems


def _prefill_source_problems(
    label: str,
    form: FormDefinition,
    forms: list[tuple[str, FormDefinition]],
    known: set[str],
) -> list[DefinitionProblem]:
    """``prefill_from`` names a form that exists and items any version of it has."""
    found: list[DefinitionProblem] = []
    for index, source in enumerate(form.prefill_from):
        if source.form not in known:
            found.append(
                DefinitionProblem(
                    label, f"prefill_from[{index}].form", f"there is no form '{source.form}'"
                )
            )
            continue
        versions = [other for _, other in forms if other.id == source.form]
        if not versions:
            continue  # that form failed to load; its own problems are reported
        for target, origin in source.map.items():
            if not any(other.item(origin) is not None for other in versions):
                found.append(
                    DefinitionProblem(
                        label,
                        f"prefill_from[{index}].map.{target}",
                        f"the form '{source.form}' has no item '{origin}'",
                    )
                )
    return found


def check_forms(forms_dir: Path | None = None) -> list[DefinitionProblem]:
    """Every problem in every form file (empty when all load), without raising."""
    return _read_all(forms_dir or default_forms_dir())[2]


def load_registry(forms_dir: Path | None = None) -> FormRegistry:
    """Load every form version and guidance block, or raise FormDefinitionError listing
    every problem (file, path inside it, what is wrong).

    When exactly these files (and this copy of the forms code) have loaded without a
    problem before, the loading is deferred to the registry's first use
    (`FormRegistry.deferred`): it cannot fail, and the first window needs no form."""
    directory = forms_dir or default_forms_dir()
    stamp = _stamp(directory)
    if stamp is not None and stamp in _loaded_stamps():
        return FormRegistry.deferred(lambda: _load_now(directory), directory)
    registry = _load_now(directory)
    if stamp is not None:
        _remember_loaded(stamp)
    return registry


def _load_now(directory: Path) -> FormRegistry:
    forms, guidance, problems = _read_all(directory)
    if problems:
        raise definition_error(problems)
    return FormRegistry(forms, guidance, directory)


_LOADED_FILE = "forms-loaded.json"
_LOADED_KEEP = 16


def _stamp(forms_dir: Path) -> str | None:
    """A digest of everything a load depends on: the text of every form, guidance and
    schema file, and the size and time of every module of this package (a changed check
    may refuse an unchanged form). None when any of it cannot be read, or when a file is
    misnamed (then loading reports it, every time)."""
    problems: list[DefinitionProblem] = []
    try:
        if not forms_dir.is_dir():
            return None
        files = _form_files(forms_dir, problems)
        h = hashlib.sha256(_READING)
        code = sorted(Path(__file__).parent.glob("*.py"))
        if getattr(sys, "frozen", False):
            code.append(Path(sys.executable))  # a bundle: its modules are inside it
        if not code:
            return None  # no way to tell this copy of the code from the last
        for module in code:
            info = module.stat()
            h.update(f"{module.name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
        extra = [(_schema_file(forms_dir), SCHEMA_NAME)]
        guidance = forms_dir / GUIDANCE_NAME
        if guidance.is_file():
            extra.append((guidance, GUIDANCE_NAME))
        for path, label in [*extra, *files]:
            h.update(label.encode("utf-8") + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return None
    if problems:
        return None
    return h.hexdigest()


def _loaded_stamps() -> list[str]:
    path = data_file(_LOADED_FILE)
    try:
        body = json.loads(path.read_text("utf-8")) if path is not None else []
    except (OSError, ValueError):
        return []
    return [str(stamp) for stamp in body] if isinstance(body, list) else []


def _remember_loaded(stamp: str) -> None:
    path = data_file(_LOADED_FILE)
    if path is None:
        return
    stamps = [stamp, *(s for s in _loaded_stamps() if s != stamp)][:_LOADED_KEEP]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + ".tmp")
        temp.write_text(json.dumps(stamps), "utf-8")
        temp.replace(path)
    except OSError:
        return  # best effort: the next start loads at once again
