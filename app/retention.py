"""Retention (SPEC.md section 3): records are purged a set time after their last action.

The policy is the organisation's: a machine-wide `retention.yaml` placed by IT (which a
user cannot change, HOUSE_STYLE "users cannot override machine-wide policy"), else the
defaults shipped in resources/retention.yaml. Periods are per record state and counted
in calendar months from the last thing that happened to the record (app.store.
purge_store gathers those times and decides what goes together).

"With a warning first": `due_for_purge(..., within_days=policy.notice_days)` is what the
window's notice and `haven purge --dry-run` show before anything is deleted; `purge`
deletes only what is due now, each unit in its own transaction with its audit entries,
then compacts the file so the purged text is in no page of it.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.directory import machine_config_dir, resources_dir
from app.errors import (
    HavenError,
    RetentionPolicyError,
)
from app.store.purge_store import PurgeStore, RecordFacts, RetentionUnit

if TYPE_CHECKING:
    from app.service import Haven

POLICY_FILE = "retention.yaml"
# The record states a policy can give a period for: the lifecycle states, plus records
# received from another Haven and reviewed or returned there.
STATE_KEYS = ("draft", "completed", "signed", "queued", "sent", "received")
NEVER = "never"
# A received record nobody has reviewed yet is never purged, whatever the policy says:
# the DSL has not seen it, so deleting it would lose a concern nobody acted on.
AWAITING_REVIEW = "awaiting-review"
MAX_MONTHS = 1200

Progress = Callable[[int, str], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class RetentionPolicy:
    """Months to keep records in each state after their last action (None: never purged)."""

    months: Mapping[str, int | None]
    notice_days: int
    source: str  # "default" or "organisation"

    def period(self, state: str) -> int | None:
        return self.months.get(state)

    def describe(self) -> str:
        """One line for people: 'sent 12 months, completed 24 months, draft never, …'."""
        parts = []
        for state in STATE_KEYS:
            months = self.months.get(state)
            parts.append(f"{state} {'never' if months is None else f'{months} months'}")
        return ", ".join(parts)


@dataclass(frozen=True)
class DueRecord:
    """A record (with the records that go with it) and when the policy deletes it.

    `ref` and `form_id` are the main record's; `refs` lists every record that goes with
    it. References are opaque and safe to show; nothing here is an answer or a name.
    """

    key: str
    ref: str
    form_id: str
    form_title: str
    state: str
    months: int
    last_action: datetime
    due_at: datetime
    refs: tuple[str, ...]

    @property
    def record_count(self) -> int:
        return len(self.refs)

    def is_due(self, now: datetime) -> bool:
        return self.due_at <= _utc(now)

    def as_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "form": self.form_id,
            "form_title": self.form_title,
            "state": self.state,
            "months": self.months,
            "last_action": self.last_action.isoformat(),
            "due_at": self.due_at.isoformat(),
            "records": list(self.refs),
        }


@dataclass(frozen=True)
class PurgeReport:
    purged: tuple[DueRecord, ...]
    records: int
    children: int
    skipped: int  # due when listed, changed since (for example a new decision): kept
    compacted: bool
    policy: RetentionPolicy

    def as_json(self) -> dict[str, Any]:
        return {
            "purged": [item.as_json() for item in self.purged],
            "records": self.records,
            "children": self.children,
            "skipped": self.skipped,
            "compacted": self.compacted,
            "policy": self.policy.source,
        }


# ---- the policy -------------------------------------------------------------------------


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RetentionPolicyError(
            f"The retention policy file {path.name} could not be read."
        ) from exc


def _months(state: str, value: object, where: str) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == NEVER):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MONTHS:
        raise RetentionPolicyError(
            f"In {where}, the retention for '{state}' must be a whole number of months "
            f"from 1 to {MAX_MONTHS}, or 'never'."
        )
    return value


def _parse(data: Any, where: str) -> tuple[dict[str, int | None], int | None]:
    if not isinstance(data, dict):
        raise RetentionPolicyError(f"{where} must hold 'retention_months' and 'notice_days'.")
    unknown = set(data) - {"version", "notice_days", "retention_months"}
    if unknown:
        raise RetentionPolicyError(
            f"{where} has settings Haven does not know: {', '.join(sorted(map(str, unknown)))}."
        )
    raw = data.get("retention_months") or {}
    if not isinstance(raw, dict):
        raise RetentionPolicyError(f"In {where}, 'retention_months' must map states to months.")
    states = set(map(str, raw)) - set(STATE_KEYS)
    if states:
        raise RetentionPolicyError(
            f"In {where}, {', '.join(sorted(states))} is not a record state. States: "
            + ", ".join(STATE_KEYS)
            + "."
        )
    months = {str(state): _months(str(state), value, where) for state, value in raw.items()}
    notice = data.get("notice_days")
    if notice is not None and (
        isinstance(notice, bool) or not isinstance(notice, int) or not 0 <= notice <= 366
    ):
        raise RetentionPolicyError(
            f"In {where}, 'notice_days' must be a whole number of days from 0 to 366."
        )
    return months, notice


def load_policy() -> RetentionPolicy:
    """The shipped defaults, with the organisation's machine-wide file over them."""
    months, notice = _parse(_read_yaml(resources_dir() / POLICY_FILE), "the shipped policy")
    merged: dict[str, int | None] = {state: None for state in STATE_KEYS}
    merged.update(months)
    notice_days = notice if notice is not None else 30
    source = "default"
    machine = machine_config_dir() / POLICY_FILE
    if machine.exists():
        org_months, org_notice = _parse(_read_yaml(machine), "the organisation's policy")
        merged.update(org_months)
        if org_notice is not None:
            notice_days = org_notice
        source = "organisation"
    return RetentionPolicy(months=merged, notice_days=notice_days, source=source)


