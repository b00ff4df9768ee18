"""Batched multi-passage LoRA encoding (``lora.batch_passages``) equals one passage at a time.

On the tiny random Llama and Qwen2 models, in float32, three passages of different lengths and
different numbers of training sequences (5, 3 and 2; 2 epochs, so 10, 6 and 4 steps) are trained
together and one at a time. Tolerances (float rounding: padded batched matmuls, a masked
attention, a per-row loss): adapter weights within ``WEIGHT_ATOL`` absolute, per-step losses
within ``LOSS_RTOL`` relative, logits of the model with each adapter within ``LOGIT_ATOL``
absolute (the tiny models' logits are of order 10).
"""

from __future__ import annotations

import copy

import pytest
import step_jobs
import torch
from conftest import DATA_AUG, fixture_questions

from parametric_rag import steps
from parametric_rag.io import read_json, read_jsonl, write_jsonl_checksummed
from parametric_rag.lora.adapter import (TRAINING_RECORD, LoraShape, current_state, load_state, reset, verify_adapter,
                                         wrap)
from parametric_rag.lora.batched import group_passages, train_passages
from parametric_rag.lora.encode import create_initial_adapter
from parametric_rag.lora.sequences import training_sequences
from parametric_rag.lora.train import train_passage
from parametric_rag.models import load_model, load_tokenizer

WEIGHT_ATOL = 1e-5
LOSS_RTOL = 1e-5
LOGIT_ATOL = 1e-4
EPOCHS, LR = 2, 3e-4


