"""Every job's complete settings, built once from the validated config and the job's wildcards.

The Snakefile and ``prag <step> --config FILE`` both call :meth:`Plan.job`, so a rule's job and
the same job run by hand get identical settings, inputs, outputs and provenance.

Every file a setting changes carries that setting in its path: a stage's *tag* is a readable
prefix plus 8 hex digits of the hash of the stage's settings, which include the tags of the stages
it reads (so a changed upstream setting changes every tag downstream). A ``.settings.json``
record beside each tagged output holds the settings its tag hashes.

A config may hold a ``sweep`` (dotted key -> values): the plan then covers the product of the
values, each a full config ("point"); stages that do not depend on a swept key are shared.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import posixpath
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, Iterable, Mapping
from urllib.parse import urlparse

from .config import ConfigError, dataset_settings, validate_config
from .registry import FORMATS, METHODS, PATHS


def digest(settings: Any) -> str:
    """8 hex digits of the sha256 of ``settings`` as canonical JSON."""
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def make_tag(prefix: str, settings: Any) -> str:
    """``<prefix>-<digest>``: readable, and unique to the settings."""
    return f"{prefix}-{digest(settings)}"


def record_path(output: str) -> str:
    """Where the settings record of an output (or output template) goes: beside it."""
    root, _ = posixpath.splitext(output)
    return f"{root}.settings.json"


@dataclass(frozen=True)
class Job:
    """What one step needs: input files (what the job waits for), output files, settings.

    ``record`` is the path of the settings record (``tagged``: the settings the tag hashes),
    written before the outputs; None for untagged steps.
    """

    step: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    settings: dict[str, Any]
    record: str | None = None
    tagged: dict[str, Any] | None = None
    tag: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Job":
        return cls(**json.loads(text))


@dataclass(frozen=True)
class Stage:
    """A tagged stage's settings and tag for one point."""

    settings: dict[str, Any]
    prefix: str

    @property
    def tag(self) -> str:
        return make_tag(self.prefix, self.settings)


# -- sweeps ------------------------------------------------------------------------------------

def set_dotted(config: dict, key: str, value: Any) -> None:
    """``config[a][b][c] = value`` for ``key`` ``a.b.c`` (intermediate mappings are created)."""
    *parents, last = key.split(".")
    node = config
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"config key sweep.{key}: {part!r} is not a mapping")
    node[last] = copy.deepcopy(value)


def get_dotted(config: Mapping, key: str) -> Any:
    node: Any = config
    for part in key.split("."):
        node = node[part]
    return node


#: Keys a sweep cannot vary, and why.
UNSWEEPABLE = {
    "translator.epochs": "the translator rule's outputs (one checkpoint per epoch) are fixed per run; "
                         "sweep translator.inference_epoch instead",
    "compute.threads": "threads schedule jobs and change no result",
}


def sweep_points(config: dict) -> list[tuple[dict[str, Any], dict]]:
    """(swept values, validated config) of every point of the config's sweep (one if none)."""
    sweep = config.get("sweep") or {}
    for key in sorted(UNSWEEPABLE.keys() & set(sweep)):
        raise ConfigError(f"config key sweep.{key}: {UNSWEEPABLE[key]}")
    base = {k: v for k, v in config.items() if k != "sweep"}
    keys = list(sweep)
    points = []
    for values in itertools.product(*(sweep[k] for k in keys)):
        point = copy.deepcopy(base)
        for key, value in zip(keys, values):
            set_dotted(point, key, value)
        try:
            validate_config(point)
        except ConfigError as e:
            raise ConfigError(f"sweep point {dict(zip(keys, values))}: {e}") from None
        points.append((dict(zip(keys, values)), point))
    return points


# -- the plan ----------------------------------------------------------------------------------

