"""`make bench`: Haven against its floors on 1k, 10k and 50k-record profiles (issue 11).

Profiles are built once by bench/generator.py and cached under bench/.cache/. Every
measure samples Haven and its floor interleaved in the same run (bench/measures.py);
bench/report.py prints one table and writes JSON to bench/results/. The exit status is
non-zero when any target fails. `--sizes 1000,10000` limits the sizes; `--quick` takes
fewer samples (for development, not for the record).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import generator  # noqa: E402
import measures  # noqa: E402
import report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--only", default="", help="comma-separated: unlock,store,startup,smime,pdf,form"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    only = {s for s in args.only.split(",") if s}
    repeats = 10 if args.quick else 50
    results: list[measures.Result] = []
    for size in sizes:
        profile = generator.ensure(size, log=lambda m: print(m, file=sys.stderr))
        print(f"measuring the {size:,}-record profile…", file=sys.stderr)
        if not only or "unlock" in only:
            results.append(measures.unlock(profile, 3 if args.quick else 7))
        if not only or "store" in only:
            results.extend(measures.store(profile, repeats))
        if not only or "startup" in only:
            # Whole processes on a shared machine: many pairs, so the medians are steady.
            results.extend(measures.startup(profile, 5 if args.quick else 21))
        if not only or "smime" in only:
            results.append(measures.smime(size, repeats))
        if not only or "pdf" in only:
            results.append(measures.signed_pdf(profile, 5 if args.quick else 15))
        if not only or "form" in only:
            results.extend(measures.form_sections(profile, 3 if args.quick else 7))
        if not only or "pdf" in only:
            results.append(measures.first_pdf(profile, 3))
    measures.check_growth(results, "start to painted main window")
    print(report.table(results))
    path = report.write_json(results)
    print(f"\nJSON: {path.relative_to(HERE.parent)}")
    failed = [r for r in results if not r.passed]
    if failed:
        print(f"{len(failed)} target(s) failed.")
        return 1
    print("Every target passed.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
