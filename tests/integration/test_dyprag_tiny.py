"""DyPRAG on tiny random Llama and Qwen2 models: translator training and both inference methods."""

from __future__ import annotations

import pytest
import step_jobs
import torch

from parametric_rag import steps
from parametric_rag.io import read_json, read_jsonl
from parametric_rag.lora.adapter import read_factors
from parametric_rag.lora.inject import DeltaInjector
from parametric_rag.models import load_model, load_tokenizer
from parametric_rag.translator.module import ParameterTranslator, save_checkpoint
from parametric_rag.translator.samples import TranslatorShard, translator_samples
from parametric_rag.translator.train import Weights, distillation_loss, passage_embedding, train_translator

WEIGHTS = Weights(kl=0.01, mse=100.0, delta_scaling="none")  # the reference's (config defaults)
INFER = dict(max_new_tokens=6, batch_size=2)
BASELINE = {"dyprag": "vanilla", "dyprag_combine": "icl"}  # the same prompt without the generated delta


@pytest.fixture(scope="module")
def shard(encoded):
    """The encoded shard (conftest) as a translator training source."""
    run, manifest = encoded
    return {"dataset": "fixture", "manifest": str(manifest), "augmented": str(run / "aug.jsonl"), "cot": False,
            "fewshot": None}


@pytest.fixture(scope="module")
def samples(tiny_model_dir, shard):
    tok = load_tokenizer(tiny_model_dir)
    return translator_samples([TranslatorShard.from_dict(shard)], tok, sample_rate=1.0, seed=0, max_length=3000)


@pytest.fixture(scope="module")
def baselines(tiny_model_dir, encoded, tmp_path_factory):
    """Per DyPRAG method, the metrics and generations of its baseline (they do not depend on the merge)."""
    run, _ = encoded
    out = tmp_path_factory.mktemp("dyprag-baselines")
    result = {}
    for method, baseline in BASELINE.items():
        metrics = steps.infer(step_jobs.infer(tiny_model_dir, baseline, [run / "aug.jsonl"], out / baseline, **INFER))
        result[method] = metrics, [p["generation"] for p in read_jsonl(out / baseline / "predictions.jsonl")]
    return result


def test_samples_pair_each_passage_with_its_adapter_and_first_sequence(samples, encoded):
    run, _ = encoded
    assert len(samples) == 9
    records = read_jsonl(run / "aug.jsonl")
    first = records[0]["augment"][0]
    assert samples[0].passage == first["passage"] and samples[0].adapter.name == "q0000-p0"
    assert samples[0].sequence[-3:] != [] and len(samples[0].sequence) == read_json(samples[0].adapter / "training.json")["tokens"][0]


def test_sample_rate_keeps_a_seeded_fraction_of_questions(tiny_model_dir, shard):
    tok = load_tokenizer(tiny_model_dir)
    a, b = (translator_samples([TranslatorShard.from_dict(shard)], tok, sample_rate=0.34, seed=1, max_length=3000)
            for _ in range(2))
    assert len(a) == 3 and [s.key for s in a] == [s.key for s in b]  # one question of three, all its passages


def test_passage_embedding_is_the_last_hidden_state_of_a_full_forward(tiny_model_dir, samples):
    """Computing the last position's logits only leaves the hidden states bit for bit as they were."""
    model, tok = load_model(tiny_model_dir, "cpu"), load_tokenizer(tiny_model_dir)
    passages = [s.passage for s in samples[:3]]
    with torch.no_grad():
        full = torch.cat([model(tok(t, return_tensors="pt").input_ids, output_hidden_states=True).hidden_states[-1][:, -1]
                          for t in passages]).float()
        assert torch.equal(passage_embedding(model, tok, passages, 3000), full)