class Plan:
    """Jobs and targets of a validated config (with its sweep)."""

    def __init__(self, config: dict) -> None:
        self.config = validate_config(config)
        self.points = [Point(cfg, swept) for swept, cfg in sweep_points(self.config)]
        self.base = self.points[0]

    # the targets of `snakemake` (rule all) ---------------------------------------------------
    def report_runs(self) -> list[dict[str, str]]:
        """One entry per (point, variant, model, dataset, method) the report covers, the headline
        prompt variant first; the same metrics file is listed once."""
        runs: dict[str, dict[str, Any]] = {}
        made_by: dict[str, list[Point]] = {}
        for point in self.points:
            for variant, methods in point.variants():
                for model, dataset, method in itertools.product(point.run["models"], point.run["datasets"], methods):
                    path = point.metrics(model, dataset, variant, method)
                    runs.setdefault(path, {"model": model, "dataset": dataset, "method": method, "variant": variant,
                                           "metrics": path})
                    made_by.setdefault(path, []).append(point)
        for path, run in runs.items():
            # a swept setting a run does not depend on (the same file at several values) is left blank
            run["settings"] = {}
            for key in self.config.get("sweep") or {}:
                values = {json.dumps(p.swept[key]) for p in made_by[path]}
                run["settings"][key] = made_by[path][0].swept[key] if len(values) == 1 else None
        return list(runs.values())

    def targets(self) -> list[str]:
        return [PATHS["table_csv"], PATHS["table_md"], PATHS["table_plot"]]

    # wildcards -> job ------------------------------------------------------------------------
    def point_for(self, stage: str, tag_key: str, wildcards: Mapping[str, str]) -> "Point":
        """The point whose ``stage`` tag is the job's tag; with no tag given, the only point."""
        args = {k: v for k, v in wildcards.items() if k in STAGE_KEYS[stage]}
        tag = wildcards.get(tag_key)
        if tag is None:
            tags = sorted({p.stage(stage, **args).tag for p in self.points})
            if len(tags) > 1:
                raise ConfigError(f"{tag_key} is ambiguous in a sweep: give {tag_key}=one of {tags}")
            return self.points[0]
        for point in self.points:
            if point.stage(stage, **args).tag == tag:
                return point
        raise ConfigError(f"{tag_key} {tag!r} is not made by this config for {args}; it makes "
                          f"{sorted({p.stage(stage, **args).tag for p in self.points})}")

    def job(self, step: str, wildcards: Mapping[str, Any]) -> Job:
        """The job of ``step`` for ``wildcards`` (missing tags filled in when unambiguous)."""
        wc = {k: str(v) for k, v in dict(wildcards).items()}
        if step not in JOB_BUILDERS:
            raise ConfigError(f"unknown step {step!r}; steps: {sorted(JOB_BUILDERS)}")
        stage, tag_key = STEP_STAGES.get(step, (None, None))
        if stage:
            point = self.point_for(stage, tag_key, wc)
        else:
            point = next((p for p in self.points if _matches(p, step, wc)), None)
            if point is None:
                raise ConfigError(f"no point of this config makes the {step} job {wc}")
        return JOB_BUILDERS[step](self, point, wc)


