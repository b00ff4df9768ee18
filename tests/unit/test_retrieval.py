"""Corpus reading, the embedded tantivy backend (BM25 + dis_max like Elasticsearch) and run comparison."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import tantivy

from parametric_rag.io import InputError, sha256_file, write_jsonl
from parametric_rag.retrieval import (
    Hit,
    RetrievalError,
    build_index,
    compare_files,
    compare_runs,
    iter_corpus,
    open_retriever,
    tied_at_cut,
)
from parametric_rag.retrieval.analyzer import analyze
from retrieval_corpus import PASSAGES, write_corpus

@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "psgs.tsv", PASSAGES)


@pytest.fixture(scope="module")
def index(corpus) -> Path:
    out = corpus.parent / "index"
    build_index("tantivy", corpus, out, {"heap_mb": 64})
    return out


@pytest.fixture(scope="module")
def retriever(index):
    return open_retriever("tantivy", index, {})


def pids(hits: list[Hit]) -> list[str]:
    return [h.pid for h in hits]


def score_of(hits: list[Hit], pid: str) -> float:
    return next((h.score for h in hits if h.pid == pid), 0.0)


# ---- corpus -----------------------------------------------------------------------------


def test_iter_corpus_reads_dpr_quoting(tmp_path):
    path = tmp_path / "psgs.tsv"
    path.write_text(
        'id\ttext\ttitle\n1\t"Aaron Aaron ( or ; ""Ahärôn"") is a prophet"\tAaron\n2\tplain "inner" quotes\t"T, ""x"""\n',
        encoding="utf-8",
    )
    assert list(iter_corpus(path)) == [
        ("1", 'Aaron Aaron ( or ; "Ahärôn") is a prophet', "Aaron"),
        ("2", 'plain "inner" quotes', 'T, "x"'),
    ]


def test_iter_corpus_reads_gzip(tmp_path):
    path = write_corpus(tmp_path / "psgs.tsv.gz", PASSAGES)
    assert list(iter_corpus(path)) == PASSAGES


@pytest.mark.parametrize(
    ("content", "record", "field", "words"),
    [
        ("id\ttext\ttitle\n1\ta\tA\n2\tonly two\n", "line 3", "title", "found 2"),
        ("id\ttext\ttitle\n1\ta\tA\n2\tb\tB\textra\n", "line 3", "column 4", "found 4"),
        ("id\ttext\ttitle\n1\ta\tA\n\tb\tB\n", "line 3", "id", "empty passage id"),
        ("id\ttext\ttitle\n1\ta\tA\nid\ttext\ttitle\n", "line 3", "id", "duplicate header"),
        ("id\ttext\ttitle\n1\ta\tA\n2\tb\tB\n1\tc\tC\n", "line 4 (id '1')", "id", "duplicate passage id '1'"),
        ("id\ttext\ttitle\n1\ta\tA\n01\tc\tC\n", "line 3 (id '01')", "id", "duplicate passage id '01'"),
        ("id\ttext\ttitle\nx\ta\tA\ny\tb\tB\nx\tc\tC\n", "line 4 (id 'x')", "id", "duplicate passage id"),
        ("id\ttext\ttitle\n1\ta\tA\n2\t  \tB\n", "line 3 (id '2')", "text", "empty passage text"),
        ("pid\ttext\ttitle\n1\ta\tA\n", "line 1", "header", "expected columns"),
        ("", "line 1", "header", "empty file"),
    ],
)
def test_corpus_errors_name_file_line_and_field(tmp_path, content, record, field, words):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(iter_corpus(path))
    assert (err.value.path, err.value.record, err.value.field) == (str(path), record, field)
    assert words in err.value.problem
    assert str(path) in str(err.value)


def test_corpus_not_utf8_names_the_line_and_byte_offset(tmp_path):
    """The error names the line the bad bytes are on, not the line the reader's buffer had reached."""
    rows = "".join(f"{i}\ttext {i}\tT{i}\n" for i in range(1, 3000))
    path = tmp_path / "bad.tsv"
    data = ("id\ttext\ttitle\n" + rows).encode() + b"3000\tbad \xff byte\tT\n"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        list(iter_corpus(path))
    assert err.value.record == "line 3001"
    assert f"byte offset {data.index(bytes([0xFF]))}" in err.value.problem


