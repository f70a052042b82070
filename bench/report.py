"""The bench's one table and its JSON: measure, size, Haven median and p99, floor median,
ratio, target, pass/fail."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from pathlib import Path

from measures import Result

RESULTS = Path(__file__).resolve().parent / "results"


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "–"
    if unit == "ms":
        return f"{value * 1000:.2f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.0f} {unit}"


def table(results: list[Result]) -> str:
    head = ("measure", "size", "Haven median", "Haven p99", "floor median", "ratio", "target", "")
    rows = [head]
    for r in results:
        rows.append(
            (
                r.measure,
                f"{r.size // 1000}k",
                _fmt(r.haven_median, r.unit),
                _fmt(r.haven_p99, r.unit),
                _fmt(r.floor_median, r.unit),
                "–" if math.isnan(r.ratio) else f"{r.ratio:.2f}x",
                r.target,
                "pass" if r.passed else "FAIL",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def write_json(results: list[Result]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = RESULTS / f"bench-{stamp}.json"
    body = {
        "when": stamp,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "results": [
            {
                "measure": r.measure,
                "size": r.size,
                "unit": "s" if r.unit == "ms" else r.unit,
                "haven_median": r.haven_median,
                "haven_p99": r.haven_p99,
                "floor_median": None if math.isnan(r.floor_median) else r.floor_median,
                "ratio": None if math.isnan(r.ratio) else r.ratio,
                "target": r.target,
                "passed": r.passed,
                "samples": len(r.haven),
                "note": r.note,
            }
            for r in results
        ],
    }
    path.write_text(json.dumps(body, indent=2) + "\n", "utf-8")
    return path