class Point:
    """One full config: its stages' settings and tags, and the paths they give."""

    def __init__(self, config: dict, swept: dict[str, Any] | None = None) -> None:
        self.c = config
        self.swept = swept or {}
        self.run = config["run"]
        self._cache: dict[tuple, Stage] = {}

    # -- helpers -------------------------------------------------------------------------------
    def variants(self) -> list[tuple[str, list[str]]]:
        """(prompt variant, methods): the headline variant with run.methods, then the extras."""
        headline = self.c["inference"]["prompt_variant"]
        return [(headline, self.run["methods"])] + [
            (v, m) for v, m in self.run["extra_prompt_variants"].items() if v != headline]

    def model_ref(self, model: str) -> str:
        """What a step loads: the prepared checkpoint, a local directory or a hub id."""
        source = self.c["models"][model]
        if "gguf" in source:
            return posixpath.dirname(PATHS["model"].format(model=model))
        return source.get("path") or source["hf"]

    def model_files(self, model: str) -> list[str]:
        """The file a model-using job waits for (nothing for hub ids)."""
        source = self.c["models"][model]
        if "gguf" in source:
            return [PATHS["model"].format(model=model)]
        return [source["path"]] if "path" in source else []

    def compute(self) -> dict[str, Any]:
        """Device and dtype; threads are the scheduler's (the rule's ``threads``), not a setting."""
        return {k: self.c["compute"][k] for k in ("device", "dtype")}

    def dataset(self, dataset: str, model: str | None = None) -> dict[str, Any]:
        s = dataset_settings(self.c, dataset, model)
        return {**s, "subsets": list(s["subsets"])}

    def n_shards(self, dataset: str, split: str) -> int:
        ds = self.c["datasets"][dataset]
        per_subset = ds["sample"] if split == "eval" else ds["translator_range"][1] - ds["translator_range"][0]
        size = per_subset * len(FORMATS[ds["format"]].subsets)
        return max(1, math.ceil(size / ds["questions_per_shard"]))

    def shards(self, dataset: str, split: str) -> list[str]:
        return [f"{i:03d}" for i in range(self.n_shards(dataset, split))]

    def translator_datasets(self) -> list[str]:
        return list(self.c["translator"]["datasets"] or self.run["datasets"])

    def query_tokenizer(self) -> str:
        return self.c["retrieval"]["query_tokenizer"] or self.run["models"][0]

    def augmentation_model(self, model: str) -> str:
        return self.c["augment"]["model"] or model

    def shape_tag(self) -> str:
        lora = self.c["lora"]
        return f"r{lora['rank']}_a{lora['alpha']}_seed{lora['seed']}"

    def index_path(self) -> str:
        backend = self.c["retrieval"]["backend"]
        return PATHS[f"index_{backend}"].format(corpus=self.c["corpus"]["name"])

    def translator_epoch(self, model: str) -> int:
        t = self.c["translator"]
        return 0 if model in t["checkpoints"] else (t["inference_epoch"] or t["epochs"]) - 1

    # -- stages --------------------------------------------------------------------------------
    def stage(self, name: str, **args: str) -> Stage:
        key = (name, *sorted(args.items()))
        if key not in self._cache:
            self._cache[key] = getattr(self, f"_{name}")(**args)
        return self._cache[key]

    def _questions(self, dataset: str, split: str) -> Stage:
        ds = self.c["datasets"][dataset]
        s = {"dataset": dataset, "split": split, "format": ds["format"], "files": ds["files"], "sample": ds["sample"]}
        if split == "translator":
            s["translator_range"] = list(ds["translator_range"])
        prefix = f"n{ds['sample']}" if split == "eval" else "t{}-{}".format(*ds["translator_range"])
        return Stage(s, prefix)

    def _retrieval(self, dataset: str, split: str) -> Stage:
        r = self.c["retrieval"]
        backend = r["backend"]
        k = r["topk"] + r["spare"]
        s = {"questions": self.stage("questions", dataset=dataset, split=split).tag,
             "corpus": dict(self.c["corpus"]), "backend": backend, "k": k,
             "query_max_tokens": r["query_max_tokens"], "query_tokenizer": self.query_tokenizer(),
             "query_tokenizer_source": self.c["models"][self.query_tokenizer()]}
        if backend == "elasticsearch":
            s["index"] = {k2: r["elasticsearch"][k2] for k2 in ("url", "index")}
        return Stage(s, f"{self.c['corpus']['name']}-{backend}-k{k}")

    def _augmented(self, model: str, dataset: str, split: str) -> Stage:
        a = self.c["augment"]
        source = a["source"]
        s: dict[str, Any] = {"source": source, "topk": self.c["retrieval"]["topk"],
                             "questions": self.stage("questions", dataset=dataset, split=split).tag,
                             "questions_per_shard": self.c["datasets"][dataset]["questions_per_shard"]}
        if source == "import":
            s["files"] = self.reference_files(model, dataset, split)
            s["model_key"] = a["import"]["model_key"]
        else:
            s["retrieval"] = self.stage("retrieval", dataset=dataset, split=split).tag
        if source == "table":
            s["table"] = a["table"]
        if source == "generate":
            s["generator"] = self.augmentation_model(model)
            s["generator_source"] = self.c["models"][s["generator"]]
            s["generation"] = self.generation()
            s["seed"] = a["seed"]
            s["compute"] = self.compute()
        return Stage(s, f"top{s['topk']}-{source}")

    def _lora(self, model: str, dataset: str, split: str) -> Stage:
        lora = self.c["lora"]
        d = self.dataset(dataset, model)
        s = {"model": model, "model_source": self.c["models"][model],
             "augmented": self.stage("augmented", model=model, dataset=dataset, split=split).tag,
             "rank": lora["rank"], "alpha": lora["alpha"], "lr": lora["lr"], "epochs": d["epochs"],
             "max_length": lora["max_length"], "init": self.shape_tag(), "cot": d["cot"], "fewshot": d["fewshot"],
             "reuse_identical": lora["reuse_identical"], "compute": self.compute()}
        return Stage(s, f"r{lora['rank']}_a{lora['alpha']}_lr{lora['lr']:g}_ep{d['epochs']}")

    def _translator(self, model: str) -> Stage:
        t, lora = self.c["translator"], self.c["lora"]
        if model in t["checkpoints"]:
            s = {"checkpoint": t["checkpoints"][model], "width": t["width"], "rank": lora["rank"],
                 "model_source": self.c["models"][model]}
            return Stage(s, "imported")
        shards = []
        for d in self.translator_datasets():
            ds = self.dataset(d, model)
            shards.append({"dataset": d, "augmented": self.stage("augmented", model=model, dataset=d, split="translator").tag,
                           "lora": self.stage("lora", model=model, dataset=d, split="translator").tag,
                           "cot": ds["cot"], "fewshot": ds["fewshot"]})
        keys = ("width", "lr", "epochs", "sample_rate", "seed", "kl_weight", "mse_weight", "delta_scaling")
        s = {"model": model, "model_source": self.c["models"][model], "datasets": shards,
             **{k: t[k] for k in keys}, "rank": lora["rank"], "max_length": lora["max_length"],
             "compute": self.compute()}
        return Stage(s, f"p{t['width']}_r{lora['rank']}_lr{t['lr']:g}_s{t['sample_rate']:g}_ep{t['epochs']}")

    def _predictions(self, model: str, dataset: str, variant: str, method: str) -> Stage:
        spec = METHODS[method]
        d = self.dataset(dataset, model)
        s: dict[str, Any] = {"model": model, "model_source": self.c["models"][model], "dataset": dataset,
                             "method": method, "prompt_variant": variant, "cot": d["cot"], "fewshot": d["fewshot"],
                             "max_new_tokens": d["max_new_tokens"], "batch_size": self.c["inference"]["batch_size"],
                             "questions": self.stage("questions", dataset=dataset, split="eval").tag,
                             "compute": self.compute()}
        prefix = "base"
        if spec.passages_in_prompt or spec.parameters:
            s["augmented"] = self.stage("augmented", model=model, dataset=dataset, split="eval").tag
            prefix = f"top{self.c['retrieval']['topk']}"
        if spec.parameters == "lora":
            lora = self.stage("lora", model=model, dataset=dataset, split="eval")
            s["lora"] = lora.tag
            prefix += "_" + lora.prefix
        if spec.parameters == "translator":
            t = self.c["translator"]
            translator = self.stage("translator", model=model)
            s["translator"] = {"tag": translator.tag, "epoch": self.translator_epoch(model), "merge": t["merge"],
                               "delta_scaling": t["delta_scaling"], "alpha": self.c["lora"]["alpha"]}
            prefix += "_" + translator.prefix
        return Stage(s, prefix)

    # -- paths ---------------------------------------------------------------------------------
    def questions_file(self, dataset: str, split: str) -> str:
        return PATHS["questions"].format(dataset=dataset, split=split,
                                         qtag=self.stage("questions", dataset=dataset, split=split).tag)

    def retrieval_file(self, dataset: str, split: str) -> str:
        return PATHS["retrieval"].format(dataset=dataset, split=split,
                                         rtag=self.stage("retrieval", dataset=dataset, split=split).tag)

    def augmented_shards(self, model: str, dataset: str, split: str) -> list[str]:
        atag = self.stage("augmented", model=model, dataset=dataset, split=split).tag
        return [PATHS["augmented"].format(model=model, dataset=dataset, split=split, atag=atag, shard=s)
                for s in self.shards(dataset, split)]

    def lora_manifests(self, model: str, dataset: str, split: str) -> list[str]:
        ltag = self.stage("lora", model=model, dataset=dataset, split=split).tag
        return [PATHS["lora"].format(model=model, dataset=dataset, split=split, ltag=ltag, shard=s)
                for s in self.shards(dataset, split)]

    def translator_checkpoint(self, model: str) -> str:
        return PATHS["translator"].format(model=model, ttag=self.stage("translator", model=model).tag,
                                          epoch=self.translator_epoch(model))

    def metrics(self, model: str, dataset: str, variant: str, method: str) -> str:
        ptag = self.stage("predictions", model=model, dataset=dataset, variant=variant, method=method).tag
        return PATHS["metrics"].format(model=model, dataset=dataset, variant=variant, method=method, ptag=ptag)

    def reference_files(self, model: str, dataset: str, split: str) -> dict[str, str]:
        """The reference's data_aug files of a dataset split, one per sub-type."""
        imp = self.c["augment"]["import"]
        key = "root" if split == "eval" else "translator_root"
        if not imp[key]:
            raise ConfigError(f"config key augment.import.{key} = None: the {split} split of {dataset} is imported")
        name = imp["dataset_names"].get(dataset, dataset)
        ref_model = imp["model_names"].get(model, model)
        return {s: posixpath.join(imp[key], name, ref_model, f"{s}.json") for s in FORMATS[self.c["datasets"][dataset]["format"]].subsets}

    def generation(self) -> dict[str, Any]:
        a = self.c["augment"]
        return {k: a[k] for k in ("max_new_tokens", "do_sample", "temperature", "top_k", "max_attempts", "batch_size")}

    def download_file(self, name: str) -> str:
        entry = self.c["downloads"][name]
        filename = entry.get("filename") or posixpath.basename(urlparse(entry["url"]).path)
        return PATHS["download"].format(name=name, filename=filename)


