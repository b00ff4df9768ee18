# Helpers shared by all .smk files: the plan of this config (every job's inputs, outputs and
# settings) and the names the wildcards take; no rules here.
import re
import sys
from functools import lru_cache
from pathlib import Path

import yaml
from snakemake.settings.types import DeploymentMethod

SCRIPTS = Path(workflow.basedir) / "workflow_scripts"
sys.path.insert(0, str(SCRIPTS))

from parametric_rag.plan import Plan, record_path  # noqa: E402
from parametric_rag.registry import METHODS, PATHS, PROMPT_VARIANTS, SPLITS, TAG_PATTERN  # noqa: E402
from parametric_rag.run_guard import clear_stale_locks  # noqa: E402

# A run killed with SIGKILL leaves Snakemake's lock files behind; this process removes them only
# when no other run of this workflow is alive (parametric_rag/run_guard.py), so the same command
# resumes. Jobs started by a cluster executor are not the main process and skip this.
if workflow.is_main_process:
    _stale = clear_stale_locks()
    if _stale:
        print(f"Removed {len(_stale)} stale lock file(s) in .snakemake/locks: the run that wrote them is no "
              "longer alive (no process holds .snakemake/run.guard).", file=sys.stderr)

PLAN = Plan(config)
THREADS = config["compute"]["threads"]
# what the fictional_world package writes: its layout data file (read, not imported)
WORLD_LAYOUT = yaml.safe_load((Path(workflow.basedir) / "fictional_world/fictional_world/data/layout.yaml").read_text())

# Each job runs the package CLI, `python -m parametric_rag.cli` (or `python -m fictional_world`);
# PYTHONPATH makes both importable in any environment, and unless a conda env is used, `python` is the interpreter
# that runs Snakemake (a virtualenv need not be activated).
_path = "" if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method else f"export PATH={Path(sys.executable).parent}:$PATH; "
_pythonpath = f"{SCRIPTS}:{Path(workflow.basedir) / 'fictional_world'}"
shell.prefix(f"set -euo pipefail; {_path}export PYTHONPATH={_pythonpath}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; ")


def alternatives(names):
    """A wildcard regex matching exactly these names."""
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) or "(?!)"


@lru_cache(maxsize=None)
def _job(step, items):
    return PLAN.job(step, dict(items))


def job_of(wc, step, **extra):
    """The plan's job of ``step`` for a rule's wildcards (and ``extra`` ones)."""
    return _job(step, tuple(sorted({**dict(wc.items()), **extra}.items())))


def job_inputs(step):
    """Input function: the files the job reads."""
    return lambda wc: job_of(wc, step).inputs


def job_json(step):
    """Params function: the job, as the JSON the CLI takes (quote it with `:q`)."""
    return lambda wc: job_of(wc, step).to_json()


def job_setting(step, key):
    """Params function: one setting of the job."""
    return lambda wc: job_of(wc, step).settings[key]


def translator_chain_first(wc):
    """Priority function: 1 for every step of a translator-training split (questions, retrieval,
    augmentation, encoding), whose adapters gate the translator and every DyPRAG job after it, so
    that this chain starts first when jobs wait for cores (Snakemake does not pass a job's priority
    on to the jobs it needs); 0 for the rest. Only the order of jobs changes, never what they compute."""
    return 1 if wc.split == "translator" else 0


def uses_gpu(step):
    """Resources function: 1 when the job loads a model onto the compute device."""
    return lambda wc: int("compute" in job_of(wc, step).settings)
