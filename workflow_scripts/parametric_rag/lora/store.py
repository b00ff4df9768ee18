"""Finding a question's passage adapters through shard manifests, and the PRAG delta source."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..io import read_json
from ..records import Augmented
from .adapter import read_factors
from .merge import Factors, cat_merge


def adapter_index(manifests: Sequence[Path]) -> dict[str, list[Path]]:
    """``{qid: [adapter dir, ...]}`` in passage rank order, from encode manifests."""
    index: dict[str, list[Path]] = {}
    for manifest in manifests:
        root = Path(manifest).parent
        for q in read_json(manifest)["questions"]:
            index[q["qid"]] = [root / a["path"] for a in q["adapters"]]
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
