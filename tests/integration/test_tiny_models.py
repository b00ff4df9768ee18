"""Tiny random-weight Llama and Qwen2 models through augment -> encode -> infer (seconds)."""

from __future__ import annotations

import pytest
import step_jobs
import torch

from parametric_rag import steps
from parametric_rag.augment.generate import GenerationAugmenter
from parametric_rag.io import read_json, read_jsonl, write_jsonl_checksummed
from parametric_rag.models import load_model, load_tokenizer

# `encoded` (conftest): two questions plus a repeat, augmented from the reference fixture and encoded
# on each tiny model. Tests read it and write only into their own subfolders of its run folder.


def test_initial_adapter_is_seeded_with_zero_b(tiny_model_dir, tmp_path):
    from safetensors.torch import load_file

    steps.init_adapter(step_jobs.init_adapter(tiny_model_dir, tmp_path / "a"))
    steps.init_adapter(step_jobs.init_adapter(tiny_model_dir, tmp_path / "b"))
    a, b = load_file(tmp_path / "a" / "adapter_model.safetensors"), load_file(tmp_path / "b" / "adapter_model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert all(float(v.abs().sum()) == 0 for k, v in a.items() if "lora_B" in k)
    assert any(float(v.abs().sum()) > 0 for k, v in a.items() if "lora_A" in k)


def test_encode_writes_loadable_adapters_that_change_the_output(tiny_model_dir, encoded):
    from peft import PeftModel

    run, manifest_path = encoded
    manifest = read_json(manifest_path)
    assert [q["qid"] for q in manifest["questions"]] == ["0", "1", "0-again"]
    assert manifest["trained"] == 6 and manifest["reused"] == 3
    tok = load_tokenizer(tiny_model_dir)
    ids = torch.tensor([tok.encode("Who founded the town of Velmora Springs?")])
    base = load_model(tiny_model_dir, "cpu")
    with torch.no_grad():
        base_logits = base(ids).logits
    for q in manifest["questions"]:
        assert len(q["adapters"]) == 3
        for a in q["adapters"]:
            assert a["lora_B_norm"] > 0 and a["n_sequences"] == 5
            model = PeftModel.from_pretrained(load_model(tiny_model_dir, "cpu"), manifest_path.parent / a["path"])
            with torch.no_grad():
                assert not torch.allclose(model(ids).logits, base_logits, atol=1e-6)
    first, again = manifest["questions"][0]["adapters"], manifest["questions"][2]["adapters"]
    assert [a["sha256"] for a in first] == [a["sha256"] for a in again]


def test_encode_is_deterministic(tiny_model_dir, encoded, tmp_path):
    run, manifest_path = encoded
    records = read_jsonl(run / "aug.jsonl")[:1]
    write_jsonl_checksummed(tmp_path / "aug.jsonl", records)
    steps.encode(step_jobs.encode(tiny_model_dir, tmp_path / "aug.jsonl", run / "init", tmp_path / "m" / "manifest.json"))
    again = read_json(tmp_path / "m" / "manifest.json")["questions"][0]["adapters"]
    assert [a["sha256"] for a in again] == [a["sha256"] for a in read_json(manifest_path)["questions"][0]["adapters"]]


@pytest.mark.parametrize("method", ["vanilla", "icl", "prag", "prag_combine"])
def test_infer_writes_scored_records(tiny_model_dir, encoded, method):
    run, manifest = encoded
    out = run / "pred" / method
    job = step_jobs.infer(tiny_model_dir, method, [run / "aug.jsonl"], out, batch_size=2,
                          manifests=[manifest] if method.startswith("prag") else [])
    metrics = steps.infer(job)
    preds = read_jsonl(out / "predictions.jsonl")
    assert len(preds) == 3 and metrics["n"] == 3
    for p in preds:
        assert {"qid", "question", "answers", "prompt", "generation", "prediction", "em", "f1", "precision", "recall"} <= p.keys()
        assert p["prompt"].endswith("The answer is ")
        assert ("Passage 1:" in p["prompt"]) == (method in ("icl", "prag_combine"))
    saved = read_json(out / "metrics.json")
    assert {"n", "em", "f1", "precision", "recall", "subsets", "provenance"} <= saved.keys()
    assert saved["provenance"]["settings"] == job.settings


def test_prag_differs_from_vanilla_and_batches_match(tiny_model_dir, encoded):
    """Batched injection gives the same greedy generations as one question at a time."""
    run, manifest = encoded
    aug, kw = [run / "aug.jsonl"], dict(max_new_tokens=8)
    one = steps.infer(step_jobs.infer(tiny_model_dir, "prag", aug, run / "b1", batch_size=1, manifests=[manifest], **kw))
    many = steps.infer(step_jobs.infer(tiny_model_dir, "prag", aug, run / "b3", batch_size=3, manifests=[manifest], **kw))
    vanilla = steps.infer(step_jobs.infer(tiny_model_dir, "vanilla", aug, run / "v", batch_size=1, **kw))
    gens = lambda d: [p["generation"] for p in read_jsonl(run / d / "predictions.jsonl")]  # noqa: E731
    assert gens("b1") == gens("b3")
    assert gens("b1") != gens("v")
    assert one["n"] == many["n"] == vanilla["n"] == 3


def test_generation_augmenter_bounds_attempts_on_a_model_that_never_parses(tiny_model_dir):
    torch.manual_seed(0)
    model, tok = load_model(tiny_model_dir, "cpu"), load_tokenizer(tiny_model_dir)
    aug = GenerationAugmenter(model, tok, max_new_tokens=8, do_sample=True, temperature=0.7, top_k=50, max_attempts=2,
                              batch_size=4)
    cands = [{"pid": str(i), "title": "", "text": f"Passage number {i} about Velmora.", "score": 1.0} for i in range(3)]
    assert aug.augment(cands) == [None, None, None]
    assert aug.stats == {"qa_generations": 6, "qa_failures": 3, "rewrites": 0}
