"""A job: what one step needs (inputs, outputs, settings), and the tags that name settings."""

from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import asdict, dataclass
from typing import Any


def _canonical(value: Any) -> Any:
    """``value`` with whole floats as ints (100.0 and 100 are one setting) and tuples as lists."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def digest(settings: Any) -> str:
    """8 hex digits of the sha256 of ``settings`` as canonical JSON."""
    text = json.dumps(_canonical(settings), sort_keys=True, separators=(",", ":"), default=list)
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
