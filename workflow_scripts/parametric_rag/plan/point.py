"""One full config ("point"): its stages' settings and tags, and the paths they give.

A stage's settings include the tags of the stages it reads, so a changed upstream setting
changes every tag downstream.
"""

from __future__ import annotations

import math
import posixpath
from typing import Any
from urllib.parse import urlparse

from ..config import ConfigError, dataset_settings
from ..registry import FORMATS, METHODS, PATHS
from .job import Stage


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
        s = {"dataset": dataset, "split": split, "format": ds["format"], "files": ds["files"]}
        if split == "eval":
            s["sample"] = ds["sample"]
        else:  # the translator split is [start, end) of each sub-type whatever the sample
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
        prefix = f"r{lora['rank']}_a{lora['alpha']}_lr{lora['lr']:g}_ep{d['epochs']}"
        if lora["batch_passages"] > 1:  # adapters differ from one-at-a-time training by float rounding
            s["batch_passages"] = lora["batch_passages"]  # (absent at 1: the default's tag is unchanged)
            prefix += f"_bp{lora['batch_passages']}"
        return Stage(s, prefix)

    def _translator(self, model: str) -> Stage:
        t, lora = self.c["translator"], self.c["lora"]
        if model in t["checkpoints"]:
            s = {"checkpoint": t["checkpoints"][model], "width": t["width"], "rank": lora["rank"],
                 "max_length": lora["max_length"], "model_source": self.c["models"][model]}
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
        if self.c["inference"]["reuse_prefix"] and spec.parameters is None:
            s["reuse_prefix"] = True  # only when on: the default run's tags (and paths) stay as they are
        if d["prompt_lookup"]:
            s["prompt_lookup"] = d["prompt_lookup"]  # likewise
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

    def metrics(self, model: str, dataset: str, variant: str, method: str, file: str = "metrics") -> str:
        """An inference run's ``metrics`` (or ``predictions``) file."""
        ptag = self.stage("predictions", model=model, dataset=dataset, variant=variant, method=method).tag
        return PATHS[file].format(model=model, dataset=dataset, variant=variant, method=method, ptag=ptag)

    def reference_files(self, model: str, dataset: str, split: str) -> dict[str, str]:
        """The reference's data_aug files of a dataset split, one per sub-type."""
        imp = self.c["augment"]["import"]
        key = "root" if split == "eval" else "translator_root"
        if not imp[key]:
            raise ConfigError(f"config key augment.import.{key} = None: the {split} split of {dataset} is imported")
        name = imp["dataset_names"].get(dataset, dataset)
        ref_model = imp["model_names"].get(model, model)
        return {s: posixpath.join(imp[key], name, ref_model, f"{s}.json") for s in FORMATS[self.c["datasets"][dataset]["format"]].subsets}

    def augment_limits(self) -> dict[str, Any]:
        """When an augmentation job fails (they change no result, so no tag carries them)."""
        a = self.c["augment"]
        return {k: a[k] for k in ("min_passages_per_question", "max_dropped_fraction")}

    def augmented_sets(self, model: str, methods: list[str]) -> list[tuple[str, str, list[str]]]:
        """(dataset, split, shards) of the augmentation that ``methods`` read for ``model``: each
        dataset's eval split when a method reads passages, and the translator's training splits
        when the model's translator is trained here."""
        specs = [METHODS[m] for m in methods]
        sets = []
        if any(s.passages_in_prompt or s.parameters for s in specs):
            sets += [(d, "eval") for d in self.run["datasets"]]
        if any(s.parameters == "translator" for s in specs) and model not in self.c["translator"]["checkpoints"]:
            sets += [(d, "translator") for d in self.translator_datasets()]
        return [(d, split, self.augmented_shards(model, d, split)) for d, split in sets]

    def generation(self) -> dict[str, Any]:
        a = self.c["augment"]
        return {k: a[k] for k in ("max_new_tokens", "do_sample", "temperature", "top_k", "max_attempts", "batch_size")}

    def download_file(self, name: str) -> str:
        entry = self.c["downloads"][name]
        filename = entry.get("filename") or posixpath.basename(urlparse(entry["url"]).path)
        return PATHS["download"].format(name=name, filename=filename)
