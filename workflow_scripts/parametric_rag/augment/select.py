"""Keeping the first ``topk`` passages, in rank order, whose augmentation succeeded."""

from __future__ import annotations

import os
from typing import Protocol, Sequence

from ..io import InputError
from ..records import Augmented, Candidate, PassageAugment, Question


class Augmenter(Protocol):
    def augment(self, candidates: Sequence[Candidate]) -> list[PassageAugment | str | None]:
        """Per candidate its augmentation, or why it failed (a key of ``quality.DROP_REASONS``; None:
        ``qa_failed``)."""
        ...


def check_candidates(record: dict, path: str | os.PathLike) -> list[Candidate]:
    """A retrieval record's candidates; a repeated passage id or an empty text is an error (the
    augmentation is keyed by passage id, so two passages would share one QA set)."""
    where = f"qid {record['qid']!r}"
    candidates = record.get("candidates")
    if not isinstance(candidates, list):
        raise InputError(path, where, "candidates", f"expected a list, got {candidates!r:.60}")
    seen: set[str] = set()
    for i, c in enumerate(candidates):
        if not isinstance(c, dict) or not isinstance(c.get("pid"), str) or not isinstance(c.get("text"), str):
            raise InputError(path, where, f"candidates[{i}]", "expected an object with string pid and text")
        if c["pid"] in seen:
            raise InputError(path, where, f"candidates[{i}].pid", f"duplicate passage id {c['pid']!r}: the corpus or "
                             "the question's passages hold it twice")
        if not c["text"].strip():
            raise InputError(path, where, f"candidates[{i}].text", f"empty passage text (pid {c['pid']!r})")
        seen.add(c["pid"])
    return candidates


def select_and_augment(
    questions: Sequence[Question],
    candidates: dict[str, list[Candidate]],
    augmenter: Augmenter,
    topk: int,
) -> list[Augmented]:
    """Augment candidates round by round, all questions batched together.

    Each round asks, for every question still short of ``topk`` kept passages, for as many
    untried candidates as it still needs; a failed passage is replaced by the next candidate.
    Kept passages stay in rank order; empty slots are padded with empty passages. Each record
    lists the failed passages with their reason (``dropped``, rank order).
    """
    kept: dict[str, list[tuple[int, PassageAugment]]] = {q["qid"]: [] for q in questions}
    dropped: dict[str, list[tuple[int, dict]]] = {q["qid"]: [] for q in questions}
    cursor = {q["qid"]: 0 for q in questions}
    while True:
        todo: list[tuple[str, int]] = []
        for q in questions:
            qid = q["qid"]
            need = topk - len(kept[qid])
            pool = candidates.get(qid, [])
            take = pool[cursor[qid]:cursor[qid] + max(need, 0)]
            todo.extend((qid, cursor[qid] + i) for i in range(len(take)))
            cursor[qid] += len(take)
        if not todo:
            break
        results = augmenter.augment([candidates[qid][rank] for qid, rank in todo])
        for (qid, rank), result in zip(todo, results):
            if isinstance(result, dict):
                kept[qid].append((rank, result))
            else:
                dropped[qid].append((rank, {"pid": candidates[qid][rank]["pid"], "reason": result or "qa_failed"}))
    out: list[Augmented] = []
    for q in questions:
        augment = [a for _, a in sorted(kept[q["qid"]], key=lambda x: x[0])]
        passages = [a["passage"] for a in augment] + [""] * (topk - len(augment))
        failed = [d for _, d in sorted(dropped[q["qid"]], key=lambda x: x[0])]
        out.append({**q, "passages": passages, "augment": augment, "dropped": failed})  # type: ignore[typeddict-item]
    return out
