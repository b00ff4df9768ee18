"""The Elasticsearch backend against a real server (set ES_URL, e.g. http://localhost:9200).

Without a reachable server these tests are skipped; only the "server down" error and the default
settings are checked.
Set ES_API_KEY as well when the server needs an API key.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import pytest

from parametric_rag.retrieval import RetrievalError, build_index, compare_runs, open_retriever
from parametric_rag.config import load_config
from parametric_rag.retrieval.elasticsearch_backend import _merged, connect
from retrieval_corpus import PASSAGES as CORPUS
from retrieval_corpus import write_corpus

ES_URL = os.environ.get("ES_URL")
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens there


PASSAGES = CORPUS + [  # two identical passages: ties are broken by pid on both backends
    ("13", "Lighthouses guide ships.", "Lighthouse"),
    ("14", "Lighthouses guide ships.", "Lighthouse"),
]


def _server_up(url: str) -> bool:
    try:
        return bool(connect({"url": url, "api_key_env": _api_key_env(), "request_timeout": 5}).ping())
    except Exception:
        return False


def _api_key_env() -> str | None:
    return "ES_API_KEY" if os.environ.get("ES_API_KEY") else None


@pytest.fixture(scope="module")
def es_settings() -> dict:
    if not ES_URL or not _server_up(ES_URL):
        pytest.skip("no Elasticsearch server: set ES_URL to run these")
    return {
        "url": ES_URL,
        "index": f"prag-test-{uuid.uuid4().hex[:12]}",
        "api_key_env": _api_key_env(),
        "request_timeout": 30,
        "bulk_docs": 5,
        "replicas": 0,
    }


@pytest.fixture(scope="module")
def loaded(es_settings, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("es")
    corpus = write_corpus(tmp / "psgs.tsv", PASSAGES)
    marker = tmp / "index.json"
    manifest = build_index("elasticsearch", corpus, marker, es_settings)
    yield corpus, marker, manifest
    connect(es_settings).indices.delete(index=es_settings["index"], ignore_unavailable=True)


def test_unset_settings_are_the_config_schemas():
    """What the backend assumes for a key the caller leaves out is what a validated config holds
    (no second copy of the defaults: the backend once loaded 500 documents a bulk request where the
    schema says 2000)."""
    validated = load_config(Path(__file__).parents[2] / "config.yaml")["retrieval"]["elasticsearch"]
    assert _merged({}) == {**validated, "replicas": 1} and validated["bulk_docs"] == 2000
    assert _merged({"url": UNREACHABLE, "bulk_docs": None})["url"] == UNREACHABLE


def test_unreachable_server_is_a_clear_error(tmp_path):
    settings = {"url": UNREACHABLE, "index": "wiki", "request_timeout": 2}
    corpus = write_corpus(tmp_path / "psgs.tsv", PASSAGES[:2])
    start = time.monotonic()
    for call in (
        lambda: open_retriever("elasticsearch", tmp_path / "index.json", settings),
        lambda: build_index("elasticsearch", corpus, tmp_path / "index.json", settings),
    ):
        with pytest.raises(RetrievalError) as err:
            call()
        assert "127.0.0.1:9" in str(err.value) and "'wiki'" in str(err.value)
    assert not (tmp_path / "index.json").exists()
    assert time.monotonic() - start < 30


def test_marker_records_host_index_and_count(loaded, es_settings):
    corpus, marker, manifest = loaded
    on_disk = json.loads(marker.read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert (on_disk["index"], on_disk["documents"]) == (es_settings["index"], len(PASSAGES))
    assert on_disk["engine"]["server"].startswith("8.")
    mapping = connect(es_settings).indices.get_mapping(index=es_settings["index"])
    props = mapping[es_settings["index"]]["mappings"]["properties"]
    assert props["title"] == props["txt"] == {"type": "text", "analyzer": "english"}


def test_interrupted_load_resumes(loaded, es_settings, tmp_path):
    corpus, _, _ = loaded
    again = build_index("elasticsearch", corpus, tmp_path / "again.json", es_settings)
    assert again["documents"] == len(PASSAGES)
    settings = connect(es_settings).indices.get_settings(index=es_settings["index"])
    index_settings = settings[es_settings["index"]]["settings"]["index"]
    assert index_settings["refresh_interval"] == "1s"  # restored after the load


def test_same_rankings_and_scores_as_tantivy(loaded, es_settings, tmp_path):
    corpus, marker, _ = loaded
    build_index("tantivy", corpus, tmp_path / "tantivy", {"heap_mb": 32})
    queries = ["Who led the Israelites out of Egypt?", "zebra", "dog running owner houses", "São Paulo 1,400", "lighthouse"]
    es = open_retriever("elasticsearch", marker, es_settings).search(queries, 5)
    tv = open_retriever("tantivy", tmp_path / "tantivy", {}).search(queries, 5)
    agreement = compare_runs([[h.pid for h in r] for r in es], [[h.pid for h in r] for r in tv], 5)
    assert agreement["identical_topk"] == 1.0
    for es_hits, tv_hits in zip(es, tv):
        assert [h.score for h in es_hits] == pytest.approx([h.score for h in tv_hits], rel=1e-4)
        assert [(h.title, h.text) for h in es_hits] == [(h.title, h.text) for h in tv_hits]


def test_missing_index_is_a_clear_error(es_settings, tmp_path):
    settings = {**es_settings, "index": "prag-test-does-not-exist"}
    with pytest.raises(RetrievalError, match="prag-test-does-not-exist.*does not exist"):
        open_retriever("elasticsearch", Path(tmp_path / "none.json"), settings)
