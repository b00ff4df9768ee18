"""Custom datasets: a JSON list of ``{question, answer}`` (answer a string or a list of strings).

Optional per record: ``id`` (or ``qid``; else the list index is the id) and ``passages`` (a list
of strings used instead of retrieval when non-empty).
"""

from __future__ import annotations

from pathlib import Path

from parametric_rag.datasets import (
    answers_or_error,
    check_texts,
    check_unique,
    read_json_list,
    record_label,
    require,
    require_text,
    str_list,
)
from parametric_rag.io import InputError
from parametric_rag.records import Question
from parametric_rag.registry import FormatSpec


def load(files: dict[str, Path], spec: FormatSpec) -> list[Question]:
    """Read a custom JSON list in file order."""
    path = files["questions"]
    questions: list[Question] = []
    seen: set[str] = set()
    for i, record in enumerate(read_json_list(path)):
        where = record_label(i)
        if not isinstance(record, dict):
            raise InputError(path, where, None, "expected an object {question, answer}")
        key = next((k for k in ("id", "qid") if k in record), None)
        if key is None:
            qid = str(i)
        else:
            value = require(record, key, (str, int), path, where, "a string or an integer")
            qid = str(value)
            if not qid.strip():
                raise InputError(path, where, key, "expected a non-empty id")
            where = record_label(i, qid)
        question = require_text(record, "question", path, where)
        expected = "a string or a list of strings"
        answer = require(record, "answer", (str, list), path, where, expected)
        answers = [answer] if isinstance(answer, str) else str_list(answer, path, where, "answer")
        check_texts(answers, path, where, "answer" if isinstance(answer, str) else "answer[{}]")
        q: Question = {
            "qid": qid,
            "question": question,
            "answers": answers_or_error(answers, path, where, "answer"),
            "subset": "total",
        }
        if record.get("passages") is not None:
            passages = str_list(record["passages"], path, where, "passages")
            check_texts(passages, path, where, "passages[{}]")
            if passages:
                q["passages"] = passages
        check_unique(seen, qid, path, where, key or "id")
        questions.append(q)
    return questions
