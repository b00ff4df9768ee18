"""Retrieval of a split's questions: query truncation and the ranked candidates per question."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from . import RetrievalError

BATCH = 256  # queries sent to a backend at once


def truncate_query(text: str, tokenizer: Any, max_tokens: int) -> str:
    """Keep the last ``max_tokens`` tokens of a query (left truncation)."""
    if tokenizer is None:
        return text
    ids = tokenizer.encode(text, add_special_tokens=False)
    return text if len(ids) <= max_tokens else tokenizer.decode(ids[-max_tokens:])


def retrieve_questions(questions: Sequence[dict], *, backend: str, index: Path, settings: dict, k: int,
                       tokenizer: Any, query_max_tokens: int) -> list[dict]:
    """``{qid, query, candidates}`` per question: ``k`` ranked candidates, or a question's own
    passages when it brings them (custom datasets)."""
    from . import open_retriever

    queries = [truncate_query(q["question"], tokenizer, query_max_tokens) for q in questions]
    to_search = [i for i, q in enumerate(questions) if not q.get("passages")]
    hits: dict[int, list[dict]] = {}
    if to_search:
        retriever = open_retriever(backend, index, settings)
        for start in range(0, len(to_search), BATCH):
            idx = to_search[start:start + BATCH]
            for i, ranked in zip(idx, retriever.search([queries[i] for i in idx], k)):
                hits[i] = [h.as_candidate() for h in ranked]
                _check_unique_pids(hits[i], index, questions[i]["qid"])
    records = []
    for i, q in enumerate(questions):
        if q.get("passages"):
            cands = [{"pid": f"{q['qid']}#{j}", "title": "", "text": p, "score": None} for j, p in enumerate(q["passages"])]
        else:
            cands = hits.get(i, [])
        records.append({"qid": q["qid"], "query": queries[i], "candidates": cands})
    return records


def _check_unique_pids(candidates: list[dict], index: Path, qid: str) -> None:
    """A passage id returned twice for one question means the index holds a duplicate id."""
    seen: set[str] = set()
    for c in candidates:
        if c["pid"] in seen:
            raise RetrievalError(f"{index}: passage id {c['pid']!r} was returned twice for question {qid!r}: the "
                                 "index holds a duplicate id; rebuild it from a corpus whose ids are unique")
        seen.add(c["pid"])
