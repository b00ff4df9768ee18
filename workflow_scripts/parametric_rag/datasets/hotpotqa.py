"""HotpotQA (``hotpot_dev_distractor_v1.json``): answer is ``[answer]``, sub-types by ``type``."""

from __future__ import annotations

from pathlib import Path

from parametric_rag.datasets import (
    FORMATS,
    answers_or_error,
    check_subset,
    check_unique,
    golden_passages,
    read_json_list,
    record_label,
    require,
    require_text,
)
from parametric_rag.records import Question


def load(files: dict[str, Path]) -> list[Question]:
    """Read the HotpotQA JSON list in file order; golden passages join sentences with ""."""
    path = files["questions"]
    subsets = FORMATS["hotpotqa"].subsets
    questions: list[Question] = []
    seen: set[str] = set()
    for i, record in enumerate(read_json_list(path)):
        qid = require_text(record, "_id", path, record_label(i))
        where = record_label(i, qid)
        question = require_text(record, "question", path, where)
        answer = require(record, "answer", str, path, where, "a string")
        subset = check_subset(record.get("type"), subsets, path, where, "type")
        passages = golden_passages(record, "", path, where)
        check_unique(seen, qid, path, where, "_id")
        questions.append(
            {
                "qid": qid,
                "question": question,
                "answers": answers_or_error([answer], path, where, "answer"),
                "subset": subset,
                "golden_passages": passages,
            }
        )
    return questions
