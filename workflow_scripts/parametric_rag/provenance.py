"""What produced an output: package versions, settings and input checksums."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from .io import SEAL, cached_sha256, read_json, sha256_dir

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


def checksum(path: str | Path) -> str:
    """sha256 of a file or directory. A directory whose ``manifest.json`` carries a content checksum
    (a tantivy index: its segment files get new random names on every build) is identified by that."""
    path = Path(path)
    if not path.is_dir():
        return cached_sha256(path)
    manifest = path / "manifest.json"
    if manifest.is_file():
        data = read_json(manifest)
        if isinstance(data, dict) and SEAL in data:
            return f"{SEAL}:{data[SEAL]}"
    return sha256_dir(path, cached=True)


def checksums(paths: Sequence[str | Path]) -> dict[str, str]:
    """sha256 of each input file (or directory, see :func:`checksum`), keyed by its path as given."""
    return {str(p): checksum(p) for p in paths}


def provenance(settings: dict[str, Any], inputs: Sequence[str | Path]) -> dict[str, Any]:
    """A record to store beside results."""
    return {"settings": settings, "versions": versions(), "inputs": checksums(inputs)}
