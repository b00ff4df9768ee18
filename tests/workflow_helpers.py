"""Helpers for the workflow tests: copies of the workflow in temporary directories, Snakemake runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from snakemake.utils import update_config

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ["Snakefile", "config.yaml", "rules", "workflow_scripts", "fictional_world", "report", "profiles", "envs",
                  "experiments"]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def copy_workflow(dest: Path) -> Path:
    """A fresh copy of the workflow (no results) to run in isolation."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy(src, dest / name)
    return dest


def snakemake(workdir: Path, *args: str, timeout: int = 3600, check: bool = True) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir``; on failure show its output."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run([*SNAKEMAKE, *args], cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")
    return proc


def rule_texts(rules_dir: Path) -> dict[str, str]:
    """Each rule of the workflow's ``.smk`` files: its name -> its text (up to the next rule)."""
    texts = {}
    for smk in sorted(rules_dir.glob("*.smk")):
        for block in re.split(r"^(?=rule \w+:)", smk.read_text(), flags=re.M)[1:]:
            texts[re.match(r"rule (\w+):", block).group(1)] = block
    return texts


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a Snakemake run or dry-run."""
    counts: dict[str, int] = {}
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Job stats:"):
            for row in lines[i + 3:]:
                parts = row.split()
                if len(parts) != 2 or not parts[1].isdigit():
                    break
                counts[parts[0]] = int(parts[1])
            break
    return counts


def write_config(path: Path, base: Path, **overrides: dict) -> Path:
    """A config file: ``base`` (YAML) updated by ``overrides`` recursively, as Snakemake merges a
    ``--configfile`` over config.yaml (lists and other values are replaced)."""
    config = yaml.safe_load(base.read_text())
    update_config(config, overrides)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def tiny_config(root: Path, model: Path) -> Path:
    """tiny.yaml: a tiny random model on a few bundled questions (a run takes about a minute)."""
    popqa = {"sample": 3, "translator_range": [3, 5], "questions_per_shard": 2}
    return write_config(root / "tiny.yaml", root / "config.yaml",
                        models={"tiny": {"path": str(model)}}, run={"models": ["tiny"]},
                        datasets={"fictional-popqa": popqa,
                                  "fictional-2wiki": {"sample": 1, "max_new_tokens": 8, "questions_per_shard": 4}},
                        fictional_world={"n_single": 20, "n_multi_per_type": 4})


def plan_of(root: Path, *configs: str):
    """The plan Snakemake makes in ``root`` for config.yaml and ``configs`` merged over it."""
    from parametric_rag.config import load_config
    from parametric_rag.plan import Plan

    return Plan(load_config(root / "config.yaml", *(root / c for c in configs)))