# ---- when a unit is due -----------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` calendar months later (31 January + 1 month: 28/29 February)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, _days_in(year, month)))


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _utc(moment: datetime | None) -> datetime:
    """Aware UTC; a naive time is local wall-clock time, as Haven's clock gives it."""
    if moment is None:
        return datetime.now(UTC)
    return moment.astimezone(UTC)


def state_of(head: RecordFacts) -> str:
    """The policy state of a chain, from its newest version."""
    if head.received_state == AWAITING_REVIEW:
        return AWAITING_REVIEW
    if head.received_state is not None and head.status == "completed":
        return "received"
    return head.status


@dataclass(frozen=True)
class _Due:
    due_at: datetime
    state: str
    months: int
    main: RecordFacts


def _due(unit: RetentionUnit, policy: RetentionPolicy) -> _Due | None:
    """When the policy purges the unit, or None when it never does.

    The state that counts is that of each independent record in the unit (one not started
    from another); a record started from one (a sharing decision) goes with it whatever
    its own state, unless it is still a draft: work in progress keeps the whole unit. The
    longest period of those states wins, counted from the unit's last action.
    """
    chains = unit.chains()
    ids = unit.record_ids()
    roots = [c for c in chains if c[-1].parent_id is None or c[-1].parent_id not in ids]
    counted = {id(c) for c in roots or chains}
    best: tuple[int, str, RecordFacts] | None = None
    for chain in chains:
        head = chain[-1]
        state = state_of(head)
        if id(chain) not in counted and state not in ("draft", AWAITING_REVIEW):
            continue
        months = None if state == AWAITING_REVIEW else policy.period(state)
        if months is None:
            return None
        if best is None or months > best[0]:
            best = (months, state, head)
    if best is None:
        return None
    months, state, _ = best
    main = (roots or chains)[0][-1]
    return _Due(add_months(unit.last_action, months), state, months, main)


def _item(haven: Haven, unit: RetentionUnit, due: _Due) -> DueRecord:
    return DueRecord(
        key=unit.key,
        ref=due.main.ref,
        form_id=due.main.form_id,
        form_title=_form_title(haven, due.main.form_id),
        state=due.state,
        months=due.months,
        last_action=unit.last_action,
        due_at=due.due_at,
        refs=tuple(r.ref for r in unit.records),
    )


def _form_title(haven: Haven, form_id: str) -> str:
    try:
        return haven.registry.get(form_id).title
    except HavenError:
        return form_id


def due_for_purge(
    haven: Haven,
    now: datetime | None = None,
    within_days: int = 0,
    *,
    policy: RetentionPolicy | None = None,
) -> list[DueRecord]:
    """What the policy deletes by `now` plus `within_days`, soonest first. Reads only."""
    policy = policy or load_policy()
    horizon = _utc(now) + timedelta(days=max(0, within_days))
    items: list[DueRecord] = []
    for unit in PurgeStore(haven.repo.db).units():
        due = _due(unit, policy)
        if due is not None and due.due_at <= horizon:
            items.append(_item(haven, unit, due))
    items.sort(key=lambda item: (item.due_at, item.ref))
    return items


def purge(
    haven: Haven,
    now: datetime | None = None,
    *,
    policy: RetentionPolicy | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> PurgeReport:
    """Delete everything due by `now`; one transaction per unit, then compact the file.

    Cancelling stops before the next unit; what was deleted stays deleted and the file
    is still compacted, so no purged text is left in free pages.
    """
    policy = policy or load_policy()
    moment = _utc(now)
    listed = due_for_purge(haven, moment, policy=policy)
    store = PurgeStore(haven.repo.db)

    def still_due(unit: RetentionUnit) -> str | None:
        due = _due(unit, policy)
        if due is None or due.due_at > moment:
            return None
        return f"{due.state} {due.months} months {policy.source}"

    purged: list[DueRecord] = []
    records = children = skipped = 0
    for number, item in enumerate(listed):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(int(90 * number / max(1, len(listed))), f"Deleting {item.ref}")
        done = store.purge_unit(haven.actor, item.key, still_due)
        if done is None:
            skipped += 1
            continue
        due = _due(done.unit, policy)
        purged.append(_item(haven, done.unit, due) if due is not None else item)
        records += len(done.unit.records)
        children += done.children
    compacted = False
    if purged:
        if progress is not None:
            progress(90, "Compacting the encrypted store")
        store.compact()
        compacted = True
    if progress is not None:
        progress(100, "Done")
    return PurgeReport(tuple(purged), records, children, skipped, compacted, policy)
