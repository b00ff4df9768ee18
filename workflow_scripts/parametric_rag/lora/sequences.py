"""Training sequences for one passage (method.md §5), in the reference's order."""

from __future__ import annotations

from typing import Any

from ..prompts import prompt_ids
from ..records import PassageAugment


def training_examples(augment: PassageAugment, cot: bool) -> list[tuple[str, str | None, str]]:
    """(question, context, answer) triples: for the first ceil(n/2) QA pairs one with the passage
    and one with the rewrite, for the rest one without context. n = 3 gives five examples."""
    qa = augment["qa"]
    first_half = (len(qa) + 1) // 2
    field = "full_answer" if cot else "answer"
    examples: list[tuple[str, str | None, str]] = []
    for i, pair in enumerate(qa):
        if i < first_half:
            examples.append((pair["question"], augment["passage"], pair[field]))
            examples.append((pair["question"], augment["rewrite"], pair[field]))
        else:
            examples.append((pair["question"], None, pair[field]))
    return examples


def training_sequences(
    tokenizer: Any,
    augment: PassageAugment,
    cot: bool,
    fewshot: str | None = None,
    max_length: int = 3000,
) -> list[list[int]]:
    """Token ids of each training example, truncated to ``max_length``; labels are the ids."""
    seqs = []
    for question, context, answer in training_examples(augment, cot):
        ids = prompt_ids(tokenizer, question, [context] if context is not None else None, answer, fewshot if cot else None)
        seqs.append(ids[:max_length])
    return seqs
