"""What one decoding call costs on this machine, by batch rows and positions per row: the
arithmetic behind batching and prompt lookup on a CPU (a call on W positions per row is what
prompt lookup's drafts cost; W = 1 is plain decoding).

For each cache length L, rows B and width W, runs the model's forward call on a cache of L
positions (one prompt of random tokens, its keys and values repeated for the rows) and prints the
fastest of ``--repeats`` calls in milliseconds; the cache is rewound after each call, so every call
sees the same L.

    python bench/decode_step.py --threads 1 --lengths 450 1200 --rows 1 4 8 --widths 1 2 3 5 11
"""

from __future__ import annotations

import argparse
import time

import torch
from transformers import DynamicCache

from _common import smollm2_checkpoint
from parametric_rag.generation import ReservedLayer, _reserved_cache
from parametric_rag.models import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--lengths", type=int, nargs="+", default=[450, 1200])
    parser.add_argument("--rows", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--widths", type=int, nargs="+", default=[1, 2, 3, 5, 11])
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(smollm2_checkpoint(), "cpu")
    g = torch.Generator().manual_seed(0)
    print(f"model=SmolLM2-135M-Instruct float32 cpu threads={args.threads}; ms per call (fastest of {args.repeats})")
    for length in args.lengths:
        cache = DynamicCache(config=model.config)
        with torch.no_grad():
            model(input_ids=torch.randint(100, 1000, (1, length), generator=g), past_key_values=cache, use_cache=True,
                  logits_to_keep=1)
        for rows in args.rows:
            layers = [ReservedLayer.copied(layer.keys.expand(rows, -1, -1, -1), layer.values.expand(rows, -1, -1, -1),
                                           max(args.widths)) for layer in cache.layers]
            cells = []
            for width in args.widths:
                step = _reserved_cache(model, layers)
                times = []
                for _ in range(args.repeats):
                    ids = torch.randint(100, 1000, (rows, width), generator=g)
                    positions = length + torch.arange(width)[None].expand(rows, -1)
                    start = time.perf_counter()
                    with torch.no_grad():
                        model(input_ids=ids, position_ids=positions, past_key_values=step, use_cache=True,
                              logits_to_keep=width)
                    times.append(time.perf_counter() - start)
                    for layer in step.layers:
                        layer.rewind(width)
                cells.append(f"W={width}: {1000 * min(times):5.0f}")
            print(f"L={length:5d} B={rows:2d}  " + "  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
