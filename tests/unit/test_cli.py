"""The CLI: every step has --help; errors in users' data give one clear line and exit 1."""

import subprocess
import sys
from pathlib import Path

import pytest

from parametric_rag.cli import build_parser, main

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


def test_every_rule_step_is_a_command():
    assert {"benchmark", "download", "unpack", "prepare-model", "questions", "index", "retrieve", "augment",
            "import-augmented", "init-adapter", "encode", "train-translator", "import-translator", "infer",
            "report", "compare-retrieval", "check-config"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    assert "usage: prag " + command in capsys.readouterr().out


def test_bad_data_is_one_clear_line(tmp_path):
    bad = tmp_path / "questions.json"
    bad.write_text('[{"question": "Who?", "answer": 3}]')
    proc = subprocess.run([sys.executable, "-m", "parametric_rag.cli", "questions", "--format", "custom", "--file",
                           f"questions={bad}", "--split", "eval", "--sample", "5", "--out", str(tmp_path / "q.jsonl")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "questions.json" in proc.stderr and "answer" in proc.stderr
    assert not (tmp_path / "q.jsonl").exists()


@pytest.mark.parametrize("prompt, cot, fewshot", [("direct", False, None), ("cot", True, None),
                                                  ("cot:hotpotqa", True, "hotpotqa")])
def test_translator_shard_prompt(prompt, cot, fewshot):
    args = build_parser().parse_args(["train-translator", "--model", "m", "--out-dir", "o",
                                      "--shard", "popqa", "m.json", "a.jsonl", "direct", "--shard", "2wiki", "m2.json", "a2.jsonl", prompt])
    assert args.shard[1] == ("2wiki", Path("m2.json"), Path("a2.jsonl"), cot, fewshot)
    assert args.shard[0][3:] == (False, None)


@pytest.mark.parametrize("prompt", ["cot:None", "cot:", "direct:hotpotqa", "cotx", "Direct"])
def test_translator_shard_prompt_rejects(prompt, capsys):
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args(["train-translator", "--model", "m", "--out-dir", "o", "--shard", "d", "m", "a", prompt])
    assert e.value.code == 2 and "PROMPT" in capsys.readouterr().err