def _passages(tok) -> list[list[list[int]]]:
    """Three passages' training sequences: 5, 3 and 2 sequences, of different lengths."""
    from parametric_rag.augment.reference_import import import_data_aug

    records = import_data_aug({"total": DATA_AUG}, fixture_questions(2), topk=3)
    augs = [copy.deepcopy(a) for r in records for a in r["augment"]][:3]
    augs[1]["qa"] = augs[1]["qa"][:2]  # 2 QA pairs: q1 with passage and rewrite, q2 alone
    augs[2]["qa"] = augs[2]["qa"][:1]  # 1 QA pair: with passage and rewrite
    augs[2]["passage"] = augs[2]["passage"][: len(augs[2]["passage"]) // 3]  # shorter
    return [training_sequences(tok, a, cot=False) for a in augs]


@pytest.fixture(scope="module")
def trained(tiny_model_dir, tmp_path_factory):
    """(one-at-a-time results, batched results, PEFT model) on one tiny model."""
    tok = load_tokenizer(tiny_model_dir)
    passages = _passages(tok)
    assert [len(p) for p in passages] == [5, 3, 2]
    assert len({sum(map(len, p)) for p in passages}) == 3
    shape = LoraShape()
    init_dir = tmp_path_factory.mktemp("init") / "init"
    create_initial_adapter(load_model(tiny_model_dir, "cpu"), shape, 42, init_dir)
    init = load_state(init_dir)
    peft_model = wrap(load_model(tiny_model_dir, "cpu"), shape)
    alone = []
    for seqs in passages:
        reset(peft_model, init)
        losses = train_passage(peft_model, seqs, epochs=EPOCHS, lr=LR)
        alone.append((current_state(peft_model), losses))
    reset(peft_model, init)
    before = current_state(peft_model)
    together = train_passages(peft_model, init, passages, epochs=EPOCHS, lr=LR, scaling=shape.scaling)
    after = current_state(peft_model)
    assert all(torch.equal(before[k], after[k]) for k in before), "the PEFT adapter is left as it was"
    return alone, together, peft_model, tok, init


def test_batched_adapters_equal_one_at_a_time(trained):
    alone, together, _, _, init = trained
    assert len(together) == 3
    for (state1, _), (state3, _) in zip(alone, together):
        assert state1.keys() == state3.keys() == init.keys()
        worst = max(float((state1[k] - state3[k]).abs().max()) for k in state1)
        moved = min(float((state1[k] - init[k]).abs().max()) for k in state1)
        assert worst <= WEIGHT_ATOL, worst
        assert moved > 10 * WEIGHT_ATOL  # every tensor trained, well beyond the tolerance


def test_each_passage_keeps_its_own_loss_curve(trained):
    alone, together, _, _, _ = trained
    for (_, curve1), (_, curve3), steps_ in zip(alone, together, (10, 6, 4)):
        assert len(curve1) == len(curve3) == steps_  # a passage that runs out of sequences leaves the batch
        assert curve3 == pytest.approx(curve1, rel=LOSS_RTOL)
        assert curve1[steps_ // 2] < curve1[0]  # the first sequence again, in the second epoch


def test_batched_adapters_give_the_same_logits(trained):
    alone, together, peft_model, tok, _ = trained
    ids = torch.tensor([tok.encode("Who founded the town of Velmora Springs?")])
    with torch.no_grad():
        for (state1, _), (state3, _) in zip(alone, together):
            reset(peft_model, state1)
            logits1 = peft_model(input_ids=ids).logits
            reset(peft_model, state3)
            logits3 = peft_model(input_ids=ids).logits
            assert float((logits1 - logits3).abs().max()) <= LOGIT_ATOL


def test_a_batch_of_one_is_training_alone(trained):
    """Batch size 1 through the batched code: no padding, one row."""
    alone, _, peft_model, tok, init = trained
    passages = _passages(tok)
    [(state, curve)] = train_passages(peft_model, init, passages[2:], epochs=EPOCHS, lr=LR, scaling=LoraShape().scaling)
    assert max(float((state[k] - alone[2][0][k]).abs().max()) for k in state) <= WEIGHT_ATOL
    assert curve == pytest.approx(alone[2][1], rel=LOSS_RTOL)


def test_groups_sort_by_sequences_then_tokens():
    sizes = [(5, 900), (3, 200), (5, 300), (5, 600), (2, 100)]
    assert group_passages(sizes, 2) == [[4, 1], [2, 3], [0]]
    assert group_passages(sizes, 1) == [[4], [1], [2], [3], [0]]


def test_encode_step_with_batch_passages(tiny_model_dir, encoded, tmp_path):
    """steps.encode with lora.batch_passages 3: a valid manifest (repeats still copied, not
    retrained) whose adapters verify, load with PEFT and are the one-at-a-time adapters."""
    from peft import PeftModel

    from parametric_rag.lora.store import adapter_index

    run, manifest_one = encoded
    out = tmp_path / "lora" / "manifest.json"
    steps.encode(step_jobs.encode(tiny_model_dir, run / "aug.jsonl", run / "init", out, batch_passages=3))
    manifest = read_json(out)
    one = read_json(manifest_one)
    assert manifest["settings"] == {**one["settings"], "batch_passages": 3}
    assert manifest["trained"] == 6 and manifest["reused"] == 3
    assert [q["qid"] for q in manifest["questions"]] == [q["qid"] for q in one["questions"]]
    index = adapter_index([out])  # checks the seal and every adapter's sha256
    ids = torch.tensor([load_tokenizer(tiny_model_dir).encode("Who founded the town of Velmora Springs?")])
    base = load_model(tiny_model_dir, "cpu")
    with torch.no_grad():
        base_logits = base(ids).logits
    for q, q1 in zip(manifest["questions"], one["questions"]):
        for a, a1, folder in zip(q["adapters"], q1["adapters"], index[q["qid"]]):
            record = verify_adapter(folder, TRAINING_RECORD)
            assert len(record["losses"]) == a["n_sequences"] == 5
            assert a["final_loss"] == pytest.approx(a1["final_loss"], rel=LOSS_RTOL)
            mine, theirs = load_state(folder), load_state(manifest_one.parent / a1["path"])
            assert max(float((mine[k] - theirs[k]).abs().max()) for k in mine) <= WEIGHT_ATOL
            model = PeftModel.from_pretrained(load_model(tiny_model_dir, "cpu"), folder)
            with torch.no_grad():
                assert not torch.allclose(model(ids).logits, base_logits, atol=1e-6)
    first, again = manifest["questions"][0]["adapters"], manifest["questions"][2]["adapters"]
    assert [a["sha256"] for a in first] == [a["sha256"] for a in again]
    # a rerun reuses every adapter and writes the same manifest
    steps.encode(step_jobs.encode(tiny_model_dir, run / "aug.jsonl", run / "init", out, batch_passages=3))
    again = read_json(out)
    assert again["trained"] == 0 and again["reused"] == 9 and again["questions"] == manifest["questions"]


def test_batch_passages_reaches_the_encode_step_and_the_tag():
    """lora.batch_passages > 1 enters the LoRA tag (stage settings, read by steps.encode); at 1 the
    tag and the encode job are what they were before the setting existed."""
    from pathlib import Path

    from parametric_rag.config import load_config
    from parametric_rag.plan import Plan, all_jobs

    base = load_config(Path(__file__).resolve().parents[2] / "config.yaml")

    def encode_jobs(config):
        return [j for j in all_jobs(Plan(copy.deepcopy(config))) if j.step == "encode"]

    default = encode_jobs(base)
    assert default and all("batch_passages" not in j.tagged and "batch_passages" not in j.settings for j in default)
    config = copy.deepcopy(base)
    config["lora"]["batch_passages"] = 4
    batched = encode_jobs(config)
    assert all(j.tagged["batch_passages"] == j.settings["batch_passages"] == 4 and "_bp4-" in j.tag for j in batched)
    assert {j.tag for j in batched}.isdisjoint({j.tag for j in default})
