"""profiles/slurm against a real SLURM: the tiny workflow submitted through the executor plugin,
checked in the accounting (sacct) and against a local run of the same config.

Needs a cluster with accounting, a `gpu` partition with GPUs and the partitions that
profiles/slurm/partitions.yaml names; `bash .ci/slurm-up.sh` sets one up on this machine (CI does).
Without one these tests skip, unless PRAG_REQUIRE_SLURM=1 (set by .ci/run), where they fail.
The account comes from PRAG_SLURM_ACCOUNT or is the user's default account; it is the only thing
the run changes in the profile (`--default-resources slurm_account=...`), besides polling the
accounting every 5 s instead of 40 (`--slurm-init-seconds-before-status-checks`), which changes
no submission.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from parametric_rag.config import load_config
from parametric_rag.io import read_jsonl
from workflow_helpers import ROOT, SNAKEMAKE, copy_workflow, plan_of, rule_texts, snakemake, tiny_config, write_config

pytestmark = pytest.mark.workflow

SITE = ROOT / "profiles/slurm"
WORKFLOW_PROFILE = ROOT / "profiles/default/config.yaml"
RUN_TIMEOUT = 1500  # seconds, for one Snakemake run through SLURM (10 minutes on a busy 2-core machine)
POLL = ["--slurm-init-seconds-before-status-checks", "5"]
SACCT_FIELDS = ["JobID", "JobName", "Partition", "Account", "AllocTRES", "ReqMem", "Timelimit", "AllocCPUS", "Comment",
                "State"]
# the rules that load a model onto the device (`gpu=uses_gpu(...)`) in the tiny config; augment
# only with `augment.source: generate`
GPU_RULES = {"encode", "infer", "train_translator"}
CPU_RULES = {"fictional_world", "questions", "index_tantivy", "retrieve", "init_adapter", "report"}


# --- the cluster ----------------------------------------------------------------------------------

def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def _slurm_missing() -> str | None:
    """Why this machine cannot run the SLURM tests, or None."""
    if shutil.which("sinfo") is None:
        return "no SLURM here (sinfo not found); `bash .ci/slurm-up.sh` sets up a single-node one"
    proc = _run("sinfo", "-h", "-o", "%P")
    if proc.returncode != 0:
        return f"sinfo fails: {proc.stderr.strip()}"
    partitions = {p.rstrip("*") for p in proc.stdout.split()}
    if "gpu" not in partitions:
        return f"this SLURM has no `gpu` partition (partitions: {sorted(partitions)})"
    wanted = set(yaml.safe_load((SITE / "partitions.yaml").read_text())["partitions"])
    if not wanted <= partitions:
        return f"profiles/slurm/partitions.yaml names partitions this SLURM lacks: {sorted(wanted - partitions)}"
    proc = _run("sacct", "-n", "-X", "-o", "JobID", "-S", "now-1minutes")
    if proc.returncode != 0:
        return f"sacct fails (the plugin needs accounting): {proc.stderr.strip()}"
    return None


def _account() -> str:
    if os.environ.get("PRAG_SLURM_ACCOUNT"):
        return os.environ["PRAG_SLURM_ACCOUNT"]
    proc = _run("sacctmgr", "-n", "-P", "show", "user", getpass.getuser(), "format=DefaultAccount")
    account = proc.stdout.strip()
    assert account, f"no default SLURM account for {getpass.getuser()}; set PRAG_SLURM_ACCOUNT ({proc.stderr})"
    return account


@pytest.fixture(scope="module")
def slurm_account() -> str:
    reason = _slurm_missing()
    if reason:
        if os.environ.get("PRAG_REQUIRE_SLURM"):
            pytest.fail(f"PRAG_REQUIRE_SLURM is set, but {reason}")
        pytest.skip(reason)
    return _account()


def sacct(run_id: str) -> list[dict[str, str]]:
    """The SLURM jobs named ``run_id`` (the plugin names every job of a run after its run id)."""
    start = f"{datetime.now() - timedelta(days=1):%Y-%m-%dT%H:%M}"
    proc = _run("sacct", "-X", "--parsable2", "--noheader", "-S", start, "--name", run_id,
                "--format", ",".join(f"{f}%500" for f in SACCT_FIELDS))
    assert proc.returncode == 0, proc.stderr
    return [dict(zip(SACCT_FIELDS, line.split("|"))) for line in proc.stdout.splitlines() if line]


def minutes(limit: str) -> int:
    """sacct's Timelimit ([D-]HH:MM:SS) in minutes."""
    days, _, clock = limit.rpartition("-")
    h, m, s = (int(x) for x in clock.split(":"))
    return int(days or 0) * 1440 + h * 60 + m + (s > 0)


def megabytes(mem: str) -> int:
    """sacct's ReqMem (e.g. 32000M, 4G) in MB."""
    value, unit = float(mem[:-1]), mem[-1].upper()
    return round(value * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[unit])


# --- what Snakemake means to submit ----------------------------------------------------------------

