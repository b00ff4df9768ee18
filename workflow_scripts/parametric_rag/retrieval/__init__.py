"""BM25 retrieval over the DPR corpus: one small interface, two backends.

``tantivy`` (default) is an embedded index fed with text analysed like Elasticsearch's
``english`` analyzer; ``elasticsearch`` talks to a user's Elasticsearch 8 server. Both rank
with BM25 over ``title`` and ``txt`` combined by dis_max (tie_breaker 0.5), ties by passage id.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from collections.abc import Sequence
from typing import Any, Protocol

from .compare import compare_files, compare_runs
from .corpus import iter_corpus

__all__ = [
    "BACKENDS",
    "Hit",
    "Retriever",
    "RetrievalError",
    "build_index",
    "compare_files",
    "compare_runs",
    "iter_corpus",
    "open_retriever",
    "pid_sort_key",
    "rank_hits",
    "tied_at_cut",
]

BACKENDS = ("tantivy", "elasticsearch")
TIE_BREAKER = 0.5  # multi_match best_fields tie_breaker of the reference
EXTRA_HITS = 10  # fetched beyond k so that ties at the cut can be ordered by pid


class RetrievalError(RuntimeError):
    """A retrieval backend cannot be used (server down, index missing or stale)."""


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its BM25 score."""

    pid: str
    title: str
    text: str
    score: float

    def as_candidate(self) -> dict:
        """The ``Candidate`` record (see ``records.py``)."""
        return asdict(self)


class Retriever(Protocol):
    """Anything that ranks passages for a batch of queries."""

    def search(self, queries: list[str], k: int) -> list[list[Hit]]:
        """One ranked list (at most ``k`` hits) per query."""
        ...


def pid_sort_key(pid: str) -> tuple[int, int | str]:
    """Order passage ids numerically when they are integers, as text otherwise."""
    return (0, int(pid)) if pid.isascii() and pid.isdigit() else (1, pid)


def tied_at_cut(scores: Sequence[float], limit: int, k: int) -> bool:
    """Whether a search that asked for ``limit`` (> k) hits must ask for more: it got all of
    them and the last still ties with the k-th, so tied hits beyond the limit may rank by pid."""
    return len(scores) == limit and scores[-1] == scores[k - 1]


def rank_hits(hits: list[Hit], k: int) -> list[Hit]:
    """Sort by descending score, ties by passage id, and keep the first ``k``."""
    return sorted(hits, key=lambda h: (-h.score, pid_sort_key(h.pid)))[:k]


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"unknown retrieval backend {backend!r}: choose one of {', '.join(BACKENDS)}")


def build_index(
    backend: str, corpus: Path, out: Path, settings: dict, *, log: logging.Logger | None = None
) -> dict[str, Any]:
    """Index ``corpus`` with ``backend``; write ``out`` (index dir or marker file) last.

    Returns the manifest (also stored in ``out``).
    """
    _check_backend(backend)
    log = log or logging.getLogger(__name__)
    if backend == "tantivy":
        from . import tantivy_backend

        return tantivy_backend.build_index(Path(corpus), Path(out), settings, log=log)
    from . import elasticsearch_backend

    return elasticsearch_backend.build_index(Path(corpus), Path(out), settings, log=log)


def open_retriever(backend: str, index: Path, settings: dict) -> Retriever:
    """Open a built index (tantivy directory or Elasticsearch marker file) for searching."""
    _check_backend(backend)
    if backend == "tantivy":
        from . import tantivy_backend

        return tantivy_backend.TantivyRetriever(Path(index), settings)
    from . import elasticsearch_backend

    return elasticsearch_backend.ElasticsearchRetriever(Path(index), settings)
