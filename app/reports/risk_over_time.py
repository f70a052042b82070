"""A child's risk over time: each screening's and risk assessment's category and counts.

Framework section 19 and Appendix 15: "The distance travelled in terms of improving
outcomes should be evaluated when the child's plan is reviewed." A reviewer needs to see,
at a glance, whether the category and the number of indicators went up or down between
assessments, so every completed, latest-version record of a charted form is one point.

Which forms chart, which item is the category and which counts are shown are data
(resources/risk_over_time.yaml), never `if form_id == ...` here (HOUSE_STYLE): the counts
are expressions in the forms' own language, evaluated by the forms engine against the
form version each record was completed on, so they mean exactly what the form's own
outcomes mean by `count_tagged`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.domain import Record, RecordFilter
from app.errors import ExpressionError, FormDefinitionError
from app.forms import Expression, FormDefinition, compile_expression, evaluate, form_date
from app.forms.dates import format_date, naive_local
from app.forms.evaluation import FormState
from app.forms.registry import FormRegistry

if TYPE_CHECKING:
    from app.service import Haven

CONFIG_NAME = "risk_over_time.yaml"
NO_CATEGORY = 0
"""Level of a decision that no category applies ("none" on the screening tool)."""
CATEGORY_LEVELS = ("No category", "Category 1", "Category 2", "Category 3")
"""The chart's category axis, level 0 to 3 (section 9 categories)."""
BAR_COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#6f72af", "#f47738", "#505a5f")
"""Bar colours for the indicator kinds, in order of first appearance: GOV.UK palette
colours, distinguishable in print and for most colour-blind readers. The numbers are
printed on the bars and listed in words, so colour never carries meaning alone."""


@dataclass(frozen=True)
class IndicatorRule:
    """One bar: a count over a record's answers and the words read after the number."""

    id: str
    one: str
    many: str
    count: Expression


@dataclass(frozen=True)
class ChartedForm:
    """How one form's records become points (resources/risk_over_time.yaml, `forms`)."""

    form_id: str
    name: str
    category_item: str
    categories: Mapping[str, int]
    indicators: tuple[IndicatorRule, ...]


@dataclass(frozen=True)
class MasePackSettings:
    """What the MASE pack prints besides the chart (the same file, `mase_pack`)."""

    latest_in_full: tuple[str, ...]
    marking: str
    confidentiality: str
    confidentiality_source: str


@dataclass(frozen=True)
class RiskOverTimeConfig:
    forms: tuple[ChartedForm, ...]
    mase_pack: MasePackSettings

    def charted(self, form_id: str) -> ChartedForm | None:
        for charted in self.forms:
            if charted.form_id == form_id:
                return charted
        return None


@dataclass(frozen=True)
class IndicatorCount:
    """How many indicators of one kind a record has, e.g. 3 risk indicators."""

    id: str
    count: int
    one: str
    many: str

    def words(self) -> str:
        return f"{self.count} {self.one if self.count == 1 else self.many}"


@dataclass(frozen=True)
class RiskPoint:
    """One completed screening or risk assessment, as a point on the child's chart.

    `category` is 0 when the practitioner decided no category applies, 1 to 3 for the
    section 9 categories, and None when the record holds no decided category.
    `dated_by_form` says whether `when` is the form's own date (e.g. the screening date)
    rather than the day the record was completed.
    """

    record_id: str
    record_ref: str
    form_id: str
    name: str
    when: date
    dated_by_form: bool
    category: int | None
    indicators: tuple[IndicatorCount, ...]

    def category_words(self) -> str:
        if self.category is None:
            return "category not recorded"
        if self.category == NO_CATEGORY:
            return "no category"
        return f"Category {self.category}"

    def describe(self) -> str:
        """The point in words, for screen readers and the PDF's table: "12 March 2026:
        screening, Category 2, 1 current significant indicator, 3 risk indicators"."""
        parts = [self.name, self.category_words(), *(i.words() for i in self.indicators)]
        return f"{format_date(self.when)}: {', '.join(parts)}"


