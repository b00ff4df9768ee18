# Helpers shared by all .smk files (config validation, paths, inputs, params); no rules here.
import json
import posixpath
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

from snakemake.settings.types import DeploymentMethod

SCRIPTS = Path(workflow.basedir) / "workflow_scripts"
sys.path.insert(0, str(SCRIPTS))

from parametric_rag.benchmark import FILES as BENCHMARK_LAYOUT  # noqa: E402
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

# Each job runs the package CLI, `python -m parametric_rag.cli`; PYTHONPATH makes it
# importable in any environment, and unless a conda env is used, `python` is the interpreter
# that runs Snakemake (a virtualenv need not be activated).
_path = "" if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method else f"export PATH={Path(sys.executable).parent}:$PATH; "
shell.prefix(f"set -euo pipefail; {_path}export PYTHONPATH={SCRIPTS}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; ")

RUN = config["run"]
COMPUTE = config["compute"]
AUG = config["augment"]
LORA = config["lora"]
TRANS = config["translator"]
INFER = config["inference"]
TOPK = config["retrieval"]["topk"]
BACKEND = config["retrieval"]["backend"]
RETRIEVER = f"{config['corpus']['name']}-{BACKEND}"
INDEX = {
    "tantivy": f"results/index/{config['corpus']['name']}/tantivy",
    "elasticsearch": f"results/index/{config['corpus']['name']}/elasticsearch.json",
}[BACKEND]
QUERY_TOKENIZER = config["retrieval"]["query_tokenizer"] or RUN["models"][0]
DOWNLOADS = config["downloads"]
LORA_METHODS = {"prag", "prag_combine"}
TRANSLATOR_METHODS = {"dyprag", "dyprag_combine"}
# what the benchmark generator writes (its manifest last, written after the rest)
BENCHMARK_FILES = [*(f"results/benchmark/{name}" for name in BENCHMARK_LAYOUT.values()), "results/benchmark/manifest.json"]
REPORT_FILES = ["results/tables/metrics.csv", "results/tables/f1.md", "results/tables/f1.png"]


def alternatives(names):
    """A wildcard regex matching exactly these names."""
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) or "(?!)"


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


# -- data --------------------------------------------------------------------------------------
def download_file(name):
    """Where a download lands: its configured file name or the URL's last path part."""
    entry = DOWNLOADS[name]
    return posixpath.join("results", "downloads", name, entry.get("filename") or posixpath.basename(urlparse(entry["url"]).path))


def dataset_files(wc):
    return list(config["datasets"][wc.dataset]["files"].values())


def questions_args(wc):
    ds = config["datasets"][wc.dataset]
    files = " ".join(f"--file {role}={path}" for role, path in ds["files"].items())
    start, end = ds["translator_range"]
    return f"--format {ds['format']} {files} --sample {ds['sample']} --translator-range {start} {end}"


# -- datasets and shards -----------------------------------------------------------------------
def shards(dataset, split):
    return [f"{i:03d}" for i in range(n_shards(config, dataset, split))]


def settings(wc):
    """cot, fewshot, max_new_tokens, epochs for the job's dataset (and model)."""
    return dataset_settings(config, wc.dataset, getattr(wc, "model", None))


def cot_args(wc):
    s = settings(wc)
    return ("--cot " + (f"--fewshot {s['fewshot']}" if s["fewshot"] else "")) if s["cot"] else ""


def augmented_shards(model, dataset, split):
    return [f"results/augmented/{model}/{dataset}/{split}/shard-{s}.jsonl" for s in shards(dataset, split)]


def lora_manifests(model, dataset, split):
    tag = lora_tag(config, dataset, model)
    return [f"results/lora/{model}/{dataset}/{split}/{tag}/shard-{s}/manifest.json" for s in shards(dataset, split)]


# -- augmentation ------------------------------------------------------------------------------
def augment_inputs(wc):
    inputs = {"questions": f"results/questions/{wc.dataset}/{wc.split}.jsonl"}
    if AUG["source"] == "import":
        inputs["imported"] = f"results/augmented/{wc.model}/{wc.dataset}/{wc.split}/imported.jsonl"
    else:
        inputs["retrieval"] = f"results/retrieval/{RETRIEVER}/{wc.dataset}/{wc.split}.jsonl"
    if AUG["source"] == "table":
        inputs["table"] = AUG["table"]
    if AUG["source"] == "generate":
        inputs["model"] = model_input(AUG["model"] or wc.model)
    return inputs


def augment_args(wc, input):
    common = f"--shard {int(wc.shard)} --shard-size {config['datasets'][wc.dataset]['questions_per_shard']} --topk {TOPK}"
    if AUG["source"] == "import":
        return f"{common} --source imported --imported {input.imported}"
    if AUG["source"] == "table":
        return f"{common} --retrieval {input.retrieval} --source table --table {input.table}"
    generation = {k: AUG[k] for k in ("max_new_tokens", "do_sample", "temperature", "top_k", "max_attempts", "batch_size")}
    return (
        f"{common} --retrieval {input.retrieval} --source generate --model {model_ref(AUG['model'] or wc.model)}"
        f" --generation '{json.dumps(generation)}' --seed {AUG['seed']} {compute_args()}"
    )


