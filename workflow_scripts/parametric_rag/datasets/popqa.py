"""PopQA (``popQA.tsv``): answers are ``[obj] + o_aliases``."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

from parametric_rag.datasets import answers_or_error, check_unique, record_label, str_list
from parametric_rag.io import InputError, utf8_errors
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


def _row_question(path: Path, line: str, header: list[str], row: list[str], seen: set[str]) -> Question:
    """One data row as a question; a malformed row raises :class:`InputError`."""
    if len(row) != len(header):
        field = header[len(row)] if len(row) < len(header) else f"column {len(header) + 1}"
        raise InputError(path, line, field, f"expected {len(header)} tab-separated columns, got {len(row)}")
    cell = {column: row[header.index(column)] for column in REQUIRED_COLUMNS}
    qid = cell["id"]
    where = record_label(line, qid)
    for column in REQUIRED_COLUMNS:
        if not cell[column].strip():
            raise InputError(path, where, column, "expected a non-empty value")
    aliases = parse_list_literal(cell["o_aliases"], path, where, "o_aliases")
    check_unique(seen, qid, path, where, "id")
    return {
        "qid": qid,
        "question": cell["question"],
        "answers": answers_or_error([cell["obj"], *aliases], path, where, "obj"),
        "subset": "total",
    }


def load(files: dict[str, Path], spec: FormatSpec) -> list[Question]:
    """Read ``popQA.tsv`` (tab-separated, with a header) in file order."""
    path = files["questions"]
    questions: list[Question] = []
    seen: set[str] = set()
    with utf8_errors(path), open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        try:
            header = next(reader, None)
            if not header:
                raise InputError(path, "line 1", "header", "empty file; expected a header line")
            for column in REQUIRED_COLUMNS:
                if column not in header:
                    raise InputError(path, "line 1 (header)", column, "missing column")
            for row in reader:
                if any(cell.strip() for cell in row):
                    questions.append(_row_question(path, f"line {reader.line_num}", header, row, seen))
        except csv.Error as e:
            raise InputError(path, f"line {reader.line_num}", None, f"not valid TSV ({e})") from None
    return questions
