"""The fictional_world benchmark generator: determinism, formats, answerability, distractors."""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES
from fictional_world import FILES, generate
from parametric_rag.config import load_config
from parametric_rag.io import sha256_file

ROOT = Path(__file__).resolve().parents[2]
N_SINGLE, N_MULTI = 160, 40
# sha256 of each file of the benchmark that config.yaml's fictional_world settings give (seed 13, 160, 40)
DEFAULT_CONFIG_SHA256 = {
    "corpus": "c012b1f9aba309b2de6e06469437dcd4074c4b7efc3de087cfcb93efb12ba16b",
    "popqa": "d0607186fd60c2078379f75217324e380016ab96f0b7a1841517f20d1b3a47ff",
    "complexwebquestions": "44f2c2bbff36ef2130490eed347b9e2881222f70d1117a77a552ff5fbd7f8636",
    "2wikimultihopqa": "fe578c74db90b319bae30580a557767a62ab0f4a00a87caa698b92baef7bd384",
    "2wikimultihopqa_aliases": "8775d515f271777a419f481e892b0ea59f3bfb16951ec0662fe1bd544613a34a",
    "hotpotqa": "137cdda9581b20b124abb8dcba009960bf939f5e1f934e4db25bd9b5e1fd461b",
    "augmentation": "ec2676760b2dac1237ddf063be1d79a315fc7a79b824c82d82f42f65003f01a7",
}
TWO_WIKI_TYPES = ["comparison", "bridge_comparison", "inference", "compositional"]
HOTPOT_TYPES = ["bridge", "comparison"]


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "benchmark"
    generate(out)
    return out


@pytest.fixture(scope="module")
def corpus(bench) -> dict[str, tuple[str, str]]:
    """pid -> (title, text)."""
    with open(bench / FILES["corpus"], encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    assert rows[0] == ["id", "text", "title"]
    return {r[0]: (r[2], r[1]) for r in rows[1:]}


@pytest.fixture(scope="module")
def by_title(corpus) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for title, text in corpus.values():
        out.setdefault(title, []).append(text)
    return out


def _load(bench: Path, key: str):
    with open(bench / FILES[key], encoding="utf-8") as f:
        return json.load(f)


def _popqa(bench: Path) -> list[dict]:
    with open(bench / FILES["popqa"], encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


# --- determinism and layout ---------------------------------------------------------------
def test_same_seed_gives_identical_bytes(bench, tmp_path):
    again = tmp_path / "again"
    generate(again)
    names = sorted(str(p.relative_to(bench)) for p in bench.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(again)) for p in again.rglob("*") if p.is_file())
    for name in names:
        assert (bench / name).read_bytes() == (again / name).read_bytes(), name


def test_bytes_do_not_depend_on_hash_randomisation(bench, tmp_path):
    """A fresh interpreter with another PYTHONHASHSEED writes the same files."""
    out = tmp_path / "fresh"
    code = "import sys; from fictional_world import generate; generate(sys.argv[1])"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env)
    for rel in FILES.values():
        assert (out / rel).read_bytes() == (bench / rel).read_bytes(), rel


def test_default_config_benchmark_bytes_are_pinned(bench):
    """The benchmark config.yaml generates is pinned file by file (sha256): README's measured
    scores were computed on exactly this benchmark, so a generator change that alters any byte
    must be deliberate (then re-measure README's tables and update these hashes)."""
    settings = load_config(ROOT / "config.yaml")["fictional_world"]
    assert settings == {"seed": 13, "n_single": N_SINGLE, "n_multi_per_type": N_MULTI}
    m = json.loads((bench / "manifest.json").read_text())
    assert (m["seed"], m["parameters"]["n_single"], m["parameters"]["n_multi_per_type"]) == (
        13,
        N_SINGLE,
        N_MULTI,
    )
    assert {key: sha256_file(bench / rel) for key, rel in FILES.items()} == DEFAULT_CONFIG_SHA256
    assert m["sha256"] == DEFAULT_CONFIG_SHA256


def test_other_seed_gives_other_world(bench, tmp_path):
    other = tmp_path / "other"
    generate(other, seed=14, n_single=20, n_multi_per_type=5)
    assert (other / FILES["corpus"]).read_bytes() != (bench / FILES["corpus"]).read_bytes()