def _matches(point: Point, step: str, wc: Mapping[str, str]) -> bool:
    """Whether an untagged job's wildcards name this point's version of it."""
    if step == "init_adapter" and "shape" in wc:
        return point.shape_tag() == wc["shape"]
    if step == "index":
        return (wc.get("corpus", point.c["corpus"]["name"]) == point.c["corpus"]["name"]
                and wc.get("backend", point.c["retrieval"]["backend"]) == point.c["retrieval"]["backend"])
    return True


#: The wildcards each stage's settings depend on, and the stage (and tag wildcard) of each step.
STAGE_KEYS = {
    "questions": ("dataset", "split"),
    "retrieval": ("dataset", "split"),
    "augmented": ("model", "dataset", "split"),
    "lora": ("model", "dataset", "split"),
    "translator": ("model",),
    "predictions": ("model", "dataset", "variant", "method"),
}
STEP_STAGES = {
    "questions": ("questions", "qtag"),
    "retrieve": ("retrieval", "rtag"),
    "augment": ("augmented", "atag"),
    "import_augmented": ("augmented", "atag"),
    "encode": ("lora", "ltag"),
    "train_translator": ("translator", "ttag"),
    "import_translator": ("translator", "ttag"),
    "infer": ("predictions", "ptag"),
}


