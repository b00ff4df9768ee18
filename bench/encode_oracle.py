"""PRAG encoding: the reference's loop (base model loaded once, the initial adapter reloaded from
disk per passage, every sequence padded to 3000 tokens) against the pipeline's (in-memory reset,
no padding), side by side.

Prints seconds per passage for each, the speed ratio, and the largest absolute difference
between the two adapters' weights.

    python bench/encode_oracle.py --passages 2 --epochs 1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from _common import passages, smollm2_checkpoint
from parametric_rag.lora.adapter import LoraShape, current_state, load_state, reset, wrap
from parametric_rag.lora.encode import create_initial_adapter
from parametric_rag.lora.sequences import training_sequences
from parametric_rag.lora.train import train_passage
from parametric_rag.models import load_model, load_tokenizer


def reference_loop(base: torch.nn.Module, init_dir: Path, seqs: list[list[int]], epochs: int, lr: float,
                   pad_to: int) -> dict:
    """One passage the reference's way: load the initial adapter onto the base model from disk,
    pad to ``pad_to``, train, then unload the adapter (the base model is left as it was)."""
    from peft import PeftModel

    model = PeftModel.from_pretrained(base, init_dir, is_trainable=True)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    for _ in range(epochs):
        for seq in seqs:
            ids = torch.zeros((1, pad_to), dtype=torch.long)
            mask = torch.zeros((1, pad_to), dtype=torch.long)
            labels = torch.full((1, pad_to), -100, dtype=torch.long)
            ids[0, :len(seq)] = torch.tensor(seq)
            mask[0, :len(seq)] = 1
            labels[0, :len(seq)] = torch.tensor(seq)
            model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    state = current_state(model)
    model.unload()
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--pad-to", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model_dir = smollm2_checkpoint()
    tok = load_tokenizer(model_dir)
    shape = LoraShape()
    with tempfile.TemporaryDirectory() as tmp:
        init_dir = Path(tmp) / "init"
        create_initial_adapter(load_model(model_dir, "cpu"), shape, 42, init_dir)
        base = load_model(model_dir, "cpu")
        fast_model = wrap(load_model(model_dir, "cpu"), shape)
        init = load_state(init_dir)
        t_ref = t_fast = 0.0
        worst = 0.0
        for aug in passages(args.passages):
            seqs = training_sequences(tok, aug, cot=False)
            start = time.perf_counter()
            ref = reference_loop(base, init_dir, seqs, args.epochs, 3e-4, args.pad_to)
            t_ref += time.perf_counter() - start
            start = time.perf_counter()
            reset(fast_model, init)
            train_passage(fast_model, seqs, epochs=args.epochs, lr=3e-4)
            fast = current_state(fast_model)
            t_fast += time.perf_counter() - start
            worst = max(worst, max(float((ref[k] - fast[k]).abs().max()) for k in ref))
    n = args.passages
    print(f"passages={n} epochs={args.epochs} pad_to={args.pad_to} threads={args.threads}")
    print(f"reference loop : {t_ref / n:8.2f} s/passage")
    print(f"pipeline       : {t_fast / n:8.2f} s/passage")
    print(f"speed-up       : {t_ref / t_fast:8.1f}x")
    print(f"max |adapter difference| : {worst:.2e}")


if __name__ == "__main__":
    main()
