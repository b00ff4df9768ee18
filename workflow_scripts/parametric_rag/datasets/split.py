"""Evaluation and translator-training splits, taken per sub-type from the raw-file order.

Evaluation: the first ``sample`` questions of each subset (``-1``: all). Translator training:
indices ``[start, end)`` of the same lists (the reference: ``[300, 500)``), so the two never
overlap unless asked to.
"""

from __future__ import annotations

from collections.abc import Mapping

from parametric_rag.records import Question


def split_questions(
    by_subset: Mapping[str, list[Question]],
    sample: int,
    translator: tuple[int, int],
) -> dict[str, list[Question]]:
    """``{"eval": ..., "translator": ...}``, each the subsets' slices concatenated in order.

    Overlapping slices (e.g. ``sample=-1`` with a non-empty translator range) are an error;
    pass ``translator=(0, 0)`` when no translator set is wanted.
    """
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < -1:
        raise ValueError(f"sample must be -1 (all) or a count >= 0, got {sample!r}")
    start, end = translator
    if start < 0 or end < start:
        raise ValueError(
            f"translator range must be [start, end) with 0 <= start <= end, got {translator}"
        )
    out: dict[str, list[Question]] = {"eval": [], "translator": []}
    for subset, questions in by_subset.items():
        n_eval = len(questions) if sample == -1 else min(sample, len(questions))
        train = range(start, min(end, len(questions)))
        if train and train.start < n_eval:
            raise ValueError(
                f"subset {subset!r}: translator questions [{start}, {end}) overlap the "
                f"{n_eval} evaluation questions (sample={sample}); choose a translator range "
                f"starting at or after sample, or (0, 0) for none"
            )
        out["eval"].extend(questions[:n_eval])
        out["translator"].extend(questions[train.start:train.stop])
    return out