def _tagged(step: str, point: Point, wc: dict, stage: str, inputs: dict, outputs: dict, settings: dict,
            first_output: str) -> Job:
    st = point.stage(stage, **{k: wc[k] for k in STAGE_KEYS[stage]})
    return Job(step, inputs, outputs, {**settings, "tag": st.tag}, record=record_path(first_output),
               tagged=st.settings, tag=st.tag)


# -- one builder per step ------------------------------------------------------------------------

def _prepare_model(plan: Plan, p: Point, wc: dict) -> Job:
    gguf = p.c["models"][wc["model"]]["gguf"]
    out = PATHS["model"].format(**wc)
    return Job("prepare_model", {}, {"manifest": out}, {"package": gguf["package"], "file": gguf["file"]})


def _fictional_world(plan: Plan, p: Point, wc: dict) -> Job:
    return Job("fictional_world", {}, {}, dict(p.c["fictional_world"]))


def _download(plan: Plan, p: Point, wc: dict) -> Job:
    entry = p.c["downloads"][wc["name"]]
    return Job("download", {}, {"file": PATHS["download"].format(**wc)},
               {"url": entry["url"], "sha256": entry["sha256"], "record": PATHS["download_record"].format(**wc)})


def _unpack(plan: Plan, p: Point, wc: dict) -> Job:
    return Job("unpack", {"archive": p.download_file(wc["name"])}, {"file": PATHS["raw"].format(**wc)},
               {"member": p.c["downloads"][wc["name"]]["files"].get(wc["file"])})


