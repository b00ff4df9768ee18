"""The per-rule time table of a finished run, from the ``benchmarks/`` files Snakemake writes for
every job (one TSV per job: wall seconds, peak memory, CPU time).

Prints, per rule: jobs, the sum and the largest of their wall seconds, the share of the sum over
all rules, CPU seconds and the largest peak memory; then the run's wall time when ``--log`` names
the Snakemake log of the run (first and last timestamp). Jobs run side by side with ``--cores N``,
so the sum of the jobs' seconds can exceed the wall time.

    python bench/per_rule.py /path/to/workflow [--log run.log] [--since FILE]
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime
from pathlib import Path

import pandas as pd


def per_rule(root: Path, since: float | None = None) -> pd.DataFrame:
    """One row per rule: jobs, sum/max wall seconds, share, CPU seconds, peak memory (MB)."""
    rows = []
    for path in sorted((root / "benchmarks").rglob("*.tsv")):
        if since is not None and path.stat().st_mtime < since:
            continue
        record = pd.read_csv(path, sep="\t").iloc[-1]
        rows.append({"rule": path.relative_to(root / "benchmarks").parts[0], "s": float(record["s"]),
                     "cpu_s": float(record["cpu_time"]), "max_rss": float(record["max_rss"])})
    if not rows:
        raise SystemExit(f"{root / 'benchmarks'}: no benchmark files (run the workflow first)")
    jobs = pd.DataFrame(rows)
    table = jobs.groupby("rule").agg(jobs=("s", "size"), seconds=("s", "sum"), longest_job=("s", "max"),
                                     cpu_seconds=("cpu_s", "sum"), peak_rss_mb=("max_rss", "max"))
    table["share"] = (table.seconds / table.seconds.sum()).map("{:.0%}".format)
    table = table.sort_values("seconds", ascending=False)
    total = pd.DataFrame([{"jobs": len(jobs), "seconds": jobs.s.sum(), "longest_job": jobs.s.max(),
                           "cpu_seconds": jobs.cpu_s.sum(), "peak_rss_mb": jobs.max_rss.max(), "share": "100%"}],
                         index=["all"])
    return pd.concat([table, total]).rename_axis("rule").round(1)


def wall_seconds(log: Path) -> float:
    """Seconds between the first and the last ``[Mon Dec  1 06:43:55 2026]`` stamp of a Snakemake log."""
    stamps = re.findall(r"^\[(\w{3} \w{3} +\d+ [\d:]{8} \d{4})\]$", log.read_text(errors="replace"), re.M)
    if len(stamps) < 2:
        raise SystemExit(f"{log}: fewer than two Snakemake time stamps")
    first, last = (datetime.strptime(" ".join(s.split()), "%a %b %d %H:%M:%S %Y") for s in (stamps[0], stamps[-1]))
    return (last - first).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, help="the workflow folder of a finished run")
    parser.add_argument("--log", type=Path, help="the run's Snakemake log, for its wall time")
    parser.add_argument("--since", type=Path, help="only jobs whose benchmark file is newer than this file")
    args = parser.parse_args()
    print(per_rule(args.root, args.since.stat().st_mtime if args.since else None).to_markdown())
    if args.log:
        print(f"\nwall time (first to last Snakemake time stamp): {wall_seconds(args.log):.0f} s")


if __name__ == "__main__":
    main()
