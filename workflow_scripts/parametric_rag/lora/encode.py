"""Encoding a shard of questions: one PEFT adapter per (question, passage), manifest last.

Checksums: each adapter's ``training.json`` (written last in its folder) records the sha256 of
the adapter's files, and the manifest records each adapter folder's sha256 and is sealed with
its own content checksum (:func:`parametric_rag.io.sealed`). Resuming reuses an adapter only when
its files still match ``training.json``; loading (:mod:`.store`) checks them against the manifest.
"""

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

from ..io import InputError, atomic_path, read_json, sealed, sha256_dir, write_json
from ..records import Augmented
from .adapter import (INIT_RECORD, TRAINING_RECORD, LoraShape, current_state, load_state, reset, save_adapter,
                      verify_adapter, wrap)
from .batched import group_passages, train_passages
from .sequences import training_sequences
from .train import train_passage

log = logging.getLogger(__name__)

def create_initial_adapter(model: Any, shape: LoraShape, seed: int, out: Path) -> dict:
    """Save the seeded initial adapter every passage of this model and shape starts from."""
    torch.manual_seed(seed)
    peft_model = wrap(model, shape)
    with atomic_path(out, directory=True) as tmp:
        save_adapter(peft_model, tmp, INIT_RECORD,
                     {"seed": seed, "rank": shape.rank, "alpha": shape.alpha, "targets": list(shape.targets)})
    peft_model.unload()
    return {"seed": seed, "sha256": sha256_dir(out)}


def fingerprint(sequences: Sequence[Sequence[int]], settings: dict) -> str:
    """Identifies a training run: same sequences, settings and start -> the same adapter."""
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for seq in sequences:
        h.update(b"|" + ",".join(map(str, seq)).encode())
    return h.hexdigest()


def _reusable(adapter_dir: Path, fp: str) -> bool:
    """Whether a finished adapter of this training run is there, its files as they were written.
    A damaged one is trained again, with a warning naming it (resuming is for rebuilding)."""
    marker = adapter_dir / TRAINING_RECORD
    if not marker.is_file():
        return False
    try:
        if read_json(marker).get("fingerprint") != fp:
            return False
        verify_adapter(adapter_dir, TRAINING_RECORD)
    except InputError as e:
        log.warning("not reusing %s, training it again: %s: %s", adapter_dir, e.path, e.problem)
        return False
    return True


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
    batch_passages: int = 1,
) -> dict:
    """Train every kept passage of ``records``; write ``out_dir/manifest.json`` last.

    Adapters live in ``out_dir/adapters/q{i}-p{k}``. An adapter whose training fingerprint
    matches a finished one (same passage data and settings; training is deterministic) is
    copied instead of retrained, which also resumes an interrupted shard. The manifest holds no
    timings (they go to the log), so that reruns write the same bytes.

    With ``batch_passages`` > 1 the passages to train are first trained ``batch_passages`` at a
    time (:mod:`.batched`: the same training, up to float rounding), then the loop below finds
    them done; 1 trains each alone in the loop, as always.
    """
    verify_adapter(init_dir, INIT_RECORD)
    init_state = load_state(init_dir)
    peft_model = wrap(model, shape)
    settings = {"rank": shape.rank, "alpha": shape.alpha, "targets": list(shape.targets), "epochs": epochs, "lr": lr,
                "max_length": max_length, "init": sha256_dir(init_dir, cached=True)}
    if batch_passages > 1:  # float rounding differs from training alone: part of the training run
        settings["batch_passages"] = batch_passages
    adapters_root = out_dir / "adapters"
    adapters_root.mkdir(parents=True, exist_ok=True)
    done: dict[str, Path] = {}
    entries = []
    total = sum(len(r["augment"]) for r in records)
    started = time.monotonic()
    stats = {"trained": 0, "reused": 0}
    pretrained = (_train_batched(peft_model, init_state, tokenizer, records, settings, adapters_root, shape=shape,
                                 epochs=epochs, lr=lr, cot=cot, fewshot=fewshot, max_length=max_length,
                                 reuse_identical=reuse_identical, batch_passages=batch_passages)
                  if batch_passages > 1 else set())
    bar = tqdm(total=total, desc="encode", unit="passage")
    for i, record in enumerate(records):
        adapters = []
        for k, aug in enumerate(record["augment"]):
            seqs = training_sequences(tokenizer, aug, cot, fewshot, max_length)
            fp = fingerprint(seqs, settings)
            target = adapters_root / f"q{i:04d}-p{k}"
            info: dict[str, Any] = {"pid": aug["pid"], "path": str(target.relative_to(out_dir))}
            if target in pretrained:
                stats["trained"] += 1
            elif _reusable(target, fp):
                stats["reused"] += 1
            elif reuse_identical and fp in done:
                with atomic_path(target, directory=True) as tmp:
                    shutil.copytree(done[fp], tmp, dirs_exist_ok=True)
                stats["reused"] += 1
            else:
                _train(peft_model, init_state, seqs, fp, target, epochs=epochs, lr=lr)
                stats["trained"] += 1
            done.setdefault(fp, target)
            training = read_json(target / TRAINING_RECORD)
            info.update(sha256=sha256_dir(target, cached=True), n_sequences=len(seqs), tokens=sum(len(s) for s in seqs),
                        final_loss=training["losses"][-1] if training["losses"] else None,
                        lora_B_norm=training["lora_B_norm"])
            adapters.append(info)
            bar.update(1)
        entries.append({"qid": record["qid"], "adapters": adapters})
    bar.close()
    peft_model.unload()
    manifest = sealed({"settings": settings, "cot": cot, "fewshot": fewshot, "questions": entries, **stats})
    write_json(out_dir / "manifest.json", manifest)
    log.info("encoded %d passages (%d trained, %d reused) in %.0fs", total, stats["trained"], stats["reused"],
             time.monotonic() - started)
    return manifest


