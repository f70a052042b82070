"""Small-number suppression for published counts: counts from 1 to 4 are hidden, and one
more count is hidden wherever a total would otherwise give a hidden one away."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    pass

# ---- suppression --------------------------------------------------------------------------

_K = TypeVar("_K", bound=Hashable)


def suppress(
    values: Mapping[_K, int],
    sums: Sequence[tuple[_K, Sequence[_K]]],
    below: int,
) -> tuple[set[_K], set[_K]]:
    """The counts to hide: (primary, complementary).

    Primary: every count from 1 to below-1 (0 stays: there is nobody to identify).
    Complementary: each `(total, parts)` in `sums` says total = sum of parts, and all of
    them are shown somewhere in the report. If exactly one of them is hidden, anyone could
    work it out from the others, so one more is hidden: a non-zero part (the total only
    when no part can be), preferring a part whose hiding also pairs up a hidden count in
    another sum it belongs to, and then one that leaves no other sum with a single hidden
    count, and then the smallest, and then the first listed, so the result is the same
    every run. Repeated until no sum has exactly one hidden count, because hiding a count
    can leave another sum it belongs to with exactly one.
    """
    primary = {key for key, value in values.items() if 0 < value < below}
    hidden = set(primary)
    member_of: dict[_K, list[int]] = defaultdict(list)
    for index, (total, parts) in enumerate(sums):
        for key in (total, *parts):
            member_of[key].append(index)

    def hidden_in(index: int) -> int:
        total, parts = sums[index]
        return sum(1 for key in (total, *parts) if key in hidden)

    def effect(key: _K, current: int) -> int:
        """+1 for each other sum this pairs up, -1 for each it leaves with one hidden."""
        score = 0
        for index in member_of[key]:
            if index == current:
                continue
            already = hidden_in(index)
            score += 1 if already == 1 else -1 if already == 0 else 0
        return score

    changed = True
    while changed:
        changed = False
        for index, (total, parts) in enumerate(sums):
            if hidden_in(index) != 1:
                continue
            candidates = [key for key in parts if key not in hidden and values[key] > 0]
            if not candidates and total not in hidden and values[total] > 0:
                candidates = [total]
            if not candidates:
                continue
            order = {key: position for position, key in enumerate(candidates)}
            chosen = min(candidates, key=lambda key: (-effect(key, index), values[key], order[key]))
            hidden.add(chosen)
            changed = True
    return primary, hidden - primary
