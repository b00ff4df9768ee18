"""PRAG inference parameters: PEFT's weighted-adapter rebuild per question (the reference)
against the pipeline's in-memory concatenation injected through hooks, side by side.

Prints milliseconds per question for preparing the parameters and running one forward pass,
the speed ratio and the largest absolute difference in the logits.

    python bench/merge_oracle.py --questions 10
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from _common import smollm2_checkpoint
from parametric_rag.lora.adapter import LoraShape, read_factors, wrap
from parametric_rag.lora.inject import DeltaInjector
from parametric_rag.lora.merge import cat_merge
from parametric_rag.models import load_model


def make_adapters(model_dir: Path, out: Path, n: int) -> list[Path]:
    """``n`` random passage adapters (non-zero B) in PEFT's format."""
    dirs = []
    for i in range(n):
        torch.manual_seed(i)
        peft = wrap(load_model(model_dir, "cpu"), LoraShape())
        for name, p in peft.named_parameters():
            if "lora_B" in name:
                p.data.normal_(0, 0.01)
        peft.save_pretrained(out / f"a{i}")
        dirs.append(out / f"a{i}")
    return dirs


def main() -> None:
    from peft import PeftModel

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model_dir = smollm2_checkpoint()
    ids = torch.tensor([[1, 4093, 198, 2683, 359, 253, 5356, 5646, 11173, 3365] * 8])
    with tempfile.TemporaryDirectory() as tmp:
        dirs = make_adapters(model_dir, Path(tmp), 3)
        base = load_model(model_dir, "cpu")
        t_ref = t_fast = 0.0
        worst = 0.0
        for _ in range(args.questions):
            start = time.perf_counter()
            peft = PeftModel.from_pretrained(base, dirs[0], adapter_name="p0")
            for i in (1, 2):
                peft.load_adapter(dirs[i], adapter_name=f"p{i}")
            peft.add_weighted_adapter(["p0", "p1", "p2"], [1.0, 1.0, 1.0], "merged", combination_type="cat")
            peft.set_adapter("merged")
            with torch.no_grad():
                ref = peft(ids).logits
            base = peft.unload()
            t_ref += time.perf_counter() - start
            start = time.perf_counter()
            with DeltaInjector(base) as inj, torch.no_grad():
                inj.set([cat_merge([read_factors(d) for d in dirs])])
                fast = base(ids).logits
            t_fast += time.perf_counter() - start
            worst = max(worst, float((ref - fast).abs().max()))
    n = args.questions
    print(f"questions={n} passages/question=3 tokens={ids.shape[1]} threads={args.threads}")
    print(f"PEFT weighted-adapter merge : {1000 * t_ref / n:8.1f} ms/question")
    print(f"in-memory cat + hooks       : {1000 * t_fast / n:8.1f} ms/question")
    print(f"speed-up                    : {t_ref / t_fast:8.1f}x")
    print(f"max |logit difference|      : {worst:.2e}")


if __name__ == "__main__":
    main()
