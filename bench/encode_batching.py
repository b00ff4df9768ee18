"""PRAG encoding one passage at a time (``lora.batch_passages: 1``, the pipeline's default loop:
in-memory reset, no padding) against several passages per forward/backward (one batch row and
one adapter per passage, ``lora.batch_passages: B``), side by side on the same passages.

Configurations are interleaved over rounds (batch 1, then each B, then again) so that a busy
machine slows them alike. Prints, per batch size, the min and median seconds per passage over
the rounds, the speed ratio against batch 1 (median / median), and the largest absolute
difference between its adapters' weights and batch 1's.

    python bench/encode_batching.py --passages 8 --batches 2 4 8 --rounds 3 --epochs 1
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from _common import passages, smollm2_checkpoint
from parametric_rag.lora.adapter import LoraShape, current_state, load_state, reset, wrap
from parametric_rag.lora.batched import group_passages, train_passages
from parametric_rag.lora.encode import create_initial_adapter
from parametric_rag.lora.sequences import training_sequences
from parametric_rag.lora.train import train_passage
from parametric_rag.models import load_model, load_tokenizer


def one_at_a_time(peft_model, init: dict, seqs: list[list[list[int]]], epochs: int, lr: float) -> list[dict]:
    """Each passage alone, as ``encode_shard`` trains at batch 1."""
    states = []
    for s in seqs:
        reset(peft_model, init)
        train_passage(peft_model, s, epochs=epochs, lr=lr)
        states.append(current_state(peft_model))
    return states


def batched(peft_model, init: dict, seqs: list[list[list[int]]], batch: int, epochs: int, lr: float,
            scaling: float) -> list[dict]:
    """The passages ``batch`` at a time, grouped as ``encode_shard`` groups them."""
    states: list[dict] = [{}] * len(seqs)
    for group in group_passages([(len(s), sum(map(len, s))) for s in seqs], batch):
        results = train_passages(peft_model, init, [seqs[i] for i in group], epochs=epochs, lr=lr, scaling=scaling)
        for i, (state, _) in zip(group, results):
            states[i] = state
    return states


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=8)
    parser.add_argument("--batches", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model_dir = smollm2_checkpoint()
    tok = load_tokenizer(model_dir)
    shape, lr = LoraShape(), 3e-4
    seqs = [training_sequences(tok, aug, cot=False) for aug in passages(args.passages)]
    with tempfile.TemporaryDirectory() as tmp:
        init_dir = Path(tmp) / "init"
        create_initial_adapter(load_model(model_dir, "cpu"), shape, 42, init_dir)
        init = load_state(init_dir)
    peft_model = wrap(load_model(model_dir, "cpu"), shape)
    configs = [1] + [b for b in args.batches if b != 1]
    times: dict[int, list[float]] = {b: [] for b in configs}
    states: dict[int, list[dict]] = {}
    for r in range(args.rounds):
        for b in configs:
            start = time.perf_counter()
            out = (one_at_a_time(peft_model, init, seqs, args.epochs, lr) if b == 1
                   else batched(peft_model, init, seqs, b, args.epochs, lr, shape.scaling))
            times[b].append((time.perf_counter() - start) / len(seqs))
            states.setdefault(b, out)
            print(f"  round {r + 1} batch {b}: {times[b][-1]:.2f} s/passage", flush=True)
    tokens = [sum(map(len, s)) for s in seqs]
    print(f"passages={len(seqs)} (tokens per passage {min(tokens)}-{max(tokens)}) epochs={args.epochs} "
          f"rounds={args.rounds} threads={args.threads} model=SmolLM2-135M-Instruct float32")
    base = statistics.median(times[1])
    print(f"{'batch':>5} | {'min s/passage':>13} | {'median s/passage':>16} | {'speed-up vs 1':>13} | max |adapter diff| vs 1")
    for b in configs:
        worst = max(float((x[k] - y[k]).abs().max()) for x, y in zip(states[b], states[1]) for k in x)
        med = statistics.median(times[b])
        print(f"{b:>5} | {min(times[b]):>13.2f} | {med:>16.2f} | {base / med:>12.2f}x | {worst:.1e}")


if __name__ == "__main__":
    main()
