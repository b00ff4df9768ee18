"""Prompt token ids against the reference toolkit's own outputs (exact equality)."""

import pytest

from conftest import reference
from parametric_rag import prompts

CASES = reference("prompt_cases.json")["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_prompt_ids_match_reference(smol_tokenizer, case):
    a = case["args"]
    ids = prompts.prompt_ids(smol_tokenizer, a["question"], a["passages"], a["answer"],
                             a["fewshot_dataset"] if a["with_cot"] else None)
    assert ids == case["token_ids"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("Who is it", "Who is it?"), ("Who is it ?", "Who is it?"), ("  Who? ", "Who?"), ("Who is it?", "Who is it?"),
])
def test_question_normalisation(raw, expected):
    assert prompts.normalize_question(raw) == expected


def test_inference_prefix_keeps_trailing_space_by_default():
    assert prompts.assistant_prefix(None, cot=False) == "The answer is "
    assert prompts.assistant_prefix(None, cot=True) == "Answer: "
    assert prompts.assistant_prefix(None, cot=False, variant="no_trailing_space") == "The answer is"
    assert prompts.assistant_prefix("Paris", cot=False) == "The answer is Paris."


def test_fewshot_files_are_shipped():
    assert len(prompts.fewshot_examples("2wikimultihopqa")) == 8
    assert all(q and a for q, a in prompts.fewshot_examples("hotpotqa"))