def test_layout_and_manifest(bench):
    assert sorted(p.name for p in bench.iterdir()) == sorted(
        [
            "corpus",
            "popqa",
            "complexwebquestions",
            "2wikimultihopqa",
            "hotpotqa",
            "augmentation",
            "manifest.json",
        ]
    )
    m = json.loads((bench / "manifest.json").read_text())
    assert m["seed"] == 13 and m["version"]
    for key, rel in FILES.items():
        assert m["sha256"][key] == sha256_file(bench / rel), key
    assert m["counts"]["popqa"] == N_SINGLE
    assert m["counts"]["complexwebquestions"] == N_SINGLE
    assert m["types"]["2wikimultihopqa"] == {t: N_MULTI for t in sorted(TWO_WIKI_TYPES)}
    assert m["types"]["hotpotqa"] == {t: N_MULTI for t in sorted(HOTPOT_TYPES)}
    assert 1000 <= m["corpus"]["passages"] <= 3000
    assert m["corpus"]["corpus_to_gold_ratio"] >= 3


def test_regenerating_replaces_directory_without_leftovers(tmp_path):
    out = tmp_path / "b"
    generate(out, n_single=10, n_multi_per_type=3)
    (out / "stale.txt").write_text("old")
    m = generate(out, n_single=12, n_multi_per_type=4)
    assert not (out / "stale.txt").exists()
    assert m["counts"]["popqa"] == 12
    assert [p.name for p in tmp_path.iterdir()] == ["b"]  # no temp dirs left beside it


@pytest.mark.parametrize("n_single,n_multi", [(12, 3), (40, 10)])
def test_counts_follow_parameters(tmp_path, n_single, n_multi):
    out = tmp_path / "b"
    m = generate(out, n_single=n_single, n_multi_per_type=n_multi, n_distractor_entities=30)
    assert len(_popqa(out)) == n_single
    assert len(_load(out, "complexwebquestions")) == n_single
    assert Counter(q["type"] for q in _load(out, "2wikimultihopqa")) == {
        t: n_multi for t in TWO_WIKI_TYPES
    }
    assert Counter(q["type"] for q in _load(out, "hotpotqa")) == {t: n_multi for t in HOTPOT_TYPES}
    # 30 look-alikes, plus the founders some look-alike towns are given
    assert 30 <= m["corpus"]["lookalike_entities"] <= 45


# --- corpus -------------------------------------------------------------------------------------
def test_corpus_format_and_lengths(bench, corpus):
    assert list(corpus) == [str(i) for i in range(1, len(corpus) + 1)]
    lengths = [len(text.split()) for _, text in corpus.values()]
    assert min(lengths) >= 40 and max(lengths) <= 100
    assert 50 <= sum(lengths) / len(lengths) <= 80
    assert all("\t" not in t and "\n" not in t for _, t in corpus.values())


def test_distractors_exist(bench, corpus, by_title):
    """Look-alike names: most single-hop subjects share a name token with other passages."""
    rows = _popqa(bench)
    texts = [(title, set(re.findall(r"[\w']+", text))) for title, text in corpus.values()]
    shared = 0
    for r in rows:
        toks = [
            t
            for t in r["subj"].split()
            if len(t) > 3 and t[0].isupper() and t not in ("River", "Company", "Summer", "Road")
        ]
        others = sum(1 for title, words in texts if any(t in words for t in toks))
        shared += others >= 2
    assert shared >= 0.9 * len(rows)
    # titles that overlap in a name part, e.g. two towns with one root
    roots = Counter(title.split()[0] for title in by_title if len(title.split()) == 2)
    assert sum(1 for c in roots.values() if c >= 2) >= 50


# --- the real datasets' formats, from the samples in tests/fixtures/raw -----------------------
def _real_popqa_header() -> list[str]:
    with open(FIXTURES / "raw" / "popqa" / "popQA.tsv", encoding="utf-8") as f:
        return f.readline().rstrip("\n").split("\t")


def _real_record_keys(rel: str) -> set[str]:
    """The keys every record of a real-format sample file has."""
    records = json.loads((FIXTURES / "raw" / rel).read_text(encoding="utf-8"))
    keys = {frozenset(r) for r in records}
    assert len(keys) == 1, f"{rel}: records differ in their keys"
    return set(next(iter(keys)))


# --- PopQA ----------------------------------------------------------------------------------------
def test_popqa_rows(bench, by_title):
    rows = _popqa(bench)
    assert list(rows[0]) == _real_popqa_header()
    assert len({r["question"] for r in rows}) == len(rows)
    for r in rows:
        for col in ("s_aliases", "o_aliases"):
            v = ast.literal_eval(r[col])
            assert isinstance(v, list) and all(isinstance(x, str) for x in v)
        assert json.loads(r["possible_answers"]) == [r["obj"]] + ast.literal_eval(r["o_aliases"])
        assert r["subj"] in r["question"]
        # single hop: the object is stated in a passage about the subject
        assert any(r["obj"] in text for text in by_title[r["subj"]]), r["question"]