def planned_jobs(output: str) -> dict[str, dict]:
    """Every job of a dry-run, keyed by the comment the plugin gives its SLURM job
    (``rule_<rule>[_wildcards_<values joined by _>]``): rule, resources and threads."""
    jobs, current = {}, None
    for line in output.splitlines() + ["rule end:"]:
        m = re.match(r"^(local)?rule (\w+):$", line)
        if m:
            if current and not current["local"]:
                values = "_".join(current["wildcards"]).replace("/", "_")
                jobs[f"rule_{current['rule']}" + (f"_wildcards_{values}" if values else "")] = current
            current = {"rule": m.group(2), "local": bool(m.group(1)) or m.group(2) == "all", "wildcards": [],
                       "resources": {}, "threads": 1}
            continue
        m = re.match(r"^    (\w+): (.*)$", line)
        if current is None or not m:
            continue
        key, value = m.groups()
        if key == "wildcards":
            current["wildcards"] = [item.split("=", 1)[1] for item in value.split(", ")]
        elif key == "resources":
            current["resources"] = dict(item.split("=", 1) for item in value.split(", "))
        elif key == "threads":
            current["threads"] = int(value)
    return jobs


def run_through_slurm(root: Path, account: str, *args: str) -> tuple[str, dict[str, dict], list[dict[str, str]]]:
    """A Snakemake run with profiles/slurm (account changed only), under `timeout`: its run id,
    the jobs its dry-run planned (same command; --cores only lifts the dry-run's 1-core cap on
    threads, which a cluster run does not have) and the SLURM jobs of the run."""
    common = [*args, "--profile", "profiles/slurm", "--default-resources", f"slurm_account={account}"]
    planned = planned_jobs(snakemake(root, "-n", "--cores", "64", *common).stdout)
    cmd = ["timeout", "-k", "30", str(RUN_TIMEOUT), *SNAKEMAKE, *common, *POLL]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    log = proc.stdout + proc.stderr
    run_id = re.search(r"SLURM run ID: (\S+)", log)
    if proc.returncode != 0:
        if run_id:
            _run("scancel", "--name", run_id.group(1))
        raise AssertionError(f"the SLURM run failed ({proc.returncode}):\n{log[-8000:]}")
    assert run_id, log[-3000:]
    return run_id.group(1), planned, sacct(run_id.group(1))


@pytest.fixture(scope="module")
def tiny_copy(slurm_account, tmp_path_factory, tiny_llama_dir) -> Path:
    """One copy of the workflow with tiny.yaml, which the SLURM and the local run each clone."""
    root = copy_workflow(tmp_path_factory.mktemp("tiny-copy"))
    tiny_config(root, tiny_llama_dir)
    return root


@pytest.fixture(scope="module")
def slurm_run(slurm_account, tiny_copy, tmp_path_factory):
    """The tiny config through SLURM, then one augmentation shard with `augment.source: generate`
    (a model job of the augment rule); the jobs each run planned and what SLURM ran."""
    root = Path(shutil.copytree(tiny_copy, tmp_path_factory.mktemp("slurm") / "workflow"))
    runs = [run_through_slurm(root, slurm_account, "--configfile", "tiny.yaml")]
    write_config(root / "gen.yaml", root / "tiny.yaml",
                 augment={"source": "generate", "max_new_tokens": 12, "max_attempts": 2, "batch_size": 16,
                          "min_passages_per_question": 0})  # the tiny random model writes no usable QA pair
    target = plan_of(root, "tiny.yaml", "gen.yaml").base.augmented_shards("tiny", "fictional-popqa", "eval")[1]
    runs.append(run_through_slurm(root, slurm_account, target, "--configfile", "gen.yaml"))
    return root, runs


@pytest.fixture(scope="module")
def local_run(clean_tiny_run):
    """The same tiny config run locally (what the SLURM run must reproduce byte for byte)."""
    return clean_tiny_run


# --- without a cluster: the profiles' division of labour ---------------------------------------------

def test_site_profile_holds_only_site_facts():
    site = yaml.safe_load((SITE / "config.yaml").read_text())
    workflow = yaml.safe_load(WORKFLOW_PROFILE.read_text())
    # a key in both would be silently replaced by the workflow profile's
    assert not set(site) & set(workflow)
    assert site["default-resources"] == {"slurm_account": "your-account"}  # the command line replaces just it
    assert "set-resources" not in site and "slurm_partition" not in str(site)
    partitions = yaml.safe_load((SITE / site["slurm-partition-config"]).read_text())["partitions"]
    assert any(p.get("max_gpu", 0) == 0 for p in partitions.values())
    assert any(p.get("max_gpu", 0) >= 1 for p in partitions.values())


