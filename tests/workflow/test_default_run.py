"""The real default run: SmolLM2-135M-Instruct on the bundled benchmark, every method and table.

This is README's first command (minus the install) in a fresh copy of the workflow; it takes
about half an hour on 2 CPU cores.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest
import torch

from conftest import FIXTURES
from parametric_rag.io import read_json
from workflow_helpers import copy_workflow, job_counts, snakemake

pytestmark = [pytest.mark.workflow, pytest.mark.slow]
METHODS = ["vanilla", "icl", "prag", "prag_combine", "dyprag", "dyprag_combine"]


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    root = copy_workflow(tmp_path_factory.mktemp("default-run"))
    start = time.time()
    proc = snakemake(root, "--cores", "2", timeout=3 * 3600)
    minutes = (time.time() - start) / 60
    print(f"\ndefault run: {minutes:.1f} min, {job_counts(proc.stdout).get('total')} jobs")
    return root


def test_tables_have_every_method(default_run):
    md = (default_run / "results/tables/f1.md").read_text()
    print("\n" + md)
    table = pd.read_csv(default_run / "results/tables/metrics.csv")
    overall = table[table.subset.isin(["total", "all"]) & (table.prompt_variant == "reference")]
    assert sorted(set(overall.method), key=METHODS.index) == METHODS
    assert set(overall.dataset) == {"fictional-popqa", "fictional-2wiki"}
    assert (overall[overall.dataset == "fictional-popqa"].n == 16).all()
    assert (default_run / "results/tables/f1.png").stat().st_size > 1000
    for label in ("Vanilla (closed book)", "Standard RAG (ICL)", "PRAG", "PRAG-combine", "DyPRAG", "DyPRAG-combine"):
        assert f"| {label} |" in md


def test_scores_are_the_pinned_ones(default_run):
    """Every score of the default run, to the 4 decimals of metrics.csv, equals the run the
    fixture was captured from (README's tables): refactors and new columns change no number."""
    columns = ["model", "dataset", "subset", "method", "n", "em", "f1", "precision", "recall", "prompt_variant"]
    ours = pd.read_csv(default_run / "results/tables/metrics.csv", dtype=str)[columns]
    pinned = pd.read_csv(FIXTURES / "default_run/metrics.csv", dtype=str)[columns]
    pd.testing.assert_frame_equal(ours, pinned)


def test_intervals_tests_and_per_question_files(default_run):
    table = pd.read_csv(default_run / "results/tables/metrics.csv")
    assert ((table.f1_lo <= table.f1) & (table.f1 <= table.f1_hi)).all()
    assert table[table.method != "icl"].p_vs_icl.notna().all()
    for dataset, n in (("fictional-popqa", 16), ("fictional-2wiki", 4)):
        questions = pd.read_csv(default_run / f"results/tables/smollm2-135m/{dataset}/per_question.csv")
        assert len(questions) == n and "dyprag_combine: f1" in questions.columns
    md = (default_run / "results/tables/f1.md").read_text()
    assert "Holm-corrected" in md and "fictional-popqa ±" in md


def test_retrieved_passages_carry_the_facts(default_run):
    """Sanity of the bundled benchmark + BM25: reading the passages beats the closed book."""
    table = pd.read_csv(default_run / "results/tables/metrics.csv")
    pop = table[(table.dataset == "fictional-popqa") & (table.prompt_variant == "no_trailing_space")]
    pop = pop.set_index("method")["f1"]
    assert pop["icl"] > pop["vanilla"]


def test_every_adapter_loads_and_changes_the_output(default_run):
    from peft import PeftModel

    from parametric_rag.lora.adapter import read_factors
    from parametric_rag.lora.inject import DeltaInjector
    from parametric_rag.models import load_model

    root = default_run
    model = load_model(root / "results/models/smollm2-135m", "cpu")
    ids = torch.tensor([[1, 4093, 198, 2683, 359, 253, 5356, 5646, 11173, 3365]])
    with torch.no_grad():
        base = model(ids).logits
    adapters = [m.parent / a["path"] for m in (root / "results/lora").rglob("manifest.json")
                for q in read_json(m)["questions"] for a in q["adapters"]]
    assert len(adapters) == 3 * (16 + 4 + 12)  # three kept passages per question: eval 16 + 4, translator 12
    with DeltaInjector(model) as inj, torch.no_grad():
        for adapter in adapters:
            factors, scaling = read_factors(adapter)
            inj.set([factors], scaling)
            assert not torch.allclose(model(ids).logits, base, atol=1e-5), adapter
    with torch.no_grad():  # the injector's hooks are gone: PEFT can wrap the same model (in place)
        assert torch.equal(model(ids).logits, base)
        peft = PeftModel.from_pretrained(model, adapters[0])
        assert not torch.allclose(peft(ids).logits, base, atol=1e-5)


def test_translator_losses_and_checkpoint(default_run):
    losses = next((default_run / "results/translator").rglob("losses.csv"))
    df = pd.read_csv(losses)
    assert len(df) > 30 and {"loss", "lm", "kl", "mse"} <= set(df.columns)
    assert (losses.parent / "epoch_0.pt").exists()


def test_report_html(default_run):
    snakemake(default_run, "--report", "report.html")
    assert (default_run / "report.html").stat().st_size > 10_000