def test_seen_ids_are_compact_and_exact():
    from parametric_rag.retrieval.corpus import SeenIds

    seen = SeenIds()
    assert all(seen.add(str(i)) for i in range(0, 20000, 7))
    assert not seen.add("7") and not seen.add("007") and seen.add("8")
    assert seen.add("x") and not seen.add("x") and seen.add(str(1 << 40)) and not seen.add(str(1 << 40))
    assert len(seen.bits) < 5000


# ---- tantivy: build ---------------------------------------------------------------------


def test_manifest_is_written_last_with_provenance(index, corpus):
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["backend"] == "tantivy"
    assert manifest["documents"] == len(PASSAGES)
    assert manifest["corpus"] == {"path": str(corpus), "sha256": sha256_file(corpus)}
    assert manifest["engine"]["version"] == tantivy.__version__
    assert manifest["analyzer"]["chain"][0].startswith("StandardTokenizer")
    assert manifest["settings"] == {"heap_mb": 64}
    assert manifest["pid_type"] == "unsigned"
    newest = max(p.stat().st_mtime_ns for p in index.iterdir() if p.name != "manifest.json")
    assert (index / "manifest.json").stat().st_mtime_ns >= newest


def test_gzip_corpus_gives_the_same_index(tmp_path, retriever):
    corpus = write_corpus(tmp_path / "psgs.tsv.gz", PASSAGES)
    build_index("tantivy", corpus, tmp_path / "index", {"heap_mb": 32})
    other = open_retriever("tantivy", tmp_path / "index", {})
    queries = ["Moses Egypt", "zebra", "dog running"]
    assert other.search(queries, 5) == retriever.search(queries, 5)


def test_parallel_analysis_gives_the_same_index(tmp_path, corpus, retriever):
    build_index("tantivy", corpus, tmp_path / "index", {"heap_mb": 32, "workers": 2})
    other = open_retriever("tantivy", tmp_path / "index", {})
    assert other.search(["Moses Egypt", "owner houses"], 5) == retriever.search(["Moses Egypt", "owner houses"], 5)


def test_failed_build_leaves_no_index_dir(tmp_path):
    rows = PASSAGES + [("13", "a passage with a missing title column")] + PASSAGES[:2]
    path = tmp_path / "bad.tsv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("id\ttext\ttitle\n")
        f.writelines("\t".join(row) + "\n" for row in rows)
    out = tmp_path / "index"
    with pytest.raises(InputError) as err:
        build_index("tantivy", path, out, {"heap_mb": 32})
    assert err.value.record == f"line {len(PASSAGES) + 2}"
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]  # no temporary directory left behind


def test_failed_rebuild_keeps_the_previous_index(tmp_path, corpus):
    out = tmp_path / "index"
    build_index("tantivy", corpus, out, {"heap_mb": 32})
    before = (out / "manifest.json").read_text(encoding="utf-8")
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\ttext\ttitle\n1\tfine\tA\n2\tbroken\n", encoding="utf-8")
    with pytest.raises(InputError):
        build_index("tantivy", bad, out, {"heap_mb": 32})
    assert (out / "manifest.json").read_text(encoding="utf-8") == before
    assert pids(open_retriever("tantivy", out, {}).search(["Moses"], 1)[0]) == ["2"]


def test_index_from_another_engine_version_is_refused(tmp_path, index):
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["engine"]["version"] = "tantivy v0.20.0, index_format v5"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(RetrievalError, match="rebuild the index"):
        open_retriever("tantivy", copy, {})


def test_unfinished_index_is_refused(tmp_path):
    (tmp_path / "index").mkdir()
    with pytest.raises(RetrievalError, match="not a finished tantivy index"):
        open_retriever("tantivy", tmp_path / "index", {})


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown retrieval backend"):
        open_retriever("faiss", Path("x"), {})


