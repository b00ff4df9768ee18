"""One function per pipeline step: read a job's inputs, call the method code, write its outputs.

Each step takes a :class:`~parametric_rag.plan.Job` (made by :meth:`Plan.job` from the config
and the job's wildcards) and nothing else; the CLI exposes every function of :data:`STEPS` as
``prag <step>``. Outputs are written atomically, the job's primary output last.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from .io import (InputError, read_jsonl, read_jsonl_checksummed, sealed, write_json, write_jsonl, write_jsonl_checksummed,
                 write_text)
from .plan import Job

log = logging.getLogger(__name__)


def set_threads(threads: int | None) -> None:
    """Limit torch's CPU threads to what the scheduler gave the job."""
    if threads:
        import torch

        torch.set_num_threads(threads)


def _model(job: Job) -> tuple[Any, Any]:
    """The job's model and tokenizer, on its device and dtype."""
    from .models import load_model, load_tokenizer

    compute = job.settings["compute"]
    ref = job.settings["model_ref"]
    return load_model(ref, compute["device"], compute["dtype"]), load_tokenizer(ref)


# -- data ------------------------------------------------------------------------------------

def prepare_model(job: Job) -> dict:
    """Convert a GGUF model shipped in a Python package into a checkpoint."""
    from .models import prepare_checkpoint

    s = job.settings
    return prepare_checkpoint(s["package"], s["file"], Path(job.outputs["manifest"]).parent)


def download(job: Job) -> Path:
    """Download a public file, verifying (or recording) its sha256."""
    from .download import download as fetch

    s = job.settings
    return fetch(s["url"], Path(job.outputs["file"]), sha256=s["sha256"], record=Path(s["record"]), log=log)


def unpack(job: Job) -> Path:
    """Take one file out of a downloaded archive (or decompress a .gz)."""
    from .download import extract

    return extract(job.inputs["archive"], job.settings["member"], job.outputs["file"])


def questions(job: Job) -> int:
    """Load a dataset's raw files and write one split's normalised questions."""
    from .datasets import load_questions, split_questions

    s = job.settings
    by_subset = load_questions(s["format"], dict(zip(s["roles"], job.inputs["files"])))
    translator = tuple(s["translator_range"]) if s["split"] == "translator" else (0, 0)
    chosen = split_questions(by_subset, s["sample"], translator)[s["split"]]
    n = write_jsonl_checksummed(job.outputs["questions"], chosen)
    log.info("%s split: %d questions from %s", s["split"], n, {k: len(v) for k, v in by_subset.items()})
    return n


# -- retrieval -------------------------------------------------------------------------------

def index(job: Job) -> Any:
    """Build the BM25 index of a DPR-format corpus."""
    from .retrieval import build_index

    s = job.settings
    return build_index(s["backend"], Path(job.inputs["corpus"]), Path(job.outputs["index"]), s["backend_settings"])


def retrieve(job: Job) -> int:
    """Write ``k`` ranked candidates per question of a split."""
    from .models import load_tokenizer
    from .retrieval.queries import retrieve_questions

    s = job.settings
    tokenizer = load_tokenizer(s["query_tokenizer"]) if s["query_tokenizer"] else None
    records = retrieve_questions(read_jsonl(job.inputs["questions"]), backend=s["backend"],
                                 index=Path(job.inputs["index"]), settings=s["backend_settings"], k=s["k"],
                                 tokenizer=tokenizer, query_max_tokens=s["query_max_tokens"])
    return write_jsonl(job.outputs["retrieval"], records)


# -- augmentation ----------------------------------------------------------------------------

def _by_qid(path: str, qs: list[dict], read: Callable[[str], list[dict]] = read_jsonl) -> dict[str, dict]:
    """The records of ``path`` by qid; a question of ``qs`` without one is an error."""
    by_qid = {r["qid"]: r for r in read(path)}
    missing = [q["qid"] for q in qs if q["qid"] not in by_qid]
    if missing:
        raise InputError(path, f"qid {missing[0]!r}", "qid", f"no record for {len(missing)} question(s) of the "
                         f"shard: {missing[:5]}; rebuild it from the same questions file")
    return by_qid


