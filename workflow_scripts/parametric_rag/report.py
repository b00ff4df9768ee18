"""Result tables (CSV, Markdown in the reference README's shape) and an F1 plot."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from .io import atomic_path, read_json, write_text

METHOD_ORDER = ["vanilla", "icl", "prag", "prag_combine", "dyprag", "dyprag_combine"]
METHOD_LABELS = {
    "vanilla": "Vanilla (closed book)",
    "icl": "Standard RAG (ICL)",
    "prag": "PRAG",
    "prag_combine": "PRAG-combine",
    "dyprag": "DyPRAG",
    "dyprag_combine": "DyPRAG-combine",
}
COLUMNS = ["model", "dataset", "subset", "method", "n", "em", "f1", "precision", "recall"]


def metrics_table(runs: Sequence[tuple[str, str, str, Path]]) -> pd.DataFrame:
    """One row per (model, dataset, subset, method) from (model, dataset, method, metrics.json)."""
    rows = []
    for model, dataset, method, path in runs:
        m = read_json(path)
        subsets = m.get("subsets", {})
        for subset, values in subsets.items():
            rows.append({"model": model, "dataset": dataset, "subset": subset, "method": method,
                         **{k: values[k] for k in COLUMNS[4:]}})
        if len(subsets) != 1:
            rows.append({"model": model, "dataset": dataset, "subset": "all", "method": method,
                         **{k: m[k] for k in COLUMNS[4:]}})
    df = pd.DataFrame(rows, columns=COLUMNS)
    # models and datasets in the order the runs name them, methods in the reference's order
    for column in ("model", "dataset", "subset"):
        df[column] = pd.Categorical(df[column], list(dict.fromkeys(df[column])), ordered=True)
    df["method"] = pd.Categorical(df["method"], [m for m in METHOD_ORDER if m in set(df["method"])], ordered=True)
    return df.sort_values(["model", "dataset", "subset", "method"]).reset_index(drop=True)


def overall(df: pd.DataFrame) -> pd.DataFrame:
    """The one row per (model, dataset, method) that the headline table reports."""
    counts = df.groupby(["model", "dataset"], observed=True)["subset"].transform("nunique")
    return df[(df["subset"] == "all") | (counts == 1)]


def f1_markdown(df: pd.DataFrame) -> str:
    """``| Model | Method | dataset ... |`` with F1 to 4 decimals, best per model and dataset in bold."""
    top = overall(df)
    datasets = list(dict.fromkeys(top["dataset"]))
    lines = ["| Model | Method | " + " | ".join(datasets) + " |", "|---|---|" + "---|" * len(datasets)]
    for model, group in top.groupby("model", sort=False, observed=True):
        best = group.groupby("dataset", observed=True)["f1"].max()
        first = True
        for method in [m for m in METHOD_ORDER if m in set(group["method"])]:
            cells = []
            for d in datasets:
                row = group[(group["method"] == method) & (group["dataset"] == d)]
                if row.empty:
                    cells.append("")
                    continue
                v = float(row["f1"].iloc[0])
                cells.append(f"**{v:.4f}**" if v == best[d] and v > 0 else f"{v:.4f}")
            lines.append(f"| {model if first else ''} | {METHOD_LABELS[method]} | " + " | ".join(cells) + " |")
            first = False
    n = top.groupby("dataset", observed=True)["n"].max()
    note = ", ".join(f"{d}: n = {int(n[d])}" for d in datasets)
    return "\n".join(lines) + f"\n\nF1 (SQuAD token F1, mean over questions; {note}).\n"


def f1_plot(df: pd.DataFrame, out: Path) -> None:
    """Bar charts of F1 by method, one panel per model x dataset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = overall(df)
    panels = list(top.groupby(["model", "dataset"], sort=False, observed=True))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    for ax, ((model, dataset), group) in zip(axes[0], panels):
        group = group.sort_values("method")
        ax.bar([METHOD_LABELS[m].replace(" (", "\n(") for m in group["method"]], group["f1"], color="#4C72B0")
        ax.set_title(f"{model} / {dataset}", fontsize=10)
        ax.set_ylim(0, 1)
        ax.set_ylabel("F1")
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        for x, v in enumerate(group["f1"]):
            ax.text(x, v + 0.02, f"{v:.2f}", ha="center", fontsize=8)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format=out.suffix.lstrip(".") or "png", dpi=120)
    plt.close(fig)


def write_report(runs: Sequence[tuple[str, str, str, Path]], csv: Path, markdown: Path, plot: Path) -> pd.DataFrame:
    """Write metrics.csv, f1.md and the F1 plot."""
    df = metrics_table(runs)
    with atomic_path(csv) as tmp:
        df.to_csv(tmp, index=False, float_format="%.4f")
    write_text(markdown, f1_markdown(df))
    f1_plot(df, plot)
    return df
