"""The plan of a config: one builder per step turns a point and a job's wildcards into the
:class:`Job`; :class:`Plan` finds the point a job's tag names, and lists the report's runs."""

from __future__ import annotations

import itertools
import json
import posixpath
from typing import Any, Iterable, Mapping

from ..config import ConfigError, validate_config
from ..registry import METHODS, PATHS, PROMPT_VARIANTS, SPLITS
from .job import Job, record_path
from .point import Point
from .sweep import sweep_points


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
                                           "metrics": path,
                                           "predictions": point.metrics(model, dataset, variant, method, "predictions")})
                    made_by.setdefault(path, []).append(point)
        for path, run in runs.items():
            # a swept setting a run does not depend on (the same file at several values) is left blank
            run["settings"] = {}
            for key in self.config.get("sweep") or {}:
                values = {json.dumps(p.swept[key]) for p in made_by[path]}
                run["settings"][key] = made_by[path][0].swept[key] if len(values) == 1 else None
        return list(runs.values())

    def targets(self) -> list[str]:
        return [p for outputs in self.report_outputs().values() for p in (outputs if isinstance(outputs, list) else [outputs])]

    def report_outputs(self) -> dict[str, Any]:
        """The report's files: tables, plot, per-question comparisons, and the published table's
        comparison when one is configured."""
        out: dict[str, Any] = {"csv": PATHS["table_csv"], "markdown": PATHS["table_md"], "plot": PATHS["table_plot"],
                               "wins": PATHS["wins"],
                               "per_question": [PATHS["per_question"].format(model=m, dataset=d)
                                                for m in self.config["run"]["models"] for d in self.config["run"]["datasets"]]}
        out["data_quality"] = PATHS["data_quality"]
        if self.config["report"]["published"]:
            out.update(published_csv=PATHS["published_csv"], published_md=PATHS["published_md"])
        return out

    def augmented_sets(self) -> list[dict[str, Any]]:
        """Each augmentation the report's runs read (model, dataset, split, tag, shards), once."""
        sets: dict[str, dict[str, Any]] = {}
        for point in self.points:
            methods = [m for _, ms in point.variants() for m in ms]
            for model in point.run["models"]:
                for dataset, split, shards in point.augmented_sets(model, methods):
                    atag = point.stage("augmented", model=model, dataset=dataset, split=split).tag
                    sets.setdefault(shards[0], {"model": model, "dataset": dataset, "split": split, "atag": atag,
                                                "topk": point.c["retrieval"]["topk"], "shards": shards})
        return list(sets.values())

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
        self.check_wildcards(wc)
        stage, tag_key = STEP_STAGES.get(step, (None, None))
        if stage:
            missing = [k for k in (*STAGE_KEYS[stage], *SHARDED.get(step, ())) if k not in wc]
            if missing:
                raise ConfigError(f"the {step} job needs the wildcards {missing}; given {sorted(wc)}")
            point = self.point_for(stage, tag_key, wc)
            if "shard" in SHARDED.get(step, ()) and wc["shard"] not in point.shards(wc["dataset"], wc["split"]):
                raise ConfigError(f"wildcard shard = {wc['shard']!r}: the {wc['split']} split of {wc['dataset']} "
                                  f"has the shards {point.shards(wc['dataset'], wc['split'])}")
            wc[tag_key] = point.stage(stage, **{k: wc[k] for k in STAGE_KEYS[stage]}).tag
            return JOB_BUILDERS[step](self, point, wc)
        jobs = {}
        for p in self.points:
            if _matches(p, step, wc):
                try:
                    job = JOB_BUILDERS[step](self, p, wc)
                except KeyError as e:
                    raise ConfigError(f"the {step} job {wc}: no {e.args[0]!r} (a wildcard, or the config entry a "
                                      "wildcard names)") from None
                jobs.setdefault(job.to_json(), job)
        if not jobs:
            raise ConfigError(f"no point of this config makes the {step} job {wc}")
        if len(jobs) > 1:
            raise ConfigError(f"the {step} job {wc} is ambiguous in a sweep: name its output's wildcards "
                              f"(e.g. shape= for init-adapter, corpus= and backend= for index)")
        return next(iter(jobs.values()))

    def check_wildcards(self, wc: Mapping[str, str]) -> None:
        """A wildcard naming no model, dataset, split, method, prompt variant or download of the config
        is an error naming the wildcard, its value and the allowed values."""
        allowed = {"model": self.config["models"], "dataset": self.config["datasets"], "split": SPLITS,
                   "method": METHODS, "variant": PROMPT_VARIANTS, "name": self.config["downloads"]}
        for key, names in allowed.items():
            if key in wc and wc[key] not in names:
                raise ConfigError(f"wildcard {key} = {wc[key]!r}: not a {key} of this config; allowed: {sorted(names)}")


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
#: The steps that run per shard (their ``shard`` wildcard must name one of the split's shards).
SHARDED = {"augment": ("shard",), "encode": ("shard",)}
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
                                "shard_size": p.c["datasets"][dataset]["questions_per_shard"], **p.augment_limits()}
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
                "model_key": p.c["augment"]["import"]["model_key"], **p.augment_limits()}
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
    if lora["batch_passages"] > 1:  # absent at 1, as in the tag: the default job is unchanged
        settings["batch_passages"] = lora["batch_passages"]
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
    augmented = plan.augmented_sets()
    inputs: dict[str, Any] = {"metrics": [r["metrics"] for r in runs], "predictions": [r["predictions"] for r in runs],
                              "augmented": [s for a in augmented for s in a["shards"]]}
    if p.c["report"]["published"]:
        inputs["published"] = p.c["report"]["published"]
    return Job("report", inputs, plan.report_outputs(), {"runs": runs, "augmented": augmented, **p.c["report"]})


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
