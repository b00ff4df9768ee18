"""The whole inference stage of a finished run, batch 1 without prefix reuse or prompt lookup (the
schema's default, the reference's way) against the run's own ``inference`` settings, side by side
(``--without-lookup``: and against the run's settings with prompt lookup off).

Every round runs each side once, in turn: ``snakemake --forcerun infer --until infer`` on the
run's config with only ``inference`` changed (each side's settings give their own result paths, so
both sides' predictions stay on disk). Prints each side's wall seconds per round, the minimum and
median, the ratio of the medians, and how many generations are identical between the sides (the
last round's files).

    python bench/infer_stage.py /path/to/workflow --rounds 3 --cores 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

BASELINE = {"batch_size": 1, "reuse_prefix": False, "prompt_lookup": 0}


def side_config(root: Path, inference: dict, name: str, folder: Path) -> Path:
    """The run's config.yaml with ``inference`` replaced, written to ``folder`` (with
    ``prompt_lookup`` in ``inference``, the datasets' own ``prompt_lookup`` go)."""
    config = yaml.safe_load((root / "config.yaml").read_text())
    config["inference"] = {**config.get("inference", {}), **inference}
    if "prompt_lookup" in inference:
        for dataset in config.get("datasets", {}).values():
            dataset.pop("prompt_lookup", None)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_side(root: Path, config: Path, cores: int, snakemake: str) -> tuple[float, list[Path]]:
    """Wall seconds of one forced inference stage, and the predictions files it wrote."""
    start = time.time()
    proc = subprocess.run([snakemake, "--cores", str(cores), "--configfile", str(config), "--forcerun", "infer",
                           "--until", "infer", "--quiet", "rules"], cwd=root, capture_output=True, text=True)
    seconds = time.time() - start
    if proc.returncode != 0:
        sys.exit(f"snakemake failed ({config.name}):\n{proc.stderr[-3000:]}")
    written = [p for p in (root / "results" / "predictions").rglob("predictions.jsonl") if p.stat().st_mtime >= start]
    return seconds, written


def generations(files: list[Path], root: Path) -> dict[tuple, str]:
    """``{(model, dataset, variant, method, qid): generation}`` over predictions files."""
    out = {}
    for path in files:
        model, dataset, variant, method = path.relative_to(root / "results" / "predictions").parts[:4]
        for line in path.read_text().splitlines():
            record = json.loads(line)
            out[(model, dataset, variant, method, record["qid"])] = record["generation"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, help="the workflow folder of a finished run (its config.yaml)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--snakemake", default=str(Path(sys.executable).with_name("snakemake")))
    parser.add_argument("--without-lookup", action="store_true", help="add the run's settings without prompt lookup")
    args = parser.parse_args()
    root = args.root.resolve()
    run_config = yaml.safe_load((root / "config.yaml").read_text())
    ours = run_config.get("inference", {})
    folder = Path(tempfile.mkdtemp(prefix="infer-stage-"))
    per_dataset = {name: d["prompt_lookup"] for name, d in
                   run_config.get("datasets", {}).items() if "prompt_lookup" in d}
    lookup = f", prompt_lookup {per_dataset}" if per_dataset else ""
    sides = {"batch 1, no prefix reuse": side_config(root, BASELINE, "baseline", folder),
             f"run's inference {json.dumps(ours, sort_keys=True)}{lookup}": side_config(root, ours, "run", folder)}
    if args.without_lookup:
        sides["run's, no prompt lookup"] = side_config(root, {**ours, "prompt_lookup": 0}, "no-lookup", folder)
    times: dict[str, list[float]] = {name: [] for name in sides}
    files: dict[str, list[Path]] = {}
    for r in range(args.rounds):
        for name, config in sides.items():
            seconds, files[name] = run_side(root, config, args.cores, args.snakemake)
            times[name].append(seconds)
            print(f"round {r + 1} {name}: {seconds:.1f} s ({len(files[name])} infer jobs)", flush=True)
    names = list(sides)
    for name in names:
        print(f"{name:60} min {min(times[name]):7.1f} s  median {statistics.median(times[name]):7.1f} s  "
              f"rounds {' '.join(f'{t:.1f}' for t in times[name])}")
    base = generations(files[names[0]], root)
    for name in names[1:]:
        ratio = statistics.median(times[names[0]]) / statistics.median(times[name])
        ratio_min = min(times[names[0]]) / min(times[name])
        other = generations(files[name], root)
        same = sum(base[k] == other.get(k) for k in base)
        print(f"{name}: ratio of medians {ratio:.2f}x, of minima {ratio_min:.2f}x; "
              f"generations identical to batch 1: {same} of {len(base)}")

if __name__ == "__main__":
    main()