def test_every_rule_has_runtime_and_memory(tmp_path):
    """Every job of the reference experiment (downloads, Elasticsearch, generated augmentation,
    both models) gets a runtime and a memory from the workflow profile or its rule, never the
    defaults; model jobs ask for a GPU and their threads."""
    root = copy_workflow(tmp_path / "wf")
    out = snakemake(root, "-n", "--cores", "64", "--profile", "profiles/slurm", "--configfile",
                    "experiments/reference.yaml").stdout
    jobs = planned_jobs(out)
    threads = load_config(root / "config.yaml", root / "experiments/reference.yaml")["compute"]["threads"]
    rules = set(rule_texts(root / "rules"))
    set_resources = yaml.safe_load(WORKFLOW_PROFILE.read_text())["set-resources"]
    assert set(set_resources) <= rules and rules - set(set_resources) == {"augment"}  # augment's depend on its source
    assert {"download", "unpack", "index_elasticsearch", "augment", "encode", "train_translator", "infer"} <= {
        j["rule"] for j in jobs.values()}
    for key, job in jobs.items():
        assert "runtime" in job["resources"] and "mem_mb" in job["resources"], key
        if job["rule"] in set_resources:
            assert int(job["resources"]["runtime"]) == set_resources[job["rule"]]["runtime"], key
            assert int(job["resources"]["mem_mb"]) == set_resources[job["rule"]]["mem_mb"], key
        gpu = int(job["resources"].get("gpu", 0))
        assert gpu == (job["rule"] in GPU_RULES | {"augment"}), key  # the reference experiment generates
        if gpu:
            assert job["threads"] == threads, key


# --- through SLURM -----------------------------------------------------------------------------------

def test_every_job_completed_as_planned(slurm_run, slurm_account):
    """One SLURM job per planned job, each COMPLETED on the first try, with the account, runtime,
    memory and CPUs Snakemake planned for it."""
    _, runs = slurm_run
    for run_id, planned, jobs in runs:
        by_comment = {j["Comment"]: j for j in jobs}
        assert len(by_comment) == len(jobs), "a job was submitted twice (a retry?)"
        assert set(by_comment) == set(planned), "every planned job, and only those, ran (the comment names it)"
        for comment, job in by_comment.items():
            plan = planned[comment]
            assert job["State"] == "COMPLETED", job
            assert job["JobName"] == run_id and job["Account"] == slurm_account, job
            assert minutes(job["Timelimit"]) == int(plan["resources"]["runtime"]), job
            assert megabytes(job["ReqMem"]) == int(plan["resources"]["mem_mb"]), job
            assert int(job["AllocCPUS"]) == plan["threads"], job


def test_gpu_jobs_and_only_they_ran_on_the_gpu_partition(slurm_run):
    """Every job that asks for gpu=1 ran on the `gpu` partition with one GPU allocated, every
    other job on `cpu` with none: encode, infer, train_translator and a generating augment on
    the GPU; augment from the table, questions, retrieval, index and report not."""
    _, runs = slurm_run
    on_gpu, on_cpu = set(), set()
    for _, planned, jobs in runs:
        for job in jobs:
            plan = planned[job["Comment"]]
            gpu = int(plan["resources"].get("gpu", 0))
            assert job["Partition"] == ("gpu" if gpu else "cpu"), job
            assert ("gres/gpu=1" in job["AllocTRES"].split(",")) == bool(gpu), job
            source = re.search(r"top\d+-(\w+)-[0-9a-f]{8}", job["Comment"]) if plan["rule"] == "augment" else None
            name = plan["rule"] + (f"[{source.group(1)}]" if source else "")
            (on_gpu if gpu else on_cpu).add(name)
    assert on_gpu == GPU_RULES | {"augment[generate]"}
    assert on_cpu >= CPU_RULES | {"augment[table]"} and not on_cpu & on_gpu


def test_comments_carry_the_rule_names(slurm_run):
    """SLURM job names are the run id (the plugin tracks jobs by it); the rule and wildcards are in
    the comment, which `squeue -o %k` shows and sacct keeps where AccountingStoreFlags=job_comment."""
    _, runs = slurm_run
    (_, planned, jobs), _ = runs
    per_rule: dict[str, int] = {}
    for job in jobs:
        rule = re.match(r"rule_(\w+?)(?:_wildcards_|$)", job["Comment"]).group(1)
        per_rule[rule] = per_rule.get(rule, 0) + 1
    expected = {p["rule"] for p in planned.values()}
    assert set(per_rule) == expected and sum(per_rule.values()) == len(planned)


def test_results_equal_a_local_run(slurm_run, local_run):
    """The SLURM run's predictions, metrics and tables are byte-identical to a local run's."""
    root, _ = slurm_run
    compared = 0
    for local in sorted((local_run / "results").rglob("*")):
        rel = local.relative_to(local_run)
        if not local.is_file() or rel.suffix == ".png":  # plots: same data, PNG metadata may differ
            continue
        if rel.parts[1] not in ("predictions", "tables", "lora", "translator", "augmented"):
            continue
        remote = root / rel
        assert remote.is_file(), rel
        assert remote.read_bytes() == local.read_bytes(), rel
        compared += 1
    predictions = list((root / "results/predictions").rglob("predictions.jsonl"))
    assert len(predictions) == 16 and all(read_jsonl(p) for p in predictions)
    assert compared > 40
