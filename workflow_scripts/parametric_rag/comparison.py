"""Per-question comparisons of methods, wins/losses/ties against a baseline, and our numbers
against a published table (with whether the published value lies inside our interval)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Sequence

import pandas as pd

from .io import InputError, atomic_path, read_jsonl, write_text
from .registry import METHODS
from .report import baseline_of


def run_label(run: dict, headline: str) -> str:
    """How per-question tables name a run: the method, its prompt variant when not the headline
    one, and its swept settings."""
    label = run["method"] + ("" if run["variant"] == headline else f"@{run['variant']}")
    settings = ",".join(f"{k}={v}" for k, v in run.get("settings", {}).items() if v is not None)
    return f"{label} ({settings})" if settings else label


def per_question(runs: Sequence[dict]) -> pd.DataFrame:
    """One row per question of one model and dataset: id, question, gold answers, and per run the
    prediction and F1 (columns ``<label>: prediction``, ``<label>: f1``)."""
    headline = runs[0]["variant"]
    table: dict[str, dict] = {}
    for run in runs:
        label = run_label(run, headline)
        for p in read_jsonl(run["predictions"]):
            row = table.setdefault(p["qid"], {"qid": p["qid"], "question": p["question"],
                                              "answers": " | ".join(p["answers"])})
            row[f"{label}: prediction"] = p["prediction"]
            row[f"{label}: f1"] = p["f1"]
    return pd.DataFrame(list(table.values()))


def write_per_question(runs: Sequence[dict], out: Path) -> pd.DataFrame:
    df = per_question(runs)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, index=False, float_format="%.4f")
    return df


def wins_markdown(runs: Sequence[dict], baseline: str) -> str:
    """Per model, dataset and run: on how many questions its F1 is above, below or equal to the
    baseline's (same model, dataset, prompt variant and settings)."""
    headline = runs[0]["variant"] if runs else ""
    lines = [f"Per-question F1 against {METHODS[baseline].label}: wins / losses / ties.", "",
             "| Model | Dataset | Run | wins | losses | ties |", "|---|---|---|---|---|---|"]
    for run in runs:
        base = baseline_of(run, baseline, runs)
        if base is None or base is run:
            continue
        ours = {p["qid"]: p["f1"] for p in read_jsonl(run["predictions"])}
        theirs = {p["qid"]: p["f1"] for p in read_jsonl(base["predictions"])}
        pairs = [(ours[q], theirs[q]) for q in ours if q in theirs]
        wins, losses = sum(a > b for a, b in pairs), sum(a < b for a, b in pairs)
        lines.append(f"| {run['model']} | {run['dataset']} | {run_label(run, headline)} | {wins} | {losses} | "
                     f"{len(pairs) - wins - losses} |")
    return "\n".join(lines) + "\n"


def read_published(path: Path) -> list[dict]:
    """A published table: CSV with columns model, dataset, method, f1 (names as in the config)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows, start=2):
        for field in ("model", "dataset", "method", "f1"):
            if not row.get(field):
                raise InputError(path, f"line {i}", field, "missing")
        if row["method"] not in METHODS:
            raise InputError(path, f"line {i}", "method", f"unknown method {row['method']!r}; known: {list(METHODS)}")
        try:
            row["f1"] = float(row["f1"])
        except ValueError:
            raise InputError(path, f"line {i}", "f1", f"not a number: {row['f1']!r}") from None
    return rows


def published_comparison(df: pd.DataFrame, published: Sequence[dict]) -> pd.DataFrame:
    """Published F1 beside ours (headline prompt variant, overall rows), the difference, and
    whether the published value lies inside our interval."""
    top = df[df["overall"] & (df["prompt_variant"] == df["prompt_variant"].iloc[0])]
    rows = []
    for pub in published:
        ours = top[(top["model"] == pub["model"]) & (top["dataset"] == pub["dataset"]) & (top["method"] == pub["method"])]
        row = {"model": pub["model"], "dataset": pub["dataset"], "method": pub["method"], "published": pub["f1"],
               "ours": None, "ours_lo": None, "ours_hi": None, "difference": None, "inside": None}
        if ours.empty:
            rows.append(row)
        for _, o in ours.iterrows():  # one row per setting of a sweep
            rows.append({**row, "ours": o["f1"], "ours_lo": o["f1_lo"], "ours_hi": o["f1_hi"],
                         "difference": o["f1"] - pub["f1"], "inside": bool(o["f1_lo"] <= pub["f1"] <= o["f1_hi"])})
    return pd.DataFrame(rows)


def published_markdown(table: pd.DataFrame) -> str:
    lines = ["| Model | Method | Dataset | published | ours [interval] | ours - published | inside |",
             "|---|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        if r.ours is None or pd.isna(r.ours):
            ours, diff, inside = "not run", "", ""
        else:
            ours = f"{r.ours:.4f} [{r.ours_lo:.2f}, {r.ours_hi:.2f}]"
            diff, inside = f"{r.difference:+.4f}", "yes" if r.inside else "no"
        lines.append(f"| {r.model} | {METHODS[r.method].label} | {r.dataset} | {r.published:.4f} | {ours} | {diff} | "
                     f"{inside} |")
    n = int(table["inside"].fillna(False).astype(bool).sum())
    ran = int(table["ours"].notna().sum())
    return "\n".join(lines) + f"\n\nThe published value lies inside our interval in {n} of {ran} cells run.\n"


def write_published(df: pd.DataFrame, published_file: Path, csv_out: Path, markdown_out: Path) -> pd.DataFrame:
    table = published_comparison(df, read_published(published_file))
    with atomic_path(csv_out) as tmp:
        table.to_csv(tmp, index=False, float_format="%.4f")
    write_text(markdown_out, published_markdown(table))
    return table
