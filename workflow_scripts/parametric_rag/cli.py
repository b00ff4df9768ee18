"""``prag``: one subcommand per pipeline step, generated from :data:`parametric_rag.steps.STEPS`.

A step runs one job. Snakemake rules hand it the job that ``Plan.job`` made (``--job JSON``); by
hand, name config files (merged in order, as Snakemake merges ``--configfile``) and the job's
wildcards, and the same function makes the same job:

    prag infer --config config.yaml model=smollm2-135m dataset=fictional-popqa variant=reference method=prag

Tags (``ptag=...`` and the like) may be left out when the config has one point. ``--show``
prints the job instead of running it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__
from .config import ConfigError
from .download import DownloadError
from .io import InputError
from .retrieval import RetrievalError

log = logging.getLogger("parametric_rag")

#: Errors in users' data, config or environment: their message says it all (traceback at DEBUG).
USER_ERRORS = (InputError, ConfigError, RetrievalError, DownloadError, FileNotFoundError, IsADirectoryError,
               NotADirectoryError, PermissionError)


def _wildcard(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (a wildcard of the job), got {text!r}")
    return key, value


def _job(args: argparse.Namespace, step: str):
    """The job of a step command: given as JSON, or made from config files and wildcards."""
    from .plan import Job, Plan

    if args.job is not None:
        if args.config or args.wildcards:
            raise ConfigError("give either --job, or --config with wildcards, not both")
        try:
            job = Job.from_json(args.job)
        except (json.JSONDecodeError, TypeError) as e:
            raise ConfigError(f"--job: not a job record: {e}") from None
        if job.step != step:
            raise ConfigError(f"--job is a {job.step!r} job, not {step!r}")
        return job
    if not args.config:
        raise ConfigError(f"prag {step.replace('_', '-')}: give --job JSON, or --config FILE and the job's wildcards")
    from .config import load_config

    return Plan(load_config(*args.config)).job(step, dict(args.wildcards))


def build_parser() -> argparse.ArgumentParser:
    from .steps import STEPS

    parser = argparse.ArgumentParser(prog="prag", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check-config", help="validate config files (merged in order; defaults filled) and print the result")
    p.add_argument("config", type=Path, nargs="+")
    p.set_defaults(func=_check_config)

    p = sub.add_parser("compare-retrieval", help="how far two retrieval files' rankings agree")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    p.add_argument("--k", type=int, default=3, help="depth compared")
    p.set_defaults(func=_compare_retrieval)

    for name, fn in STEPS.items():
        doc = (fn.__doc__ or "").strip()
        p = sub.add_parser(name.replace("_", "-"), help=doc.split("\n")[0], description=doc)
        p.add_argument("--job", default=None, help="the job as JSON (what the Snakemake rule passes)")
        p.add_argument("--config", type=Path, action="append", default=[], help="config file (repeatable)")
        p.add_argument("--show", action="store_true", help="print the job (inputs, outputs, settings) and stop")
        p.add_argument("--threads", type=int, default=None, help="torch CPU threads (rules pass their threads)")
        p.add_argument("wildcards", nargs="*", type=_wildcard, metavar="KEY=VALUE", help="the job's wildcards")
        p.set_defaults(func=_step, step=name)
    return parser


def _check_config(args: argparse.Namespace) -> None:
    import yaml

    from .config import load_config

    print(yaml.safe_dump(load_config(*args.config), sort_keys=False))


def _compare_retrieval(args: argparse.Namespace) -> None:
    from .retrieval.compare import compare_files

    print(json.dumps(compare_files(args.a, args.b, args.k), indent=2))


def _step(args: argparse.Namespace) -> None:
    from .steps import run_job

    job = _job(args, args.step)
    if args.show:
        print(json.dumps(json.loads(job.to_json()), indent=2))
        return
    run_job(job, args.threads)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``prag`` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        args.func(args)
    except USER_ERRORS as e:
        log.error("%s: %s", type(e).__name__, e)
        log.debug("traceback", exc_info=True)
        return 1
    except Exception:
        log.exception("%s failed", args.command)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
