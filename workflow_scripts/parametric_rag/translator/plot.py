"""Per-step translator losses: a CSV and a plot."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from ..io import atomic_path


def write_losses(history: Sequence[dict], csv: Path, png: Path) -> None:
    """losses.csv (one row per step) and losses.png (each term over steps, smoothed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = pd.DataFrame(list(history), columns=["epoch", "step", "sample", "loss", "lm", "kl", "mse", "teacher_lm"])
    with atomic_path(csv) as tmp:
        df.to_csv(tmp, index=False)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    window = max(1, len(df) // 20)
    for term in ("loss", "lm", "kl", "mse", "teacher_lm"):
        if len(df):
            ax.plot(range(len(df)), df[term].rolling(window, min_periods=1).mean(), label=term)
    ax.set_xlabel("step")
    ax.set_ylabel(f"loss (rolling mean over {window})")
    ax.set_yscale("symlog", linthresh=1e-2)
    ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic_path(png) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)
