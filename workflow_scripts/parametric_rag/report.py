"""Result tables (CSV, Markdown in the reference README's shape) and an F1 plot, with
bootstrap intervals (95% by default) and paired tests against baseline methods (:mod:`parametric_rag.stats`).

Each run is a dict: model, dataset, method, variant, metrics (metrics.json), predictions
(predictions.jsonl) and settings (swept setting -> value, None where the run does not depend on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

from .augment.quality import DROP_REASONS, summary
from .io import atomic_path, read_json, read_jsonl, read_jsonl_checksummed, write_text
from .registry import METHODS, PROMPT_VARIANTS
from .stats import bootstrap_interval, holm, paired_test

COLUMNS = ["model", "dataset", "subset", "method", "n", "em", "f1", "precision", "recall", "prompt_variant",
           "f1_lo", "f1_hi", "em_lo", "em_hi"]
MARKERS = "*†‡§"  # one per baseline, in the order of report.baselines
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Options:
    """How intervals and tests are computed (config key ``report``)."""

    baselines: tuple[str, ...]
    confidence: float
    resamples: int
    permutations: int
    seed: int

    @classmethod
    def from_settings(cls, s: dict) -> "Options":
        return cls(tuple(s["baselines"]), s["confidence"], s["resamples"], s["permutations"], s["seed"])


def setting_columns(runs: Sequence[dict]) -> list[str]:
    """The swept settings the runs carry (a column each)."""
    return list(dict.fromkeys(k for r in runs for k in r.get("settings", {})))


def _cell(value) -> str:
    """A setting's value in a table ('' where the run does not depend on it)."""
    return "" if value is None else str(value)


def baseline_of(run: dict, method: str, runs: Sequence[dict]) -> dict | None:
    """The run of ``method`` that ``run`` is compared with: same model, dataset and prompt variant,
    and the same value of every swept setting the baseline depends on."""
    for other in runs:
        if (other["method"] == method and all(other[k] == run[k] for k in ("model", "dataset", "variant"))
                and all(v is None or run.get("settings", {}).get(k) == v for k, v in other.get("settings", {}).items())):
            return other
    return None


def _scores(rows: list[dict], key: str) -> dict[str, float]:
    return {r["qid"]: float(r[key]) for r in rows}


def metrics_table(runs: Sequence[dict], options: Options) -> pd.DataFrame:
    """One row per (model, dataset, subset, method, prompt variant, swept settings): the metrics,
    their intervals, and per baseline the paired F1 difference, its interval and p-values (raw and
    Holm-corrected within each table). Datasets with sub-types also get an ``all`` row."""
    extra = setting_columns(runs)
    predictions = {r["metrics"]: read_jsonl(r["predictions"]) for r in runs}
    stat = dict(resamples=options.resamples, confidence=options.confidence, seed=options.seed)
    rows = []
    for run in runs:
        m = read_json(run["metrics"])
        subsets = m.get("subsets", {})
        entries = list(subsets.items()) + ([("all", m)] if len(subsets) != 1 else [])
        settings = {k: _cell(run.get("settings", {}).get(k)) for k in extra}
        for subset, values in entries:
            chosen = [p for p in predictions[run["metrics"]] if subset == "all" or p["subset"] == subset]
            f1, em = (bootstrap_interval([p[k] for p in chosen], **stat) for k in ("f1", "em"))
            row = {"model": run["model"], "dataset": run["dataset"], "subset": subset, "method": run["method"],
                   **{k: values[k] for k in ("n", "em", "f1", "precision", "recall")}, "prompt_variant": run["variant"],
                   "f1_lo": f1.lo, "f1_hi": f1.hi, "em_lo": em.lo, "em_hi": em.hi,
                   "overall": subset == "all" or len(subsets) == 1}
            for b in options.baselines:
                base = baseline_of(run, b, runs)
                cols = {f"f1_diff_vs_{b}": None, f"f1_diff_lo_vs_{b}": None, f"f1_diff_hi_vs_{b}": None, f"p_vs_{b}": None}
                if base is not None and base is not run:
                    ours, theirs = _scores(chosen, "f1"), _scores(predictions[base["metrics"]], "f1")
                    qids = [q for q in ours if q in theirs]
                    t = paired_test([ours[q] for q in qids], [theirs[q] for q in qids],
                                    permutations=options.permutations, **stat)
                    cols = {f"f1_diff_vs_{b}": t.diff, f"f1_diff_lo_vs_{b}": t.lo, f"f1_diff_hi_vs_{b}": t.hi,
                            f"p_vs_{b}": t.p}
                row.update(cols)
            rows.append({**row, **settings})
    tests = [c for b in options.baselines for c in (f"f1_diff_vs_{b}", f"f1_diff_lo_vs_{b}", f"f1_diff_hi_vs_{b}",
                                                    f"p_vs_{b}", f"p_holm_vs_{b}")]
    df = pd.DataFrame(rows, columns=COLUMNS + tests + extra + ["overall"])
    for b in options.baselines:  # Holm within each table: one prompt variant, overall rows or sub-type rows
        for _, family in df.groupby(["prompt_variant", "overall"], sort=False):
            df.loc[family.index, f"p_holm_vs_{b}"] = holm(family[f"p_vs_{b}"].astype(float).tolist())
    # models, datasets and variants in the order the runs name them, methods in the reference's order
    for column in ("model", "dataset", "subset", "prompt_variant"):
        df[column] = pd.Categorical(df[column], list(dict.fromkeys(df[column])), ordered=True)
    df["method"] = pd.Categorical(df["method"], [m for m in METHODS if m in set(df["method"])], ordered=True)
    return df.sort_values(["prompt_variant", "model", "dataset", "subset", "method", *extra],
                          kind="stable").reset_index(drop=True)


