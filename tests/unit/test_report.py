"""Result tables: metrics.csv columns, f1.md in the reference README's shape with intervals and
markers, the plot, per-question comparisons and the published-table comparison."""

import pandas as pd
import pytest

from parametric_rag.comparison import per_question, wins_markdown, write_published
from parametric_rag.io import write_json, write_jsonl, write_jsonl_checksummed
from parametric_rag.report import Options, data_quality_markdown, write_report

OPTIONS = Options(baselines=("icl", "vanilla"), confidence=0.95, resamples=1000, permutations=2000, seed=0)


def run(tmp_path, model, dataset, method, variant, scores, **settings):
    """A run whose per-question F1 (= EM) are ``scores`` (subset -> list), written as
    predictions.jsonl and metrics.json the way infer writes them."""
    folder = tmp_path / f"{model}-{dataset}-{method}-{variant}-{'-'.join(map(str, settings.values()))}"
    preds = [{"qid": f"{s}{i}", "question": f"Q{s}{i}?", "answers": ["a", "b"], "subset": s, "prediction": f"p{v}",
              "em": v, "f1": v} for s, values in scores.items() for i, v in enumerate(values)]
    write_jsonl(folder / "predictions.jsonl", preds)

    def agg(rows):
        mean = sum(r["f1"] for r in rows) / len(rows)
        return {"n": len(rows), "em": mean, "f1": mean, "precision": mean, "recall": mean}

    write_json(folder / "metrics.json", {**agg(preds), "subsets": {s: agg([p for p in preds if p["subset"] == s])
                                                                   for s in scores}})
    return {"model": model, "dataset": dataset, "method": method, "variant": variant,
            "metrics": str(folder / "metrics.json"), "predictions": str(folder / "predictions.jsonl"),
            "settings": settings}


def single(n_right, n=20):
    return {"total": [1.0] * n_right + [0.0] * (n - n_right)}


def test_tables(tmp_path):
    runs = []
    for method, right in [("vanilla", 0), ("icl", 8), ("prag", 4)]:
        runs.append(run(tmp_path, "m", "single", method, "reference", single(right)))
        runs.append(run(tmp_path, "m", "multi", method, "reference",
                        {"comparison": [1.0] * right + [0.0] * (20 - right), "inference": [0.0] * 20}))
    runs.append(run(tmp_path, "m", "single", "icl", "no_trailing_space", single(14)))
    df = write_report(runs, OPTIONS, tmp_path / "t/metrics.csv", tmp_path / "t/f1.md", tmp_path / "t/f1.png")
    csv = pd.read_csv(tmp_path / "t/metrics.csv")
    assert list(csv.columns)[:14] == ["model", "dataset", "subset", "method", "n", "em", "f1", "precision", "recall",
                                      "prompt_variant", "f1_lo", "f1_hi", "em_lo", "em_hi"]
    assert {"p_vs_icl", "p_holm_vs_icl", "f1_diff_vs_icl", "f1_diff_lo_vs_icl", "f1_diff_hi_vs_icl",
            "p_vs_vanilla"} <= set(csv.columns)
    assert len(csv) == 3 * (1 + 3) + 1  # single: total; multi: two sub-types and "all"; one extra variant row
    assert set(csv[csv.dataset == "multi"].subset) == {"comparison", "inference", "all"}
    assert csv[csv.prompt_variant == "no_trailing_space"].f1.tolist() == [0.7]
    assert (csv.f1_lo <= csv.f1).all() and (csv.f1 <= csv.f1_hi).all()
    icl = csv[(csv.method == "icl") & (csv.dataset == "single") & (csv.prompt_variant == "reference")].iloc[0]
    assert pd.isna(icl.p_vs_icl) and icl.p_vs_vanilla < 0.05 and icl.f1_diff_vs_vanilla == pytest.approx(0.4)
    md = (tmp_path / "t/f1.md").read_text().splitlines()
    assert md[0] == "| Model | Method | single | multi |"
    assert md[2].startswith("| m | Vanilla (closed book) | 0.0000 [0.00, 0.00]* | 0.0000 [0.00, 0.00]* |")
    assert md[3].startswith("|  | Standard RAG (ICL) | **0.4000** [0.")
    assert md[3].count("†") == 2  # ICL beats the closed book on both datasets (8 of 20 questions)
    assert md[4].startswith("|  | PRAG | 0.2000 [0.")
    separate = md.index(next(line for line in md if line.startswith("F1 with the prompt variant without")))
    assert md[separate + 2] == "| Model | Method | single |"
    assert md[separate + 4].startswith("| m | Standard RAG (ICL) | **0.7000** [0.")
    text = "\n".join(md)
    assert "Holm-corrected" in text and "percentile bootstrap" in text and "single ±" in text
    assert (tmp_path / "t/f1.png").read_bytes()[:4] == b"\x89PNG"
    assert len(df) == 13


def test_two_runs_with_one_seed_give_identical_files(tmp_path):
    runs = [run(tmp_path, "m", "d", m, "reference", single(k)) for m, k in [("vanilla", 2), ("icl", 9), ("prag", 5)]]
    outputs = []
    for i in range(2):
        write_report(runs, OPTIONS, tmp_path / f"{i}/metrics.csv", tmp_path / f"{i}/f1.md", tmp_path / f"{i}/f1.png")
        outputs.append([(tmp_path / f"{i}/{name}").read_bytes() for name in ("metrics.csv", "f1.md")])
    assert outputs[0] == outputs[1]


