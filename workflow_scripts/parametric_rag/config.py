"""Configuration: JSON-schema validation with defaults, and settings derived per model/dataset.

The Snakefile and the CLI both go through :func:`validate_config`, so a bad value fails the same
way everywhere: the message names the key, the value and what is allowed.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, validators

from .io import InputError, utf8_errors
from .registry import FORMATS, METHODS, PROMPT_VARIANTS, fewshot_sets


class ConfigError(ValueError):
    """An invalid configuration value."""


@lru_cache(maxsize=1)
def schema() -> dict:
    """The configuration schema shipped with the package (JSON Schema draft 2020-12)."""
    text = (resources.files("parametric_rag") / "resources" / "config.schema.yaml").read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    # the names come from the registry, so the schema never lists them a second time
    spec["$defs"].update(method={"enum": list(METHODS)}, prompt_variant={"enum": list(PROMPT_VARIANTS)},
                         format={"enum": list(FORMATS)}, fewshot={"enum": [*fewshot_sets(), None]})
    return spec


def schema_defaults(*keys: str) -> dict[str, Any]:
    """The defaults of the schema's object at ``keys`` (e.g. ``"retrieval", "tantivy"``): for code
    that takes such a section from callers other than the plan, so that no second copy is written."""
    node = schema()
    for key in keys:
        node = node["properties"][key]
    return {name: spec["default"] for name, spec in node["properties"].items() if "default" in spec}


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


def _short(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _describe(error) -> list[str]:
    """One line per problem of a schema error: the key, its value and what is allowed."""
    path = [str(p) for p in error.absolute_path]
    key = ".".join(path) or "(top level)"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(error.schema.get("properties", {}))
        allowed = f"; allowed keys: {known}" if known else ""
        return [f"config key {'.'.join([*path, str(k)])} = {_short(error.instance[k])}: unknown key{allowed}"
                for k in error.instance if k not in error.schema.get("properties", {})]
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return [f"config key {'.'.join([*path, k])}: required key missing" for k in missing]
    allowed = ""
    if error.validator == "enum":
        allowed = f"; allowed: {error.validator_value}"
    elif error.validator in ("type", "minimum", "maximum", "pattern", "exclusiveMinimum", "minItems", "maxItems"):
        allowed = f"; required {error.validator}: {error.validator_value}"
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return [f"config key {key} = {_short(error.instance)}: {message}{allowed}"]


def validate_config(config: dict) -> dict:
    """Validate ``config`` in place (defaults filled) and check cross-references; return it.

    A schema error's first line names the first bad key, its value and what is allowed; further
    problems follow, one a line."""
    if not isinstance(config, dict):
        raise ConfigError(f"config = {_short(config)}: expected a mapping of config keys")
    errors = sorted(_Validator(schema()).iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [line for e in errors for line in _describe(e)]
        raise ConfigError("invalid configuration: " + "\n  ".join(lines))
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
    variants = config["run"]["extra_prompt_variants"].values()
    translator_methods = ({m for m, spec in METHODS.items() if spec.parameters == "translator"}
                          & set(config["run"]["methods"]).union(*variants))
    if translator_methods:
        for d in config["translator"]["datasets"] or config["run"]["datasets"]:
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
    if aug["min_passages_per_question"] > config["retrieval"]["topk"]:
        raise ConfigError(f"config key augment.min_passages_per_question = {aug['min_passages_per_question']}: more "
                          f"than the retrieval.topk = {config['retrieval']['topk']} passages a question keeps; "
                          f"allowed: 0 to {config['retrieval']['topk']}")
    t = config["translator"]
    if t["inference_epoch"] is not None and t["inference_epoch"] > t["epochs"]:
        raise ConfigError(f"config key translator.inference_epoch = {t['inference_epoch']}: training runs "
                          f"translator.epochs = {t['epochs']} epochs")
    return config


def merge(base: dict, override: dict) -> dict:
    """``override`` merged into ``base`` recursively (mappings merge, other values replace), as
    Snakemake merges a ``--configfile`` over the workflow's config file."""
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def read_config_file(path: str | Path) -> dict:
    """One YAML config file as a mapping; unreadable YAML is an error naming file and line."""
    try:
        with utf8_errors(path), open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except InputError as e:
        raise ConfigError(str(e)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(unknown line)"
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(f"{path}: {where}: not valid YAML ({problem})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: line 1: expected a mapping of config keys, got {type(data).__name__} {_short(data)}")
    return data


def load_config(*paths: str | Path) -> dict:
    """Read YAML config files (later ones merged over earlier ones) and validate the result."""
    config: dict = {}
    for path in paths:
        merge(config, read_config_file(path))
    return validate_config(config)


# -- settings derived from config ------------------------------------------------------------

def dataset_settings(config: dict, dataset: str, model: str | None = None) -> dict[str, Any]:
    """cot, fewshot, max_new_tokens, epochs and prompt_lookup of a dataset (format defaults or the
    ``inference`` section's, then the dataset's overrides)."""
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
        "prompt_lookup": ds.get("prompt_lookup", config.get("inference", {}).get("prompt_lookup", 0)),
        "subsets": spec.subsets,
    }
