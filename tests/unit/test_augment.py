"""QA parsing, passage selection with replacement, the per-passage table and the data_aug import."""

import json

import pytest

from conftest import DATA_AUG, FIXTURES, fixture_questions
from parametric_rag.augment.parse import parse_qa, validate_qa
from parametric_rag.augment.quality import Limits, check_fraction, check_question, summary
from parametric_rag.augment.reference_import import import_data_aug
from parametric_rag.augment.select import check_candidates, select_and_augment
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
    assert out[0]["dropped"] == [{"pid": "a-0", "reason": "qa_failed"}, {"pid": "a-3", "reason": "qa_failed"}]
    assert out[1]["dropped"] == [{"pid": "b-1", "reason": "qa_failed"}]
    assert aug.calls[0] == ["a-0", "a-1", "a-2", "b-0", "b-1"]  # one batch for all questions
    assert sum(len(c) for c in aug.calls) == 7  # a-5 never tried: three passages were kept


def test_table_augmenter(tmp_path):
    table = tmp_path / "t.jsonl"
    table.write_text(json.dumps({"pid": "1", "rewrite": "R", "qa": GOOD[:3]}) + "\n"
                     + json.dumps({"pid": "2", "rewrite": "R", "qa": "not a list"}) + "\n")
    aug = TableAugmenter(table)
    res = aug.augment(cands("x", 1) + [{"pid": "1", "title": "", "text": "T", "score": 1.0},
                                       {"pid": "2", "title": "", "text": "T", "score": 1.0}])
    assert res[0] == "not_in_table" and res[2] == "qa_gave_up"  # dropped, with the reason
    assert res[1] == {"pid": "1", "passage": "T", "rewrite": "R", "qa": GOOD[:3]}
    assert aug.stats == {"lookups": 3, "misses": 2}


