"""One function per pipeline step: read inputs, call the method code, write outputs atomically.

The CLI (and so every Snakemake rule) calls these with paths and plain options only.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

from .io import read_jsonl, write_json, write_jsonl

log = logging.getLogger(__name__)


def shard_of(records: Sequence[dict], shard: int, size: int) -> list[dict]:
    """Records of shard ``shard`` (0-based) when a split is cut into shards of ``size``."""
    return list(records[shard * size:(shard + 1) * size])


def set_threads(threads: int | None) -> None:
    """Limit torch's CPU threads to what the scheduler gave the job."""
    if threads:
        import torch

        torch.set_num_threads(threads)


# -- data ------------------------------------------------------------------------------------

def questions(fmt: str, files: dict[str, str], split: str, out: Path, *, sample: int, translator: tuple[int, int]) -> int:
    """Load raw files and write one split's normalised questions."""
    from .datasets import load_questions, split_questions

    by_subset = load_questions(fmt, files)
    chosen = split_questions(by_subset, sample, translator if split == "translator" else (0, 0))[split]
    n = write_jsonl(out, chosen)
    log.info("%s split: %d questions from %s", split, n, {k: len(v) for k, v in by_subset.items()})
    return n


# -- retrieval -------------------------------------------------------------------------------

def truncate_query(text: str, tokenizer: Any, max_tokens: int) -> str:
    """Keep the last ``max_tokens`` tokens of a query (left truncation)."""
    if tokenizer is None:
        return text
    ids = tokenizer.encode(text, add_special_tokens=False)
    return text if len(ids) <= max_tokens else tokenizer.decode(ids[-max_tokens:])


def retrieve(questions_file: Path, out: Path, *, backend: str, index: Path, settings: dict, k: int,
             tokenizer_ref: str | None, query_max_tokens: int) -> int:
    """Write ``k`` ranked candidates per question; questions with their own passages keep them."""
    from .models import load_tokenizer
    from .retrieval import open_retriever

    qs = read_jsonl(questions_file)
    tokenizer = load_tokenizer(tokenizer_ref) if tokenizer_ref else None
    queries = [truncate_query(q["question"], tokenizer, query_max_tokens) for q in qs]
    to_search = [i for i, q in enumerate(qs) if not q.get("passages")]
    hits: dict[int, list[dict]] = {}
    if to_search:
        retriever = open_retriever(backend, index, settings)
        batch = 256
        for start in range(0, len(to_search), batch):
            idx = to_search[start:start + batch]
            for i, ranked in zip(idx, retriever.search([queries[i] for i in idx], k)):
                hits[i] = [h.as_candidate() for h in ranked]
    records = []
    for i, q in enumerate(qs):
        if q.get("passages"):
            cands = [{"pid": f"{q['qid']}#{j}", "title": "", "text": p, "score": None} for j, p in enumerate(q["passages"])]
        else:
            cands = hits.get(i, [])
        records.append({"qid": q["qid"], "query": queries[i], "candidates": cands})
    return write_jsonl(out, records)


# -- augmentation ----------------------------------------------------------------------------

def augment(questions_file: Path, retrieval_file: Path | None, out: Path, *, shard: int, shard_size: int, topk: int,
            source: str, table: Path | None = None, imported: Path | None = None, model_ref: str | None = None,
            device: str = "auto", dtype: str = "float32", generation: dict | None = None, seed: int = 42) -> int:
    """Augment one shard's questions with ``source``: "generate", "table" or "imported" (a slice)."""
    from .augment.select import select_and_augment

    qs = shard_of(read_jsonl(questions_file), shard, shard_size)
    if source == "imported":
        by_qid = {r["qid"]: r for r in read_jsonl(imported)}
        return write_jsonl(out, [by_qid[q["qid"]] for q in qs])
    cands = {r["qid"]: r["candidates"] for r in read_jsonl(retrieval_file)}
    missing = [q["qid"] for q in qs if q["qid"] not in cands]
    if missing:
        raise KeyError(f"{retrieval_file}: no candidates for questions {missing[:5]}")
    if source == "table":
        from .augment.table import TableAugmenter

        augmenter: Any = TableAugmenter(table)
    elif source == "generate":
        import torch

        from .augment.generate import GenerationAugmenter
        from .models import load_model, load_tokenizer

        torch.manual_seed(seed)
        tokenizer = load_tokenizer(model_ref)
        augmenter = GenerationAugmenter(load_model(model_ref, device, dtype), tokenizer, **(generation or {}))
    else:
        raise ValueError(f"unknown augmentation source {source!r}")
    records = select_and_augment(qs, cands, augmenter, topk) if qs else []
    kept = sum(len(r["augment"]) for r in records)
    log.info("shard %d: %d questions, %d passages kept (%s)", shard, len(records), kept, augmenter.stats)
    return write_jsonl(out, records)


