"""2WikiMultihopQA (``dev.json`` + ``id_aliases.json``): answers are ``answer_id``'s aliases."""

from __future__ import annotations

from pathlib import Path

from parametric_rag.datasets import (
    answers_or_error,
    check_subset,
    golden_passages,
    identified_records,
    record_label,
    require,
    require_text,
    str_list,
)
from parametric_rag.io import InputError, iter_jsonl
from parametric_rag.records import Question
from parametric_rag.registry import FormatSpec


def read_aliases(path: Path) -> dict[str, list[str]]:
    """``Q_id -> aliases`` from the JSON Lines file (a later line wins, as in the reference)."""
    aliases: dict[str, list[str]] = {}
    for lineno, record in iter_jsonl(path):
        where = f"line {lineno}"
        qid = require_text(record, "Q_id", path, where)
        where = record_label(where, qid)
        value = require(record, "aliases", list, path, where, "a list of strings")
        aliases[qid] = str_list(value, path, where, "aliases")
    return aliases


def load(files: dict[str, Path], spec: FormatSpec) -> list[Question]:
    """Read ``dev.json`` in file order; golden passages join sentences with a space."""
    path = files["questions"]
    aliases = read_aliases(files["aliases"])
    subsets = spec.subsets
    questions: list[Question] = []
    for record, where, qid, question in identified_records(path, "_id"):
        answer = require_text(record, "answer", path, where)
        answer_id = record.get("answer_id")
        if answer_id is not None and not isinstance(answer_id, str):
            raise InputError(
                path, where, "answer_id", f"expected a string or null, got {answer_id!r}"
            )
        if answer_id:
            if answer_id not in aliases:
                raise InputError(
                    path, where, "answer_id", f"{answer_id!r} is not in {files['aliases']}"
                )
            answers = answers_or_error(aliases[answer_id], path, where, "answer_id (aliases)")
        else:
            answers = [answer]
        subset = check_subset(record.get("type"), subsets, path, where, "type")
        passages = golden_passages(record, " ", path, where)
        questions.append(
            {
                "qid": qid,
                "question": question,
                "answers": answers,
                "subset": subset,
                "golden_passages": passages,
            }
        )
    return questions