def _questions(plan: Plan, p: Point, wc: dict) -> Job:
    ds = p.c["datasets"][wc["dataset"]]
    out = p.questions_file(wc["dataset"], wc["split"])
    settings = {"format": ds["format"], "split": wc["split"], "sample": ds["sample"],
                "translator_range": list(ds["translator_range"]), "roles": list(ds["files"])}
    return _tagged("questions", p, wc, "questions", {"files": list(ds["files"].values())}, {"questions": out},
                   settings, out)


def _index(plan: Plan, p: Point, wc: dict) -> Job:
    backend = p.c["retrieval"]["backend"]
    return Job("index", {"corpus": p.c["corpus"]["path"]}, {"index": p.index_path()},
               {"backend": backend, "backend_settings": p.c["retrieval"][backend]})


def _retrieve(plan: Plan, p: Point, wc: dict) -> Job:
    r = p.c["retrieval"]
    out = p.retrieval_file(wc["dataset"], wc["split"])
    inputs = {"questions": p.questions_file(wc["dataset"], wc["split"]), "index": p.index_path(),
              "tokenizer": p.model_files(p.query_tokenizer())}
    settings = {"backend": r["backend"], "backend_settings": r[r["backend"]], "k": r["topk"] + r["spare"],
                "query_tokenizer": p.model_ref(p.query_tokenizer()), "query_max_tokens": r["query_max_tokens"]}
    return _tagged("retrieve", p, wc, "retrieval", inputs, {"retrieval": out}, settings, out)


def _augment(plan: Plan, p: Point, wc: dict) -> Job:
    model, dataset, split = wc["model"], wc["dataset"], wc["split"]
    a = p.c["augment"]
    out = PATHS["augmented"].format(**wc)
    inputs: dict[str, Any] = {"questions": p.questions_file(dataset, split)}
    settings: dict[str, Any] = {"source": a["source"], "shard": int(wc["shard"]), "topk": p.c["retrieval"]["topk"],
                                "shard_size": p.c["datasets"][dataset]["questions_per_shard"]}
    if a["source"] == "import":
        inputs["imported"] = PATHS["imported"].format(model=model, dataset=dataset, split=split, atag=wc["atag"])
    else:
        inputs["retrieval"] = p.retrieval_file(dataset, split)
    if a["source"] == "table":
        inputs["table"] = a["table"]
    if a["source"] == "generate":
        generator = p.augmentation_model(model)
        inputs["model"] = p.model_files(generator)
        settings.update(model_ref=p.model_ref(generator), generation=p.generation(), seed=a["seed"], compute=p.compute())
    return _tagged("augment", p, wc, "augmented", inputs, {"augmented": out}, settings, out)


def _import_augmented(plan: Plan, p: Point, wc: dict) -> Job:
    files = p.reference_files(wc["model"], wc["dataset"], wc["split"])
    out = PATHS["imported"].format(**wc)
    inputs = {"questions": p.questions_file(wc["dataset"], wc["split"]), "files": list(files.values())}
    settings = {"subsets": list(files), "topk": p.c["retrieval"]["topk"],
                "model_key": p.c["augment"]["import"]["model_key"]}
    return _tagged("import_augmented", p, wc, "augmented", inputs, {"imported": out}, settings, out)


