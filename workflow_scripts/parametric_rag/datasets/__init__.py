"""Raw dataset formats: one loader module per format of the registry (``registry.FORMATS``).

``load_questions`` reads a dataset's raw files into normalised
:class:`~parametric_rag.records.Question` records grouped by sub-type; ``split_questions`` cuts
them into evaluation and translator sets. Every loader validates while reading: a bad record
raises :class:`~parametric_rag.io.InputError` naming the file, the record and the field.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from parametric_rag.datasets.split import split_questions
from parametric_rag.io import InputError, read_json
from parametric_rag.records import Question
from parametric_rag.registry import FORMATS, FormatSpec

__all__ = ["FORMATS", "FormatSpec", "InputError", "load_questions", "split_questions"]


def load_questions(fmt: str, files: Mapping[str, str | os.PathLike]) -> dict[str, list[Question]]:
    """Read a dataset's raw files; return subset -> questions in raw-file order.

    Only subsets that occur are returned, in the format's fixed order.
    """
    spec = _spec(fmt)
    missing = sorted(set(spec.files) - set(files))
    extra = sorted(set(files) - set(spec.files))
    if missing or extra:
        raise ValueError(
            f"dataset format {fmt!r} takes the files {sorted(spec.files)}; "
            f"missing {missing}, unexpected {extra}"
        )
    paths = {role: Path(p) for role, p in files.items()}
    for role, path in paths.items():
        if not path.is_file():
            raise FileNotFoundError(f"{fmt} {role} file not found: {path}")
    loader = importlib.import_module(f"{__name__}.{spec.loader}")
    questions: list[Question] = loader.load(paths, spec)
    if not questions:
        raise InputError(paths["questions"], "(none)", None, "the file holds no questions")
    by_subset: dict[str, list[Question]] = {s: [] for s in spec.subsets}
    for q in questions:
        subset = by_subset[q["subset"]]
        head = {k: q[k] for k in ("qid", "question", "answers", "subset")}
        rest = {k: v for k, v in q.items() if k not in head}
        subset.append({**head, "position": len(subset), **rest})  # type: ignore[typeddict-item]
    return {s: qs for s, qs in by_subset.items() if qs}


def _spec(fmt: str) -> FormatSpec:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown dataset format {fmt!r}; known: {', '.join(FORMATS)}") from None


# ---- helpers shared by the loaders -------------------------------------------------------


def record_label(index: int | str, qid: Any = None) -> str:
    """How an error names a record: its index (or line) and, when known, its id."""
    return f"{index} (id {qid!r})" if qid is not None else str(index)


def require(
    record: Any, key: str, types: type | tuple[type, ...], path: str | os.PathLike, where: Any, expected: str,
    field: str | None = None,
) -> Any:
    """``record[key]``, checked to be present and of ``types`` (bool never counts as int); an error
    names ``field`` (default: ``key``)."""
    field = field or key
    if not isinstance(record, dict):
        raise InputError(path, where, None, f"expected an object, got {type(record).__name__}")
    if key not in record:
        raise InputError(path, where, field, f"missing; expected {expected}")
    value = record[key]
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _tuple(types)):
        raise InputError(path, where, field, f"expected {expected}, got {_describe(value)}")
    return value


def require_text(record: Any, key: str, path: str | os.PathLike, where: Any, field: str | None = None) -> str:
    """A required non-empty string field."""
    value = require(record, key, str, path, where, "a non-empty string", field)
    if not value.strip():
        raise InputError(path, where, field or key, "expected a non-empty string, got an empty one")
    return value


def str_list(value: Any, path: Path, where: str, field: str) -> list[str]:
    """Check that ``value`` is a list of strings."""
    if not isinstance(value, list):
        raise InputError(path, where, field, f"expected a list of strings, got {_describe(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise InputError(
                path, where, field, f"expected a list of strings, item {i} is {_describe(item)}"
            )
    return value


def check_texts(values: Iterable[str], path: Path, where: str, field: str) -> None:
    """Each string must hold more than white space; ``field`` may hold ``{}`` for the item's index."""
    for i, value in enumerate(values):
        if not value.strip():
            raise InputError(path, where, field.format(i), f"expected a non-empty string, got {value!r}")


def check_subset(value: Any, subsets: Iterable[str], path: Path, where: str, field: str) -> str:
    """Check a record's sub-type against the format's known ones."""
    subsets = tuple(subsets)
    if value not in subsets:
        raise InputError(
            path, where, field, f"unknown type {value!r}; expected one of {', '.join(subsets)}"
        )
    return value


def check_unique(seen: set[str], qid: str, path: Path, where: str, field: str) -> None:
    """Record ``qid`` in ``seen``; a duplicate is an error."""
    if qid in seen:
        raise InputError(path, where, field, f"duplicate id {qid!r}")
    seen.add(qid)


def answers_or_error(answers: Iterable[str], path: Path, where: str, field: str) -> list[str]:
    """De-duplicated answers (first occurrence order); none at all is an error."""
    out = dedupe(answers)
    if not out:
        raise InputError(path, where, field, "no gold answers")
    return out


def dedupe(items: Iterable[str]) -> list[str]:
    """Drop repeated items, keeping the first occurrence's order."""
    return list(dict.fromkeys(items))


def identified_records(path: Path, id_field: str) -> Iterator[tuple[dict, str, str, str]]:
    """(record, label, qid, question) for each record of a JSON list keyed by ``id_field``;
    a missing or repeated id, or a missing question, is an error naming file, record and field."""
    seen: set[str] = set()
    for i, record in enumerate(read_json_list(path)):
        qid = require_text(record, id_field, path, record_label(i))
        where = record_label(i, qid)
        question = require_text(record, "question", path, where)
        check_unique(seen, qid, path, where, id_field)
        yield record, where, qid, question


def read_json_list(path: Path) -> list:
    """A JSON file whose top level must be a list."""
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(path, "(top level)", None, f"expected a JSON list, got {_describe(data)}")
    return data


def _tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def golden_passages(record: dict, sep: str, path: Path, where: str) -> list[str]:
    """Each supporting fact's context paragraph (sentences joined with ``sep``), de-duplicated."""
    context = require(record, "context", list, path, where, "a list of [title, [sentences]]")
    paragraphs: dict[str, str] = {}
    for i, item in enumerate(context):
        field = f"context[{i}]"
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise InputError(path, where, field, "expected [title, [sentences]]")
        paragraphs[item[0]] = sep.join(str_list(item[1], path, where, field))
    facts = require(record, "supporting_facts", list, path, where, "a list of [title, sentence id]")
    passages = []
    for i, fact in enumerate(facts):
        field = f"supporting_facts[{i}]"
        if not (isinstance(fact, list) and len(fact) == 2 and isinstance(fact[0], str)):
            raise InputError(path, where, field, "expected [title, sentence id]")
        if fact[0] not in paragraphs:
            raise InputError(path, where, field, f"title {fact[0]!r} is not in the context")
        passages.append(paragraphs[fact[0]])
    return dedupe(passages)