def overall(df: pd.DataFrame) -> pd.DataFrame:
    """The one row per (model, dataset, method, variant, setting) that the F1 tables report."""
    return df[df["overall"]]


def _f1_cell(row: pd.Series, best: float, baselines: Sequence[str]) -> str:
    v = float(row["f1"])
    mean = f"**{v:.4f}**" if v == best and v > 0 else f"{v:.4f}"
    marks = "".join(MARKERS[i] for i, b in enumerate(baselines)
                    if pd.notna(row.get(f"p_holm_vs_{b}")) and row[f"p_holm_vs_{b}"] < SIGNIFICANCE)
    return f"{mean} [{row['f1_lo']:.2f}, {row['f1_hi']:.2f}]{marks}"


def _f1_table(top: pd.DataFrame, extra: list[str], baselines: Sequence[str]) -> list[str]:
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
                    cells.append("" if row.empty else _f1_cell(row.iloc[0], best[d], baselines))
                label = [model if first else "", METHODS[method].label, *map(str, setting)]
                lines.append("| " + " | ".join(label + cells) + " |")
                first = False
    return lines


def resolvable_difference(df: pd.DataFrame, baseline: str) -> dict[str, float]:
    """Per dataset, the median half-width of the paired F1 intervals against ``baseline`` (headline
    prompt variant, intervals of nonzero width): differences smaller than this are not resolved
    with this many questions."""
    top = overall(df)
    top = top[top["prompt_variant"] == top["prompt_variant"].iloc[0]]
    width = (top[f"f1_diff_hi_vs_{baseline}"] - top[f"f1_diff_lo_vs_{baseline}"]) / 2
    width = width[width > 0]  # a zero-width interval (both methods score alike on every question) says nothing
    return {str(d): float(w.median()) for d, w in width.groupby(top.loc[width.index, "dataset"], observed=True)
            if len(w)}