# --- ComplexWebQuestions ------------------------------------------------------------------------
def test_cwq_records(bench, corpus):
    qs = _load(bench, "complexwebquestions")
    types = Counter(q["compositionality_type"] for q in qs)
    assert set(types) == {"composition", "conjunction", "comparative", "superlative"}
    all_text = "\n".join(text for _, text in corpus.values())
    for q in qs:
        assert set(q) >= {
            "ID",
            "question",
            "answers",
            "webqsp_question",
            "machine_question",
            "compositionality_type",
            "sparql",
            "webqsp_ID",
            "created",
        }
        assert q["ID"].startswith(q["webqsp_ID"] + "_")
        for a in q["answers"]:
            assert set(a) == {"answer", "answer_id", "aliases"}
            assert a["answer"] in all_text, q["question"]


# --- multi-hop --------------------------------------------------------------------------------
def _check_multihop(qs: list[dict], corpus, by_title, joiner: str) -> None:
    texts = {(title, text) for title, text in corpus.values()}
    for q in qs:
        titles = [c[0] for c in q["context"]]
        assert len(titles) == 10 and len(set(titles)) == 10
        ctx = {t: s for t, s in q["context"]}
        for title, sents in q["context"]:  # every paragraph is a corpus passage
            assert (title, joiner.join(sents)) in texts, title
        gold = []
        for title, sid in q["supporting_facts"]:
            assert title in ctx and 0 <= sid < len(ctx[title])
            gold.append(joiner.join(ctx[title]))
        assert len({t for t, _ in q["supporting_facts"]}) >= 2
        if q["answer"] not in ("yes", "no"):
            assert any(q["answer"] in g for g in gold), q["question"]


def test_2wiki_records(bench, corpus, by_title):
    qs = _load(bench, "2wikimultihopqa")
    assert Counter(q["type"] for q in qs) == {t: N_MULTI for t in TWO_WIKI_TYPES}
    with open(bench / FILES["2wikimultihopqa_aliases"], encoding="utf-8") as f:
        aliases = {d["Q_id"]: d for d in map(json.loads, f)}
    assert all(set(d) == {"Q_id", "aliases", "demonyms"} for d in aliases.values())
    for q in qs:
        assert re.fullmatch(r"[0-9a-f]{32}", q["_id"])
        assert set(q) == _real_record_keys("2wikimultihopqa/dev.json")
        if q["answer_id"]:
            assert q["answer"] in aliases[q["answer_id"]]["aliases"]
        else:  # yes/no and dates carry no entity id
            assert q["answer"] in ("yes", "no") or re.fullmatch(r"\d{1,2} \w+ \d{4}", q["answer"])
        assert all(len(e) == 3 for e in q["evidences"])
    assert {q["answer"] for q in qs if q["type"] == "comparison"} & {"yes", "no"}
    assert len({q["question"] for q in qs}) == len(qs)
    _check_multihop(qs, corpus, by_title, " ")
    bc = [q for q in qs if q["type"] == "bridge_comparison"]
    assert all(len({t for t, _ in q["supporting_facts"]}) == 4 for q in bc)


def test_hotpot_records(bench, corpus, by_title):
    qs = _load(bench, "hotpotqa")
    assert Counter(q["type"] for q in qs) == {t: N_MULTI for t in HOTPOT_TYPES}
    for q in qs:
        assert re.fullmatch(r"[0-9a-f]{24}", q["_id"])
        assert q["level"] in ("easy", "medium", "hard")
        assert set(q) == _real_record_keys("hotpotqa/hotpot_dev_distractor_v1.json")
        for _, sents in q["context"]:
            assert all(s.startswith(" ") for s in sents[1:]) and not sents[0].startswith(" ")
    assert len({q["question"] for q in qs}) == len(qs)
    _check_multihop(qs, corpus, by_title, "")


# --- augmentation ---------------------------------------------------------------------------------
def test_augmentation(bench, corpus):
    with open(bench / FILES["augmentation"], encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    assert [d["pid"] for d in lines] == list(corpus)
    for d in lines:
        assert set(d) == {"pid", "rewrite", "qa"}
        title, text = corpus[d["pid"]]
        assert d["rewrite"] != text and title in d["rewrite"]
        assert abs(len(d["rewrite"].split()) - len(text.split())) <= 25
        assert len(d["qa"]) == 3
        assert len({qa["question"] for qa in d["qa"]}) == 3
        for qa in d["qa"]:
            assert set(qa) == {"question", "answer", "full_answer"}
            assert qa["answer"] and qa["answer"] in text, (d["pid"], qa)
            assert qa["full_answer"].endswith(".")
