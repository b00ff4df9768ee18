"""Result tables: metrics.csv columns, f1.md in the reference README's shape, the plot."""

import pandas as pd

from parametric_rag.io import write_json
from parametric_rag.report import write_report


def metrics(path, f1, subsets):
    rows = {s: {"n": 2, "em": 0.5, "f1": v, "precision": v, "recall": v} for s, v in subsets.items()}
    write_json(path, {"n": 2 * len(subsets), "em": 0.5, "f1": f1, "precision": f1, "recall": f1, "subsets": rows})
    return path


def run(model, dataset, method, variant, path, **settings):
    return {"model": model, "dataset": dataset, "method": method, "variant": variant, "metrics": str(path),
            "settings": settings}


def test_tables(tmp_path):
    runs = []
    for method, f1 in [("vanilla", 0.0), ("icl", 0.4), ("prag", 0.2)]:
        runs.append(run("m", "single", method, "reference", metrics(tmp_path / f"s-{method}.json", f1, {"total": f1})))
        runs.append(run("m", "multi", method, "reference",
                        metrics(tmp_path / f"m-{method}.json", f1 / 2, {"comparison": f1, "inference": 0.0})))
    runs.append(run("m", "single", "icl", "no_trailing_space", metrics(tmp_path / "nts.json", 0.7, {"total": 0.7})))
    df = write_report(runs, tmp_path / "t/metrics.csv", tmp_path / "t/f1.md", tmp_path / "t/f1.png")
    csv = pd.read_csv(tmp_path / "t/metrics.csv")
    assert list(csv.columns) == ["model", "dataset", "subset", "method", "n", "em", "f1", "precision", "recall",
                                 "prompt_variant"]
    assert len(csv) == 3 * (1 + 3) + 1  # single: total; multi: two sub-types and "all"; one extra variant row
    assert set(csv[csv.dataset == "multi"].subset) == {"comparison", "inference", "all"}
    assert csv[csv.prompt_variant == "no_trailing_space"].f1.tolist() == [0.7]
    md = (tmp_path / "t/f1.md").read_text().splitlines()
    assert md[0] == "| Model | Method | single | multi |"
    assert md[2] == "| m | Vanilla (closed book) | 0.0000 | 0.0000 |"
    assert md[3] == "|  | Standard RAG (ICL) | **0.4000** | **0.2000** |"
    assert md[4] == "|  | PRAG | 0.2000 | 0.1000 |"
    separate = md.index(next(line for line in md if line.startswith("F1 with the prompt variant without")))
    assert md[separate + 2] == "| Model | Method | single |"
    assert md[separate + 4] == "| m | Standard RAG (ICL) | **0.7000** |"
    assert (tmp_path / "t/f1.png").read_bytes()[:4] == b"\x89PNG"
    assert len(df) == 13


def test_swept_settings_get_a_column_each(tmp_path):
    """A sweep: one row per setting; a run that does not depend on a setting leaves it blank."""
    runs = [run("m", "single", "vanilla", "reference", metrics(tmp_path / "v.json", 0.0, {"total": 0.0}),
                **{"lora.rank": None, "retrieval.topk": None})]
    for rank in (1, 2):
        for topk in (1, 3):
            f1 = rank / 10 + topk / 100
            path = metrics(tmp_path / f"p{rank}{topk}.json", f1, {"total": f1})
            runs.append(run("m", "single", "prag", "reference", path, **{"lora.rank": rank, "retrieval.topk": topk}))
    write_report(runs, tmp_path / "t/metrics.csv", tmp_path / "t/f1.md", tmp_path / "t/f1.png")
    csv = pd.read_csv(tmp_path / "t/metrics.csv")
    assert list(csv.columns)[-2:] == ["lora.rank", "retrieval.topk"] and len(csv) == 5
    md = (tmp_path / "t/f1.md").read_text().splitlines()
    assert md[0] == "| Model | Method | lora.rank | retrieval.topk | single |"
    assert md[2] == "| m | Vanilla (closed book) |  |  | 0.0000 |"
    assert md[3:7] == ["|  | PRAG | 1 | 1 | 0.1100 |", "|  | PRAG | 1 | 3 | 0.1300 |", "|  | PRAG | 2 | 1 | 0.2100 |",
                       "|  | PRAG | 2 | 3 | **0.2300** |"]
    assert "A blank setting: the run does not depend on it." in md[-1]
