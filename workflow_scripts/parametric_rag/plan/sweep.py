"""Sweeps: a config's ``sweep`` (dotted key -> values) expanded into full configs ("points")."""

from __future__ import annotations

import copy
import itertools
from typing import Any, Mapping

from ..config import ConfigError, validate_config


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


#: Keys a sweep cannot vary (a key, or every key under a prefix ending in "."), and why.
UNSWEEPABLE = {
    "translator.epochs": "the translator rule's outputs (one checkpoint per epoch) are fixed per run; "
                         "sweep translator.inference_epoch instead",
    "compute.threads": "threads schedule jobs and change no result",
    "corpus.path": "the index path names the corpus by corpus.name only; sweep corpus.name with it in separate "
                   "configs",
    "retrieval.elasticsearch.": "one marker per corpus records the server-side index; use separate configs",
    "retrieval.tantivy.": "tantivy settings change no result",
    "run.": "what is run is the same for every point; list the models, datasets and methods in run",
    "report.": "one report covers every point",
    "fictional_world.": "the generator runs once; use separate configs",
    "downloads.": "downloads are not settings",
    "sweep": "a sweep cannot sweep itself",
    "augment.min_passages_per_question": "a job's failure limit changes no result; use separate configs",
    "augment.max_dropped_fraction": "a job's failure limit changes no result; use separate configs",
}


def unsweepable(key: str) -> str | None:
    """Why ``key`` cannot be swept, or None."""
    for name, why in UNSWEEPABLE.items():
        if key == name.rstrip(".") or (name.endswith(".") and key.startswith(name)):
            return why
    return None


def sweep_points(config: dict) -> list[tuple[dict[str, Any], dict]]:
    """(swept values, validated config) of every point of the config's sweep (one if none)."""
    sweep = config.get("sweep") or {}
    for key in sweep:
        if unsweepable(key):
            raise ConfigError(f"config key sweep.{key}: cannot be swept: {unsweepable(key)}")
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
