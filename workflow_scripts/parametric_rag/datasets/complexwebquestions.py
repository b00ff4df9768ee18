"""ComplexWebQuestions (``ComplexWebQuestions_dev.json``): every answer and every alias."""

from __future__ import annotations

from pathlib import Path

from parametric_rag.datasets import answers_or_error, identified_records, require, str_list
from parametric_rag.io import InputError
from parametric_rag.records import Question
from parametric_rag.registry import FormatSpec


def load(files: dict[str, Path], spec: FormatSpec) -> list[Question]:
    """Read the CWQ JSON list in file order."""
    path = files["questions"]
    questions: list[Question] = []
    for record, where, qid, question in identified_records(path, "ID"):
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
        questions.append(
            {
                "qid": qid,
                "question": question,
                "answers": answers_or_error(answers, path, where, "answers"),
                "subset": "total",
            }
        )
    return questions