def _init_adapter(plan: Plan, p: Point, wc: dict) -> Job:
    lora = p.c["lora"]
    return Job("init_adapter", {"model": p.model_files(wc["model"])},
               {"adapter": PATHS["init_adapter"].format(model=wc["model"], shape=p.shape_tag())},
               {"model_ref": p.model_ref(wc["model"]), "rank": lora["rank"], "alpha": lora["alpha"], "seed": lora["seed"]})


def _encode(plan: Plan, p: Point, wc: dict) -> Job:
    model, dataset, split = wc["model"], wc["dataset"], wc["split"]
    lora = p.c["lora"]
    d = p.dataset(dataset, model)
    atag = p.stage("augmented", model=model, dataset=dataset, split=split).tag
    inputs = {"augmented": PATHS["augmented"].format(model=model, dataset=dataset, split=split, atag=atag, shard=wc["shard"]),
              "init": PATHS["init_adapter"].format(model=model, shape=p.shape_tag()), "model": p.model_files(model)}
    out = PATHS["lora"].format(**wc)
    settings = {"model_ref": p.model_ref(model), "compute": p.compute(), "rank": lora["rank"], "alpha": lora["alpha"],
                "lr": lora["lr"], "epochs": d["epochs"], "max_length": lora["max_length"], "cot": d["cot"],
                "fewshot": d["fewshot"], "reuse_identical": lora["reuse_identical"]}
    return _tagged("encode", p, wc, "lora", inputs, {"manifest": out}, settings, out)


def _train_translator(plan: Plan, p: Point, wc: dict) -> Job:
    model = wc["model"]
    t, lora = p.c["translator"], p.c["lora"]
    shards, manifests, augmented = [], [], []
    for d in p.translator_datasets():
        ds = p.dataset(d, model)
        for manifest, aug in zip(p.lora_manifests(model, d, "translator"), p.augmented_shards(model, d, "translator")):
            shards.append({"dataset": d, "manifest": manifest, "augmented": aug, "cot": ds["cot"], "fewshot": ds["fewshot"]})
            manifests.append(manifest)
            augmented.append(aug)
    fmt = dict(model=model, ttag=wc["ttag"])
    outputs = {"checkpoints": [PATHS["translator"].format(**fmt, epoch=e) for e in range(t["epochs"])],
               "losses": PATHS["translator_losses"].format(**fmt), "plot": PATHS["translator_plot"].format(**fmt)}
    keys = ("epochs", "lr", "width", "sample_rate", "seed", "kl_weight", "mse_weight", "delta_scaling")
    settings = {"model_ref": p.model_ref(model), "compute": p.compute(), **{k: t[k] for k in keys}, "rank": lora["rank"],
                "max_length": lora["max_length"], "shards": shards}
    inputs = {"model": p.model_files(model), "manifests": manifests, "augmented": augmented}
    return _tagged("train_translator", p, wc, "translator", inputs, outputs, settings, outputs["losses"])


def _import_translator(plan: Plan, p: Point, wc: dict) -> Job:
    model = wc["model"]
    out = PATHS["translator"].format(model=model, ttag=wc["ttag"], epoch=0)
    inputs = {"checkpoint": p.c["translator"]["checkpoints"][model], "model": p.model_files(model)}
    settings = {"model_ref": p.model_ref(model), "width": p.c["translator"]["width"], "rank": p.c["lora"]["rank"]}
    return _tagged("import_translator", p, wc, "translator", inputs, {"checkpoint": out}, settings, out)


def _infer(plan: Plan, p: Point, wc: dict) -> Job:
    model, dataset, method = wc["model"], wc["dataset"], wc["method"]
    spec = METHODS[method]
    stage = p.stage("predictions", model=model, dataset=dataset, variant=wc["variant"], method=method)
    wc = {**wc, "ptag": stage.tag}
    inputs: dict[str, Any] = {"model": p.model_files(model)}
    if spec.passages_in_prompt or spec.parameters:
        inputs["augmented"] = p.augmented_shards(model, dataset, "eval")
    else:  # the closed book needs only the questions
        inputs["augmented"] = [p.questions_file(dataset, "eval")]
    settings = {"model_ref": p.model_ref(model), "compute": p.compute(), **stage.settings}
    if spec.parameters == "lora":
        inputs["manifests"] = p.lora_manifests(model, dataset, "eval")
    if spec.parameters == "translator":
        inputs["translator"] = p.translator_checkpoint(model)
        t = p.c["translator"]
        settings["translator_options"] = {"rank": p.c["lora"]["rank"], "alpha": p.c["lora"]["alpha"],
                                          "width": t["width"], "merge": t["merge"], "delta_scaling": t["delta_scaling"],
                                          "max_length": p.c["lora"]["max_length"]}
    outputs = {"predictions": PATHS["predictions"].format(**wc), "metrics": PATHS["metrics"].format(**wc)}
    return _tagged("infer", p, wc, "predictions", inputs, outputs, settings, outputs["metrics"])