def _train(peft_model: Any, init_state: dict, seqs: Sequence[Sequence[int]], fp: str, target: Path, *,
           epochs: int, lr: float) -> None:
    """Train one passage's adapter from the initial state and save it (record last)."""
    reset(peft_model, init_state)
    losses = train_passage(peft_model, seqs, epochs=epochs, lr=lr)
    _save(peft_model, seqs, fp, target, losses)


def _save(peft_model: Any, seqs: Sequence[Sequence[int]], fp: str, target: Path, losses: list[float]) -> None:
    """Save the active adapter as a passage's adapter (record last)."""
    state = current_state(peft_model)
    b_norm = float(sum(v.float().pow(2).sum() for key, v in state.items() if "lora_B" in key) ** 0.5)
    with atomic_path(target, directory=True) as tmp:
        save_adapter(peft_model, tmp, TRAINING_RECORD,
                     {"fingerprint": fp, "losses": losses, "lora_B_norm": b_norm, "tokens": [len(s) for s in seqs]})


def _train_batched(peft_model: Any, init_state: dict, tokenizer: Any, records: Sequence[Augmented], settings: dict,
                   adapters_root: Path, *, shape: LoraShape, epochs: int, lr: float, cot: bool, fewshot: str | None,
                   max_length: int, reuse_identical: bool, batch_passages: int) -> set[Path]:
    """Train, ``batch_passages`` at a time, the passages :func:`encode_shard`'s loop would train
    (not finished already, not a repeat of an earlier passage's training data), grouped by
    number of sequences and tokens; save each as the loop would. Returns their folders."""
    todo: list[tuple[list[list[int]], str, Path]] = []
    seen: set[str] = set()
    for i, record in enumerate(records):
        for k, aug in enumerate(record["augment"]):
            seqs = training_sequences(tokenizer, aug, cot, fewshot, max_length)
            fp = fingerprint(seqs, settings)
            target = adapters_root / f"q{i:04d}-p{k}"
            if not _reusable(target, fp) and not (reuse_identical and fp in seen):
                todo.append((seqs, fp, target))
            seen.add(fp)
    groups = group_passages([(len(s), sum(map(len, s))) for s, _, _ in todo], batch_passages)
    bar = tqdm(total=len(todo), desc=f"encode (batches of {batch_passages})", unit="passage")
    for group in groups:
        results = train_passages(peft_model, init_state, [todo[j][0] for j in group], epochs=epochs, lr=lr,
                                 scaling=shape.scaling)
        for j, (state, losses) in zip(group, results):
            seqs, fp, target = todo[j]
            reset(peft_model, state)
            _save(peft_model, seqs, fp, target, losses)
        bar.update(len(group))
    bar.close()
    return {target for _, _, target in todo}
