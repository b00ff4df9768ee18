"""HotpotQA (``hotpot_dev_distractor_v1.json``): answer is ``[answer]``, sub-types by ``type``."""

from __future__ import annotations

from pathlib import Path

from parametric_rag.datasets import (
    check_subset,
    golden_passages,
    identified_records,
    require_text,
)
from parametric_rag.records import Question
from parametric_rag.registry import FormatSpec


def load(files: dict[str, Path], spec: FormatSpec) -> list[Question]:
    """Read the HotpotQA JSON list in file order; golden passages join sentences with ""."""
    path = files["questions"]
    subsets = spec.subsets
    questions: list[Question] = []
    for record, where, qid, question in identified_records(path, "_id"):
        answer = require_text(record, "answer", path, where)
        subset = check_subset(record.get("type"), subsets, path, where, "type")
        passages = golden_passages(record, "", path, where)
        questions.append(
            {
                "qid": qid,
                "question": question,
                "answers": [answer],
                "subset": subset,
                "golden_passages": passages,
            }
        )
    return questions
