"""What produced an output: package versions, settings and input checksums."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from .io import sha256_dir, sha256_file

PACKAGES = ("torch", "transformers", "peft", "tantivy", "parametric-rag-pipeline")


def versions() -> dict[str, str]:
    """Python and key package versions."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def checksums(paths: Sequence[str | Path]) -> dict[str, str]:
    """sha256 of each input file (or directory), keyed by its path as given."""
    return {str(p): (sha256_dir(p) if Path(p).is_dir() else sha256_file(p)) for p in paths}


def provenance(settings: dict[str, Any], inputs: Sequence[str | Path]) -> dict[str, Any]:
    """A record to store beside results."""
    return {"settings": settings, "versions": versions(), "inputs": checksums(inputs)}