def indicator_kinds(points: Sequence[RiskPoint]) -> list[tuple[str, str]]:
    """(id, plural words) of every indicator kind, in order of first appearance: the
    chart's legend and the colour each kind keeps (BAR_COLOURS)."""
    kinds: dict[str, str] = {}
    for point in points:
        for indicator in point.indicators:
            kinds.setdefault(indicator.id, indicator.many)
    return list(kinds.items())


def describe_points(points: Sequence[RiskPoint]) -> str:
    """Every point in words, oldest first, one a line (the chart's text alternative)."""
    if not points:
        return "No completed screening or risk assessment yet."
    return "\n".join(point.describe() for point in points)


# ---- the data file ------------------------------------------------------------------------


def default_config_path() -> Path:
    from app.directory import resources_dir

    return resources_dir() / CONFIG_NAME


def load_config(path: Path | None = None) -> RiskOverTimeConfig:
    """Read and shape-check resources/risk_over_time.yaml (cached per path).

    Raises FormDefinitionError naming the file and the path inside it; the message never
    holds answers, only the file's own words.
    """
    return _load_config(path or default_config_path())


@functools.lru_cache(maxsize=8)
def _load_config(path: Path) -> RiskOverTimeConfig:
    import yaml

    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FormDefinitionError(f"{path.name}: the file could not be read.") from exc
    where = path.name
    top = _mapping(raw, where)
    forms = _mapping(top.get("forms"), f"{where}: forms")
    charted = tuple(
        _charted(str(fid), spec, f"{where}: forms.{fid}") for fid, spec in forms.items()
    )
    pack = _mapping(top.get("mase_pack"), f"{where}: mase_pack")
    latest = pack.get("latest_in_full", [])
    if not isinstance(latest, list) or not all(isinstance(f, str) for f in latest):
        raise FormDefinitionError(f"{where}: mase_pack.latest_in_full must be a list of form ids.")
    settings = MasePackSettings(
        latest_in_full=tuple(latest),
        marking=_text(pack, "marking", f"{where}: mase_pack"),
        confidentiality=_text(pack, "confidentiality", f"{where}: mase_pack"),
        confidentiality_source=_text(pack, "confidentiality_source", f"{where}: mase_pack"),
    )
    return RiskOverTimeConfig(forms=charted, mase_pack=settings)


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise FormDefinitionError(f"{where}: expected a mapping of names to values.")
    return value


