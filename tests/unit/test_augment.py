"""QA parsing, passage selection with replacement, the per-passage table and the data_aug import."""

import json

import pytest

from conftest import FIXTURES
from parametric_rag.augment.parse import parse_qa, validate_qa
from parametric_rag.augment.reference_import import import_data_aug
from parametric_rag.augment.select import select_and_augment
from parametric_rag.augment.table import TableAugmenter
from parametric_rag.io import InputError

GOOD = [{"question": f"q{i}", "answer": f"a{i}", "full_answer": f"f{i}"} for i in range(4)]


def test_parse_rules():
    text = "Sure! Here:\n" + json.dumps(GOOD[:3])
    assert parse_qa(text) == GOOD[:3]
    assert parse_qa(json.dumps(GOOD)[:-1] + ",") == GOOD[:3]  # trailing comma dropped, ] closed
    assert parse_qa(json.dumps(GOOD)[:-1]) == GOOD[:3]  # missing ] closed
    assert parse_qa("no list here") is None
    assert parse_qa(json.dumps(GOOD[:2])) is None  # fewer than three
    assert parse_qa('[{"question": "q", "answer": "a"}, {}, {}]') is None  # missing keys
    # the reference prompt's own example (missing comma) is not valid JSON
    assert parse_qa('[{"question": "What?", "answer": "Paris"\n"full_answer": "x"}]') is None


def test_value_coercion():
    qa = validate_qa([{"question": "q", "answer": ["a", "b"], "full_answer": None}, GOOD[1],
                      {"question": "q3", "answer": 1847, "full_answer": "f"}])
    assert qa[0] == {"question": "q", "answer": "a, b", "full_answer": "Unknown"}
    assert qa[2]["answer"] == "1847"


class Scripted:
    """Succeeds for the pids it is told to; records what it was asked."""

    def __init__(self, ok):
        self.ok, self.calls = set(ok), []

    def augment(self, cands):
        self.calls.append([c["pid"] for c in cands])
        return [{"pid": c["pid"], "passage": c["text"], "rewrite": "r", "qa": GOOD[:3]} if c["pid"] in self.ok else None
                for c in cands]


def cands(qid, n):
    return [{"pid": f"{qid}-{i}", "title": "", "text": f"text {qid}-{i}", "score": 1.0 / (i + 1)} for i in range(n)]


def test_failed_passages_are_replaced_by_the_next_candidates_in_rank_order():
    qs = [{"qid": "a", "question": "?", "answers": ["x"], "subset": "total", "position": 0},
          {"qid": "b", "question": "?", "answers": ["x"], "subset": "total", "position": 1}]
    aug = Scripted(ok={"a-1", "a-2", "a-4", "b-0"})
    out = select_and_augment(qs, {"a": cands("a", 6), "b": cands("b", 2)}, aug, topk=3)
    assert [x["pid"] for x in out[0]["augment"]] == ["a-1", "a-2", "a-4"]
    assert out[0]["passages"] == ["text a-1", "text a-2", "text a-4"]
    assert [x["pid"] for x in out[1]["augment"]] == ["b-0"]
    assert out[1]["passages"] == ["text b-0", "", ""]  # padded with empty passages
    assert aug.calls[0] == ["a-0", "a-1", "a-2", "b-0", "b-1"]  # one batch for all questions
    assert sum(len(c) for c in aug.calls) == 7  # a-5 never tried: three passages were kept


def test_table_augmenter(tmp_path):
    table = tmp_path / "t.jsonl"
    table.write_text(json.dumps({"pid": "1", "rewrite": "R", "qa": GOOD[:3]}) + "\n"
                     + json.dumps({"pid": "2", "rewrite": "R", "qa": "not a list"}) + "\n")
    aug = TableAugmenter(table)
    res = aug.augment(cands("x", 1) + [{"pid": "1", "title": "", "text": "T", "score": 1.0},
                                       {"pid": "2", "title": "", "text": "T", "score": 1.0}])
    assert res[0] is None and res[2] is None
    assert res[1] == {"pid": "1", "passage": "T", "rewrite": "R", "qa": GOOD[:3]}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"pid": "1", "qa": []}) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl: record line 1, field 'rewrite'"):
        TableAugmenter(bad)


def test_import_reference_data_aug(tmp_path):
    data_aug = FIXTURES / "reference" / "training_fixture_data_aug.json"
    records = json.loads(data_aug.read_text())
    qs = [{"qid": f"q{r['test_id']}", "question": r["question"], "answers": r["answer"], "subset": "total", "position": i}
          for i, r in enumerate(records)]
    out = import_data_aug({"total": data_aug}, qs, topk=3)
    assert [o["qid"] for o in out] == [q["qid"] for q in qs]
    first = out[0]["augment"][0]
    assert first["rewrite"] == records[0]["augment"][0]["llama-smollm2-135m-instruct_rewrite"]
    assert first["qa"] == records[0]["augment"][0]["llama-smollm2-135m-instruct_qa"]
    assert out[0]["passages"] == [a["passage"] for a in records[0]["augment"]]
    # a raw string in place of QA pairs (the reference's give-up value) drops that passage
    records[1]["augment"][0]["llama-smollm2-135m-instruct_qa"] = "gave up"
    broken = tmp_path / "total.json"
    broken.write_text(json.dumps(records))
    out = import_data_aug({"total": broken}, qs, topk=3)
    assert len(out[1]["augment"]) == 2 and out[1]["passages"][2] == ""
    with pytest.raises(InputError, match="question not found"):
        import_data_aug({"total": broken}, qs + [dict(qs[0], qid="new", question="Unknown question?")], topk=3)
