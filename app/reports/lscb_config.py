"""resources/lscb.yaml, the LSCB dataset's data file: which form and item means what, the
age bands, the gender and ethnicity groups and the small-number rule, shape-checked on
reading and checked against the forms this Haven has (HOUSE_STYLE: form knowledge is data,
never `if form_id == ...`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import (
    FormDefinitionError,
)
from app.forms.definitions import FormDefinition, ItemType
from app.forms.registry import FormRegistry

if TYPE_CHECKING:
    pass

CONFIG_NAME = "lscb.yaml"


# ---- the data file ------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    value: str
    label: str


@dataclass(frozen=True)
class AgeBand:
    """Ages from the band before's `below` up to, not including, `below`."""

    label: str
    below: int


@dataclass(frozen=True)
class Group:
    """A gender or ethnicity group and the typed words that put a child in it, each held
    as a tuple of lower-case words (punctuation dropped)."""

    label: str
    phrases: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Suppression:
    below: int
    shown_as: str
    complementary: str


@dataclass(frozen=True)
class ScreeningSource:
    form_id: str
    category_item: str
    categories: tuple[Category, ...]
    dob_item: str
    gender_item: str
    ethnicity_item: str


@dataclass(frozen=True)
class DatedSource:
    """A form counted by date; `date_item` None means the form's own date_item."""

    form_id: str
    date_item: str | None = None


@dataclass(frozen=True)
class ReturnInterviewSource:
    form_id: str
    date_item: str
    status_item: str
    interview_item: str
    offered: frozenset[str]
    completed: frozenset[str]
    within_hours: int


@dataclass(frozen=True)
class InformationReportSource:
    form_id: str
    date_item: str | None
    sent_statuses: frozenset[str]


@dataclass(frozen=True)
class LscbConfig:
    marking: str
    year_starts_month: int
    suppression: Suppression
    frequently_missing: int
    screening: ScreeningSource
    age_bands: tuple[AgeBand, ...]
    genders: tuple[Group, ...]
    ethnicities: tuple[Group, ...]
    unknown: str
    risk_assessment: DatedSource
    missing_episode: DatedSource
    return_interview: ReturnInterviewSource
    information_report: InformationReportSource


def default_config_path() -> Path:
    from app.directory import resources_dir

    return resources_dir() / CONFIG_NAME


def load_config(path: Path | None = None) -> LscbConfig:
    """Read and shape-check resources/lscb.yaml (cached per path).

    Raises FormDefinitionError naming the file and the path inside it.
    """
    return _load_config(path or default_config_path())


@functools.lru_cache(maxsize=8)
def _load_config(path: Path) -> LscbConfig:
    import yaml

    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FormDefinitionError(f"{path.name}: the file could not be read.") from exc
    where = path.name
    top = _mapping(raw, where)
    quarters = _mapping(top.get("quarters"), f"{where}: quarters")
    start_month = _whole(quarters, "year_starts_month", f"{where}: quarters", 1, 12)
    hiding = _mapping(top.get("suppression"), f"{where}: suppression")
    screening = _mapping(top.get("screening"), f"{where}: screening")
    categories = _list(screening.get("categories"), f"{where}: screening.categories")
    interview = _mapping(top.get("return_interview"), f"{where}: return_interview")
    report = _mapping(top.get("information_report"), f"{where}: information_report")
    bands = tuple(
        AgeBand(
            label=_text(band, "label", here),
            below=_whole(band, "below", here, 1, 150),
        )
        for index, entry in enumerate(_list(top.get("age_bands"), f"{where}: age_bands"))
        for here in [f"{where}: age_bands[{index}]"]
        for band in [_mapping(entry, here)]
    )
    if [b.below for b in bands] != sorted({b.below for b in bands}):
        raise FormDefinitionError(f"{where}: age_bands must go up in age, with no band twice.")
    return LscbConfig(
        marking=_text(top, "marking", where),
        year_starts_month=start_month,
        suppression=Suppression(
            below=_whole(hiding, "below", f"{where}: suppression", 1, 1000),
            shown_as=_text(hiding, "shown_as", f"{where}: suppression"),
            complementary=_text(hiding, "complementary", f"{where}: suppression"),
        ),
        frequently_missing=_whole(top, "frequently_missing", where, 1, 1000),
        screening=ScreeningSource(
            form_id=_text(screening, "form", f"{where}: screening"),
            category_item=_text(screening, "category_item", f"{where}: screening"),
            categories=tuple(
                Category(value=_text(cat, "value", here), label=_text(cat, "label", here))
                for index, entry in enumerate(categories)
                for here in [f"{where}: screening.categories[{index}]"]
                for cat in [_mapping(entry, here)]
            ),
            dob_item=_text(screening, "dob_item", f"{where}: screening"),
            gender_item=_text(screening, "gender_item", f"{where}: screening"),
            ethnicity_item=_text(screening, "ethnicity_item", f"{where}: screening"),
        ),
        age_bands=bands,
        genders=_groups(top.get("genders"), "matches", f"{where}: genders"),
        ethnicities=_groups(top.get("ethnicities"), "words", f"{where}: ethnicities"),
        unknown=_text(top, "unknown", where),
        risk_assessment=_dated(top.get("risk_assessment"), f"{where}: risk_assessment"),
        missing_episode=_dated(top.get("missing_episode"), f"{where}: missing_episode"),
        return_interview=ReturnInterviewSource(
            form_id=_text(interview, "form", f"{where}: return_interview"),
            date_item=_text(interview, "date_item", f"{where}: return_interview"),
            status_item=_text(interview, "status_item", f"{where}: return_interview"),
            interview_item=_text(interview, "interview_item", f"{where}: return_interview"),
            offered=_values(interview, "offered", f"{where}: return_interview"),
            completed=_values(interview, "completed", f"{where}: return_interview"),
            within_hours=_whole(interview, "within_hours", f"{where}: return_interview", 1, 1000),
        ),
        information_report=InformationReportSource(
            form_id=_text(report, "form", f"{where}: information_report"),
            date_item=_optional_text(report, "date_item", f"{where}: information_report"),
            sent_statuses=_values(report, "sent_statuses", f"{where}: information_report"),
        ),
    )


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise FormDefinitionError(f"{where}: expected a mapping of names to values.")
    return value


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list) or not value:
        raise FormDefinitionError(f"{where}: expected a list with at least one entry.")
    return value