def f1_markdown(df: pd.DataFrame, options: Options, extra: Sequence[str] = ()) -> str:
    """``| Model | Method | setting ... | dataset ... |``: F1 to 4 decimals with its interval and
    significance markers (best per model and dataset in bold); the headline prompt variant first,
    other variants after it, reported separately. ``extra``: the swept settings, a column each."""
    top = overall(df)
    variants = list(dict.fromkeys(top["prompt_variant"]))
    blocks = []
    for i, variant in enumerate(variants):
        part = top[top["prompt_variant"] == variant]
        head = [] if i == 0 else [f"F1 with {PROMPT_VARIANTS[variant].note}, reported separately:", ""]
        blocks.append("\n".join(head + _f1_table(part, list(extra), options.baselines)))
    n = top.groupby("dataset", observed=True)["n"].max()
    note = ", ".join(f"{d}: n = {int(n[d])}" for d in dict.fromkeys(top["dataset"]))
    first = variants[0] if variants else "reference"
    blank = " A blank setting: the run does not depend on it." if extra else ""
    marks = ", ".join(f"{MARKERS[i]} against {METHODS[b].label}" for i, b in enumerate(options.baselines))
    resolvable = resolvable_difference(df, options.baselines[0]) if len(df) else {}
    resolved = ", ".join(f"{d} ±{w:.2f}" for d, w in resolvable.items())
    return "\n\n".join(blocks) + (
        f"\n\nF1 (SQuAD token F1, mean over questions; {note}); the first table uses "
        f"{PROMPT_VARIANTS[first].note}.{blank}\n\n"
        f"[lo, hi]: {options.confidence:.0%} percentile bootstrap interval over questions ({options.resamples:,} "
        f"resamples, seed {options.seed}). Markers: p < {SIGNIFICANCE} in a paired approximate randomisation test "
        f"of per-question F1 ({options.permutations:,} random swaps, two-sided), Holm-corrected across the cells "
        f"of each table: {marks}."
        + (f" Smallest F1 difference these questions resolve against {METHODS[options.baselines[0]].label} "
           f"(median half-width of the paired intervals that are not a single point): {resolved}."
           if resolved else "") + "\n")


def f1_plot(df: pd.DataFrame, out: Path, confidence: float) -> None:
    """Bar charts of F1 by method with interval error bars (headline prompt variant), one panel
    per model x dataset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    extra = [c for c in df.columns if c not in COLUMNS and c != "overall" and not c.startswith(("p_", "f1_diff"))]
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
        errors = [(group["f1"] - group["f1_lo"]).clip(lower=0), (group["f1_hi"] - group["f1"]).clip(lower=0)]
        ax.bar(labels, group["f1"], color="#4C72B0", yerr=errors, capsize=3, ecolor="#333333")
        ax.set_title(f"{model} / {dataset}", fontsize=10)
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"F1 ({confidence:.0%} interval)")
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        for x, (v, hi) in enumerate(zip(group["f1"], group["f1_hi"])):
            ax.text(x, min(hi, 0.93) + 0.02, f"{v:.2f}", ha="center", fontsize=8)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format=out.suffix.lstrip(".") or "png", dpi=120)
    plt.close(fig)


def data_quality_markdown(sets: Sequence[dict]) -> str:
    """What augmentation kept and dropped, per model, dataset, split and augmentation tag:
    questions, passages kept, questions short of ``topk`` passages, dropped passages by reason."""
    rows = [(a, summary((r for path in a["shards"] for r in read_jsonl_checksummed(path)), a["topk"])) for a in sets]
    reasons = [k for k in DROP_REASONS if any(k in s["dropped"] for _, s in rows)]
    reasons += sorted({k for _, s in rows for k in s["dropped"]} - set(reasons))
    head = ["Model", "Dataset", "Split", "Augmentation", "Questions", "Passages kept", "Short of top-k",
            "Dropped", *(f"Dropped: {r}" for r in reasons)]
    lines = ["Augmentation per dataset: the passages kept for each question (at most top-k) and the passages tried "
             "and dropped, by reason.", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for a, s in rows:
        cells = [a["model"], a["dataset"], a["split"], a["atag"], s["questions"], s["kept"], s["short"],
                 sum(s["dropped"].values()), *(s["dropped"].get(r, 0) for r in reasons)]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    if not rows:
        lines.append("| " + " | ".join(["(no run reads augmented passages)"] + [""] * (len(head) - 1)) + " |")
    legend = [f"- `{r}`: {DROP_REASONS.get(r, r)}" for r in reasons]
    return "\n".join(lines + ([""] + legend if legend else [])) + "\n"


def write_report(runs: Sequence[dict], options: Options, csv: Path, markdown: Path, plot: Path) -> pd.DataFrame:
    """Write metrics.csv, f1.md and the F1 plot."""
    df = metrics_table(runs, options)
    with atomic_path(csv) as tmp:
        df.drop(columns="overall").to_csv(tmp, index=False, float_format="%.4f")
    write_text(markdown, f1_markdown(df, options, setting_columns(runs)))
    f1_plot(df, plot, options.confidence)
    return df
