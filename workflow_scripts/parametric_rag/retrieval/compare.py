"""How far two retrieval runs (e.g. tantivy and Elasticsearch on one corpus) agree."""

from __future__ import annotations

import os
from typing import Any

from ..io import InputError, read_jsonl


def compare_runs(a: list[list[str]], b: list[list[str]], k: int) -> dict[str, Any]:
    """Agreement of two rankings (pid lists, one per query, same query order) at depth ``k``.

    ``mean_overlap`` is |top-k(a) & top-k(b)| / max(len) per query (1 when both are empty).
    """
    if len(a) != len(b):
        raise ValueError(f"the two runs rank different numbers of queries ({len(a)} and {len(b)})")
    if not a:
        raise ValueError("no queries to compare")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    identical = same_top1 = 0
    overlap = 0.0
    for ranks_a, ranks_b in zip(a, b):
        top_a, top_b = list(ranks_a[:k]), list(ranks_b[:k])
        identical += top_a == top_b
        same_top1 += top_a[:1] == top_b[:1]
        longest = max(len(top_a), len(top_b))
        overlap += len(set(top_a) & set(top_b)) / longest if longest else 1.0
    n = len(a)
    return {
        "queries": n,
        "k": k,
        "identical_topk": identical / n,
        "mean_overlap": overlap / n,
        "same_top1": same_top1 / n,
    }


def _rankings(path: str | os.PathLike) -> dict[str, list[str]]:
    rankings: dict[str, list[str]] = {}
    for n, record in enumerate(read_jsonl(path), 1):
        qid = record.get("qid")
        if qid is None:
            raise InputError(path, f"record {n}", "qid", "missing")
        if qid in rankings:
            raise InputError(path, f"record {n}", "qid", f"duplicate qid {qid!r}")
        candidates = record.get("candidates")
        if not isinstance(candidates, list) or any("pid" not in c for c in candidates):
            raise InputError(path, f"qid {qid}", "candidates", "expected a list of objects with a pid")
        rankings[str(qid)] = [str(c["pid"]) for c in candidates]
    return rankings


def compare_files(path_a: str | os.PathLike, path_b: str | os.PathLike, k: int) -> dict[str, Any]:
    """:func:`compare_runs` on two retrieval JSON Lines files, questions matched by qid."""
    a, b = _rankings(path_a), _rankings(path_b)
    for path, missing in ((path_b, a.keys() - b.keys()), (path_a, b.keys() - a.keys())):
        if missing:
            problem = f"{len(missing)} question(s) of the other run are missing"
            raise InputError(path, f"qid {sorted(missing)[0]}", "qid", problem)
    qids = list(a)
    result = compare_runs([a[q] for q in qids], [b[q] for q in qids], k)
    differing = [q for q in qids if a[q][:k] != b[q][:k]]
    return {"files": [str(path_a), str(path_b)], **result, "differing_qids": differing}