# ---- tantivy: search --------------------------------------------------------------------


def test_expected_ranking(retriever):
    israelites, numbers, city, empty = retriever.search(
        ["Who led the Israelites out of Egypt?", "1,400", "São Paulo", "the of a"], 3
    )
    # 2 matches three terms; 4 and 3 match "egypt" only, 4 with the shorter text.
    assert pids(israelites) == ["2", "4", "3"]
    assert pids(numbers) == ["8"]
    assert pids(city)[0] == "7"
    assert empty == []  # every term is a stop word
    assert all(len(hits) <= 3 for hits in (israelites, numbers, city))


def test_hits_carry_raw_passage_and_candidate_shape(retriever):
    (hit,) = retriever.search(["hurry"], 1)[0]
    assert (hit.pid, hit.title, hit.text) == ("9", "Dog Soldiers", PASSAGES[8][1])
    assert hit.as_candidate() == {"pid": "9", "title": "Dog Soldiers", "text": PASSAGES[8][1], "score": hit.score}


def test_title_match_beats_text_only_match(retriever):
    # 5 has "zebra" only in its (short) title, 6 only in its text: same idf, shorter field wins.
    assert pids(retriever.search(["zebra"], 5)[0]) == ["5", "6"]


def test_score_is_dis_max_of_the_fields_with_tie_breaker(retriever):
    query = "dog running owner houses"
    terms = analyze(query)
    combined = retriever.search([query], 20)[0]
    by_field = {f: retriever.search_query(retriever.field_query(f, terms), 20) for f in ("title", "txt")}
    both_fields = 0
    for hit in combined:
        title, txt = score_of(by_field["title"], hit.pid), score_of(by_field["txt"], hit.pid)
        both_fields += title > 0 and txt > 0
        assert hit.score == pytest.approx(max(title, txt) + 0.5 * min(title, txt), rel=1e-6)
    assert both_fields >= 2  # 9 and 10 match "dog" in title and text


def test_scores_are_lucene_bm25(retriever):
    """score = idf * tf / (tf + k1 * (1 - b + b * dl / avgdl)), idf = ln(1 + (N - n + .5) / (n + .5))."""
    fields = {"title": [analyze(p[2]) for p in PASSAGES], "txt": [analyze(p[1]) for p in PASSAGES]}

    def bm25(field: str, doc: int, term: str) -> float:
        docs = fields[field]
        n = sum(term in d for d in docs)
        tf, dl, avgdl = docs[doc].count(term), len(docs[doc]), sum(map(len, docs)) / len(docs)
        if not tf:
            return 0.0
        idf = math.log(1 + (len(docs) - n + 0.5) / (n + 0.5))
        return idf * tf / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / avgdl))

    for hit in retriever.search(["quantum egypt"], 10)[0]:
        doc = [p[0] for p in PASSAGES].index(hit.pid)
        title = sum(bm25("title", doc, t) for t in ("quantum", "egypt"))
        txt = sum(bm25("txt", doc, t) for t in ("quantum", "egypt"))
        assert hit.score == pytest.approx(max(title, txt) + 0.5 * min(title, txt), rel=1e-5)


def test_repeated_query_terms_count_twice(retriever):
    once, twice = retriever.search(["zebra", "zebra zebra"], 1)
    assert twice[0].score == pytest.approx(2 * once[0].score, rel=1e-6)


def test_ties_are_broken_by_numeric_pid(tmp_path):
    tied = [(str(pid), "identical text about lighthouses", "Lighthouse") for pid in range(114, 99, -1)]
    corpus = write_corpus(tmp_path / "tied.tsv", tied + [("7", "nothing in common", "Other")])
    build_index("tantivy", corpus, tmp_path / "index", {"heap_mb": 32})
    retriever = open_retriever("tantivy", tmp_path / "index", {})
    (hits,) = retriever.search(["lighthouse"], 3)
    assert pids(hits) == ["100", "101", "102"]  # more ties than fetched at first: fetched again
    assert len({h.score for h in hits}) == 1