def test_a_few_steps_lower_the_loss(tiny_model_dir, samples):
    torch.manual_seed(0)
    model, tok = load_model(tiny_model_dir, "cpu"), load_tokenizer(tiny_model_dir)
    translator = ParameterTranslator.for_model(model, rank=2, width=8)
    sample = samples[0]
    trained, scaling = read_factors(sample.adapter)
    emb = passage_embedding(model, tok, [sample.passage], 3000)

    def loss():
        with DeltaInjector(model) as inj, torch.no_grad():
            return float(distillation_loss(model, inj, translator, emb, sample.sequence, trained, scaling, WEIGHTS)["loss"])

    before = loss()
    history = train_translator(model, tok, translator, [sample] * 8, epochs=1, lr=1e-3, seed=0, weights=WEIGHTS,
                               max_length=3000)
    assert len(history) == 8 and {"loss", "lm", "kl", "mse", "teacher_lm"} <= history[0].keys()
    assert loss() < before
    assert all(not p.requires_grad for p in model.parameters())  # only the translator trains


def test_train_translator_step_writes_checkpoints_and_losses(tiny_model_dir, shard, tmp_path):
    history = steps.train_translator(step_jobs.train_translator(tiny_model_dir, [shard], tmp_path, epochs=2))
    assert len(history) == 18
    for name in ("epoch_0.pt", "epoch_1.pt", "losses.csv", "losses.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert len((tmp_path / "losses.csv").read_text().splitlines()) == 19
    raw = torch.load(tmp_path / "epoch_1.pt", weights_only=True)
    assert "projector.down_proj_0.projector.A_hypernet.linear1.weight" in raw["model_state_dict"]


@pytest.mark.parametrize("method", ["dyprag", "dyprag_combine"])
@pytest.mark.parametrize("merge", ["mean_ab", "mean_delta"])
def test_dyprag_inference_end_to_end(tiny_model_dir, encoded, baselines, tmp_path, method, merge):
    run, _ = encoded
    torch.manual_seed(0)
    model = load_model(tiny_model_dir, "cpu")
    translator = ParameterTranslator.for_model(model, rank=2, width=8)
    with torch.no_grad():  # large weights so that the generated delta visibly changes generations
        for p in translator.parameters():
            p.normal_(0, 0.5)
    save_checkpoint(translator, tmp_path / "t.pt")
    options = {"rank": 2, "alpha": 32, "width": 8, "merge": merge, "delta_scaling": "none", "max_length": 3000}
    metrics = steps.infer(step_jobs.infer(tiny_model_dir, method, [run / "aug.jsonl"], tmp_path / "out",
                                          translator=tmp_path / "t.pt", translator_options=options, **INFER))
    preds = read_jsonl(tmp_path / "out" / "predictions.jsonl")
    assert metrics["n"] == 3 and len(preds) == 3
    assert ("Passage 1:" in preds[0]["prompt"]) == (method == "dyprag_combine")
    base, base_generations = baselines[method]
    assert [p["generation"] for p in preds] != base_generations
    assert base["n"] == 3


def test_translator_deltas_average_a_and_b_separately(tiny_model_dir, encoded):
    from parametric_rag.translator.deltas import TranslatorDeltas

    run, _ = encoded
    model, tok = load_model(tiny_model_dir, "cpu"), load_tokenizer(tiny_model_dir)
    torch.manual_seed(0)
    translator = ParameterTranslator.for_model(model, rank=2, width=8)
    record = read_jsonl(run / "aug.jsonl")[0]
    emb = passage_embedding(model, tok, [a["passage"] for a in record["augment"]], 3000)
    per_passage = translator(emb)
    key = (0, "up_proj")
    options = dict(scaling=1.0, max_length=3000)
    (a, b), = [TranslatorDeltas(model, tok, translator, merge="mean_ab", **options)([record])[0][key]]
    assert torch.allclose(a, per_passage[key][0].mean(0)) and torch.allclose(b, per_passage[key][1].mean(0))
    (a2, b2), = [TranslatorDeltas(model, tok, translator, merge="mean_delta", **options)([record])[0][key]]
    want = sum(per_passage[key][1][i] @ per_passage[key][0][i] for i in range(3)) / 3
    assert torch.allclose(b2 @ a2, want, atol=1e-12)