def import_augmented(questions_file: Path, files: dict[str, Path], out: Path, *, topk: int,
                     model_key: str | None) -> int:
    """Import reference ``data_aug`` files as this pipeline's augmented records of a split."""
    from .augment.reference_import import import_data_aug

    return write_jsonl(out, import_data_aug(files, read_jsonl(questions_file), topk, model_key))


# -- encoding --------------------------------------------------------------------------------

def init_adapter(model_ref: str, out: Path, *, rank: int, alpha: int, seed: int) -> dict:
    """Create the seeded initial adapter shared by every passage of a model and LoRA shape."""
    from .lora.adapter import LoraShape
    from .lora.encode import create_initial_adapter
    from .models import load_model

    return create_initial_adapter(load_model(model_ref, "cpu", "float32"), LoraShape(rank, alpha), seed, out)


def encode(model_ref: str, augmented: Path, init_dir: Path, manifest: Path, *, rank: int, alpha: int, epochs: int,
           lr: float, cot: bool, fewshot: str | None, max_length: int, reuse_identical: bool, device: str,
           dtype: str) -> dict:
    """Train one adapter per kept passage of a shard; the manifest is written last."""
    from .lora.adapter import LoraShape
    from .lora.encode import encode_shard
    from .models import load_model, load_tokenizer

    records = read_jsonl(augmented)
    model = load_model(model_ref, device, dtype) if records else None
    tokenizer = load_tokenizer(model_ref) if records else None
    if not records:
        write_json(manifest, {"questions": [], "trained": 0, "reused": 0})
        return {}
    return encode_shard(model, tokenizer, records, init_dir=init_dir, out_dir=manifest.parent,
                        shape=LoraShape(rank, alpha), epochs=epochs, lr=lr, cot=cot, fewshot=fewshot,
                        max_length=max_length, reuse_identical=reuse_identical)


# -- inference -------------------------------------------------------------------------------

def infer(model_ref: str, method: str, augmented: Sequence[Path], out_dir: Path, *, cot: bool, fewshot: str | None,
          max_new_tokens: int, batch_size: int, prompt_variant: str, device: str, dtype: str,
          manifests: Sequence[Path] = (), translator: dict | None = None, settings: dict | None = None) -> dict:
    """Predict with one method over a dataset's evaluation shards; write predictions and metrics.

    ``translator`` (DyPRAG methods): checkpoint, rank, alpha, width, merge, delta_scaling.
    """
    from .inference import METHODS, predict
    from .lora.store import LoraDeltas
    from .metrics import aggregate
    from .models import load_model, load_tokenizer
    from .provenance import provenance

    records = [r for path in augmented for r in read_jsonl(path)]
    model, tokenizer = load_model(model_ref, device, dtype), load_tokenizer(model_ref)
    source = METHODS[method].parameters
    deltas: Any = None
    parameter_files: list = []  # what the parameters came from, for the provenance record
    if source == "lora":
        deltas, parameter_files = LoraDeltas(manifests), list(manifests)
    elif source == "translator":
        if not translator:
            raise ValueError(f"method {method!r} needs a translator checkpoint")
        options = {k: v for k, v in translator.items() if k != "checkpoint"}
        deltas = translator_deltas(model, tokenizer, Path(translator["checkpoint"]), **options)
        parameter_files = [translator["checkpoint"]]
    preds = predict(model, tokenizer, records, method=method, cot=cot, fewshot=fewshot, max_new_tokens=max_new_tokens,
                    batch_size=batch_size, deltas=deltas, prompt_variant=prompt_variant)
    metrics = aggregate(preds)
    subsets: dict[str, list[dict]] = {}
    for p in preds:
        subsets.setdefault(p["subset"], []).append(p)
    metrics["subsets"] = {name: aggregate(rows) for name, rows in subsets.items()}
    metrics["provenance"] = provenance(settings or {}, list(augmented) + parameter_files)
    write_jsonl(out_dir / "predictions.jsonl", preds)
    write_json(out_dir / "metrics.json", metrics)
    log.info("%s: n=%d em=%.4f f1=%.4f", method, metrics["n"], metrics["em"], metrics["f1"])
    return metrics


