"""Per-passage training sequences against the reference encode step (exact token ids)."""

import hashlib
import json

import pytest

from conftest import reference
from parametric_rag.lora.sequences import training_examples, training_sequences

VECTORS = reference("training_sequences.json")["passages"]
FIXTURE = {r["test_id"]: r for r in reference("training_fixture_data_aug.json")}
KEY = "llama-smollm2-135m-instruct"


def augment_entry(test_id: int, pid: int) -> dict:
    a = next(a for a in FIXTURE[test_id]["augment"] if a["pid"] == pid)
    return {"pid": str(pid), "passage": a["passage"], "rewrite": a[f"{KEY}_rewrite"], "qa": a[f"{KEY}_qa"]}


@pytest.mark.parametrize("case", VECTORS, ids=[f"q{c['test_id']}-p{c['pid']}" for c in VECTORS])
def test_sequences_match_reference(smol_tokenizer, case):
    seqs = training_sequences(smol_tokenizer, augment_entry(case["test_id"], case["pid"]), cot=False)
    assert seqs == case["prompt_ids"]
    assert [len(s) for s in seqs] == case["token_lengths"]
    # the reference recorded sha1(json.dumps(ids)) of each unpadded sequence
    assert [hashlib.sha1(json.dumps(s).encode()).hexdigest() for s in seqs] == case["sha1_of_ids"]


def test_order_rule():
    aug = {"pid": "0", "passage": "P", "rewrite": "R",
           "qa": [{"question": f"q{i}", "answer": f"a{i}", "full_answer": f"f{i}"} for i in range(3)]}
    assert training_examples(aug, cot=False) == [("q0", "P", "a0"), ("q0", "R", "a0"), ("q1", "P", "a1"),
                                                 ("q1", "R", "a1"), ("q2", None, "a2")]
    assert [e[2] for e in training_examples(aug, cot=True)] == ["f0", "f0", "f1", "f1", "f2"]


def test_truncation(smol_tokenizer):
    aug = augment_entry(0, 0)
    assert all(len(s) == 50 for s in training_sequences(smol_tokenizer, aug, cot=False, max_length=50))
