"""Keeping the first ``topk`` passages, in rank order, whose augmentation succeeded."""

from __future__ import annotations

from typing import Protocol, Sequence

from ..records import Augmented, Candidate, PassageAugment, Question


class Augmenter(Protocol):
    def augment(self, candidates: Sequence[Candidate]) -> list[PassageAugment | None]: ...


def select_and_augment(
    questions: Sequence[Question],
    candidates: dict[str, list[Candidate]],
    augmenter: Augmenter,
    topk: int,
) -> list[Augmented]:
    """Augment candidates round by round, all questions batched together.

    Each round asks, for every question still short of ``topk`` kept passages, for as many
    untried candidates as it still needs; a failed passage is replaced by the next candidate.
    Kept passages stay in rank order; empty slots are padded with empty passages.
    """
    kept: dict[str, list[tuple[int, PassageAugment]]] = {q["qid"]: [] for q in questions}
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
            if result is not None:
                kept[qid].append((rank, result))
    out: list[Augmented] = []
    for q in questions:
        augment = [a for _, a in sorted(kept[q["qid"]], key=lambda x: x[0])]
        passages = [a["passage"] for a in augment] + [""] * (topk - len(augment))
        out.append({**q, "passages": passages, "augment": augment})  # type: ignore[typeddict-item]
    return out