def _text(spec: Mapping[str, object], key: str, where: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FormDefinitionError(f"{where}.{key}: expected some text.")
    return " ".join(value.split())


def _optional_text(spec: Mapping[str, object], key: str, where: str) -> str | None:
    return _text(spec, key, where) if spec.get(key) is not None else None


def _whole(spec: Mapping[str, object], key: str, where: str, low: int, high: int) -> int:
    value = spec.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FormDefinitionError(f"{where}.{key}: expected a whole number from {low} to {high}.")
    return value


def _values(spec: Mapping[str, object], key: str, where: str) -> frozenset[str]:
    value = spec.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise FormDefinitionError(f"{where}.{key}: expected a list of answer values.")
    return frozenset(str(v) for v in value)


def _dated(raw: object, where: str) -> DatedSource:
    spec = _mapping(raw, where)
    return DatedSource(
        form_id=_text(spec, "form", where), date_item=_optional_text(spec, "date_item", where)
    )


def _groups(raw: object, key: str, where: str) -> tuple[Group, ...]:
    groups: list[Group] = []
    for index, entry in enumerate(_list(raw, where)):
        here = f"{where}[{index}]"
        spec = _mapping(entry, here)
        phrases = spec.get(key)
        if not isinstance(phrases, list) or not phrases:
            raise FormDefinitionError(f"{here}.{key}: expected a list of words.")
        words = tuple(words_of(str(phrase)) for phrase in phrases)
        if not all(words):
            raise FormDefinitionError(f"{here}.{key}: every entry needs a letter or digit.")
        groups.append(Group(label=_text(spec, "label", here), phrases=words))
    return tuple(groups)


_ItemKinds = tuple[ItemType, ...]
_DAY_KINDS: _ItemKinds = ("date", "datetime")
_TEXT_KINDS: _ItemKinds = ("text", "long_text")


def check_config(config: LscbConfig, registry: FormRegistry) -> None:
    """Every named form exists and every version of it has the named items, of a usable
    type; the screening categories and interview statuses are options of their items.

    Every version, not just the latest, because old records keep the version they were
    completed on (FORMAT.md).
    """
    screening = config.screening
    interview = config.return_interview
    report = config.information_report
    # (form, key in the file, [(item or None for the form's date_item, usable types)],
    #  (choice item, the answer values the file names))
    wanted: list[tuple[str, str, list[tuple[str | None, _ItemKinds]], tuple[str, set[str]]]] = [
        (
            screening.form_id,
            "screening",
            [
                (screening.category_item, ("choice",)),
                (screening.dob_item, ("date",)),
                (screening.gender_item, _TEXT_KINDS),
                (screening.ethnicity_item, _TEXT_KINDS),
                (None, _DAY_KINDS),
            ],
            (screening.category_item, {c.value for c in screening.categories}),
        ),
        (
            config.risk_assessment.form_id,
            "risk_assessment",
            [(config.risk_assessment.date_item, _DAY_KINDS)],
            ("", set()),
        ),
        (
            config.missing_episode.form_id,
            "missing_episode",
            [(config.missing_episode.date_item, _DAY_KINDS)],
            ("", set()),
        ),
        (
            interview.form_id,
            "return_interview",
            [
                (interview.date_item, ("datetime",)),
                (interview.status_item, ("choice",)),
                (interview.interview_item, ("datetime",)),
            ],
            (interview.status_item, set(interview.offered | interview.completed)),
        ),
        (
            report.form_id,
            "information_report",
            [(report.date_item, _DAY_KINDS)],
            ("", set()),
        ),
    ]
    for form_id, key, items, (choice_id, options) in wanted:
        where = f"{CONFIG_NAME}: {key}"
        versions = registry.versions(form_id)
        if not versions:
            raise FormDefinitionError(f"{where}.form: there is no form '{form_id}'.")
        for version in versions:
            form = registry.get(form_id, version)
            for item_id, kinds in items:
                name = item_id or form.date_item
                if name is None:
                    raise FormDefinitionError(
                        f"{where}: version {version} of '{form_id}' has no date_item; "
                        "name one here."
                    )
                _check_item(form, name, kinds, where)
            choice = form.item(choice_id) if options else None
            allowed = set(choice.allowed_values()) if choice is not None else set()
            unknown = sorted(options - allowed)
            if unknown:
                raise FormDefinitionError(
                    f"{where}: version {version} of '{form_id}' has no answer "
                    f"'{unknown[0]}' for '{choice_id}'."
                )


def _check_item(form: FormDefinition, item_id: str, kinds: _ItemKinds, where: str) -> None:
    item = form.item(item_id)
    if item is None or item.type not in kinds:
        raise FormDefinitionError(
            f"{where}: version {form.version} of '{form.id}' has no "
            f"{' or '.join(kinds)} item '{item_id}'."
        )


def words_of(text: str) -> tuple[str, ...]:
    """Lower-case words, punctuation dropped: "Non-Binary." -> ("non", "binary")."""
    return tuple("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())
