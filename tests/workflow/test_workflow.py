"""Snakemake-level checks: dry-runs of every shipped config and profile, lint, config errors,
a tiny end-to-end run, a partial re-run by file target, and kill-and-resume."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import build_tiny_model
from workflow_helpers import SNAKEMAKE, copy_workflow, job_counts, snakemake, tiny_config, write_config

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory) -> Path:
    return copy_workflow(tmp_path_factory.mktemp("wf"))


def test_dry_run_default_config(workflow_copy):
    counts = job_counts(snakemake(workflow_copy, "-n", "--cores", "2").stdout)
    assert counts["infer"] == 2 * 6 and counts["train_translator"] == 1 and counts["benchmark"] == 1


def test_dry_run_reference_experiment(workflow_copy):
    counts = job_counts(snakemake(workflow_copy, "-n", "--cores", "2", "--configfile", "experiments/reference.yaml").stdout)
    assert counts["download"] == 3 and counts["index_elasticsearch"] == 1
    assert counts["infer"] == 2 * 2 * 3  # models x datasets x methods


@pytest.mark.parametrize("profile", ["profiles/local", "profiles/slurm"])
def test_dry_run_profiles(workflow_copy, profile):
    out = snakemake(workflow_copy, "-n", "--profile", profile).stdout
    assert job_counts(out)["infer"] == 12


def test_lint_is_clean(workflow_copy):
    proc = snakemake(workflow_copy, "--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr


def test_config_errors_name_key_value_and_allowed(workflow_copy):
    proc = snakemake(workflow_copy, "-n", "--config", "retrieval={'backend': 'lucene'}", check=False)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "retrieval.backend" in text and "'lucene'" in text and "tantivy" in text
    proc = snakemake(workflow_copy, "-n", "--config", "lora={'rank': 'two'}", check=False)
    assert "lora.rank" in proc.stdout + proc.stderr and "integer" in proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def tiny_workflow(tmp_path_factory, smol_tokenizer_dir) -> Path:
    root = copy_workflow(tmp_path_factory.mktemp("tiny-workflow"))
    tiny_config(root, build_tiny_model("llama", smol_tokenizer_dir, root / "tiny-llama"))
    return root


@pytest.fixture(scope="module")
def tiny_run(tiny_workflow):
    proc = snakemake(tiny_workflow, "--cores", "2", "--configfile", "tiny.yaml")
    return tiny_workflow, proc


def test_tiny_end_to_end(tiny_run):
    root, _ = tiny_run
    table = pd.read_csv(root / "results/tables/metrics.csv")
    assert list(table.columns) == ["model", "dataset", "subset", "method", "n", "em", "f1", "precision", "recall"]
    assert set(table["method"]) == {"vanilla", "icl", "prag", "prag_combine", "dyprag", "dyprag_combine"}
    assert set(table[table.dataset == "fictional-2wiki"]["subset"]) == {"comparison", "bridge_comparison", "inference",
                                                                        "compositional", "all"}
    md = (root / "results/tables/f1.md").read_text()
    for label in ("Standard RAG (ICL)", "PRAG", "PRAG-combine", "DyPRAG", "DyPRAG-combine", "Vanilla"):
        assert f"| {label} |" in md
    assert (root / "results/tables/f1.png").stat().st_size > 1000
    metrics = json.loads((root / "results/predictions/tiny/fictional-popqa/prag/metrics.json").read_text())
    assert metrics["n"] == 3 and metrics["provenance"]["settings"]["method"] == "prag"
    assert all(log.stat().st_size > 0 for log in (root / "logs/encode").rglob("*.log"))


def test_rerun_of_a_finished_target_does_nothing(tiny_run):
    root, _ = tiny_run
    out = snakemake(root, "-n", "--configfile", "tiny.yaml", "results/tables/f1.md").stdout
    assert "Nothing to be done" in out


def test_partial_rerun_by_file_target(tiny_run):
    root, _ = tiny_run
    pred = root / "results/predictions/tiny/fictional-popqa/icl"
    for f in pred.iterdir():
        f.unlink()
    counts = job_counts(snakemake(root, "-n", "--configfile", "tiny.yaml", "results/tables/f1.md").stdout)
    assert counts == {"infer": 1, "report": 1, "total": 2}
    snakemake(root, "--cores", "2", "--configfile", "tiny.yaml", str(pred.relative_to(root) / "metrics.json"))
    assert (pred / "metrics.json").exists()
    # a shard's manifest by path: up to date, nothing to do
    manifest = next((root / "results/lora/tiny/fictional-popqa/eval").rglob("shard-001/manifest.json"))
    assert "Nothing to be done" in snakemake(root, "-n", "--configfile", "tiny.yaml", str(manifest.relative_to(root))).stdout


def test_changed_lora_setting_reruns_encode_into_a_new_directory(tiny_run):
    root, _ = tiny_run
    out = snakemake(root, "-n", "--configfile", "tiny.yaml", "--config", "lora={'lr': 0.001}").stdout
    counts = job_counts(out)
    assert counts["encode"] == 2 + 1 + 1  # popqa eval (2 shards), 2wiki eval, popqa translator split
    assert "lr0.001" in out and "results/questions" not in out.split("Job stats")[0].split("rule encode")[0]


def test_kill_and_resume(tiny_workflow, tmp_path):
    """SIGINT during encoding, then a plain re-run finishes and redoes only unfinished jobs."""
    root = tiny_workflow
    write_config(root / "tiny2.yaml", root / "tiny.yaml", lora={"lr": 0.0002})
    proc = subprocess.Popen([*SNAKEMAKE, "--cores", "1", "--configfile", "tiny2.yaml"], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 600
    logs = root / "logs/encode/tiny"
    while time.time() < deadline and not any("lr0.0002" in str(p) for p in logs.rglob("*.log")):
        time.sleep(0.5)
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=300)
    manifests = list((root / "results/lora/tiny").rglob("*lr0.0002*/shard-*/manifest.json"))
    assert len(manifests) < 4, "the run was interrupted before finishing its encode jobs"
    rerun = snakemake(root, "--cores", "2", "--configfile", "tiny2.yaml")
    assert "encode" in job_counts(rerun.stdout)
    assert len(list((root / "results/lora/tiny").rglob("*lr0.0002*/shard-*/manifest.json"))) == 4
    assert "Nothing to be done" in snakemake(root, "-n", "--configfile", "tiny2.yaml").stdout
