"""PopQA (``popQA.tsv``): answers are ``[obj] + o_aliases``."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

from parametric_rag.datasets import answers_or_error, check_unique, record_label, str_list
from parametric_rag.io import InputError
from parametric_rag.records import Question
from parametric_rag.registry import FormatSpec

REQUIRED_COLUMNS = ("id", "question", "obj", "o_aliases")


def parse_list_literal(text: str, path: Path, where: str, field: str) -> list[str]:
    """A Python-literal list of strings, parsed with ``ast.literal_eval`` (never ``eval``)."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as e:
        raise InputError(
            path, where, field,
            f"expected a Python list literal of strings, got {text[:60]!r} ({e})",
        ) from None
    return str_list(value, path, where, field)


def load(files: dict[str, Path], spec: FormatSpec) -> list[Question]:
    """Read ``popQA.tsv`` (tab-separated, with a header) in file order."""
    path = files["questions"]
    questions: list[Question] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        header = next(reader, None)
        if header is None:
            raise InputError(path, "line 1", None, "empty file; expected a header line")
        for column in REQUIRED_COLUMNS:
            if column not in header:
                raise InputError(path, "line 1 (header)", column, "missing column")
        index = {column: header.index(column) for column in REQUIRED_COLUMNS}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = f"line {reader.line_num}"
            if len(row) != len(header):
                raise InputError(
                    path, line, None,
                    f"expected {len(header)} tab-separated columns, got {len(row)}",
                )
            qid = row[index["id"]]
            where = record_label(line, qid)
            for column in REQUIRED_COLUMNS:
                if not row[index[column]].strip():
                    raise InputError(path, where, column, "expected a non-empty value")
            aliases = parse_list_literal(row[index["o_aliases"]], path, where, "o_aliases")
            check_unique(seen, qid, path, where, "id")
            questions.append(
                {
                    "qid": qid,
                    "question": row[index["question"]],
                    "answers": answers_or_error([row[index["obj"]], *aliases], path, where, "obj"),
                    "subset": "total",
                }
            )
    return questions
