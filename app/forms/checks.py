"""Load-time checks the schema cannot express: ids, names in expressions, loops.

FORMAT.md: "unknown names are load-time errors", and so are unknown functions, wrong
argument counts, outcomes that are not listed earlier, and guidance ids that do not exist.
Relevance rules that depend on each other in a loop are refused here too: such a form
could never decide what to show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.forms.comparisons import impossible_comparisons
from app.forms.dates import is_iso_date, is_iso_datetime, parse_datetime
from app.forms.definitions import FIXED_VALUES, FormDefinition, Item
from app.forms.expression_syntax import KEYWORDS, SPECIAL_NAMES
from app.forms.expressions import Expression, Template
from app.forms.problems import format_path

Report = list[tuple[str, str]]
Key = tuple[str, ...]
Node = tuple[str, Key]
Scope = Mapping[str, tuple[Item, Key]]

RESERVED_IDS = KEYWORDS | SPECIAL_NAMES
"""Item ids that would be read as keywords or special names inside expressions."""

LABELLED_TYPES = frozenset({"choice", "multi", "yes_no", "yes_no_unknown"})

PREFILL_TYPES: Mapping[str, frozenset[str]] = {
    "subject.name": frozenset({"text", "long_text"}),
    "subject.known_as": frozenset({"text", "long_text"}),
    "subject.dob": frozenset({"date"}),
    "subject.gender": frozenset({"text", "long_text", "choice"}),
    "subject.local_authority": frozenset({"text", "long_text", "choice"}),
    "profile.name": frozenset({"text", "long_text"}),
    "profile.agency": frozenset({"text", "long_text", "choice"}),
    "profile.role": frozenset({"text", "long_text", "choice"}),
    "profile.local_authority": frozenset({"text", "long_text", "choice"}),
    "profile.email": frozenset({"email", "text"}),
    "profile.phone": frozenset({"phone", "text"}),
    "episode.missing_from": frozenset({"datetime", "date"}),
    "episode.returned_at": frozenset({"datetime", "date"}),
    "now": frozenset({"datetime", "date"}),
    "today": frozenset({"date", "datetime"}),
}
"""Which item types each prefill source can fill without converting meaning."""


@dataclass(frozen=True)
class _Context:
    chain: tuple[Scope, ...]
    key_prefix: Key


class FormChecker:
    """Runs every semantic check on one built form and collects (path, message) pairs."""

    def __init__(
        self,
        form: FormDefinition,
        folder_id: str | None,
        file_version: int | None,
        guidance_ids: Iterable[str],
    ) -> None:
        self.form = form
        self.folder_id = folder_id
        self.file_version = file_version
        self.guidance_ids = frozenset(guidance_ids)
        self.problems: Report = []
        self.top: dict[str, tuple[Item, Key]] = {}
        self.tagged: dict[str, list[tuple[Item, Key]]] = {}
        self.sub_ids: set[str] = set()
        self.outcome_ids = [outcome.id for outcome in form.outcomes]
        self.graph: dict[Node, set[Node]] = {}
        self.node_paths: dict[Node, str] = {}

    def _add(self, path: Sequence[str | int], message: str) -> None:
        self.problems.append((format_path(path), message))

    # --- entry point ---------------------------------------------------------------------

    def run(self) -> Report:
        form = self.form
        if self.folder_id is not None and form.id != self.folder_id:
            self._add(["id"], f"the id '{form.id}' must equal the folder name '{self.folder_id}'")
        if self.file_version is not None and form.version != self.file_version:
            self._add(
                ["version"],
                f"version {form.version} must equal the file name ({self.file_version}.yaml)",
            )
        self._index()
        self._check_sections()
        self._check_outcomes()
        self._check_top_level_links()
        self._check_loops()
        return self.problems

    # --- indexes -------------------------------------------------------------------------

    def _index(self) -> None:
        seen_sections: set[str] = set()
        for s_index, section in enumerate(self.form.sections):
            if section.id in seen_sections:
                self._add(["sections", s_index, "id"], f"section id '{section.id}' is used twice")
            seen_sections.add(section.id)
            for i_index, item in enumerate(section.items):
                path: list[str | int] = ["sections", s_index, "items", i_index, "id"]
                if item.id in self.top:
                    self._add(path, f"item id '{item.id}' is used twice in this form")
                    continue
                self.top[item.id] = (item, (item.id,))
                self._index_tags(item, (item.id,))

    def _index_tags(self, item: Item, key: Key) -> None:
        for tag in item.tags:
            self.tagged.setdefault(tag, []).append((item, key))
        for sub in item.items:
            self.sub_ids.add(sub.id)
            self._index_tags(sub, (*key, sub.id))

    # --- sections and items ----------------------------------------------------------------

    def _check_sections(self) -> None:
        top_chain: tuple[Scope, ...] = (self.top,)
        for s_index, section in enumerate(self.form.sections):
            path: list[str | int] = ["sections", s_index]
            self._check_guidance(section.guidance, [*path, "guidance"])
            node: Node = ("section", (section.id,))
            self.graph.setdefault(node, set())
            if section.relevant is not None:
                relevant_path = [*path, "relevant"]
                self.node_paths[node] = format_path(relevant_path)
                self._check_expression(section.relevant, relevant_path, top_chain, None)
                self.graph[node] |= self._dependencies(section.relevant, top_chain)
            for i_index, item in enumerate(section.items):
                self._check_item(
                    item,
                    [*path, "items", i_index],
                    _Context(chain=top_chain, key_prefix=()),
                    parent=node,
                )

    def _check_item(
        self, item: Item, path: list[str | int], context: _Context, parent: Node
    ) -> None:
        key = (*context.key_prefix, item.id)
        node: Node = ("item", key)
        self.graph.setdefault(node, set()).add(parent)
        if item.id in RESERVED_IDS:
            self._add([*path, "id"], f"'{item.id}' is a word of the expression language")
        self._check_guidance(item.guidance, [*path, "guidance"])
        self._check_options(item, path)
        self._check_bounds(item, path)
        self._check_prefill(item, path, in_group=bool(context.key_prefix))
        if item.suggested_by is not None and item.suggested_by not in self.outcome_ids:
            self._add(
                [*path, "suggested_by"], f"there is no outcome '{item.suggested_by}' in this form"
            )
        if item.relevant is not None:
            relevant_path = [*path, "relevant"]
            self.node_paths[node] = format_path(relevant_path)
            self._check_expression(item.relevant, relevant_path, context.chain, None)
            self.graph[node] |= self._dependencies(item.relevant, context.chain)
        if isinstance(item.required, Expression):
            self._check_expression(item.required, [*path, "required"], context.chain, None)
        for c_index, constraint in enumerate(item.constraints):
            self._check_expression(
                constraint.check, [*path, "constraints", c_index, "check"], context.chain, None
            )
        if item.type == "group":
            self._check_group(item, path, context, key, node)

    def _check_group(
        self, item: Item, path: list[str | int], context: _Context, key: Key, node: Node
    ) -> None:
        scope: dict[str, tuple[Item, Key]] = {}
        for index, sub in enumerate(item.items):
            if sub.id in scope:
                self._add(
                    [*path, "items", index, "id"],
                    f"item id '{sub.id}' is used twice in the group '{item.id}'",
                )
                continue
            scope[sub.id] = (sub, (*key, sub.id))
        inner = _Context(chain=(scope, *context.chain), key_prefix=key)
        for index, sub in enumerate(item.items):
            self._check_item(sub, [*path, "items", index], inner, parent=node)

    def _check_guidance(self, ids: Sequence[str], path: list[str | int]) -> None:
        for index, block_id in enumerate(ids):
            if block_id not in self.guidance_ids:
                self._add(
                    [*path, index], f"there is no guidance block '{block_id}' in guidance.yaml"
                )

    def _check_options(self, item: Item, path: list[str | int]) -> None:
        seen: set[str] = set()
        for index, option in enumerate(item.options):
            if option.value in seen:
                self._add(
                    [*path, "options", index, "value"],
                    f"the option value '{option.value}' is used twice",
                )
            seen.add(option.value)

    def _check_bounds(self, item: Item, path: list[str | int]) -> None:
        if item.type in ("date", "datetime"):
            valid = is_iso_date if item.type == "date" else _is_datetime_bound
            for key in ("min", "max"):
                bound = getattr(item, key)
                if bound is not None and bound not in ("today", "now") and not valid(bound):
                    self._add([*path, key], "is not a real date")
            low, high = _bound_moment(item.min), _bound_moment(item.max)
            if low is not None and high is not None and low > high:
                self._add([*path, "min"], "min is after max")
        if (
            item.type == "number"
            and isinstance(item.min, int | float)
            and isinstance(item.max, int | float)
            and item.min > item.max
        ):
            self._add([*path, "min"], "min is greater than max")
        pairs = (
            ("min_length", item.min_length, "max_length", item.max_length),
            ("min_entries", item.min_entries, "max_entries", item.max_entries),
        )
        for low_key, low_value, high_key, high_value in pairs:
            if low_value is not None and high_value is not None and low_value > high_value:
                self._add([*path, low_key], f"{low_key} is greater than {high_key}")

    def _check_prefill(self, item: Item, path: list[str | int], in_group: bool) -> None:
        if item.prefill is None:
            return
        if in_group:
            self._add([*path, "prefill"], "prefill is not supported inside a group")
            return
        allowed = PREFILL_TYPES.get(item.prefill, frozenset())
        if item.type not in allowed:
            kinds = ", ".join(sorted(allowed))
            self._add(
                [*path, "prefill"],
                f"'{item.prefill}' cannot fill a '{item.type}' item (it fills: {kinds})",
            )

    # --- outcomes and top-level links ----------------------------------------------------

    def _check_outcomes(self) -> None:
        top_chain: tuple[Scope, ...] = (self.top,)
        seen: set[str] = set()
        for o_index, outcome in enumerate(self.form.outcomes):
            path: list[str | int] = ["outcomes", o_index]
            if outcome.id in seen:
                self._add([*path, "id"], f"outcome id '{outcome.id}' is used twice")
            seen.add(outcome.id)
            earlier = frozenset(self.outcome_ids[:o_index])
            node: Node = ("outcome", (outcome.id,))
            self.node_paths.setdefault(node, format_path(path))
            deps = self.graph.setdefault(node, set())
            parts: list[tuple[Expression | Template | None, list[str | int]]] = []
            for r_index, rule in enumerate(outcome.rules):
                parts.append((rule.when, [*path, "rules", r_index, "when"]))
                parts.append((rule.reason, [*path, "rules", r_index, "reason"]))
            if outcome.otherwise is not None:
                parts.append((outcome.otherwise.reason, [*path, "otherwise", "reason"]))
            for part, part_path in parts:
                for expression in _expressions_of(part):
                    self._check_expression(expression, part_path, top_chain, earlier)
                    deps |= self._dependencies(expression, top_chain)

    def _check_top_level_links(self) -> None:
        form = self.form
        if form.date_item is not None:
            found = self.top.get(form.date_item)
            if found is None:
                self._add(["date_item"], f"no item has the id '{form.date_item}'")
            elif found[0].type not in ("date", "datetime"):
                self._add(["date_item"], f"'{form.date_item}' is not a date or datetime item")
        for column, item_id in form.record_fields.items():
            if item_id not in self.top:
                self._add(["record_fields", column], f"no item has the id '{item_id}'")
        top_chain: tuple[Scope, ...] = (self.top,)
        if form.permits_export is not None:
            self._check_expression(form.permits_export, ["permits_export"], top_chain, None)
        for index, follow in enumerate(form.follow_ups):
            self._check_expression(follow.when, ["follow_ups", index, "when"], top_chain, None)
            for expression in _expressions_of(follow.message):
                self._check_expression(
                    expression, ["follow_ups", index, "message"], top_chain, None
                )
        for index, source in enumerate(form.prefill_from):
            for target in source.map:
                found = self.top.get(target)
                if found is None:
                    self._add(["prefill_from", index, "map", target], "no item has this id")
                elif not found[0].takes_answer:
                    self._add(
                        ["prefill_from", index, "map", target], "an info item takes no answer"
                    )

    # --- expressions ---------------------------------------------------------------------

    def _check_expression(
        self,
        expression: Expression,
        path: list[str | int],
        chain: tuple[Scope, ...],
        allowed_outcomes: frozenset[str] | None,
    ) -> None:
        for name in sorted(expression.names):
            if _lookup(chain, name) is not None:
                continue
            if name in self.sub_ids:
                self._add(
                    path,
                    f"'{name}' is an item inside a group: only that group's own items can use it",
                )
            else:
                self._add(path, f"unknown name '{name}': no item has this id")
        for name in sorted(expression.label_targets):
            found = _lookup(chain, name)
            if found is not None and found[0].type not in LABELLED_TYPES:
                self._add(
                    path, f"label() needs a choice, multi or yes/no item; '{name}' is not one"
                )
        for tag, value, literal in expression.tags:
            self._check_tag(tag, value, literal, path)
        for problem in impossible_comparisons(expression, lambda name: _item_in(chain, name)):
            self._add(path, problem)
        for outcome_id in sorted(expression.outcomes):
            if allowed_outcomes is not None and outcome_id in allowed_outcomes:
                continue
            if outcome_id not in self.outcome_ids:
                self._add(path, f"unknown outcome '{outcome_id}'")
            elif allowed_outcomes is not None:
                self._add(
                    path, f"outcome('{outcome_id}') must name an outcome listed before this one"
                )

    def _check_tag(self, tag: str, value: object, literal: bool, path: list[str | int]) -> None:
        tagged = self.tagged.get(tag)
        if not tagged:
            self._add(path, f"no item has the tag '{tag}'")
            return
        if not literal or value is None:
            return
        if not any(_can_hold(item, value) for item, _ in tagged):
            self._add(path, f"no item tagged '{tag}' can have the value {value!r}")

    def _dependencies(self, expression: Expression, chain: tuple[Scope, ...]) -> set[Node]:
        deps: set[Node] = set()
        for name in expression.names:
            found = _lookup(chain, name)
            if found is not None:
                deps.add(("item", found[1]))
        for tag, _, _ in expression.tags:
            deps.update(("item", key) for _, key in self.tagged.get(tag, []))
        deps.update(("outcome", (outcome_id,)) for outcome_id in expression.outcomes)
        return deps

    # --- loops ---------------------------------------------------------------------------

    def _check_loops(self) -> None:
        cycle = _find_cycle(self.graph)
        if cycle is None:
            return
        words = " → ".join(_describe_node(node) for node in cycle)
        path = next((self.node_paths[n] for n in cycle if n in self.node_paths), "")
        self.problems.append(
            (path, f"rules that decide what is shown depend on each other in a loop: {words}")
        )


def _expressions_of(part: Expression | Template | None) -> tuple[Expression, ...]:
    if part is None:
        return ()
    if isinstance(part, Template):
        return part.expressions
    return (part,)


def _item_in(chain: Sequence[Scope], name: str) -> Item | None:
    found = _lookup(chain, name)
    return found[0] if found is not None else None


def _lookup(chain: Sequence[Scope], name: str) -> tuple[Item, Key] | None:
    for scope in chain:
        if name in scope:
            return scope[name]
    return None


def _can_hold(item: Item, value: object) -> bool:
    if item.type in FIXED_VALUES or item.type in ("choice", "multi"):
        return value in item.allowed_values()
    if item.type == "tick":
        return value is True
    return item.type != "info"


def _is_datetime_bound(value: object) -> bool:
    return is_iso_datetime(value) or is_iso_date(value)


def _bound_moment(value: object) -> datetime | None:
    if value in ("today", "now") or not isinstance(value, str):
        return None
    return parse_datetime(value)


def _describe_node(node: Node) -> str:
    kind, key = node
    return f"{kind} '{'.'.join(key)}'"


def _find_cycle(graph: Mapping[Node, set[Node]]) -> list[Node] | None:
    """The first dependency loop found, as a list of nodes ending where it began."""
    state: dict[Node, int] = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack: list[tuple[Node, list[Node]]] = [(start, sorted(graph.get(start, ())))]
        trail = [start]
        state[start] = 1
        while stack:
            node, pending = stack[-1]
            if not pending:
                stack.pop()
                trail.pop()
                state[node] = 2
                continue
            following = pending.pop()
            status = state.get(following, 0)
            if status == 1:
                return [*trail[trail.index(following) :], following]
            if status == 0:
                state[following] = 1
                trail.append(following)
                stack.append((following, sorted(graph.get(following, ()))))
    return None
