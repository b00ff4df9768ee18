"""Result tables (CSV, Markdown in the reference README's shape) and an F1 plot."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from .io import atomic_path, read_json, write_text
from .registry import METHODS, PROMPT_VARIANTS

COLUMNS = ["model", "dataset", "subset", "method", "n", "em", "f1", "precision", "recall", "prompt_variant"]


def setting_columns(runs: Sequence[dict]) -> list[str]:
    """The swept settings the runs carry (a column each)."""
    return list(dict.fromkeys(k for r in runs for k in r.get("settings", {})))


def _cell(value) -> str:
    """A setting's value in a table ('' where the run does not depend on it)."""
    return "" if value is None else str(value)


def metrics_table(runs: Sequence[dict]) -> pd.DataFrame:
    """One row per (model, dataset, subset, method, prompt variant, swept settings); datasets with
    sub-types also get an ``all`` row over every question."""
    extra = setting_columns(runs)
    rows = []
    for run in runs:
        m = read_json(run["metrics"])
        subsets = m.get("subsets", {})
        entries = list(subsets.items()) + ([("all", m)] if len(subsets) != 1 else [])
        settings = {k: _cell(run.get("settings", {}).get(k)) for k in extra}
        for subset, values in entries:
            rows.append({"model": run["model"], "dataset": run["dataset"], "subset": subset, "method": run["method"],
                         **{k: values[k] for k in ("n", "em", "f1", "precision", "recall")},
                         "prompt_variant": run["variant"], **settings})
    df = pd.DataFrame(rows, columns=COLUMNS + extra)
    # models, datasets and variants in the order the runs name them, methods in the reference's order
    for column in ("model", "dataset", "subset", "prompt_variant"):
        df[column] = pd.Categorical(df[column], list(dict.fromkeys(df[column])), ordered=True)
    df["method"] = pd.Categorical(df["method"], [m for m in METHODS if m in set(df["method"])], ordered=True)
    return df.sort_values(["prompt_variant", "model", "dataset", "subset", "method", *extra],
                          kind="stable").reset_index(drop=True)


def overall(df: pd.DataFrame) -> pd.DataFrame:
    """The one row per (model, dataset, method, variant) that the F1 tables report."""
    counts = df.groupby(["model", "dataset"], observed=True)["subset"].transform("nunique")
    return df[(df["subset"] == "all") | (counts == 1)]


def _f1_table(top: pd.DataFrame, extra: list[str]) -> list[str]:
    datasets = list(dict.fromkeys(top["dataset"]))
    head = ["Model", "Method", *extra, *datasets]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---|" * (len(extra) + len(datasets))]
    for model, group in top.groupby("model", sort=False, observed=True):
        best = group.groupby("dataset", observed=True)["f1"].max()
        first = True
        for method in [m for m in METHODS if m in set(group["method"])]:
            rows = group[group["method"] == method]
            for setting, part in (rows.groupby(extra, sort=False) if extra else [((), rows)]):
                setting = setting if isinstance(setting, tuple) else (setting,)
                cells = []
                for d in datasets:
                    row = part[part["dataset"] == d]
                    if row.empty:
                        cells.append("")
                        continue
                    v = float(row["f1"].iloc[0])
                    cells.append(f"**{v:.4f}**" if v == best[d] and v > 0 else f"{v:.4f}")
                label = [model if first else "", METHODS[method].label, *map(str, setting)]
                lines.append("| " + " | ".join(label + cells) + " |")
                first = False
    return lines


def f1_markdown(df: pd.DataFrame, extra: Sequence[str] = ()) -> str:
    """``| Model | Method | setting ... | dataset ... |`` with F1 to 4 decimals (best per model and
    dataset in bold): the headline prompt variant first, other variants after it, reported
    separately. ``extra``: the swept settings, a column each."""
    top = overall(df)
    variants = list(dict.fromkeys(top["prompt_variant"]))
    blocks = []
    for i, variant in enumerate(variants):
        part = top[top["prompt_variant"] == variant]
        head = [] if i == 0 else [f"F1 with {PROMPT_VARIANTS[variant].note}, reported separately:", ""]
        blocks.append("\n".join(head + _f1_table(part, list(extra))))
    n = top.groupby("dataset", observed=True)["n"].max()
    note = ", ".join(f"{d}: n = {int(n[d])}" for d in dict.fromkeys(top["dataset"]))
    first = variants[0] if variants else "reference"
    blank = " A blank setting: the run does not depend on it." if extra else ""
    return "\n\n".join(blocks) + (
        f"\n\nF1 (SQuAD token F1, mean over questions; {note}); the first table uses "
        f"{PROMPT_VARIANTS[first].note}.{blank}\n")


def f1_plot(df: pd.DataFrame, out: Path) -> None:
    """Bar charts of F1 by method (headline prompt variant), one panel per model x dataset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    extra = [c for c in df.columns if c not in COLUMNS]
    top = overall(df)
    top = top[top["prompt_variant"] == top["prompt_variant"].iloc[0]] if len(top) else top
    panels = list(top.groupby(["model", "dataset"], sort=False, observed=True))
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(4.2 * max(1, len(panels)), 3.6), squeeze=False)
    for ax, ((model, dataset), group) in zip(axes[0], panels):
        group = group.sort_values("method", kind="stable")
        labels = [METHODS[m].label.replace(" (", "\n(") for m in group["method"]]
        if extra:  # one bar per method and setting
            labels = [f"{label}\n" + " ".join(f"{k.split('.')[-1]}={v}" for k, v in zip(extra, row) if v)
                      for label, row in zip(labels, group[extra].itertuples(index=False))]
        ax.bar(labels, group["f1"], color="#4C72B0")
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


def write_report(runs: Sequence[dict], csv: Path, markdown: Path, plot: Path) -> pd.DataFrame:
    """Write metrics.csv, f1.md and the F1 plot. ``runs``: model, dataset, method, variant,
    metrics (the metrics.json path) and settings (swept setting -> value, None if independent)."""
    df = metrics_table(runs)
    with atomic_path(csv) as tmp:
        df.to_csv(tmp, index=False, float_format="%.4f")
    write_text(markdown, f1_markdown(df, setting_columns(runs)))
    f1_plot(df, plot)
    return df
