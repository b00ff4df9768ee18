"""Configuration: JSON-schema validation with defaults, and settings derived per model/dataset.

The Snakefile and the CLI both go through :func:`validate_config`, so a bad value fails the same
way everywhere: the message names the key, the value and what is allowed.
"""

from __future__ import annotations

import copy
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator, validators

from .datasets import FORMATS


class ConfigError(ValueError):
    """An invalid configuration value."""


@lru_cache(maxsize=1)
def schema() -> dict:
    """The configuration schema shipped with the package (JSON Schema draft 2020-12)."""
    text = (resources.files("parametric_rag") / "resources" / "config.schema.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _with_defaults(cls):
    """A validator class that fills ``default`` values of missing properties while validating."""
    validate_props = cls.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema_):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_props(validator, properties, instance, schema_)

    return validators.extend(cls, {"properties": set_defaults})


_Validator = _with_defaults(Draft202012Validator)


def _describe(error) -> str:
    key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    allowed = ""
    if error.validator == "enum":
        allowed = f"; allowed: {error.validator_value}"
    elif error.validator in ("type", "minimum", "maximum", "pattern", "exclusiveMinimum", "minItems", "maxItems"):
        allowed = f"; required {error.validator}: {error.validator_value}"
    elif error.validator == "additionalProperties":
        allowed = f"; allowed keys: {sorted(error.schema.get('properties', {}))}" if error.schema.get("properties") else ""
    return f"config key {key} = {error.instance!r}: {error.message}{allowed}"


def validate_config(config: dict) -> dict:
    """Validate ``config`` in place (defaults filled) and check cross-references; return it."""
    errors = sorted(_Validator(schema()).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(_describe(e) for e in errors))
    for m in config["run"]["models"]:
        if m not in config["models"]:
            raise ConfigError(f"config key run.models = {m!r}: not a key of models; allowed: {sorted(config['models'])}")
    for d in config["run"]["datasets"]:
        if d not in config["datasets"]:
            raise ConfigError(f"config key run.datasets = {d!r}: not a key of datasets; allowed: {sorted(config['datasets'])}")
    for name, ds in config["datasets"].items():
        roles = set(FORMATS[ds["format"]].files)
        if set(ds["files"]) != roles:
            raise ConfigError(f"config key datasets.{name}.files = {sorted(ds['files'])}: format {ds['format']} needs exactly the roles {sorted(roles)}")
        start, end = ds["translator_range"]
        if end < start:
            raise ConfigError(f"config key datasets.{name}.translator_range = {[start, end]}: end must not be before start")
    for d in config["translator"]["datasets"] or []:
        if d not in config["datasets"]:
            raise ConfigError(f"config key translator.datasets = {d!r}: not a key of datasets; allowed: {sorted(config['datasets'])}")
    for m in config["translator"]["checkpoints"]:
        if m not in config["models"]:
            raise ConfigError(f"config key translator.checkpoints = {m!r}: not a key of models; allowed: {sorted(config['models'])}")
    if {"dyprag", "dyprag_combine"} & set(config["run"]["methods"]):
        for d in translator_datasets(config):
            ds = config["datasets"][d]
            start, end = ds["translator_range"]
            if start < ds["sample"] or end <= start:
                raise ConfigError(f"config key datasets.{d}.translator_range = {[start, end]}: must be a non-empty range "
                                  f"starting at or after sample ({ds['sample']}) so that training and test questions never overlap")
    for key in ("query_tokenizer",):
        value = config["retrieval"][key]
        if value is not None and value not in config["models"]:
            raise ConfigError(f"config key retrieval.{key} = {value!r}: not a key of models; allowed: {sorted(config['models'])}")
    aug = config["augment"]
    if aug["model"] is not None and aug["model"] not in config["models"]:
        raise ConfigError(f"config key augment.model = {aug['model']!r}: not a key of models; allowed: {sorted(config['models'])}")
    if aug["source"] == "table" and not aug["table"]:
        raise ConfigError("config key augment.table = None: augment.source 'table' needs a table path")
    if aug["source"] == "import" and not aug["import"]["root"]:
        raise ConfigError("config key augment.import.root = None: augment.source 'import' needs the data_aug directory")
    return config


def load_config(path: str) -> dict:
    """Read and validate a YAML config file."""
    with open(path, encoding="utf-8") as f:
        return validate_config(yaml.safe_load(f) or {})


# -- settings derived from config ------------------------------------------------------------

def dataset_settings(config: dict, dataset: str, model: str | None = None) -> dict[str, Any]:
    """cot, fewshot, max_new_tokens and epochs of a dataset (format defaults, then overrides)."""
    ds = config["datasets"][dataset]
    spec = FORMATS[ds["format"]]
    cot = ds.get("cot", spec.cot)
    epochs = ds.get("epochs", spec.epochs)
    if isinstance(epochs, dict):
        epochs = epochs.get(model, epochs.get("default", spec.epochs))
    return {
        "format": spec.name,
        "cot": cot,
        "fewshot": ds.get("fewshot", spec.fewshot) if cot else None,
        "max_new_tokens": ds.get("max_new_tokens", spec.max_new_tokens),
        "epochs": epochs,
        "subsets": spec.subsets,
    }


def split_size(config: dict, dataset: str, split: str) -> int:
    """The most questions a split can hold (per-sub-type count x number of sub-types)."""
    ds = config["datasets"][dataset]
    per_subset = ds["sample"] if split == "eval" else ds["translator_range"][1] - ds["translator_range"][0]
    return per_subset * len(FORMATS[ds["format"]].subsets)


def n_shards(config: dict, dataset: str, split: str) -> int:
    """Shards of a split: fixed by config, so the graph is known before any data is read."""
    return max(1, math.ceil(split_size(config, dataset, split) / config["datasets"][dataset]["questions_per_shard"]))


def lora_tag(config: dict, dataset: str, model: str) -> str:
    """A short name for the LoRA settings, so that two settings never share a directory."""
    lora = config["lora"]
    epochs = dataset_settings(config, dataset, model)["epochs"]
    return f"r{lora['rank']}_a{lora['alpha']}_lr{lora['lr']:g}_ep{epochs}"


def translator_datasets(config: dict) -> list[str]:
    """Datasets whose translator split trains the parameter translator."""
    return list(config["translator"]["datasets"] or config["run"]["datasets"])


def translator_tag(config: dict, model: str) -> str:
    """A short name for the translator settings (``imported`` for a released checkpoint)."""
    t = config["translator"]
    if model in t["checkpoints"]:
        return "imported"
    return (f"p{t['width']}_r{config['lora']['rank']}_lr{t['lr']:g}_s{t['sample_rate']:g}_ep{t['epochs']}_"
            + "+".join(translator_datasets(config)))


def shape_tag(config: dict) -> str:
    """Names the shared initial adapter: LoRA shape and seed."""
    lora = config["lora"]
    return f"r{lora['rank']}_a{lora['alpha']}_seed{lora['seed']}"
