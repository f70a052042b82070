"""Turn a schema-valid form document into FormDefinition dataclasses.

Every expression and reason template is compiled here, once, at load (FORMAT.md: "the
engine then checks every expression parses"). A part that does not compile is reported
with its path and replaced by ``false`` so the rest of the file can still be checked and
every problem reported in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from app.errors import ExpressionError
from app.forms.definitions import (
    Constraint,
    FollowUp,
    FormDefinition,
    GuidanceBlock,
    Item,
    ItemType,
    Option,
    OutcomeDefinition,
    OutcomeKind,
    OutcomeRule,
    PrefillSource,
    Section,
    Severity,
)
from app.forms.expressions import Expression, Template, compile_expression, compile_template
from app.forms.problems import format_path

Path = list[str | int]
Report = list[tuple[str, str]]

_PLACEHOLDER = compile_expression("false")


class FormBuilder:
    """Builds one form, collecting (path, message) for every part that does not compile."""

    def __init__(self) -> None:
        self.problems: Report = []

    def _expression(self, source: str, path: Path) -> Expression:
        try:
            return compile_expression(source)
        except ExpressionError as exc:
            self.problems.append((format_path(path), f"expression does not parse: {exc}"))
            return _PLACEHOLDER

    def _template(self, source: str | None, path: Path) -> Template | None:
        if source is None:
            return None
        try:
            return compile_template(source)
        except ExpressionError as exc:
            self.problems.append((format_path(path), f"reason text does not parse: {exc}"))
            return compile_template(source.replace("{", "{{").replace("}", "}}"))

    def _pattern(self, source: str | None, path: Path) -> re.Pattern[str] | None:
        if source is None:
            return None
        try:
            return re.compile(source)
        except re.error as exc:
            self.problems.append(
                (format_path(path), f"pattern is not a valid regular expression: {exc}")
            )
            return None

    def form(
        self, data: Mapping[str, Any], guidance: Mapping[str, GuidanceBlock]
    ) -> FormDefinition:
        sections = tuple(
            self._section(raw, ["sections", index]) for index, raw in enumerate(data["sections"])
        )
        outcomes = tuple(
            self._outcome(raw, ["outcomes", index])
            for index, raw in enumerate(data.get("outcomes", []))
        )
        named = {
            block_id
            for section in sections
            for block_id in (*section.guidance, *_item_guidance(section.items))
        }
        return FormDefinition(
            id=data["id"],
            title=data["title"],
            version=data["version"],
            marking=data["marking"],
            source=data["source"],
            description=data.get("description"),
            date_item=data.get("date_item"),
            starts_with=tuple(data.get("starts_with", ())),
            chooser_order=dict(data.get("chooser_order", {})),
            record_fields=dict(data.get("record_fields", {})),
            prefill_from=tuple(
                PrefillSource(form=source["form"], map=dict(source["map"]))
                for source in data.get("prefill_from", ())
            ),
            permits_export=(
                self._expression(data["permits_export"], ["permits_export"])
                if "permits_export" in data
                else None
            ),
            follow_ups=tuple(
                FollowUp(
                    when=self._expression(raw["when"], ["follow_ups", index, "when"]),
                    form=raw["form"],
                    message=self._template(raw["message"], ["follow_ups", index, "message"])
                    or compile_template(""),
                )
                for index, raw in enumerate(data.get("follow_ups", ()))
            ),
            sections=sections,
            outcomes=outcomes,
            guidance={key: guidance[key] for key in sorted(named) if key in guidance},
        )

    def _section(self, raw: Mapping[str, Any], path: Path) -> Section:
        relevant = raw.get("relevant")
        return Section(
            id=raw["id"],
            title=raw["title"],
            help=raw.get("help"),
            guidance=tuple(raw.get("guidance", ())),
            relevant=self._expression(relevant, [*path, "relevant"]) if relevant else None,
            items=tuple(
                self._item(item, [*path, "items", index]) for index, item in enumerate(raw["items"])
            ),
        )

    def _item(self, raw: Mapping[str, Any], path: Path) -> Item:
        required_raw = raw.get("required", False)
        required: bool | Expression = (
            required_raw
            if isinstance(required_raw, bool)
            else self._expression(required_raw, [*path, "required"])
        )
        relevant = raw.get("relevant")
        return Item(
            id=raw["id"],
            type=cast(ItemType, raw["type"]),
            label=raw["label"],
            help=raw.get("help"),
            guidance=tuple(raw.get("guidance", ())),
            required=required,
            relevant=self._expression(relevant, [*path, "relevant"]) if relevant else None,
            tags=tuple(raw.get("tags", ())),
            options=tuple(
                Option(
                    value=option["value"],
                    label=option["label"],
                    codes=dict(option.get("codes", {})),
                    help=option.get("help"),
                )
                for option in raw.get("options", ())
            ),
            min=raw.get("min"),
            max=raw.get("max"),
            min_length=raw.get("min_length"),
            max_length=raw.get("max_length"),
            pattern=self._pattern(raw.get("pattern"), [*path, "pattern"]),
            message=raw.get("message"),
            constraints=tuple(
                Constraint(
                    check=self._expression(rule["check"], [*path, "constraints", index, "check"]),
                    message=rule["message"],
                    severity=cast(Severity, rule.get("severity", "error")),
                )
                for index, rule in enumerate(raw.get("constraints", ()))
            ),
            prefill=raw.get("prefill"),
            items=tuple(
                self._item(sub, [*path, "items", index])
                for index, sub in enumerate(raw.get("items", ()))
            ),
            min_entries=raw.get("min_entries"),
            max_entries=raw.get("max_entries"),
            entry_label=raw.get("entry_label"),
            placeholder=raw.get("placeholder"),
            suggested_by=raw.get("suggested_by"),
        )

    def _outcome(self, raw: Mapping[str, Any], path: Path) -> OutcomeDefinition:
        rules = tuple(
            OutcomeRule(
                when=self._expression(rule["when"], [*path, "rules", index, "when"]),
                value=rule.get("value"),
                reason=self._template(rule.get("reason"), [*path, "rules", index, "reason"]),
            )
            for index, rule in enumerate(raw.get("rules", ()))
        )
        otherwise_raw = raw.get("otherwise")
        otherwise = (
            OutcomeRule(
                when=None,
                value=otherwise_raw.get("value"),
                reason=self._template(otherwise_raw.get("reason"), [*path, "otherwise", "reason"]),
            )
            if otherwise_raw is not None
            else None
        )
        return OutcomeDefinition(
            id=raw["id"],
            label=raw["label"],
            kind=cast(OutcomeKind, raw["kind"]),
            rules=rules,
            otherwise=otherwise,
        )


def _item_guidance(items: Sequence[Item]) -> list[str]:
    found: list[str] = []
    for item in items:
        found.extend(item.guidance)
        found.extend(_item_guidance(item.items))
    return found


def build_guidance(data: Mapping[str, Any]) -> dict[str, GuidanceBlock]:
    """Guidance blocks from a schema-valid guidance.yaml document."""
    return {
        block_id: GuidanceBlock(
            id=block_id, title=raw["title"], text=raw["text"], source=raw.get("source")
        )
        for block_id, raw in data.items()
    }
