"""ComplexWebQuestions (``ComplexWebQuestions_dev.json``): every answer and every alias."""

from __future__ import annotations

from pathlib import Path

from parametric_rag.datasets import (
    answers_or_error,
    check_unique,
    read_json_list,
    record_label,
    require,
    require_text,
    str_list,
)
from parametric_rag.io import InputError
from parametric_rag.records import Question


def load(files: dict[str, Path]) -> list[Question]:
    """Read the CWQ JSON list in file order."""
    path = files["questions"]
    questions: list[Question] = []
    seen: set[str] = set()
    for i, record in enumerate(read_json_list(path)):
        qid = require_text(record, "ID", path, record_label(i))
        where = record_label(i, qid)
        question = require_text(record, "question", path, where)
        answers: list[str] = []
        entries = require(record, "answers", list, path, where, "a list of {answer, aliases}")
        for j, entry in enumerate(entries):
            field = f"answers[{j}]"
            if not isinstance(entry, dict):
                raise InputError(path, where, field, "expected an object {answer, aliases}")
            answer = entry.get("answer")
            if not isinstance(answer, str):
                raise InputError(
                    path, where, f"{field}.answer", f"expected a string, got {answer!r}"
                )
            if "aliases" not in entry:
                raise InputError(
                    path, where, f"{field}.aliases", "missing; expected a list of strings"
                )
            answers.append(answer)
            answers.extend(str_list(entry["aliases"], path, where, f"{field}.aliases"))
        check_unique(seen, qid, path, where, "ID")
        questions.append(
            {
                "qid": qid,
                "question": question,
                "answers": answers_or_error(answers, path, where, "answers"),
                "subset": "total",
            }
        )
    return questions