def augment(job: Job) -> int:
    """Augment one shard: the first ``topk`` candidates whose rewrite and three QA pairs succeed;
    the passages dropped are listed per question, and a question left with too few passages fails
    the job (``augment.min_passages_per_question``, ``augment.max_dropped_fraction``)."""
    from .augment.quality import Limits, check_fraction, check_question, summary
    from .augment.select import check_candidates, select_and_augment

    s, inputs = job.settings, job.inputs
    size = s["shard_size"]
    qs = read_jsonl(inputs["questions"])[s["shard"] * size:(s["shard"] + 1) * size]
    out = job.outputs["augmented"]
    if s["source"] == "import":
        by_qid = _by_qid(inputs["imported"], qs, read_jsonl_checksummed)
        return write_jsonl_checksummed(out, [by_qid[q["qid"]] for q in qs])
    retrieval = _by_qid(inputs["retrieval"], qs)
    cands = {q["qid"]: check_candidates(retrieval[q["qid"]], inputs["retrieval"]) for q in qs}
    if s["source"] == "table":
        from .augment.table import TableAugmenter

        augmenter: Any = TableAugmenter(Path(inputs["table"]))
    else:
        import torch

        from .augment.generate import GenerationAugmenter

        torch.manual_seed(s["seed"])
        model, tokenizer = _model(job)
        augmenter = GenerationAugmenter(model, tokenizer, **s["generation"])
    records = select_and_augment(qs, cands, augmenter, s["topk"]) if qs else []
    limits = Limits.from_settings(s)
    for r in records:
        check_question(r, limits, inputs["retrieval"], f"qid {r['qid']!r}", "candidates")
    check_fraction(records, limits, inputs["retrieval"], "candidates")
    log.info("shard %d: %s (%s)", s["shard"], summary(records, s["topk"]), augmenter.stats)
    return write_jsonl_checksummed(out, records)


def import_augmented(job: Job) -> int:
    """Import the reference toolkit's ``data_aug`` files as a split's augmented records."""
    from .augment.quality import Limits
    from .augment.reference_import import import_data_aug

    s = job.settings
    files = {subset: Path(p) for subset, p in zip(s["subsets"], job.inputs["files"])}
    records = import_data_aug(files, read_jsonl(job.inputs["questions"]), s["topk"], s["model_key"],
                              Limits.from_settings(s))
    return write_jsonl_checksummed(job.outputs["imported"], records)


# -- encoding --------------------------------------------------------------------------------

def init_adapter(job: Job) -> dict:
    """Create the seeded initial LoRA adapter shared by every passage of a model and shape."""
    from .lora.adapter import LoraShape
    from .lora.encode import create_initial_adapter
    from .models import load_model

    s = job.settings
    return create_initial_adapter(load_model(s["model_ref"], "cpu", "float32"), LoraShape(s["rank"], s["alpha"]),
                                  s["seed"], Path(job.outputs["adapter"]))


def encode(job: Job) -> dict:
    """Train one LoRA per kept passage of an augmented shard; the manifest is written last."""
    from .lora.adapter import LoraShape
    from .lora.encode import encode_shard

    s = job.settings
    manifest = Path(job.outputs["manifest"])
    records = read_jsonl_checksummed(job.inputs["augmented"])
    if not records:
        write_json(manifest, sealed({"questions": [], "trained": 0, "reused": 0}))
        return {}
    batch_passages = s.get("batch_passages", 1)  # set only above 1 (then also in the LoRA tag)
    model, tokenizer = _model(job)
    return encode_shard(model, tokenizer, records, init_dir=Path(job.inputs["init"]), out_dir=manifest.parent,
                        shape=LoraShape(s["rank"], s["alpha"]), epochs=s["epochs"], lr=s["lr"], cot=s["cot"],
                        fewshot=s["fewshot"], max_length=s["max_length"], reuse_identical=s["reuse_identical"],
                        batch_passages=batch_passages)


# -- DyPRAG translator -----------------------------------------------------------------------

def train_translator(job: Job) -> list[dict]:
    """Train the parameter translator; write a checkpoint per epoch, losses.csv and losses.png."""
    import torch

    from .translator.module import ParameterTranslator, parameter_count, save_checkpoint
    from .translator.plot import write_losses
    from .translator.samples import TranslatorShard, translator_samples
    from .translator.train import Weights, train_translator as train

    s = job.settings
    model, tokenizer = _model(job)
    shards = [TranslatorShard.from_dict(d) for d in s["shards"]]
    samples = translator_samples(shards, tokenizer, sample_rate=s["sample_rate"], seed=s["seed"],
                                 max_length=s["max_length"])
    torch.manual_seed(s["seed"])
    translator = ParameterTranslator.for_model(model, rank=s["rank"], width=s["width"])
    log.info("translator: %d parameters, %d training passages", parameter_count(translator), len(samples))
    meta = {k: s[k] for k in ("width", "rank", "lr", "sample_rate", "seed")} | {"samples": len(samples)}
    checkpoints = job.outputs["checkpoints"]
    history = train(model, tokenizer, translator, samples, epochs=s["epochs"], lr=s["lr"], seed=s["seed"],
                    weights=Weights(s["kl_weight"], s["mse_weight"], s["delta_scaling"]), max_length=s["max_length"],
                    on_epoch_end=lambda e: save_checkpoint(translator, Path(checkpoints[e]), {"epoch": e, **meta}))
    write_losses(history, Path(job.outputs["losses"]), Path(job.outputs["plot"]))
    return history