def reference_files(wc):
    """The reference's data_aug files of a dataset split, one per sub-type."""
    imp = AUG["import"]
    root = imp["root"] if wc.split == "eval" else imp["translator_root"]
    if not root:
        raise ValueError(f"augment.import.{'root' if wc.split == 'eval' else 'translator_root'} is not set")
    name = imp["dataset_names"].get(wc.dataset, wc.dataset)
    model = imp["model_names"].get(wc.model, wc.model)
    return {s: posixpath.join(root, name, model, f"{s}.json") for s in settings(wc)["subsets"]}


def import_args(wc):
    files = " ".join(f"--file {s}={p}" for s, p in reference_files(wc).items())
    key = f" --model-key {AUG['import']['model_key']}" if AUG["import"]["model_key"] else ""
    return f"{files} --topk {TOPK}{key}"


# -- encoding ----------------------------------------------------------------------------------
def init_adapter_dir(wc):
    return f"results/lora/{wc.model}/init_{shape_tag(config)}"


def encode_args(wc):
    reuse = "" if LORA["reuse_identical"] else " --no-reuse"
    return (
        f"--model {model_ref(wc.model)} {compute_args()} --rank {LORA['rank']} --alpha {LORA['alpha']}"
        f" --lr {LORA['lr']} --max-length {LORA['max_length']} --epochs {settings(wc)['epochs']} {cot_args(wc)}{reuse}"
    )


# -- translator --------------------------------------------------------------------------------
def translator_checkpoint(model):
    """The checkpoint DyPRAG inference uses (the configured epoch, else the last)."""
    tag = translator_tag(config, model)
    epoch = 0 if model in TRANS["checkpoints"] else (TRANS["inference_epoch"] or TRANS["epochs"]) - 1
    return f"results/translator/{model}/{tag}/epoch_{epoch}.pt"


def translator_training_inputs(wc):
    inputs = {"model": model_input(wc.model), "manifests": [], "augmented": []}
    for d in translator_datasets(config):
        inputs["manifests"] += lora_manifests(wc.model, d, "translator")
        inputs["augmented"] += augmented_shards(wc.model, d, "translator")
    return inputs


def translator_training_args(wc):
    """Model, settings and --shard DATASET MANIFEST AUGMENTED PROMPT for every translator shard."""
    args = [
        f"--model {model_ref(wc.model)} {compute_args()} --epochs {TRANS['epochs']} --lr {TRANS['lr']}"
        f" --width {TRANS['width']} --rank {LORA['rank']} --sample-rate {TRANS['sample_rate']} --seed {TRANS['seed']}"
        f" --kl-weight {TRANS['kl_weight']} --mse-weight {TRANS['mse_weight']} --delta-scaling {TRANS['delta_scaling']}"
    ]
    for d in translator_datasets(config):
        s = dataset_settings(config, d, wc.model)
        prompt = (f"cot:{s['fewshot']}" if s["fewshot"] else "cot") if s["cot"] else "direct"
        for manifest, augmented in zip(lora_manifests(wc.model, d, "translator"), augmented_shards(wc.model, d, "translator")):
            args.append(f"--shard {d} {manifest} {augmented} {prompt}")
    return " ".join(args)


# -- inference and report ----------------------------------------------------------------------
def infer_inputs(wc):
    inputs = {"augmented": augmented_shards(wc.model, wc.dataset, "eval"), "model": model_input(wc.model)}
    if wc.method in LORA_METHODS:
        inputs["manifests"] = lora_manifests(wc.model, wc.dataset, "eval")
    if wc.method in TRANSLATOR_METHODS:
        inputs["translator"] = translator_checkpoint(wc.model)
    return inputs


def infer_args(wc, input):
    """Everything but the method, the inputs and the output directory."""
    args = [
        f"--model {model_ref(wc.model)} {compute_args()} {cot_args(wc)}",
        f"--max-new-tokens {settings(wc)['max_new_tokens']} --batch-size {INFER['batch_size']}",
        f"--prompt-variant {wc.variant}",
    ]
    if wc.method in LORA_METHODS:
        args.append("--manifests " + " ".join(input.manifests))
    if wc.method in TRANSLATOR_METHODS:
        spec = {"checkpoint": input.translator, "rank": LORA["rank"], "alpha": LORA["alpha"], "width": TRANS["width"],
                "merge": TRANS["merge"], "delta_scaling": TRANS["delta_scaling"]}
        args.append(f"--translator '{json.dumps(spec)}'")
    recorded = {
        "model": wc.model, "dataset": wc.dataset, "method": wc.method, **settings(wc),
        "retrieval": {k: config["retrieval"][k] for k in ("backend", "topk", "spare")},
        "augment_source": AUG["source"],
        "lora": LORA if wc.method in LORA_METHODS | TRANSLATOR_METHODS else None,
        "translator": {**TRANS, "tag": translator_tag(config, wc.model)} if wc.method in TRANSLATOR_METHODS else None,
        "inference": {**INFER, "prompt_variant": wc.variant}, "compute": COMPUTE,
    }
    args.append(f"--settings '{json.dumps(recorded, default=list)}'")
    return " ".join(args)


def report_runs():
    """(model, dataset, method, prompt variant, metrics.json) of every run the report covers:
    the headline variant for run.methods, then run.extra_prompt_variants."""
    variants = [(INFER["prompt_variant"], RUN["methods"])] + [
        (v, methods) for v, methods in RUN["extra_prompt_variants"].items() if v != INFER["prompt_variant"]]
    return [(m, d, meth, v, f"results/predictions/{m}/{d}/{v}/{meth}/metrics.json")
            for v, methods in variants for m in RUN["models"] for d in RUN["datasets"] for meth in methods]
