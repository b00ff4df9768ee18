"""Embedded BM25 retrieval with tantivy, mirroring Elasticsearch's ``english`` multi_match.

Text is analysed in Python (:mod:`.analyzer`) and indexed as space-joined terms with tantivy's
``whitespace`` tokenizer in two fields, ``title`` and ``txt``. A query is one OR of term
queries per field, combined by dis_max with tie_breaker 0.5 (``multi_match`` ``best_fields``).
tantivy's BM25 (k1 1.2, b 0.75, Lucene's length quantisation) multiplies every score by
``1 + k1``; scores are divided by it so that they are on Lucene's scale. One difference: BM25's
document count and average length are taken over all documents, Lucene's over documents with
a non-empty field (the same for DPR, where every passage has a title and a text).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import tantivy
from tqdm import tqdm

from ..config import schema_defaults
from ..io import SEAL, InputError, IntegrityError, atomic_path, check_seal, read_json, sealed, sha256_file, write_json
from . import EXTRA_HITS, TIE_BREAKER, Hit, RetrievalError, rank_hits, tied_at_cut
from .analyzer import ANALYZER_VERSION, DESCRIPTION, analyze
from .corpus import iter_corpus

MANIFEST = "manifest.json"
K1 = 1.2
COMMIT_EVERY = 1_000_000  # documents between commits
BATCH_DOCS = 1_000  # documents per analysis task when several workers analyse
TEXT_FIELDS = ("title", "txt")


def _is_unsigned(pid: str) -> bool:
    return pid.isascii() and pid.isdigit() and str(int(pid)) == pid and int(pid) < 2**64


def _schema(numeric_pids: bool) -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    if numeric_pids:
        sb.add_unsigned_field("pid", stored=True)
    else:
        sb.add_text_field("pid", stored=True, tokenizer_name="raw", index_option="basic")
    for field in TEXT_FIELDS:
        sb.add_text_field(field, stored=False, tokenizer_name="whitespace", index_option="position")
    sb.add_bytes_field("raw_title", stored=True)
    sb.add_bytes_field("raw_text", stored=True)
    return sb.build()


Row = tuple[str, str, str]  # (pid, text, title)
AnalysedRow = tuple[str, str, str, str, str]  # (pid, text, title, title terms, text terms)


def _analyse_batch(rows: list[Row]) -> list[tuple[str, str]]:
    """Title and text terms of each row, space-joined for the whitespace tokenizer."""
    return [(" ".join(analyze(title)), " ".join(analyze(text))) for _pid, text, title in rows]


def _batched(rows: Iterable, n: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def _analysis_pool(workers: int) -> contextlib.AbstractContextManager:
    """A process pool for analysis (forked before tantivy starts threads), or a null context."""
    if workers <= 1:
        return contextlib.nullcontext()
    return multiprocessing.get_context("fork").Pool(workers)


def _analysed(rows: Iterable[Row], pool: Any, workers: int) -> Iterator[AnalysedRow]:
    """Analyse rows in order, in ``pool``'s processes when given (the corpus is read here)."""
    if pool is None:
        for batch in _batched(rows, BATCH_DOCS):
            yield from (row + terms for row, terms in zip(batch, _analyse_batch(batch)))
        return
    pending: deque = deque()
    for batch in _batched(rows, BATCH_DOCS):
        pending.append((batch, pool.apply_async(_analyse_batch, (batch,))))
        while len(pending) > 2 * workers or (pending and pending[0][1].ready()):
            done, result = pending.popleft()
            yield from (row + terms for row, terms in zip(done, result.get()))
    for done, result in pending:
        yield from (row + terms for row, terms in zip(done, result.get()))


