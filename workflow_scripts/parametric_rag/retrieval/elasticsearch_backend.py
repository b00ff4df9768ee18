"""BM25 retrieval on a user's Elasticsearch 8 server, set up as the reference toolkit does.

One index with fields ``title`` and ``txt`` (``text``, ``english`` analyzer, default BM25);
queries are ``multi_match`` ``best_fields`` with tie_breaker 0.5 through ``msearch`` with
``dfs_query_then_fetch``. The Python client is pinned to the 8.x line (``elasticsearch>=8.15,<9``):
the 9.x client sends compatibility headers that 8.x servers (the reference runs 8.15) refuse.
Settings: ``url``, ``index``, ``api_key_env`` (name of the env var holding the API key, never the
key), ``request_timeout`` (s), ``bulk_docs`` (documents per bulk request); their defaults are the config
schema's. The index has 0 replicas and no refresh during the load, then ``replicas`` (not a config
key: ``REPLICAS`` unless a caller passes another, as the tests do for a one-node server).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import elasticsearch
from elasticsearch import Elasticsearch, helpers
from tqdm import tqdm

from ..config import schema_defaults
from ..io import read_json, sealed, sha256_file, write_json
from . import EXTRA_HITS, TIE_BREAKER, Hit, RetrievalError, rank_hits, tied_at_cut
from .corpus import iter_corpus

REPLICAS = 1  # the index's replicas once loaded (Elasticsearch's default)
FIELDS = ("title", "txt")
MAPPINGS = {"properties": {field: {"type": "text", "analyzer": "english"} for field in FIELDS}}
MSEARCH_BATCH = 64  # queries per msearch request
BULK_RETRIES = 8  # retries of a bulk chunk rejected with 429, with exponential backoff


def display_host(url: str) -> str:
    """``url`` without user name or password, for messages and markers."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", "")).rstrip("/")


def _merged(settings: dict) -> dict[str, Any]:
    given = {key: value for key, value in settings.items() if value is not None}
    return {**schema_defaults("retrieval", "elasticsearch"), "replicas": REPLICAS, **given}


def connect(settings: dict) -> Elasticsearch:
    """A client for ``settings["url"]``; the API key comes from the env var ``api_key_env``."""
    s = _merged(settings)
    api_key = None
    if s["api_key_env"]:
        api_key = os.environ.get(s["api_key_env"])
        if not api_key:
            raise RetrievalError(
                f"environment variable {s['api_key_env']} (retrieval.elasticsearch.api_key_env) is not set; "
                f"it must hold the API key for Elasticsearch at {display_host(s['url'])}"
            )
    return Elasticsearch(
        s["url"], api_key=api_key, request_timeout=s["request_timeout"], retry_on_timeout=True,
        max_retries=3,
    )


def missing_index(host: str, index: str) -> RetrievalError:
    """The error for an index that the server does not have."""
    return RetrievalError(
        f"index {index!r} does not exist on Elasticsearch at {host}: run the index step first"
    )


@contextlib.contextmanager
def server_errors(host: str, index: str) -> Iterator[None]:
    """Turn client errors into a :class:`RetrievalError` naming the host and the index."""
    try:
        yield
    except elasticsearch.ConnectionError as e:
        raise RetrievalError(
            f"Elasticsearch at {host} is not reachable (index {index!r}): {e}. "
            "Start the server or fix retrieval.elasticsearch.url"
        ) from e
    except elasticsearch.NotFoundError as e:
        raise missing_index(host, index) from e
    except (elasticsearch.AuthenticationException, elasticsearch.AuthorizationException) as e:
        raise RetrievalError(f"Elasticsearch at {host} refused access to index {index!r}: {e}") from e
    except (elasticsearch.ApiError, elasticsearch.TransportError, helpers.BulkIndexError) as e:
        raise RetrievalError(f"Elasticsearch at {host}, index {index!r}: {e}") from e


def _check_mapping(client: Elasticsearch, host: str, index: str) -> None:
    props = client.indices.get_mapping(index=index)[index]["mappings"].get("properties", {})
    for field in FIELDS:
        got = props.get(field, {})
        if got.get("type") != "text" or got.get("analyzer") != "english":
            raise RetrievalError(
                f"index {index!r} on {host} exists but field {field!r} is {got or 'missing'}, not "
                "text with the english analyzer: delete the index or choose another retrieval.elasticsearch.index"
            )


