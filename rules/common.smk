# Helpers shared by the rule files: config validation, wildcard constraints, paths and params.
import json
import re
import sys
from pathlib import Path

SCRIPTS = Path(workflow.basedir) / "workflow_scripts"
sys.path.insert(0, str(SCRIPTS))

from parametric_rag.config import (  # noqa: E402
    dataset_settings,
    lora_tag,
    n_shards,
    shape_tag,
    translator_datasets,
    translator_tag,
    validate_config,
)

validate_config(config)

# Every rule runs the package's CLI; PYTHONPATH makes it importable in any environment. The
# interpreter is Snakemake's own (a virtualenv need not be activated) unless a conda env is used.
from snakemake.settings.types import DeploymentMethod  # noqa: E402

PYTHON = "python" if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method else sys.executable
PRAG = f"PYTHONPATH={SCRIPTS}${{PYTHONPATH:+:$PYTHONPATH}} {PYTHON} -m parametric_rag.cli"
RUN = config["run"]
COMPUTE = config["compute"]
RETRIEVER = f"{config['corpus']['name']}-{config['retrieval']['backend']}"
LORA_METHODS = {"prag", "prag_combine"}
TRANSLATOR_METHODS = {"dyprag", "dyprag_combine"}


def _alternatives(names):
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) or "(?!)"


wildcard_constraints:
    model=_alternatives(config["models"]),
    dataset=_alternatives(config["datasets"]),
    split="eval|translator",
    shard=r"\d{3}",
    method="vanilla|icl|prag|prag_combine|dyprag|dyprag_combine",
    retriever=re.escape(RETRIEVER),
    corpus=re.escape(config["corpus"]["name"]),


# -- models ------------------------------------------------------------------------------------
def model_ref(model):
    """What the CLI loads: the prepared checkpoint, a local directory or a hub id."""
    source = config["models"][model]
    if "gguf" in source:
        return f"results/models/{model}"
    return source.get("path") or source["hf"]


def model_input(model):
    """The file a model-using job waits for (nothing for hub ids)."""
    source = config["models"][model]
    if "gguf" in source:
        return [f"results/models/{model}/manifest.json"]
    return [source["path"]] if "path" in source else []


def compute_args():
    return f"--device {COMPUTE['device']} --dtype {COMPUTE['dtype']} --threads {COMPUTE['threads']}"


# -- datasets and shards -----------------------------------------------------------------------
def shards(dataset, split):
    return [f"{i:03d}" for i in range(n_shards(config, dataset, split))]


def settings(wildcards):
    """cot, fewshot, max_new_tokens, epochs for the job's dataset (and model)."""
    return dataset_settings(config, wildcards.dataset, getattr(wildcards, "model", None))


def cot_args(wildcards):
    s = settings(wildcards)
    return ("--cot " + (f"--fewshot {s['fewshot']}" if s["fewshot"] else "")) if s["cot"] else ""


def augmented_shards(model, dataset, split):
    return [f"results/augmented/{model}/{dataset}/{split}/shard-{s}.jsonl" for s in shards(dataset, split)]


def lora_manifests(model, dataset, split):
    tag = lora_tag(config, dataset, model)
    return [f"results/lora/{model}/{dataset}/{split}/{tag}/shard-{s}/manifest.json" for s in shards(dataset, split)]


def metrics_files():
    return [
        f"results/predictions/{m}/{d}/{meth}/metrics.json"
        for m in RUN["models"]
        for d in RUN["datasets"]
        for meth in RUN["methods"]
    ]


REPORT_FILES = ["results/tables/metrics.csv", "results/tables/f1.md", "results/tables/f1.png"]
