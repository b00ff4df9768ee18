"""Finding a question's passage adapters through shard manifests, and the PRAG delta source.

Nothing is trusted blindly: a manifest must match the content checksum sealed into it, and
every adapter folder it lists the sha256 it records (see :mod:`.encode`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..io import IntegrityError, check_seal, read_json, sha256_dir, short
from ..records import Augmented
from .adapter import TRAINING_RECORD, read_factors, verify_adapter
from .merge import Factors, cat_merge


def _rebuild(manifest: Path) -> str:
    return f"delete {manifest} and re-run: encode rebuilds the shard (and reuses its intact adapters)"


def read_manifest(manifest: Path) -> dict:
    """An encode manifest, checked against its sealed content checksum (an empty shard's manifest,
    which lists no adapter, needs none)."""
    data = read_json(manifest)
    if not isinstance(data, dict) or "questions" not in data:
        raise IntegrityError(manifest, "not an encode manifest (no 'questions')", _rebuild(manifest))
    if data["questions"]:
        check_seal(manifest, data, _rebuild(manifest))
    return data


def verify_listed(adapter_dir: Path, expected: str, manifest: Path) -> None:
    """Check an adapter folder against the sha256 its manifest records; on a mismatch, name the
    changed file when the adapter's own record shows which."""
    remedy = _rebuild(manifest)
    if not adapter_dir.is_dir():
        raise IntegrityError(adapter_dir, f"missing, though {manifest} lists it", remedy)
    actual = sha256_dir(adapter_dir, cached=True)
    if actual != expected:
        verify_adapter(adapter_dir, TRAINING_RECORD)  # raises naming the file, when a recorded one changed
        raise IntegrityError(adapter_dir, f"folder sha256 {short(actual)}… differs from {short(expected)}… recorded in "
                                          f"{manifest} (a file was added, removed or changed since)", remedy)


def adapter_index(manifests: Sequence[Path]) -> dict[str, list[Path]]:
    """``{qid: [adapter dir, ...]}`` in passage rank order, from encode manifests, every adapter
    checked against its manifest (each file hashed once per process)."""
    index: dict[str, list[Path]] = {}
    for manifest in map(Path, manifests):
        root = manifest.parent
        for q in read_manifest(manifest)["questions"]:
            dirs = []
            for a in q["adapters"]:
                verify_listed(root / a["path"], a["sha256"], manifest)
                dirs.append(root / a["path"])
            index[q["qid"]] = dirs
    return index


class LoraDeltas:
    """PRAG parameters: the sum of a question's passage LoRAs (PEFT ``cat`` merge, weights 1)."""

    def __init__(self, manifests: Sequence[Path]) -> None:
        self.index = adapter_index(manifests)

    def __call__(self, records: Sequence[Augmented]) -> list[Factors | None]:
        rows: list[Factors | None] = []
        for r in records:
            if r["qid"] not in self.index:
                raise KeyError(f"no adapters encoded for question {r['qid']!r}: is its shard manifest an input?")
            rows.append(cat_merge([read_factors(d) for d in self.index[r["qid"]]]) or None)
        return rows