def build_index(corpus: Path, out: Path, settings: dict, *, log: logging.Logger) -> dict[str, Any]:
    """Load ``corpus`` into the server's index (resumable); write the marker ``out`` when complete."""
    s = _merged(settings)
    host, index = display_host(s["url"]), s["index"]
    client = connect(s)
    with server_errors(host, index):
        server = client.info()["version"]["number"]
        log.info("Elasticsearch %s at %s, index %r", server, host, index)
        if client.indices.exists(index=index):
            _check_mapping(client, host, index)
            log.info("index %r exists: resuming (passages already there are skipped)", index)
        else:
            client.indices.create(index=index, mappings=MAPPINGS)
        loading = {"number_of_replicas": 0, "refresh_interval": "-1"}
        restore = {"number_of_replicas": int(s["replicas"]), "refresh_interval": "1s"}
        client.indices.put_settings(index=index, settings=loading)
        try:
            sent, existing = _bulk_load(client, index, corpus, int(s["bulk_docs"]))
        except BaseException:
            with contextlib.suppress(Exception):  # best effort: the load error is the one to report
                client.indices.put_settings(index=index, settings=restore)
            raise
        client.indices.put_settings(index=index, settings=restore)
        client.indices.refresh(index=index)
        count = int(client.count(index=index)["count"])
    if count != sent:
        log.warning("index %r holds %d passages, the corpus has %d (duplicate ids?)", index, count, sent)
    marker = {
        "backend": "elasticsearch",
        "host": host,
        "index": index,
        "documents": count,
        "corpus": {"path": str(corpus), "sha256": sha256_file(corpus)},
        "engine": {"name": "elasticsearch", "server": server, "client": elasticsearch.__versionstr__},
        "analyzer": "english",
        "fields": list(FIELDS),
        "query": {
            "type": "multi_match best_fields",
            "tie_breaker": TIE_BREAKER,
            "search_type": "dfs_query_then_fetch",
        },
        "settings": {**s, "url": host},
    }
    marker = sealed(marker)  # the index's identity, the same on every load of the same corpus
    write_json(out, marker)
    log.info("loaded %d passages (%d were already there) into %r at %s", sent, existing, index, host)
    return marker


def _bulk_load(client: Elasticsearch, index: str, corpus: Path, chunk: int) -> tuple[int, int]:
    """Send every passage with op_type create; return (sent, already present)."""
    actions = (
        {"_op_type": "create", "_index": index, "_id": pid, "_source": {"title": title, "txt": text}}
        for pid, text, title in iter_corpus(corpus)
    )
    results = helpers.streaming_bulk(
        client, actions, chunk_size=chunk, ignore_status=(409,),
        max_retries=BULK_RETRIES, initial_backoff=2, max_backoff=120,  # on 429 (server busy)
    )
    sent = existing = 0
    for ok, _item in tqdm(results, desc="load", unit="doc", file=sys.stderr, mininterval=5):
        sent += 1
        existing += not ok  # 409: created by an earlier, interrupted load
    return sent, existing


class ElasticsearchRetriever:
    """Searches an index loaded by :func:`build_index` (or by hand, with the same mapping)."""

    def __init__(self, marker: Path, settings: dict):
        s = _merged(settings)
        self.host, self.index = display_host(s["url"]), s["index"]
        if Path(marker).is_file():
            built = read_json(marker)
            if built.get("index") != self.index:
                raise RetrievalError(
                    f"{marker} records index {built.get('index')!r} but retrieval.elasticsearch.index is "
                    f"{self.index!r}: run the index step again"
                )
        self.client = connect(s)
        with server_errors(self.host, self.index):
            exists = self.client.indices.exists(index=self.index)
        if not exists:
            raise missing_index(self.host, self.index)

    @staticmethod
    def body(query: str, size: int) -> dict[str, Any]:
        """The search body for one query (as the reference sends it)."""
        multi_match = {
            "query": query, "fields": list(FIELDS), "type": "best_fields", "tie_breaker": TIE_BREAKER
        }
        return {"query": {"multi_match": multi_match}, "size": size}

    def _msearch(self, queries: list[str], size: int) -> list[list[dict]]:
        searches: list[dict] = []
        for query in queries:
            searches += [{}, self.body(query, size)]
        with server_errors(self.host, self.index):
            responses = self.client.msearch(
                index=self.index, searches=searches, search_type="dfs_query_then_fetch"
            )["responses"]
        for response in responses:
            if "error" in response:
                error = response["error"]
                raise RetrievalError(f"Elasticsearch at {self.host}, index {self.index!r}: {error}")
        return [response["hits"]["hits"] for response in responses]

    def search(self, queries: list[str], k: int) -> list[list[Hit]]:
        """One ranked list of at most ``k`` hits per query; ties at equal score ordered by pid."""
        if k <= 0:
            return [[] for _ in queries]
        results: list[list[Hit]] = []
        for start in range(0, len(queries), MSEARCH_BATCH):
            batch = queries[start : start + MSEARCH_BATCH]
            size = k + EXTRA_HITS
            for query, raw in zip(batch, self._msearch(batch, size)):
                limit = size
                while tied_at_cut([h["_score"] for h in raw], limit, k):
                    limit *= 2
                    raw = self._msearch([query], limit)[0]
                results.append(rank_hits([_hit(h) for h in raw], k))
        return results


def _hit(raw: dict) -> Hit:
    source = raw.get("_source", {})
    return Hit(
        pid=raw["_id"],
        title=source.get("title", ""),
        text=source.get("txt", ""),
        score=float(raw["_score"]),
    )
