"""PRAG encoding on a GPU: passages per second at batch 1 (one passage at a time, the pipeline's
default loop) against B passages per forward/backward (``lora.batch_passages``), in bfloat16 and
float32, with peak GPU memory; and the largest adapter difference against batch 1.

Self-contained: a random-weight Llama built locally from a config (no hub access; the default
``--size small`` has SmolLM2-135M's shape, ``tiny`` is hidden 64 x 2 layers), and random token
sequences of passage-like lengths (5 per passage, as the PRAG training sequences). Needs torch,
transformers and peft, and this repository's package, found through ``sys.path`` (the repository
is copied along). On a machine without CUDA it prints "no CUDA device: nothing measured" and
exits 0.

    python bench/gpu_check.py --passages 16 --batches 4 8 16 --size small
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow_scripts"))

SIZES = {  # SmolLM2-135M's shape, and the tests' tiny model
    "small": dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
                  num_key_value_heads=3),
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2),
}


def build_model(size: str, dtype, device: str):
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    config = LlamaConfig(vocab_size=49152, max_position_embeddings=4096, tie_word_embeddings=True,
                         bos_token_id=1, eos_token_id=2, pad_token_id=2, **SIZES[size])
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    return model.to(device).eval()


def passage_sequences(n: int, seed: int = 0) -> list[list[list[int]]]:
    """``n`` passages of 5 random sequences each: two with the passage (~150-250 tokens), two
    with the rewrite, one with the question alone (~40-60 tokens), as the real ones."""
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        long = [rng.randint(150, 250) for _ in range(4)]
        lengths = [long[0], long[1], long[2], long[3], rng.randint(40, 60)]
        out.append([[rng.randrange(3, 49152) for _ in range(k)] for k in lengths])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=16)
    parser.add_argument("--batches", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--dtypes", nargs="+", default=["bfloat16", "float32"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--device", default="cuda", help="cpu: a smoke test of this script, nothing to learn")
    args = parser.parse_args()

    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA device: nothing measured")
        return 0

    from parametric_rag.lora.adapter import LoraShape, current_state, reset, wrap
    from parametric_rag.lora.batched import group_passages, train_passages
    from parametric_rag.lora.train import train_passage

    cuda = args.device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    shape, lr = LoraShape(), 3e-4
    seqs = passage_sequences(args.passages)
    configs = [1] + [b for b in args.batches if b != 1]
    if cuda:
        print(f"device: {torch.cuda.get_device_name()} | torch {torch.__version__}")
    print(f"model: random Llama ({args.size}: {SIZES[args.size]}), LoRA r{shape.rank} on gate/up/down | "
          f"passages={args.passages} x 5 sequences, {sum(len(s) for p in seqs for s in p) // args.passages} "
          f"tokens per passage | epochs={args.epochs} rounds={args.rounds} (best of)")
    rows = []
    for dtype_name in args.dtypes:
        dtype = getattr(torch, dtype_name)
        peft_model = wrap(build_model(args.size, dtype, args.device), shape)
        torch.manual_seed(42)
        init = {k: v.clone() for k, v in current_state(peft_model).items()}
        reference: list[dict] = []
        for b in configs:
            best = float("inf")
            peak = 0.0
            for _ in range(args.rounds):
                if cuda:
                    torch.cuda.empty_cache()
                    torch.cuda.reset_peak_memory_stats()
                sync()
                start = time.perf_counter()
                states: list[dict] = [{}] * len(seqs)
                if b == 1:
                    for i, s in enumerate(seqs):
                        reset(peft_model, init)
                        train_passage(peft_model, s, epochs=args.epochs, lr=lr)
                        states[i] = current_state(peft_model)
                else:
                    for group in group_passages([(len(s), sum(map(len, s))) for s in seqs], b):
                        out = train_passages(peft_model, init, [seqs[i] for i in group], epochs=args.epochs, lr=lr,
                                             scaling=shape.scaling)
                        for i, (state, _) in zip(group, out):
                            states[i] = state
                sync()
                best = min(best, time.perf_counter() - start)
                if cuda:
                    peak = max(peak, torch.cuda.max_memory_allocated() / 2**30)
            if b == 1:
                reference = states
            diff = max(float((x[k].float() - y[k].float()).abs().max()) for x, y in zip(states, reference) for k in x)
            rows.append((dtype_name, b, args.passages / best, peak, diff))
            print(f"  {dtype_name} batch {b}: {args.passages / best:.2f} passages/s", flush=True)
        peft_model.unload()
        del peft_model
    base = {d: pps for d, b, pps, _, _ in rows if b == 1}
    print(f"\n{'dtype':>8} | {'batch':>5} | {'passages/s':>10} | {'vs batch 1':>10} | {'peak GiB':>8} | max |adapter diff| vs 1")
    for d, b, pps, peak, diff in rows:
        print(f"{d:>8} | {b:>5} | {pps:>10.2f} | {pps / base[d]:>9.2f}x | {peak:>8.2f} | {diff:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