def _text(spec: Mapping[str, object], key: str, where: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FormDefinitionError(f"{where}.{key}: expected some text.")
    return " ".join(value.split())


def _charted(form_id: str, raw: object, where: str) -> ChartedForm:
    spec = _mapping(raw, where)
    categories = _mapping(spec.get("categories"), f"{where}.categories")
    levels: dict[str, int] = {}
    for value, level in categories.items():
        if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 3:
            raise FormDefinitionError(
                f"{where}.categories.{value}: a level is a whole number from 0 to 3."
            )
        levels[str(value)] = level
    indicators = spec.get("indicators", [])
    if not isinstance(indicators, list):
        raise FormDefinitionError(f"{where}.indicators: expected a list.")
    rules: list[IndicatorRule] = []
    for index, entry in enumerate(indicators):
        here = f"{where}.indicators[{index}]"
        item = _mapping(entry, here)
        source = _text(item, "count", here)
        try:
            expression = compile_expression(source)
        except ExpressionError as exc:
            raise FormDefinitionError(f"{here}.count: {exc}") from exc
        rules.append(
            IndicatorRule(
                id=_text(item, "id", here),
                one=_text(item, "one", here),
                many=_text(item, "many", here),
                count=expression,
            )
        )
    return ChartedForm(
        form_id=form_id,
        name=_text(spec, "name", where),
        category_item=_text(spec, "category_item", where),
        categories=levels,
        indicators=tuple(rules),
    )


def check_config(config: RiskOverTimeConfig, registry: FormRegistry) -> None:
    """Every charted form exists and every version of it has the items the file names.

    Done against every version, not just the latest, because old records keep the version
    they were completed on (FORMAT.md).
    """
    for charted in config.forms:
        where = f"{CONFIG_NAME}: forms.{charted.form_id}"
        versions = registry.versions(charted.form_id)
        if not versions:
            raise FormDefinitionError(f"{where}: there is no such form in this copy of Haven.")
        for version in versions:
            _check_version(charted, registry.get(charted.form_id, version), where)
    for form_id in config.mase_pack.latest_in_full:
        if form_id not in registry:
            raise FormDefinitionError(
                f"{CONFIG_NAME}: mase_pack.latest_in_full names '{form_id}', which is not a form."
            )


def _check_version(charted: ChartedForm, form: FormDefinition, where: str) -> None:
    item = form.item(charted.category_item)
    if item is None or item.type != "choice":
        raise FormDefinitionError(
            f"{where}.category_item: version {form.version} has no choice item "
            f"'{charted.category_item}'."
        )
    for rule in charted.indicators:
        unknown = sorted(name for name in rule.count.names if form.item(name) is None)
        if unknown:
            raise FormDefinitionError(
                f"{where}.indicators.{rule.id}: version {form.version} has no item '{unknown[0]}'."
            )


# ---- computing the points -----------------------------------------------------------------


def risk_over_time(
    haven: Haven, subject_id: str, config: RiskOverTimeConfig | None = None
) -> list[RiskPoint]:
    """The child's points, oldest first (ties: the earlier completed first)."""
    config = config or load_config()
    check_config(config, haven.registry)
    subject = haven.child(subject_id)
    found: list[tuple[RiskPoint, str]] = []
    for record in current_completed(haven, subject.id):
        charted = config.charted(record.form_id)
        if charted is None:
            continue
        form = haven.form_for(record)
        ctx = haven.context(record, subject)
        found.append(
            (point_of(charted, form, record, FormState(form, record.answers, ctx)), _stamp(record))
        )
    found.sort(key=lambda pair: (pair[0].when, pair[1]))
    return [point for point, _ in found]


def current_completed(haven: Haven, subject_id: str, form_id: str | None = None) -> list[Record]:
    """The newest completed version of each of the child's records.

    SPEC 3: an amendment is a new version and, while it is still a draft, the version it
    replaces is the one that stands; so a completed version counts unless a later
    completed version supersedes it.
    """
    flt = RecordFilter(subject_id=subject_id, form_id=form_id, include_superseded=True)
    records = haven.repo.list_records(flt)
    by_id = {record.id: record for record in records}
    current: list[Record] = []
    for record in records:
        if record.is_draft:
            continue
        successor = by_id.get(record.superseded_by) if record.superseded_by else None
        if record.superseded_by is None or (successor is not None and successor.is_draft):
            current.append(record)
    return current


def point_of(
    charted: ChartedForm, form: FormDefinition, record: Record, state: FormState
) -> RiskPoint:
    """One record as a point: its decided category and each indicator count."""
    dated = form_date(form, record.answers)
    when = dated if dated is not None else _completed_day(record)
    category_item = form.item(charted.category_item)
    category: int | None = None
    if category_item is not None:
        value = state.root.value_of(category_item.id)
        if isinstance(value, str):
            category = charted.categories.get(value)
    counts = tuple(
        IndicatorCount(rule.id, _whole(evaluate(rule.count, state.root)), rule.one, rule.many)
        for rule in charted.indicators
    )
    return RiskPoint(
        record_id=record.id,
        record_ref=record.ref,
        form_id=record.form_id,
        name=charted.name,
        when=when,
        dated_by_form=dated is not None,
        category=category,
        indicators=counts,
    )


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return max(0, int(value))


def _stamp(record: Record) -> str:
    return record.completed_at or record.updated_at


def _completed_day(record: Record) -> date:
    """The local day the record was completed (the store keeps UTC stamps)."""
    try:
        moment = datetime.fromisoformat(_stamp(record))
    except ValueError:
        return date.min
    return naive_local(moment).date()