@pytest.mark.parametrize("rows, message", [
    ([{"pid": "1", "qa": []}], r"bad.jsonl: record line 1 \(pid '1'\), field 'rewrite': missing"),
    ([{"pid": "1", "rewrite": None, "qa": GOOD}], r"record line 1 \(pid '1'\), field 'rewrite': expected a string"),
    ([{"pid": "1", "rewrite": "R", "qa": GOOD}, {"pid": 1, "rewrite": "R", "qa": GOOD}],
     r"record line 2 \(pid '1'\), field 'pid': duplicate passage id '1' \(first at line 1\)"),
    ([{"pid": "1", "rewrite": "R", "qa": None}], r"field 'qa': expected a list of QA objects, got NoneType"),
    ([{"pid": None, "rewrite": "R", "qa": GOOD}], r"record line 1, field 'pid'"),
])
def test_table_errors_name_file_line_and_field(tmp_path, rows, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(InputError, match=message):
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
    assert out[1]["dropped"] == [{"pid": str(records[1]["augment"][0].get("pid", 0)), "reason": "qa_gave_up"}]
    with pytest.raises(InputError, match="question not found"):
        import_data_aug({"total": broken}, qs + [dict(qs[0], qid="new", question="Unknown question?")], topk=3)


def test_import_fails_when_a_question_keeps_no_passage(tmp_path):
    records = json.loads(DATA_AUG.read_text())
    qs = fixture_questions(2)
    for a in records[1]["augment"]:
        a["llama-smollm2-135m-instruct_qa"] = "gave up"
    broken = tmp_path / "total.json"
    broken.write_text(json.dumps(records))
    with pytest.raises(InputError, match=r"total.json: record 1, field 'augment': 0 passage\(s\) kept .*"
                                         r"augment.min_passages_per_question = 1 \(3 dropped: 3 qa_gave_up\)"):
        import_data_aug({"total": broken}, qs, topk=3)
    out = import_data_aug({"total": broken}, qs, topk=3, limits=Limits(min_passages=0))
    assert out[1]["augment"] == [] and out[1]["passages"] == ["", "", ""]
    with pytest.raises(InputError, match=r"3 of 6 passages tried were dropped \(3 qa_gave_up\), more than "
                                         r"augment.max_dropped_fraction = 0.25"):
        import_data_aug({"total": broken}, qs, topk=3, limits=Limits(min_passages=0, max_dropped_fraction=0.25))


def test_duplicate_question_texts_match_in_order(tmp_path):
    records = json.loads(DATA_AUG.read_text())[:2]
    records[1]["question"] = records[0]["question"]
    path = tmp_path / "total.json"
    path.write_text(json.dumps(records))
    qs = fixture_questions(2)
    qs[1]["question"] = qs[0]["question"]
    out = import_data_aug({"total": path}, qs, topk=3)
    assert [o["augment"][0]["passage"] for o in out] == [r["augment"][0]["passage"] for r in records]


def test_limits_and_summary():
    records = [{"qid": "a", "passages": ["x", "", ""], "augment": [{"pid": "1"}],
                "dropped": [{"pid": "2", "reason": "qa_failed"}, {"pid": "3", "reason": "not_in_table"}]},
               {"qid": "b", "passages": ["x", "y", "z"], "augment": [{"pid": "4"}] * 3, "dropped": []}]
    assert summary(records, 3) == {"questions": 2, "kept": 4, "short": 1,
                                   "dropped": {"not_in_table": 1, "qa_failed": 1}}
    check_question(records[0], Limits(), "r.jsonl", "qid 'a'", "candidates")
    with pytest.raises(InputError, match=r"r.jsonl: record qid 'a', field 'candidates': 1 passage\(s\) kept"):
        check_question(records[0], Limits(min_passages=2), "r.jsonl", "qid 'a'", "candidates")
    check_fraction(records, Limits(max_dropped_fraction=2 / 6), "r.jsonl", "candidates")
    with pytest.raises(InputError, match="2 of 6 passages tried were dropped"):
        check_fraction(records, Limits(max_dropped_fraction=0.3), "r.jsonl", "candidates")


def test_candidates_with_a_repeated_id_or_an_empty_text_are_refused():
    good = {"qid": "q", "candidates": cands("q", 2)}
    assert check_candidates(good, "r.jsonl") == good["candidates"]
    twice = {"qid": "q", "candidates": cands("q", 2) + cands("q", 1)}
    with pytest.raises(InputError, match=r"r.jsonl: record qid 'q', field 'candidates\[2\].pid': duplicate passage id"):
        check_candidates(twice, "r.jsonl")
    empty = {"qid": "q", "candidates": [dict(cands("q", 1)[0], text=" ")]}
    with pytest.raises(InputError, match=r"field 'candidates\[0\].text': empty passage text"):
        check_candidates(empty, "r.jsonl")


def test_a_failed_passage_is_retried_alone():
    """The generate source retries only the passages whose QA did not parse: a passage that parsed
    at the first attempt is never generated again, and the rewrite runs once per kept passage."""
    import json

    from parametric_rag.augment.generate import QA_PROMPT, REWRITE_PROMPT, GenerationAugmenter

    good = json.dumps([{"question": f"q{i}", "answer": "a", "full_answer": "fa"} for i in range(3)])
    fails_left = {"p1": 1, "p3": 5}  # p1 parses at the second attempt, p3 never
    calls: list[tuple[str, list[str]]] = []

    class Scripted(GenerationAugmenter):
        """The model's answers scripted per passage; everything else is the real augmenter."""

        def _run(self, prompts, desc):
            pids = [p.rsplit("\n", 1)[-1] for p in prompts]
            calls.append((desc, pids))
            if desc == "rewrite":
                assert all(p == REWRITE_PROMPT.replace("{passage}", pid) for p, pid in zip(prompts, pids))
                return [f"rewritten {pid}" for pid in pids]
            assert all(p == QA_PROMPT.replace("{passage}", pid) for p, pid in zip(prompts, pids))
            out = []
            for pid in pids:
                failing = fails_left.get(pid, 0) > 0
                fails_left[pid] = fails_left.get(pid, 0) - 1
                out.append("not a list" if failing else good)
            return out

    candidates = [{"pid": p, "text": p} for p in ("p0", "p1", "p2", "p3")]
    aug = Scripted(model=None, tokenizer=None, max_new_tokens=512, do_sample=True, temperature=0.7, top_k=50,
                   max_attempts=3, batch_size=8)
    result = aug.augment(candidates)
    assert calls == [("QA attempt 1", ["p0", "p1", "p2", "p3"]), ("QA attempt 2", ["p1", "p3"]),
                     ("QA attempt 3", ["p3"]), ("rewrite", ["p0", "p1", "p2"])]
    assert [r and r["rewrite"] for r in result] == ["rewritten p0", "rewritten p1", "rewritten p2", None]
    assert aug.stats == {"qa_generations": 7, "qa_failures": 1, "rewrites": 3}