def test_swept_settings_get_a_column_each(tmp_path):
    """A sweep: one row per setting; a run that does not depend on a setting leaves it blank, and
    each run is compared with the baseline of its own setting."""
    runs = [run(tmp_path, "m", "single", "vanilla", "reference", single(0), **{"lora.rank": None, "retrieval.topk": None})]
    for topk in (1, 3):
        runs.append(run(tmp_path, "m", "single", "icl", "reference", single(topk), **{"lora.rank": None, "retrieval.topk": topk}))
    for rank in (1, 2):
        for topk in (1, 3):
            runs.append(run(tmp_path, "m", "single", "prag", "reference", single(rank * 4 + topk),
                            **{"lora.rank": rank, "retrieval.topk": topk}))
    write_report(runs, OPTIONS, tmp_path / "t/metrics.csv", tmp_path / "t/f1.md", tmp_path / "t/f1.png")
    csv = pd.read_csv(tmp_path / "t/metrics.csv")
    assert list(csv.columns)[-2:] == ["lora.rank", "retrieval.topk"] and len(csv) == 7
    prag = csv[csv.method == "prag"].set_index(["lora.rank", "retrieval.topk"])
    # against the ICL run with the same top-k: rank 1, top-k 1 has 5 right against ICL's 1
    assert prag.loc[(1, 1), "f1_diff_vs_icl"] == pytest.approx(0.2)
    assert prag.loc[(2, 3), "f1_diff_vs_icl"] == pytest.approx((11 - 3) / 20)
    md = (tmp_path / "t/f1.md").read_text().splitlines()
    assert md[0] == "| Model | Method | lora.rank | retrieval.topk | single |"
    assert md[2].startswith("| m | Vanilla (closed book) |  |  | 0.0000")
    assert [line.split(" | ")[2:4] for line in md[5:9]] == [["1", "1"], ["1", "3"], ["2", "1"], ["2", "3"]]
    assert any("A blank setting: the run does not depend on it." in line for line in md)


def test_per_question_and_wins(tmp_path):
    runs = [run(tmp_path, "m", "d", "icl", "reference", {"total": [1.0, 0.0, 0.5]}),
            run(tmp_path, "m", "d", "prag", "reference", {"total": [0.0, 1.0, 0.5]}),
            run(tmp_path, "m", "d", "icl", "no_trailing_space", {"total": [1.0, 1.0, 1.0]})]
    table = per_question(runs)
    assert list(table.columns) == ["qid", "question", "answers", "icl: prediction", "icl: f1", "prag: prediction",
                                   "prag: f1", "icl@no_trailing_space: prediction", "icl@no_trailing_space: f1"]
    assert table["answers"].tolist() == ["a | b"] * 3 and table["prag: f1"].tolist() == [0.0, 1.0, 0.5]
    wins = wins_markdown(runs, "icl")
    assert "| m | d | prag | 1 | 1 | 1 |" in wins


def test_published_comparison(tmp_path):
    """A constructed published table: inside, outside, and a cell that was not run."""
    runs = [run(tmp_path, "llama", "popqa", "icl", "reference", single(8)),
            run(tmp_path, "llama", "popqa", "prag", "reference", single(4))]
    df = write_report(runs, OPTIONS, tmp_path / "t/metrics.csv", tmp_path / "t/f1.md", tmp_path / "t/f1.png")
    published = tmp_path / "published.csv"
    published.write_text("model,dataset,method,f1\nllama,popqa,icl,0.41\nllama,popqa,prag,0.95\n"
                         "llama,cwq,icl,0.3762\n")
    table = write_published(df, published, tmp_path / "t/published.csv", tmp_path / "t/published.md")
    assert table["inside"].tolist() == [True, False, None]
    assert table["difference"].tolist()[:2] == pytest.approx([0.4 - 0.41, 0.2 - 0.95])
    md = (tmp_path / "t/published.md").read_text()
    assert "| llama | Standard RAG (ICL) | popqa | 0.4100 | 0.4000 [" in md and "| -0.0100 | yes |" in md
    assert "| llama | Standard RAG (ICL) | cwq | 0.3762 | not run |" in md
    assert "inside our interval in 1 of 2 cells run" in md


def test_published_table_errors_name_line_and_field(tmp_path):
    from parametric_rag.comparison import read_published
    from parametric_rag.io import InputError

    bad = tmp_path / "p.csv"
    bad.write_text("model,dataset,method,f1\nllama,popqa,rag,0.2\n")
    with pytest.raises(InputError, match="line 2.*method.*unknown method 'rag'"):
        read_published(bad)


def test_data_quality_table(tmp_path):
    """Per augmentation: questions, passages kept, questions short of top-k and drops by reason."""
    shard = [{"qid": "a", "passages": ["x", "", ""], "augment": [{"pid": "1"}],
              "dropped": [{"pid": "2", "reason": "qa_failed"}, {"pid": "3", "reason": "not_in_table"}]},
             {"qid": "b", "passages": ["x", "y", "z"], "augment": [{"pid": "4"}] * 3, "dropped": []}]
    write_jsonl_checksummed(tmp_path / "shard-000.jsonl", shard)
    write_jsonl_checksummed(tmp_path / "shard-001.jsonl", [dict(shard[1], qid="c")])
    sets = [{"model": "m", "dataset": "d", "split": "eval", "atag": "top3-table-00000000", "topk": 3,
             "shards": [str(tmp_path / "shard-000.jsonl"), str(tmp_path / "shard-001.jsonl")]}]
    md = data_quality_markdown(sets).splitlines()
    assert md[2] == ("| Model | Dataset | Split | Augmentation | Questions | Passages kept | Short of top-k | Dropped "
                     "| Dropped: qa_failed | Dropped: not_in_table |")
    assert md[4] == "| m | d | eval | top3-table-00000000 | 3 | 7 | 1 | 2 | 1 | 1 |"
    assert "- `not_in_table`: the passage has no row in the augmentation table" in md
    assert "(no run reads augmented passages)" in data_quality_markdown([])