def _report(plan: Plan, p: Point, wc: dict) -> Job:
    runs = plan.report_runs()
    return Job("report", {"metrics": [r["metrics"] for r in runs]},
               {"csv": PATHS["table_csv"], "markdown": PATHS["table_md"], "plot": PATHS["table_plot"]},
               {"runs": runs})


JOB_BUILDERS = {
    "prepare_model": _prepare_model,
    "fictional_world": _fictional_world,
    "download": _download,
    "unpack": _unpack,
    "questions": _questions,
    "index": _index,
    "retrieve": _retrieve,
    "augment": _augment,
    "import_augmented": _import_augmented,
    "init_adapter": _init_adapter,
    "encode": _encode,
    "train_translator": _train_translator,
    "import_translator": _import_translator,
    "infer": _infer,
    "report": _report,
}


def flatten(settings: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (lists stay values)."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def all_jobs(plan: Plan) -> Iterable[Job]:
    """Every job of every point (tests use it to see where each setting goes)."""
    seen: set[str] = set()
    yield plan.job("fictional_world", {})
    for name, entry in plan.config["downloads"].items():
        yield plan.job("download", {"name": name, "filename": posixpath.basename(plan.base.download_file(name))})
        for file in entry["files"]:
            yield plan.job("unpack", {"name": name, "file": file})
    for p in plan.points:
        for model, source in p.c["models"].items():
            if "gguf" in source:
                yield plan.job("prepare_model", {"model": model})
        yield plan.job("index", {"corpus": p.c["corpus"]["name"], "backend": p.c["retrieval"]["backend"]})
        dyprag = any(METHODS[m].parameters == "translator" for _, ms in p.variants() for m in ms)
        splits = [(d, "eval") for d in p.run["datasets"]]
        splits += [(d, "translator") for d in p.translator_datasets()] if dyprag else []
        for dataset, split in splits:
            yield plan.job("questions", {"dataset": dataset, "split": split,
                                         "qtag": p.stage("questions", dataset=dataset, split=split).tag})
            if p.c["augment"]["source"] != "import":
                yield plan.job("retrieve", {"dataset": dataset, "split": split,
                                            "rtag": p.stage("retrieval", dataset=dataset, split=split).tag})
        for model in p.run["models"]:
            yield plan.job("init_adapter", {"model": model, "shape": p.shape_tag()})
            for dataset, split in splits:
                atag = p.stage("augmented", model=model, dataset=dataset, split=split).tag
                ltag = p.stage("lora", model=model, dataset=dataset, split=split).tag
                if p.c["augment"]["source"] == "import":
                    yield plan.job("import_augmented", dict(model=model, dataset=dataset, split=split, atag=atag))
                for shard in p.shards(dataset, split):
                    yield plan.job("augment", dict(model=model, dataset=dataset, split=split, atag=atag, shard=shard))
                    yield plan.job("encode", dict(model=model, dataset=dataset, split=split, ltag=ltag, shard=shard))
            if dyprag:
                step = "import_translator" if model in p.c["translator"]["checkpoints"] else "train_translator"
                yield plan.job(step, {"model": model, "ttag": p.stage("translator", model=model).tag})
    for run in plan.report_runs():
        key = run["metrics"]
        if key not in seen:
            seen.add(key)
            yield plan.job("infer", {k: run[k] for k in ("model", "dataset", "variant", "method")}
                           | {"ptag": key.split("/")[-2]})
    yield plan.job("report", {})