# -- DyPRAG translator -----------------------------------------------------------------------

TranslatorShard = tuple[str, Path, Path, bool, "str | None"]  # dataset, manifest, augmented shard, cot, fewshot


def translator_samples(shards: Sequence[TranslatorShard], tokenizer: Any, *, sample_rate: float, seed: int,
                       max_length: int = 3000) -> list:
    """Training samples from the encoded translator splits: each passage's first training sequence.

    ``sample_rate`` keeps that fraction of each sub-type's questions (seeded), all their passages.
    """
    import random

    from .lora.sequences import training_sequences
    from .lora.store import adapter_index
    from .translator.train import Sample

    by_subset: dict[tuple[str, str], list[tuple[dict, list[Path], bool, str | None]]] = {}
    for dataset, manifest, augmented, cot, fewshot in shards:
        adapters = adapter_index([manifest])
        for record in read_jsonl(augmented):
            by_subset.setdefault((dataset, record["subset"]), []).append((record, adapters[record["qid"]], cot, fewshot))
    rng = random.Random(seed)
    samples = []
    for key in sorted(by_subset):
        items = by_subset[key]
        chosen = sorted(rng.sample(range(len(items)), int(len(items) * sample_rate)))
        for i in chosen:
            record, dirs, cot, fewshot = items[i]
            for aug, adapter in zip(record["augment"], dirs):
                seq = training_sequences(tokenizer, aug, cot, fewshot, max_length)[0]
                samples.append(Sample(f"{record['qid']}/{aug['pid']}", aug["passage"], seq, adapter))
    return samples


def train_translator(model_ref: str, shards: Sequence[TranslatorShard], out_dir: Path, *,
                     epochs: int, lr: float, width: int, rank: int, sample_rate: float, seed: int, kl_weight: float,
                     mse_weight: float, delta_scaling: str, device: str, dtype: str) -> list[dict]:
    """Train the parameter translator; write a checkpoint per epoch, losses.csv and losses.png."""
    import torch

    from .models import load_model, load_tokenizer
    from .translator.module import ParameterTranslator, parameter_count, save_checkpoint
    from .translator.plot import write_losses
    from .translator.train import Weights, train_translator as train

    model, tokenizer = load_model(model_ref, device, dtype), load_tokenizer(model_ref)
    samples = translator_samples(shards, tokenizer, sample_rate=sample_rate, seed=seed)
    torch.manual_seed(seed)
    translator = ParameterTranslator.for_model(model, rank=rank, width=width)
    log.info("translator: %d parameters, %d training passages", parameter_count(translator), len(samples))
    meta = {"width": width, "rank": rank, "lr": lr, "sample_rate": sample_rate, "seed": seed, "samples": len(samples)}
    history = train(model, tokenizer, translator, samples, epochs=epochs, lr=lr, seed=seed,
                    weights=Weights(kl_weight, mse_weight, delta_scaling),
                    on_epoch_end=lambda e: save_checkpoint(translator, out_dir / f"epoch_{e}.pt", {"epoch": e, **meta}))
    write_losses(history, out_dir / "losses.csv", out_dir / "losses.png")
    return history


def import_translator(model_ref: str, checkpoint: Path, out: Path, *, width: int, rank: int) -> None:
    """Check that a released translator fits the model, then store it as a pipeline checkpoint."""
    from .models import load_model
    from .translator.module import ParameterTranslator, load_checkpoint, save_checkpoint

    translator = ParameterTranslator.for_model(load_model(model_ref, "cpu"), rank=rank, width=width)
    try:
        load_checkpoint(translator, checkpoint)
    except (RuntimeError, KeyError) as e:
        raise ValueError(f"{checkpoint}: not a translator for this model with rank {rank} and width {width}: {e}") from e
    save_checkpoint(translator, out, {"imported_from": str(checkpoint)})


def translator_deltas(model: Any, tokenizer: Any, checkpoint: Path, *, rank: int, alpha: int, width: int, merge: str,
                      delta_scaling: str) -> Any:
    """The DyPRAG delta source for inference from a translator checkpoint."""
    from .translator.deltas import TranslatorDeltas
    from .translator.module import ParameterTranslator, load_checkpoint

    translator = ParameterTranslator.for_model(model, rank=rank, width=width)
    load_checkpoint(translator, checkpoint)
    translator.to(next(model.parameters()).device).eval()
    return TranslatorDeltas(model, tokenizer, translator, merge=merge,
                            scaling=alpha / rank if delta_scaling == "peft" else 1.0)
