"""Translator training samples from encoded translator splits (method.md §7)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..io import read_jsonl_checksummed
from ..lora.sequences import training_sequences
from ..lora.store import adapter_index
from .train import Sample


@dataclass(frozen=True)
class TranslatorShard:
    """One encoded translator shard: its dataset, LoRA manifest, augmented records and prompt."""

    dataset: str
    manifest: Path
    augmented: Path
    cot: bool
    fewshot: str | None

    @classmethod
    def from_dict(cls, d: dict) -> "TranslatorShard":
        return cls(d["dataset"], Path(d["manifest"]), Path(d["augmented"]), bool(d["cot"]), d["fewshot"])


def translator_samples(shards: Sequence[TranslatorShard], tokenizer: Any, *, sample_rate: float, seed: int,
                       max_length: int) -> list[Sample]:
    """Each passage's first training sequence, with its trained adapter.

    ``sample_rate`` keeps that fraction of each sub-type's questions (seeded), all their passages.
    """
    by_subset: dict[tuple[str, str], list[tuple[dict, list[Path], TranslatorShard]]] = {}
    for shard in shards:
        adapters = adapter_index([shard.manifest])
        for record in read_jsonl_checksummed(shard.augmented):
            by_subset.setdefault((shard.dataset, record["subset"]), []).append((record, adapters[record["qid"]], shard))
    rng = random.Random(seed)
    samples = []
    for key in sorted(by_subset):
        items = by_subset[key]
        for i in sorted(rng.sample(range(len(items)), int(len(items) * sample_rate))):
            record, dirs, shard = items[i]
            for aug, adapter in zip(record["augment"], dirs):
                seq = training_sequences(tokenizer, aug, shard.cot, shard.fewshot, max_length)[0]
                samples.append(Sample(f"{record['qid']}/{aug['pid']}", aug["passage"], seq, adapter))
    return samples