def import_translator(job: Job) -> None:
    """Check that a released translator fits the model, then store it as a pipeline checkpoint."""
    from .models import load_model
    from .translator.module import CheckpointError, ParameterTranslator, load_checkpoint, save_checkpoint

    s = job.settings
    checkpoint = Path(job.inputs["checkpoint"])
    translator = ParameterTranslator.for_model(load_model(s["model_ref"], "cpu"), rank=s["rank"], width=s["width"])
    try:
        load_checkpoint(translator, checkpoint)
    except CheckpointError as e:
        raise CheckpointError(checkpoint, f"not a translator for this model with rank {s['rank']} and width "
                                          f"{s['width']}: {e.problem}", e.remedy) from e
    save_checkpoint(translator, Path(job.outputs["checkpoint"]), {"imported_from": str(checkpoint)})


# -- inference -------------------------------------------------------------------------------

def infer(job: Job) -> dict:
    """Predict and score a dataset's evaluation questions with one method; write predictions and
    metrics (with the job's settings and input checksums as provenance)."""
    from .inference import predict
    from .lora.store import LoraDeltas
    from .metrics import aggregate
    from .provenance import provenance
    from .registry import METHODS

    s, inputs = job.settings, job.inputs
    records = [r for path in inputs["augmented"] for r in read_jsonl_checksummed(path)]
    model, tokenizer = _model(job)
    source = METHODS[s["method"]].parameters
    deltas: Any = None
    parameter_files: list[str] = []  # what the parameters came from, for the provenance record
    if source == "lora":
        deltas, parameter_files = LoraDeltas([Path(m) for m in inputs["manifests"]]), list(inputs["manifests"])
    elif source == "translator":
        from .translator.deltas import TranslatorDeltas

        deltas = TranslatorDeltas.from_checkpoint(model, tokenizer, Path(inputs["translator"]),
                                                  **s["translator_options"])
        parameter_files = [inputs["translator"]]
    preds = predict(model, tokenizer, records, method=s["method"], cot=s["cot"], fewshot=s["fewshot"],
                    max_new_tokens=s["max_new_tokens"], batch_size=s["batch_size"], deltas=deltas,
                    prompt_variant=s["prompt_variant"], reuse_prefix=s.get("reuse_prefix", False),
                    prompt_lookup=s.get("prompt_lookup", 0))
    metrics = aggregate(preds)
    subsets: dict[str, list[dict]] = {}
    for p in preds:
        subsets.setdefault(p["subset"], []).append(p)
    metrics["subsets"] = {name: aggregate(rows) for name, rows in subsets.items()}
    metrics["provenance"] = provenance(s, list(inputs["augmented"]) + parameter_files)
    write_jsonl(job.outputs["predictions"], preds)
    write_json(job.outputs["metrics"], metrics)
    log.info("%s: n=%d em=%.4f f1=%.4f", s["method"], metrics["n"], metrics["em"], metrics["f1"])
    return metrics


def report(job: Job) -> Any:
    """metrics.csv, f1.md and the F1 plot over the runs of a config (intervals, paired tests),
    per-question comparisons, what augmentation kept and dropped, and the published table's
    comparison when one is configured."""
    from .comparison import wins_markdown, write_per_question, write_published
    from .registry import PATHS
    from .report import Options, data_quality_markdown, write_report

    s, o = job.settings, job.outputs
    options = Options.from_settings(s)
    runs = s["runs"]
    df = write_report(runs, options, Path(o["csv"]), Path(o["markdown"]), Path(o["plot"]))
    for path in o["per_question"]:
        write_per_question([r for r in runs if PATHS["per_question"].format(**r) == path], Path(path))
    write_text(o["wins"], wins_markdown(runs, options.baselines[0]))
    write_text(o["data_quality"], data_quality_markdown(s["augmented"]))
    if s["published"]:
        write_published(df, Path(job.inputs["published"]), Path(o["published_csv"]), Path(o["published_md"]))
    return df


def output_paths(job: Job) -> list[Path]:
    """Every output file or directory of a job."""
    return [Path(p) for v in job.outputs.values() for p in (v if isinstance(v, list) else [v])]


def run_job(job: Job, threads: int | None = None) -> Any:
    """Run a job with ``threads`` torch CPU threads: its settings record first (tagged steps), then
    the step, whose outputs come last. A failed step leaves no record beside outputs it never made."""
    set_threads(threads)
    if not job.record:
        return STEPS[job.step](job)
    write_json(job.record, {"step": job.step, "tag": job.tag, "settings": job.tagged})
    try:
        return STEPS[job.step](job)
    except BaseException:
        if not any(p.exists() for p in output_paths(job)):
            Path(job.record).unlink(missing_ok=True)
        raise


#: ``prag <step>`` for each (rules and hand runs alike).
STEPS: dict[str, Callable[[Job], Any]] = {f.__name__: f for f in (
    prepare_model, download, unpack, questions, index, retrieve, augment, import_augmented, init_adapter, encode,
    train_translator, import_translator, infer, report)}
