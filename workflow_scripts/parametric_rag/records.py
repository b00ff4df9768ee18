"""The records that flow between pipeline steps (JSON Lines, one object per line).

These TypedDicts document the contract between steps; files hold plain JSON objects.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class Question(TypedDict):
    """A normalised question (one line of a questions file, ``registry.PATHS["questions"]``)."""

    qid: str  # the dataset's own id (PopQA `id`, CWQ `ID`, 2Wiki/HotpotQA `_id`, custom `id`)
    question: str  # raw question text (prompt normalisation happens later)
    answers: list[str]  # gold answers, de-duplicated, in dataset order
    subset: str  # sub-type (2Wiki/HotpotQA `type`), or "total"
    position: int  # index of the question within its subset, in raw-file order
    golden_passages: NotRequired[list[str]]  # metadata only (2Wiki, HotpotQA)
    passages: NotRequired[list[str]]  # custom datasets may bring their own passages


class Candidate(TypedDict):
    """One retrieved passage."""

    pid: str
    title: str
    text: str
    score: float | None  # None for passages that came with the question


class Retrieval(TypedDict):
    """Retrieval candidates for a question (a line of ``registry.PATHS["retrieval"]``)."""

    qid: str
    query: str  # the query text actually sent (after truncation)
    candidates: list[Candidate]  # rank order, topk + spare


class QA(TypedDict):
    question: str
    answer: str
    full_answer: str


class PassageAugment(TypedDict):
    """One kept passage with its rewrite and three QA pairs."""

    pid: str
    passage: str
    rewrite: str
    qa: list[QA]


class Dropped(TypedDict):
    """A passage augmentation tried and dropped (``augment.quality.DROP_REASONS``)."""

    pid: str
    reason: str


class Augmented(Question):
    """A question with its kept passages (a line of ``registry.PATHS["augmented"]``)."""

    passages: list[str]  # the kept passages' texts, padded with "" to topk
    augment: list[PassageAugment]  # one per kept (non-empty) passage, rank order
    dropped: NotRequired[list[Dropped]]  # the passages tried and not kept, rank order
