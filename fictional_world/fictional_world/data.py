"""The package's data files (``data/*.yaml``), read once."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml


@functools.cache
def load(name: str) -> Any:
    """The parsed contents of ``data/<name>.yaml``."""
    text = resources.files(__package__).joinpath("data").joinpath(f"{name}.yaml").read_text("utf-8")
    return yaml.safe_load(text)
