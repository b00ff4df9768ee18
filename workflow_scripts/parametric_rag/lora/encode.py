"""Encoding a shard of questions: one PEFT adapter per (question, passage), manifest last."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any, Sequence

import torch
from tqdm import tqdm

from ..io import atomic_path, read_json, sha256_dir, write_json
from ..records import Augmented
from .adapter import LoraShape, current_state, load_state, reset, wrap
from .sequences import training_sequences
from .train import train_passage

log = logging.getLogger(__name__)


def create_initial_adapter(model: Any, shape: LoraShape, seed: int, out: Path) -> dict:
    """Save the seeded initial adapter every passage of this model and shape starts from."""
    torch.manual_seed(seed)
    peft_model = wrap(model, shape)
    with atomic_path(out, directory=True) as tmp:
        peft_model.save_pretrained(str(tmp))
        write_json(tmp / "init.json", {"seed": seed, "rank": shape.rank, "alpha": shape.alpha, "targets": list(shape.targets)})
    peft_model.unload()
    return {"seed": seed, "sha256": sha256_dir(out)}


def fingerprint(sequences: Sequence[Sequence[int]], settings: dict) -> str:
    """Identifies a training run: same sequences, settings and start -> the same adapter."""
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for seq in sequences:
        h.update(b"|" + ",".join(map(str, seq)).encode())
    return h.hexdigest()


def _reusable(adapter_dir: Path, fp: str) -> bool:
    marker = adapter_dir / "training.json"
    return marker.is_file() and read_json(marker).get("fingerprint") == fp


def encode_shard(
    model: Any,
    tokenizer: Any,
    records: Sequence[Augmented],
    *,
    init_dir: Path,
    out_dir: Path,
    shape: LoraShape,
    epochs: int,
    lr: float,
    cot: bool,
    fewshot: str | None,
    max_length: int = 3000,
    reuse_identical: bool = True,
) -> dict:
    """Train every kept passage of ``records``; write ``out_dir/manifest.json`` last.

    Adapters live in ``out_dir/adapters/q{i}-p{k}``. An adapter whose training fingerprint
    matches a finished one (same passage data and settings; training is deterministic) is
    copied instead of retrained, which also resumes an interrupted shard.
    """
    init_state = load_state(init_dir)
    peft_model = wrap(model, shape)
    settings = {"rank": shape.rank, "alpha": shape.alpha, "targets": list(shape.targets), "epochs": epochs, "lr": lr,
                "max_length": max_length, "init": sha256_dir(init_dir)}
    adapters_root = out_dir / "adapters"
    adapters_root.mkdir(parents=True, exist_ok=True)
    done: dict[str, Path] = {}
    entries = []
    total = sum(len(r["augment"]) for r in records)
    started = time.time()
    stats = {"trained": 0, "reused": 0}
    bar = tqdm(total=total, desc="encode", unit="passage")
    for i, record in enumerate(records):
        adapters = []
        for k, aug in enumerate(record["augment"]):
            seqs = training_sequences(tokenizer, aug, cot, fewshot, max_length)
            fp = fingerprint(seqs, settings)
            target = adapters_root / f"q{i:04d}-p{k}"
            info: dict[str, Any] = {"pid": aug["pid"], "path": str(target.relative_to(out_dir))}
            if _reusable(target, fp):
                stats["reused"] += 1
            elif reuse_identical and fp in done:
                with atomic_path(target, directory=True) as tmp:
                    shutil.copytree(done[fp], tmp, dirs_exist_ok=True)
                stats["reused"] += 1
            else:
                reset(peft_model, init_state)
                losses = train_passage(peft_model, seqs, epochs=epochs, lr=lr)
                state = current_state(peft_model)
                b_norm = float(sum(v.float().pow(2).sum() for key, v in state.items() if "lora_B" in key) ** 0.5)
                with atomic_path(target, directory=True) as tmp:
                    peft_model.save_pretrained(str(tmp))
                    write_json(tmp / "training.json", {"fingerprint": fp, "losses": losses, "lora_B_norm": b_norm,
                                                       "tokens": [len(s) for s in seqs]})
                stats["trained"] += 1
            done.setdefault(fp, target)
            training = read_json(target / "training.json")
            info.update(sha256=sha256_dir(target), n_sequences=len(seqs), tokens=sum(len(s) for s in seqs),
                        final_loss=training["losses"][-1] if training["losses"] else None,
                        lora_B_norm=training["lora_B_norm"])
            adapters.append(info)
            bar.update(1)
        entries.append({"qid": record["qid"], "adapters": adapters})
    bar.close()
    peft_model.unload()
    manifest = {"settings": settings, "cot": cot, "fewshot": fewshot, "questions": entries, **stats,
                "seconds": round(time.time() - started, 1)}
    write_json(out_dir / "manifest.json", manifest)
    log.info("encoded %d passages (%d trained, %d reused) in %.0fs", total, stats["trained"], stats["reused"], manifest["seconds"])
    return manifest