def build_index(corpus: Path, out: Path, settings: dict, *, log: logging.Logger) -> dict[str, Any]:
    """Index ``corpus`` into the directory ``out`` (built beside it, renamed when complete)."""
    heap_mb = int({**schema_defaults("retrieval", "tantivy"), **settings}["heap_mb"])
    workers = int(settings.get("workers", 1))
    threads = max(1, min(os.cpu_count() or 1, 8, heap_mb // 16))  # tantivy: >= 15 MB per thread
    heap_bytes = min(heap_mb * 1_000_000, threads * 4_000_000_000)  # and < 4 GB per thread
    log.info("hashing %s", corpus)
    corpus_sha = sha256_file(corpus)
    rows = iter_corpus(corpus)
    first = next(rows, None)
    if first is None:
        raise InputError(corpus, "line 2", None, "the corpus has no passages")
    numeric = _is_unsigned(first[0])
    schema = _schema(numeric)
    with _analysis_pool(workers) as pool, atomic_path(out, directory=True) as tmp:
        log.info(
            "indexing %s with %s (%d writer threads, %d MB heap, %d analysis workers)",
            corpus, tantivy.__version__, threads, heap_bytes // 1_000_000, workers,
        )
        analysed = _analysed(itertools.chain([first], rows), pool, workers)
        n = _write_index(tmp, schema, analysed, numeric, corpus, heap_bytes, threads)
        manifest = {
            "backend": "tantivy",
            "documents": n,
            "corpus": {"path": str(corpus), "sha256": corpus_sha},
            "engine": {"name": "tantivy", "version": tantivy.__version__},
            "analyzer": DESCRIPTION,
            "pid_type": "unsigned" if numeric else "text",
            "fields": list(TEXT_FIELDS),
            "similarity": {"name": "BM25", "k1": K1, "b": 0.75},
            "query": {"type": "dis_max", "tie_breaker": TIE_BREAKER},
            "settings": dict(settings),
        }
        manifest = sealed(manifest)  # the index's identity: tantivy's segment names change on every build
        write_json(tmp / MANIFEST, manifest)
    log.info("indexed %d passages into %s", n, out)
    return manifest


def _write_index(
    directory: Path, schema: tantivy.Schema, rows: Iterable[AnalysedRow],
    numeric: bool, corpus: Path, heap_bytes: int, threads: int,
) -> int:
    """Write the analysed rows as a tantivy index in ``directory``; return the document count."""
    index = tantivy.Index(schema, path=str(directory))
    writer = index.writer(heap_bytes, threads)
    try:
        n = _add_documents(writer, rows, numeric, corpus)
        writer.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            writer.rollback()
        raise
    writer.wait_merging_threads()
    return n


def _add_documents(
    writer: tantivy.IndexWriter, rows: Iterable[AnalysedRow], numeric: bool, corpus: Path
) -> int:
    """Add analysed rows to ``writer`` with progress, committing in batches; return the count."""
    n = 0
    progress = tqdm(rows, desc="index", unit="doc", file=sys.stderr, mininterval=5)
    for pid, text, title, title_terms, text_terms in progress:
        doc = tantivy.Document()
        if numeric:
            if not _is_unsigned(pid):
                raise InputError(
                    corpus, f"passage {pid!r}", "id",
                    "not an integer while the first passage id is: ids must be all integers or all text",
                )
            doc.add_unsigned("pid", int(pid))
        else:
            doc.add_text("pid", pid)
        doc.add_text("title", title_terms)
        doc.add_text("txt", text_terms)
        doc.add_bytes("raw_title", title.encode("utf-8"))
        doc.add_bytes("raw_text", text.encode("utf-8"))
        writer.add_document(doc)
        n += 1
        if n % COMMIT_EVERY == 0:
            writer.commit()
    return n


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of a finished index; a stale or foreign index is a :class:`RetrievalError`."""
    path = index_dir / MANIFEST
    if not path.is_file():
        raise RetrievalError(
            f"{index_dir} is not a finished tantivy index (no {MANIFEST}): build it again"
        )
    manifest = read_json(path)
    if manifest.get("backend") != "tantivy":
        raise RetrievalError(
            f"{index_dir} was built by backend {manifest.get('backend')!r}, not tantivy"
        )
    built_with = manifest.get("engine", {}).get("version")
    if built_with != tantivy.__version__:
        raise RetrievalError(
            f"{index_dir} was built with tantivy {built_with!r} but tantivy {tantivy.__version__!r} is "
            "installed; index formats differ between versions: rebuild the index (delete it and run "
            "the index step again) or install the version it was built with"
        )
    analyzer = manifest.get("analyzer", {})
    if (analyzer.get("version"), analyzer.get("nltk")) != (ANALYZER_VERSION, DESCRIPTION["nltk"]):
        raise RetrievalError(
            f"{index_dir} was built with analyzer version {analyzer.get('version')!r} / nltk "
            f"{analyzer.get('nltk')!r}; this code uses {ANALYZER_VERSION} / nltk "
            f"{DESCRIPTION['nltk']}: rebuild the index"
        )
    if SEAL in manifest:  # indexes built before it was recorded have none
        try:
            check_seal(path, manifest, "")
        except IntegrityError as e:
            raise RetrievalError(f"{path}: edited since the index was built ({e.problem}): rebuild the index") from e
    return manifest


class TantivyRetriever:
    """Searches a tantivy index built by :func:`build_index`."""

    def __init__(self, index_dir: Path, settings: dict | None = None):
        self.index_dir = Path(index_dir)
        self.manifest = read_manifest(self.index_dir)
        self._index = tantivy.Index.open(str(self.index_dir))
        self._schema = self._index.schema
        self._searcher = self._index.searcher()

    def query(self, text: str) -> tantivy.Query | None:
        """The dis_max query for ``text``; None when no term survives analysis."""
        terms = analyze(text)
        if not terms:
            return None
        per_field = [self.field_query(field, terms) for field in TEXT_FIELDS]
        return tantivy.Query.disjunction_max_query(per_field, tie_breaker=TIE_BREAKER)

    def field_query(self, field: str, terms: list[str]) -> tantivy.Query:
        """OR of one term query per analysed term (duplicates kept, as Lucene's QueryBuilder does)."""
        should = tantivy.Occur.Should
        return tantivy.Query.boolean_query(
            [(should, tantivy.Query.term_query(self._schema, field, term)) for term in terms]
        )

    def search_query(self, query: tantivy.Query, k: int) -> list[Hit]:
        """Top ``k`` hits of a prepared query, ties at equal score ordered by pid."""
        limit = k + EXTRA_HITS
        raw = self._searcher.search(query, limit, count=False).hits
        while tied_at_cut([score for score, _ in raw], limit, k):
            limit *= 2
            raw = self._searcher.search(query, limit, count=False).hits
        hits = [self._hit(score, address) for score, address in raw]
        return rank_hits(hits, k)

    def search(self, queries: list[str], k: int) -> list[list[Hit]]:
        """One ranked list of at most ``k`` hits per query."""
        if k <= 0:
            return [[] for _ in queries]
        results = []
        for text in queries:
            query = self.query(text)
            results.append([] if query is None else self.search_query(query, k))
        return results

    def _hit(self, score: float, address: tantivy.DocAddress) -> Hit:
        doc = self._searcher.doc(address)
        return Hit(
            pid=str(doc.get_first("pid")),
            title=(doc.get_first("raw_title") or b"").decode("utf-8"),
            text=(doc.get_first("raw_text") or b"").decode("utf-8"),
            score=score / (1.0 + K1),
        )