def test_text_pids_are_kept_and_ordered_as_text(tmp_path):
    rows = [(pid, "same words here", "Same") for pid in ("doc-b", "doc-10", "doc-a")]
    corpus = write_corpus(tmp_path / "text.tsv", rows)
    manifest = build_index("tantivy", corpus, tmp_path / "index", {})
    assert manifest["pid_type"] == "text"
    (hits,) = open_retriever("tantivy", tmp_path / "index", {}).search(["words"], 3)
    assert pids(hits) == ["doc-10", "doc-a", "doc-b"]


def test_mixed_pid_kinds_are_an_input_error(tmp_path):
    corpus = write_corpus(tmp_path / "mixed.tsv", [("1", "a text", "A"), ("x2", "b text", "B")])
    with pytest.raises(InputError, match="all integers or all text"):
        build_index("tantivy", corpus, tmp_path / "index", {})
    assert not (tmp_path / "index").exists()


def test_search_batches_and_k(retriever):
    results = retriever.search(["Egypt", "dogs", "nothingmatcheshere"], 2)
    assert [len(r) for r in results] == [2, 2, 0]
    assert retriever.search(["Egypt"], 0) == [[]]
    assert retriever.search([], 3) == []


# ---- comparison -------------------------------------------------------------------------


def test_compare_runs():
    a = [["1", "2", "3"], ["4", "5", "6"], ["7", "8"], []]
    b = [["1", "2", "3"], ["5", "4", "9"], ["7", "8"], []]
    result = compare_runs(a, b, 3)
    assert result["queries"] == 4
    assert result["identical_topk"] == pytest.approx(3 / 4)
    assert result["same_top1"] == pytest.approx(3 / 4)
    assert result["mean_overlap"] == pytest.approx((1 + 2 / 3 + 1 + 1) / 4)
    assert compare_runs(a, b, 1)["identical_topk"] == pytest.approx(3 / 4)
    with pytest.raises(ValueError):
        compare_runs(a, b[:2], 3)


def test_compare_files_matches_by_qid(tmp_path):
    def run(name, rankings):
        records = [{"qid": q, "query": q, "candidates": [{"pid": p, "title": "", "text": "", "score": 1.0} for p in r]}
                   for q, r in rankings]
        path = tmp_path / name
        write_jsonl(path, records)
        return path

    a = run("a.jsonl", [("q1", ["1", "2"]), ("q2", ["3", "4"])])
    b = run("b.jsonl", [("q2", ["3", "5"]), ("q1", ["1", "2"])])
    result = compare_files(a, b, 2)
    assert result["identical_topk"] == 0.5 and result["same_top1"] == 1.0
    assert result["differing_qids"] == ["q2"]
    c = run("c.jsonl", [("q1", ["1", "2"])])
    with pytest.raises(InputError, match="missing"):
        compare_files(a, c, 2)


def test_a_search_asks_for_more_hits_only_while_the_last_ties_with_the_kth():
    assert tied_at_cut([3.0, 2.0, 2.0, 2.0], limit=4, k=2)
    assert not tied_at_cut([3.0, 2.0, 2.0], limit=4, k=2)  # fewer than asked for: there are no more
    assert not tied_at_cut([3.0, 2.0, 2.0, 1.0], limit=4, k=2)  # the tie ends inside the fetched hits


def test_a_passage_returned_twice_is_a_retrieval_error(monkeypatch, tmp_path):
    """An index holding a duplicate id (built before ids were checked) fails retrieval clearly."""
    import parametric_rag.retrieval as retrieval
    from parametric_rag.retrieval.queries import retrieve_questions

    class Twice:
        def search(self, queries, k):
            return [[Hit("1", "T", "text", 2.0), Hit("1", "T", "text", 1.0)] for _ in queries]

    monkeypatch.setattr(retrieval, "open_retriever", lambda *a: Twice())
    with pytest.raises(RetrievalError, match=r"passage id '1' was returned twice for question 'q'"):
        retrieve_questions([{"qid": "q", "question": "Who?"}], backend="tantivy", index=tmp_path, settings={}, k=2,
                           tokenizer=None, query_max_tokens=256)
