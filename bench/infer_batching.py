"""Inference throughput: Hugging Face ``generate`` one question at a time (the pipeline's default,
the reference's way) against batches whose finished rows leave the batch, and against a shared
prompt prefix computed once per job, side by side.

The questions are the bundled benchmark's (the pipeline's evaluation split: the first N of each
subset), with their top-3 BM25 passages from the embedded index; prompts are the pipeline's
(``prompts.prompt_ids``, the dataset format's chain-of-thought and ``max_new_tokens``). Every side
runs every round, in turn, so that a busy machine slows them alike. Prints, per side, the minimum
and median seconds for the N questions over the rounds, questions per second from the median, its
ratio to the first side's, and the fraction of answers identical to the first side's.

"per-row" sides are the pipeline's loop (``generation.greedy``): finished rows leave the batch,
and each prompt is run alone before the rows are decoded together (its CPU default);
``--batched-prompts`` adds the same loop with the batch's prompts run together, left-padded (its
default on a GPU). ``--lookup K`` adds the loop with prompt lookup decoding (K draft tokens per
step) at batch 1 and at batch B, with the shared prefix where the method has no parameters.

``prag_combine`` gets random rank-6 deltas per question (3 passages x rank 2, small B), which
cost what trained adapters cost; its answers are not meaningful, only the agreement between sides.

    python bench/infer_batching.py --questions 8 --batch 8 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from _common import CACHE, smollm2_checkpoint
from fictional_world import FILES, generate as generate_benchmark
from parametric_rag.datasets import load_questions
from parametric_rag.datasets.split import split_questions
from parametric_rag.generation import Prefix, generate_hf, greedy
from parametric_rag.lora.inject import DeltaInjector, projection_modules
from parametric_rag.models import load_model, load_tokenizer
from parametric_rag.prompts import prompt_ids
from parametric_rag.registry import FORMATS, METHODS
from parametric_rag.retrieval import build_index
from parametric_rag.retrieval.queries import retrieve_questions

DATASETS = {  # the default config's datasets: name -> (format, files)
    "fictional-popqa": ("popqa", {"questions": FILES["popqa"]}),
    "fictional-2wiki": ("2wikimultihopqa", {"questions": FILES["2wikimultihopqa"],
                                            "aliases": FILES["2wikimultihopqa_aliases"]}),
}


def benchmark_dir() -> Path:
    bench = CACHE / "benchmark"
    if not (bench / "manifest.json").exists():
        generate_benchmark(bench)
    return bench


def questions(name: str, n: int) -> list[dict]:
    """About ``n`` evaluation questions of a dataset (the first of each subset, as the pipeline's
    ``sample`` picks them) with their top-3 retrieved passages."""
    bench = benchmark_dir()
    fmt, files = DATASETS[name]
    by_subset = load_questions(fmt, {role: bench / f for role, f in files.items()})
    per_subset = -(-n // len(by_subset))
    qs = split_questions(by_subset, per_subset, (0, 0))["eval"][:n]
    index = CACHE / "index-tantivy"
    if not (index / "manifest.json").exists():
        build_index("tantivy", bench / FILES["corpus"], index, {})
    hits = retrieve_questions(qs, backend="tantivy", index=index, settings={}, k=3, tokenizer=None,
                              query_max_tokens=256)
    return [dict(q, passages=[c["text"] for c in h["candidates"]]) for q, h in zip(qs, hits)]


def random_deltas(model: Any, n: int, seed: int) -> list[dict]:
    """``n`` rank-6 factor dicts (3 passages x rank 2 concatenated, as PRAG's merge makes them)."""
    g = torch.Generator().manual_seed(seed)
    return [{key: (torch.randn(6, m.in_features, generator=g) * 0.02, torch.randn(m.out_features, 6, generator=g) * 0.02)
             for key, m in projection_modules(model).items()} for _ in range(n)]


Side = tuple[str, str, int, bool, int]  # label, engine ("hf", "loop": prompts run alone, "loop-batch": together),
#                                        batch, prefix, prompt lookup tokens


def run(model: Any, tok: Any, prompts: list[list[int]], side: Side, max_new_tokens: int,
        deltas: list[dict] | None) -> tuple[list[str], float]:
    """One side over every prompt: the answers and the seconds (prefix computation included)."""
    _, engine, batch, reuse, lookup = side
    texts: list[str] = []
    injector = DeltaInjector(model) if deltas is not None else None
    start = time.perf_counter()
    try:
        prefix = Prefix.shared(model, prompts) if reuse else None
        for i in range(0, len(prompts), batch):
            chunk = prompts[i:i + batch]
            if injector is not None:
                injector.set(deltas[i:i + batch])
            if engine == "hf":
                rows = generate_hf(model, tok, chunk, max_new_tokens=max_new_tokens)
                texts += [tok.decode(r, skip_special_tokens=True) for r in rows]
            else:
                rows = greedy(model, chunk, max_new_tokens=max_new_tokens, pad_id=tok.pad_token_id, prefix=prefix,
                              row_state=injector, prefill="rows" if engine == "loop" else "batch", lookup=lookup)
                texts += [tok.decode(r, skip_special_tokens=True) for r in rows]
    finally:
        if injector is not None:
            injector.close()
    return texts, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=8, help="questions per dataset")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--methods", nargs="+", default=["vanilla", "icl"], choices=sorted(METHODS))
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-hf-batch", action="store_true", help="skip generate at batch B (slow on long answers)")
    parser.add_argument("--no-loop-b1", action="store_true",
                        help="skip the per-row loop at batch 1 (the same computation as generate at batch 1)")
    parser.add_argument("--batched-prompts", action="store_true",
                        help="also run the batch's prompts together, left-padded (prefill='batch', the GPU's way)")
    parser.add_argument("--lookup", type=int, nargs="*", default=[], help="prompt lookup draft tokens to add sides for")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model_dir = smollm2_checkpoint()
    model, tok = load_model(model_dir, "cpu"), load_tokenizer(model_dir)
    b = args.batch
    print(f"model=SmolLM2-135M-Instruct float32 cpu threads={args.threads} questions/dataset={args.questions} "
          f"batch={b} rounds={args.rounds}")
    print(f"{'dataset':16} {'method':13} {'side':32} {'s min':>7} {'s med':>7} {'q/s med':>8} {'ratio':>6} {'agree':>6}")
    for name in args.datasets:
        spec = FORMATS[DATASETS[name][0]]
        records = questions(name, args.questions)
        for method in args.methods:
            m = METHODS[method]
            prompts = [prompt_ids(tok, r["question"], r["passages"] if m.passages_in_prompt else None, None,
                                  spec.fewshot if spec.cot else None) for r in records]
            deltas = random_deltas(model, len(prompts), 0) if m.parameters is not None else None
            sides: list[Side] = [("generate b1 (default)", "hf", 1, False, 0)]
            if not args.no_hf_batch:
                sides.append((f"generate b{b}", "hf", b, False, 0))
            if not args.no_loop_b1:
                sides.append(("per-row b1", "loop", 1, False, 0))
            if args.batched_prompts:
                sides.append((f"per-row b{b}, prompts together", "loop-batch", b, False, 0))
            sides.append((f"per-row b{b}", "loop", b, False, 0))
            if m.parameters is None:
                if args.batched_prompts:
                    sides.append((f"per-row b{b} + prefix, together", "loop-batch", b, True, 0))
                sides += [("per-row b1 + prefix", "loop", 1, True, 0), (f"per-row b{b} + prefix", "loop", b, True, 0)]
            reuse = m.parameters is None
            for k in args.lookup:
                sides += [(f"per-row b1 + lookup {k}", "loop", 1, False, k),
                          (f"per-row b{b}{' + prefix' if reuse else ''} + lookup {k}", "loop", b, reuse, k)]
            times: dict[Side, list[float]] = {s: [] for s in sides}
            answers: dict[Side, list[str]] = {}
            for _ in range(args.rounds):
                for side in sides:
                    texts, seconds = run(model, tok, prompts, side, spec.max_new_tokens, deltas)
                    times[side].append(seconds)
                    answers.setdefault(side, texts)
            ref = sides[0]
            n = len(prompts)
            ref_med = n / statistics.median(times[ref])
            lengths = [len(tok.encode(a, add_special_tokens=False)) for a in answers[ref]]
            shared = Prefix.shared(model, prompts) if m.parameters is None else None
            for side in sides:
                med = statistics.median(times[side])
                agree = sum(a == r for a, r in zip(answers[side], answers[ref])) / n
                print(f"{name:16} {method:13} {side[0]:32} {min(times[side]):7.1f} {med:7.1f} {n / med:8.3f} "
                      f"{n / med / ref_med:5.2f}x {agree:6.3f}")
            print(f"{'':16} {'':13} prompts {statistics.mean(map(len, prompts)):.0f} tokens (shared prefix "
                  f"{len(shared) if shared else 0}), answers ~{statistics.mean(lengths):.1f} tokens "
                  f"(max {max(lengths)}, max_new_tokens {spec.max_new_tokens})")


if __name__ == "__main__":
    main()
