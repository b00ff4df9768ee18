"""The CLI: a command per step (generated), --help for each, jobs given as JSON or made from a
config by hand (the same job either way), errors in users' data as one clear line and exit 1."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from parametric_rag.cli import build_parser, main
from parametric_rag.config import load_config
from parametric_rag.plan import Job, Plan
from parametric_rag.steps import STEPS

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


def test_every_step_is_a_command():
    assert set(COMMANDS) == {s.replace("_", "-") for s in STEPS} | {"check-config", "compare-retrieval"}


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    assert "usage: prag " + command in capsys.readouterr().out


def test_hand_run_makes_the_rules_job(capsys):
    """`prag infer --config config.yaml WILDCARDS` makes exactly the job the plan gives the rule."""
    wildcards = {"model": "smollm2-135m", "dataset": "fictional-popqa", "variant": "reference", "method": "prag"}
    assert main(["infer", "--config", str(ROOT / "config.yaml"), "--show",
                 *(f"{k}={v}" for k, v in wildcards.items())]) == 0
    shown = json.loads(capsys.readouterr().out)
    planned = Plan(load_config(ROOT / "config.yaml")).job("infer", wildcards)
    assert shown == json.loads(planned.to_json())
    assert main(["infer", "--job", planned.to_json(), "--show"]) == 0
    assert json.loads(capsys.readouterr().out) == shown


@pytest.mark.parametrize("args, message", [
    (["infer", "--job", Job("encode", {}, {}, {}).to_json()], "is a 'encode' job, not 'infer'"),
    (["infer", "--job", "{not json"], "--job: not a job record"),
    (["infer"], "give --job JSON, or --config FILE"),
    (["infer", "--config", str(ROOT / "config.yaml"), "model=smollm2-135m", "dataset=fictional-popqa",
      "variant=reference", "method=prag", "ptag=top3-00000000"], "ptag 'top3-00000000' is not made by this config"),
])
def test_job_errors_are_one_line(args, message, caplog):
    assert main(args) == 1
    assert message in caplog.text and "Traceback" not in caplog.text


def test_bad_data_is_one_clear_line(tmp_path):
    bad = tmp_path / "questions.json"
    bad.write_text('[{"question": "Who?", "answer": 3}]')
    job = Job("questions", {"files": [str(bad)]}, {"questions": str(tmp_path / "q.jsonl")},
              {"format": "custom", "split": "eval", "sample": 5, "translator_range": [0, 0], "roles": ["questions"]})
    proc = subprocess.run([sys.executable, "-m", "parametric_rag.cli", "questions", "--job", job.to_json()],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "questions.json" in proc.stderr and "answer" in proc.stderr
    assert not (tmp_path / "q.jsonl").exists()


@pytest.mark.parametrize("step, wildcards", [
    ("questions", "dataset=fictional-popqa split=eval"),
    ("retrieve", "dataset=fictional-popqa split=translator"),
    ("augment", "model=smollm2-135m dataset=fictional-popqa split=eval shard=000"),
    ("encode", "model=smollm2-135m dataset=fictional-2wiki split=eval shard=000"),
    ("train-translator", "model=smollm2-135m"),
    ("infer", "model=smollm2-135m dataset=fictional-2wiki variant=no_trailing_space method=icl"),
])
def test_hand_runs_may_leave_the_tag_out(step, wildcards, capsys):
    """With one point, a tagged step's tag is filled in: the job equals the one the rule gets."""
    assert main([step, "--config", str(ROOT / "config.yaml"), "--show", *wildcards.split()]) == 0
    job = Job.from_json(capsys.readouterr().out)
    plan = Plan(load_config(ROOT / "config.yaml"))
    tag_key = {"questions": "qtag", "retrieve": "rtag", "augment": "atag", "encode": "ltag",
               "train_translator": "ttag", "infer": "ptag"}[job.step]
    named = dict(w.split("=") for w in wildcards.split()) | {tag_key: job.tag}
    assert plan.job(job.step, named) == job
    assert all(f"/{job.tag}" in p for v in job.outputs.values() for p in (v if isinstance(v, list) else [v]))
