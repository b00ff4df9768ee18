"""What augmentation dropped, and the limits beyond which a job fails instead.

The reference drops a passage whose QA pairs never parsed (its give-up value is the raw text)
and takes the next candidate. Here every dropped passage is recorded in its question's
augmented record (``dropped``: ``{pid, reason}``), summarised by the report, and a job fails
when a question keeps fewer than ``augment.min_passages_per_question`` passages or more than
``augment.max_dropped_fraction`` of the passages it tried were dropped.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..datasets import require
from ..io import InputError
from .parse import validate_qa

#: Why a passage was dropped (the ``reason`` of a ``dropped`` entry), and what it means.
DROP_REASONS: dict[str, str] = {
    "qa_failed": "no parsable QA pairs after augment.max_attempts generations",
    "qa_gave_up": "the source holds raw text instead of QA pairs (the reference's value when its retries ran out)",
    "qa_invalid": "the source's QA pairs are not three complete {question, answer, full_answer} objects",
    "not_in_table": "the passage has no row in the augmentation table",
}


def source_qa(record: dict, key: str, path: str | os.PathLike, where: Any, field: str | None = None) -> list | str:
    """QA pairs read from a source file, or the reason to drop the passage: raw text (the
    reference's give-up value) or a list that is not three complete QA objects. Any other value
    (missing, null, an object, a number) is an error naming file, record and field."""
    value = require(record, key, (str, list), path, where, "a list of QA objects", field)
    if isinstance(value, str):
        return "qa_gave_up"
    qa = validate_qa(value)
    return "qa_invalid" if qa is None else qa


@dataclass(frozen=True)
class Limits:
    """When an augmentation job fails (config ``augment.min_passages_per_question`` and
    ``augment.max_dropped_fraction``)."""

    min_passages: int = 1
    max_dropped_fraction: float = 1.0

    @classmethod
    def from_settings(cls, s: dict) -> "Limits":
        return cls(s["min_passages_per_question"], s["max_dropped_fraction"])


def _reasons(dropped: Iterable[dict]) -> str:
    counts = Counter(d["reason"] for d in dropped)
    return ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items())) or "none"


def check_question(record: dict, limits: Limits, path: str | os.PathLike, where: Any, field: str) -> None:
    """Fail when a question kept fewer passages than ``limits.min_passages``."""
    kept, dropped = len(record["augment"]), record.get("dropped", [])
    if kept < limits.min_passages:
        raise InputError(path, where, field,
                         f"{kept} passage(s) kept for question {record['qid']!r}, fewer than "
                         f"augment.min_passages_per_question = {limits.min_passages} "
                         f"({len(dropped)} dropped: {_reasons(dropped)})")


def check_fraction(records: Sequence[dict], limits: Limits, path: str | os.PathLike, field: str) -> None:
    """Fail when more than ``limits.max_dropped_fraction`` of the passages tried were dropped."""
    dropped = [d for r in records for d in r.get("dropped", [])]
    tried = len(dropped) + sum(len(r["augment"]) for r in records)
    if tried and len(dropped) / tried > limits.max_dropped_fraction:
        raise InputError(path, f"all {len(records)} questions", field,
                         f"{len(dropped)} of {tried} passages tried were dropped ({_reasons(dropped)}), more than "
                         f"augment.max_dropped_fraction = {limits.max_dropped_fraction}")


def summary(records: Iterable[dict], topk: int | None = None) -> dict[str, Any]:
    """Questions, passages kept, questions short of ``topk`` passages and dropped passages by reason."""
    records = list(records)
    reasons = Counter(d["reason"] for r in records for d in r.get("dropped", []))
    topk = topk if topk is not None else max((len(r.get("passages", [])) for r in records), default=0)
    return {"questions": len(records), "kept": sum(len(r["augment"]) for r in records),
            "short": sum(len(r["augment"]) < topk for r in records),
            "dropped": dict(sorted(reasons.items()))}
