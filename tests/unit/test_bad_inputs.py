"""Malformed inputs, one case a row: the real CLI exits with status 1, its first error line names
the file, the record and the field (for config: the key, the value and what is allowed), and
nothing that looks finished is left behind.

Each case writes its inputs under ``in/`` and returns the command line; the job's outputs (and
its settings record) go under ``out/``, which must hold no file afterwards.
"""

from __future__ import annotations

import copy
import gzip
import json
import logging
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from conftest import DATA_AUG, fixture_questions
from parametric_rag.cli import main
from parametric_rag.io import write_json, write_jsonl
from parametric_rag.plan import Job

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "tests" / "fixtures" / "raw"
KEY = "llama-smollm2-135m-instruct"  # the data_aug fixture's {model}
QA = [{"question": f"q{i}?", "answer": f"a{i}", "full_answer": f"f{i}."} for i in range(3)]


@dataclass(frozen=True)
class Dirs:
    """Where a case writes its inputs and where the job writes its outputs."""

    inp: Path
    out: Path

    def write(self, name: str, data: str | bytes) -> Path:
        path = self.inp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    def json(self, name: str, data: Any) -> Path:
        write_json(self.inp / name, data)
        return self.inp / name

    def jsonl(self, name: str, rows: list) -> Path:
        write_jsonl(self.inp / name, rows)
        return self.inp / name


Make = Callable[[Dirs], list[str]]


# ---- jobs, as Plan.job makes them for the rules ---------------------------------------------

def step(job: Job) -> list[str]:
    return [job.step.replace("_", "-"), "--job", job.to_json()]


def tagged(name: str, inputs: dict, outputs: dict, settings: dict, out: Path) -> list[str]:
    """A tagged job: its settings record beside the outputs, written before the step runs."""
    record = str(out / "job.settings.json")
    return step(Job(name, inputs, outputs, settings, record=record, tagged=settings, tag="test-00000000"))


def questions(fmt: str, files: dict[str, Path], d: Dirs) -> list[str]:
    settings = {"format": fmt, "split": "eval", "sample": 5, "translator_range": [0, 0], "roles": list(files)}
    return tagged("questions", {"files": [str(p) for p in files.values()]},
                  {"questions": str(d.out / "questions.jsonl")}, settings, d.out)


def index(corpus: Path, d: Dirs) -> list[str]:
    return step(Job("index", {"corpus": str(corpus)}, {"index": str(d.out / "index")},
                    {"backend": "tantivy", "backend_settings": {"heap_mb": 64}}))


LIMITS = {"min_passages_per_question": 1, "max_dropped_fraction": 1.0}


def augment(d: Dirs, qs: Path, retrieval: Path, table: Path, **limits: Any) -> list[str]:
    settings = {"source": "table", "shard": 0, "topk": 3, "shard_size": 25, **LIMITS, **limits}
    return tagged("augment", {"questions": str(qs), "retrieval": str(retrieval), "table": str(table)},
                  {"augmented": str(d.out / "shard-000.jsonl")}, settings, d.out)


def import_augmented(d: Dirs, data_aug: Path, n: int = 2) -> list[str]:
    qs = d.jsonl("questions.jsonl", fixture_questions(n))
    settings = {"subsets": ["total"], "topk": 3, "model_key": None, **LIMITS}
    return tagged("import_augmented", {"questions": str(qs), "files": [str(data_aug)]},
                  {"imported": str(d.out / "imported.jsonl")}, settings, d.out)


# ---- raw files, each the fixture with one thing broken -----------------------------------------

def raw_json(fmt: str, name: str) -> list:
    return json.loads((RAW / fmt / name).read_text(encoding="utf-8"))


def popqa(change: Callable[[list[str]], list[str]]) -> Make:
    """The PopQA fixture with its lines (header first) changed."""
    def make(d: Dirs) -> list[str]:
        lines = change((RAW / "popqa/popQA.tsv").read_text(encoding="utf-8").splitlines())
        return questions("popqa", {"questions": d.write("popQA.tsv", "\n".join(lines) + "\n")}, d)
    return make


def popqa_cell(row: int, column: str, value: str) -> Make:
    def change(lines: list[str]) -> list[str]:
        header, cells = lines[0].split("\t"), lines[row].split("\t")
        cells[header.index(column)] = value
        return [*lines[:row], "\t".join(cells), *lines[row + 1:]]
    return popqa(change)


def json_dataset(fmt: str, change: Callable[[list], Any]) -> Make:
    """A JSON-list dataset's fixture, changed (2WikiMultihopQA keeps its aliases file)."""
    def make(d: Dirs) -> list[str]:
        files = {}
        for role, name in {"complexwebquestions": {"questions": "ComplexWebQuestions_dev.json"},
                           "2wikimultihopqa": {"questions": "dev.json", "aliases": "id_aliases.json"},
                           "hotpotqa": {"questions": "hotpot_dev_distractor_v1.json"},
                           "custom": {"questions": "questions.json"}}[fmt].items():
            if role == "questions":
                data = change(raw_json(fmt, name))
                files[role] = d.write(name, data) if isinstance(data, (str, bytes)) else d.json(name, data)
            else:
                files[role] = d.write(name, (RAW / fmt / name).read_bytes())
        return questions(fmt, files, d)
    return make


def setting(record: int, key: str, value: Any) -> Callable[[list], list]:
    def change(data: list) -> list:
        data[record][key] = value
        return data
    return change


def two_wiki_aliases(text: str | bytes) -> Make:
    def make(d: Dirs) -> list[str]:
        files = {"questions": d.write("dev.json", (RAW / "2wikimultihopqa/dev.json").read_bytes()),
                 "aliases": d.write("id_aliases.json", text)}
        return questions("2wikimultihopqa", files, d)
    return make


def truncated(fmt: str, name: str) -> Callable[[list], str]:
    return lambda data: (RAW / fmt / name).read_text(encoding="utf-8")[:400]


def not_utf8(fmt: str, name: str) -> Callable[[list], bytes]:
    """The fixture with a Latin-1 byte in its second line."""
    def change(data: list) -> bytes:
        lines = (RAW / fmt / name).read_bytes().split(b"\n")
        lines[1] = lines[1] + b" caf\xe9"
        return b"\n".join(lines)
    return change


# the corpus
CORPUS = "id\ttext\ttitle\n1\tAda Lovelace wrote the first program.\tAda\n2\tThe Analytical Engine.\tEngine\n"


def corpus(text: str | bytes, name: str = "psgs_w100.tsv") -> Make:
    return lambda d: index(d.write(name, text), d)


def truncated_gzip(d: Dirs) -> list[str]:
    rows = "".join(f"{i}\tpassage number {i} about engines\tT{i}\n" for i in range(1, 2000))
    data = gzip.compress(("id\ttext\ttitle\n" + rows).encode())
    return index(d.write("psgs_w100.tsv.gz", data[: len(data) // 2]), d)


# the augmentation table (a question with passages 1-4 retrieved, each with a table row)
def table_case(rows: Callable[[list[dict]], list[dict] | str | bytes] = lambda r: r,
               candidates: Callable[[list[dict]], list[dict]] = lambda c: c, **limits: Any) -> Make:
    def make(d: Dirs) -> list[str]:
        qs = [{"qid": f"q{i}", "question": f"Question {i}?", "answers": ["x"], "subset": "total", "position": i}
              for i in range(2)]
        cands = [{"pid": str(p), "title": "", "text": f"passage {p}", "score": 1.0 / p} for p in range(1, 5)]
        retrieval = [{"qid": q["qid"], "query": q["question"], "candidates": candidates(copy.deepcopy(cands))}
                     for q in qs]
        table = rows([{"pid": str(p), "rewrite": f"rewrite {p}", "qa": QA} for p in range(1, 5)])
        path = d.write("passages.jsonl", table) if isinstance(table, (str, bytes)) else d.jsonl("passages.jsonl", table)
        return augment(d, d.jsonl("questions.jsonl", qs), d.jsonl("retrieval.jsonl", retrieval), path, **limits)
    return make


def replace_row(i: int, **fields: Any) -> Callable[[list[dict]], list[dict]]:
    return lambda rows: [{**r, **fields} if j == i else r for j, r in enumerate(rows)]


# the reference's data_aug files
def data_aug(change: Callable[[list], Any]) -> Make:
    def make(d: Dirs) -> list[str]:
        data = change(json.loads(DATA_AUG.read_text(encoding="utf-8")))
        path = d.write("total.json", data) if isinstance(data, (str, bytes)) else d.json("total.json", data)
        return import_augmented(d, path)
    return make


def aug_entry(record: int, entry: int, **fields: Any) -> Callable[[list], list]:
    def change(data: list) -> list:
        data[record]["augment"][entry].update(fields)
        return data
    return change


def gave_up(record: int) -> Callable[[list], list]:
    def change(data: list) -> list:
        for a in data[record]["augment"]:
            a[f"{KEY}_qa"] = "I could not produce the list."
        return data
    return change


# config files and wildcards
def config(text: str | bytes | dict, *wildcards: str, command: str = "questions") -> Make:
    """``prag COMMAND --config config.yaml --config bad.yaml WILDCARDS`` (or check-config)."""
    def make(d: Dirs) -> list[str]:
        data = yaml.safe_dump(text) if isinstance(text, dict) else text
        bad = d.write("bad.yaml", data)
        if command == "check-config":
            return ["check-config", str(ROOT / "config.yaml"), str(bad)]
        return [command, "--config", str(ROOT / "config.yaml"), "--config", str(bad), *wildcards]
    return make


def wildcards(*args: str, command: str = "questions") -> Make:
    return lambda d: [command, "--config", str(ROOT / "config.yaml"), *args]


def download(url: str, sha256: str | None = None) -> Make:
    def make(d: Dirs) -> list[str]:
        return step(Job("download", {}, {"file": str(d.out / "file.tsv")},
                        {"url": url, "sha256": sha256, "record": str(d.out / "file.sha256")}))
    return make


def served(content: bytes, sha256: str) -> Make:
    def make(d: Dirs) -> list[str]:
        return download(d.write("served.tsv", content).as_uri(), sha256)(d)
    return make


def unpack(name: str, data: bytes, member: str | None = None) -> Make:
    def make(d: Dirs) -> list[str]:
        return step(Job("unpack", {"archive": str(d.write(name, data))}, {"file": str(d.out / "popQA.tsv")},
                        {"member": member}))
    return make


def retrieve_unbuilt_index(d: Dirs) -> list[str]:
    (d.inp / "index").mkdir(parents=True)
    qs = d.jsonl("questions.jsonl", fixture_questions(1))
    settings = {"backend": "tantivy", "backend_settings": {}, "k": 3, "query_tokenizer": None, "query_max_tokens": 256}
    return tagged("retrieve", {"questions": str(qs), "index": str(d.inp / "index")},
                  {"retrieval": str(d.out / "retrieval.jsonl")}, settings, d.out)


def case(make: Make, *expected: str, id: str) -> Any:
    """One malformed input: how to make it, and what the first error line must say."""
    return pytest.param(make, expected, id=id)


CASES = [
    # ---- PopQA (TSV) ----
    case(popqa_cell(2, "o_aliases", "['a', 'b'"), "popQA.tsv", "record line 3 (id '6150587')", "field 'o_aliases'",
         id="popqa-aliases-not-a-literal"),
    case(popqa_cell(1, "o_aliases", "[1, 2]"), "popQA.tsv", "line 2", "field 'o_aliases'", "item 0 is int",
         id="popqa-aliases-not-strings"),
    case(popqa_cell(1, "question", "  "), "popQA.tsv", "line 2 (id '4222362')", "field 'question'",
         id="popqa-empty-question"),
    case(popqa_cell(2, "id", "4222362"), "popQA.tsv", "line 3 (id '4222362')", "field 'id'", "duplicate id",
         id="popqa-duplicate-id"),
    case(popqa(lambda lines: [lines[0].replace("\tobj\t", "\tobject\t"), *lines[1:]]), "popQA.tsv",
         "line 1 (header)", "field 'obj'", id="popqa-missing-column"),
    case(popqa(lambda lines: [lines[0], "\t".join(lines[1].split("\t")[:5]), *lines[2:]]), "popQA.tsv",
         "record line 2", "field 'prop_id'", "got 5", id="popqa-short-row"),
    case(popqa(lambda lines: [lines[0], lines[1] + "\textra", *lines[2:]]), "popQA.tsv", "record line 2",
         "field 'column 18'", id="popqa-extra-column"),
    case(popqa(lambda lines: []), "popQA.tsv", "record line 1", "field 'header'", id="popqa-empty-file"),
    case(lambda d: questions("popqa", {"questions": d.write(
        "popQA.tsv", (RAW / "popqa/popQA.tsv").read_bytes().replace(b"Shaq", b"Sh\xe4q", 1))}, d),
         "popQA.tsv", "record line 4", "not valid UTF-8", "byte offset", id="popqa-not-utf8"),
    # ---- ComplexWebQuestions (JSON list) ----
    case(json_dataset("complexwebquestions", setting(0, "answers", "Patois")), "ComplexWebQuestions_dev.json",
         "record 0 (id 'WebQTest-832", "field 'answers'", id="cwq-answers-not-a-list"),
    case(json_dataset("complexwebquestions", lambda data: [{**data[0], "answers": [{"answer": None, "aliases": []}]}]),
         "ComplexWebQuestions_dev.json", "record 0", "field 'answers[0].answer'", id="cwq-answer-null"),
    case(json_dataset("complexwebquestions", lambda data: [{**data[0], "answers": [{"answer": "x"}]}]),
         "ComplexWebQuestions_dev.json", "record 0", "field 'answers[0].aliases'", id="cwq-aliases-missing"),
    case(json_dataset("complexwebquestions", setting(1, "answers", [])), "ComplexWebQuestions_dev.json",
         "record 1", "field 'answers'", "no gold answers", id="cwq-no-answers"),
    case(json_dataset("complexwebquestions", lambda data: [data[0], {**data[1], "ID": data[0]["ID"]}]),
         "ComplexWebQuestions_dev.json", "record 1", "field 'ID'", "duplicate id", id="cwq-duplicate-id"),
    case(json_dataset("complexwebquestions", lambda data: [{k: v for k, v in data[0].items() if k != "ID"}]),
         "ComplexWebQuestions_dev.json", "record 0", "field 'ID'", "missing", id="cwq-id-missing"),
    case(json_dataset("complexwebquestions", lambda data: {"questions": data}), "ComplexWebQuestions_dev.json",
         "record (top level)", "expected a JSON list", id="cwq-not-a-list"),
    case(json_dataset("complexwebquestions", truncated("complexwebquestions", "ComplexWebQuestions_dev.json")),
         "ComplexWebQuestions_dev.json", "record line", "column", "not valid JSON", id="cwq-truncated"),
    case(json_dataset("complexwebquestions", not_utf8("complexwebquestions", "ComplexWebQuestions_dev.json")),
         "ComplexWebQuestions_dev.json", "record line 2", "not valid UTF-8", "byte offset", id="cwq-not-utf8"),
    # ---- 2WikiMultihopQA (dev.json + id_aliases.json) ----
    case(json_dataset("2wikimultihopqa", setting(0, "type", "multi")), "dev.json", "record 0 (id '8813f87c",
         "field 'type'", "unknown type 'multi'", id="2wiki-unknown-type"),
    case(json_dataset("2wikimultihopqa", setting(0, "answer_id", "Q0")), "dev.json", "record 0",
         "field 'answer_id'", "'Q0' is not in", id="2wiki-answer-id-without-aliases"),
    case(json_dataset("2wikimultihopqa", setting(1, "supporting_facts", [["Nowhere", 0]])), "dev.json",
         "record 1", "field 'supporting_facts[0]'", "not in the context", id="2wiki-fact-outside-context"),
    case(json_dataset("2wikimultihopqa", setting(2, "context", [["title only"]])), "dev.json", "record 2",
         "field 'context[0]'", id="2wiki-context-malformed"),
    case(json_dataset("2wikimultihopqa", setting(3, "answer", "  ")), "dev.json", "record 3", "field 'answer'",
         id="2wiki-blank-answer"),
    case(json_dataset("2wikimultihopqa", setting(0, "question", None)), "dev.json", "record 0",
         "field 'question'", id="2wiki-question-null"),
    case(two_wiki_aliases('{"Q_id": "Q274207", "aliases": ["x"]}\n{"Q_id": "Q1170535", "aliases": [\n'),
         "id_aliases.json", "record line 2", "not valid JSON", id="2wiki-aliases-truncated-line"),
    case(two_wiki_aliases('{"aliases": ["x"]}\n'), "id_aliases.json", "record line 1", "field 'Q_id'",
         id="2wiki-aliases-id-missing"),
    case(two_wiki_aliases('{"Q_id": "Q274207", "aliases": "x"}\n'), "id_aliases.json", "line 1 (id 'Q274207')",
         "field 'aliases'", id="2wiki-aliases-not-a-list"),
    case(two_wiki_aliases(b'{"Q_id": "Q274207", "aliases": ["x"]}\n{"Q_id": "Q1", "aliases": ["Br\xe4unek"]}\n'),
         "id_aliases.json", "record line 2", "not valid UTF-8", "byte offset 68", id="2wiki-aliases-not-utf8"),
    # ---- HotpotQA ----
    case(json_dataset("hotpotqa", setting(0, "answer", ["Chief of Protocol"])), "hotpot_dev_distractor_v1.json",
         "record 0 (id '5a8b57f25542995d1e6f1371')", "field 'answer'", id="hotpot-answer-a-list"),
    case(json_dataset("hotpotqa", setting(1, "type", "bridging")), "hotpot_dev_distractor_v1.json", "record 1",
         "field 'type'", id="hotpot-unknown-type"),
    case(json_dataset("hotpotqa", lambda data: [{k: v for k, v in data[0].items() if k != "question"}]),
         "hotpot_dev_distractor_v1.json", "record 0", "field 'question'", "missing", id="hotpot-question-missing"),
    case(json_dataset("hotpotqa", lambda data: [{**data[0], "context": [["Ed Wood", [1, 2]]]}]),
         "hotpot_dev_distractor_v1.json", "record 0", "field 'context[0]'", id="hotpot-sentences-not-strings"),
    case(json_dataset("hotpotqa", truncated("hotpotqa", "hotpot_dev_distractor_v1.json")),
         "hotpot_dev_distractor_v1.json", "record line", "not valid JSON", id="hotpot-truncated"),
    # ---- custom ----
    case(json_dataset("custom", setting(0, "answer", "   ")), "questions.json", "record 0 (id 'capital-fr')",
         "field 'answer'", "non-empty", id="custom-answer-spaces"),
    case(json_dataset("custom", setting(1, "answer", ["8", " "])), "questions.json", "record 1 (id '7')",
         "field 'answer[1]'", id="custom-answer-list-with-a-blank"),
    case(json_dataset("custom", setting(2, "answer", 42)), "questions.json", "record 2", "field 'answer'",
         "got int 42", id="custom-answer-a-number"),
    case(json_dataset("custom", setting(2, "answer", [])), "questions.json", "record 2", "field 'answer'",
         "no gold answers", id="custom-no-answers"),
    case(json_dataset("custom", setting(1, "passages", ["Spiders have eight legs.", ""])), "questions.json",
         "record 1", "field 'passages[1]'", id="custom-empty-passage"),
    case(json_dataset("custom", setting(2, "id", "capital-fr")), "questions.json", "record 2 (id 'capital-fr')",
         "field 'id'", "duplicate id", id="custom-duplicate-id"),
    case(json_dataset("custom", setting(0, "question", "")), "questions.json", "record 0", "field 'question'",
         id="custom-empty-question"),
    case(json_dataset("custom", lambda data: []), "questions.json", "record (none)", "holds no questions",
         id="custom-no-questions"),
    case(json_dataset("custom", not_utf8("custom", "questions.json")), "questions.json", "record line 2",
         "not valid UTF-8", id="custom-not-utf8"),
    # ---- corpus (DPR TSV) ----
    case(corpus(CORPUS + "1\tA repeated id.\tAgain\n"), "psgs_w100.tsv", "record line 4 (id '1')", "field 'id'",
         "duplicate passage id '1'", id="corpus-duplicate-id"),
    case(corpus(CORPUS + "3\t \tBlank\n"), "psgs_w100.tsv", "record line 4 (id '3')", "field 'text'",
         "empty passage text", id="corpus-empty-text"),
    case(corpus(CORPUS + "3\tno title\n"), "psgs_w100.tsv", "record line 4", "field 'title'", id="corpus-short-row"),
    case(corpus(CORPUS + "\tno id\tT\n"), "psgs_w100.tsv", "record line 4", "field 'id'", id="corpus-empty-id"),
    case(corpus(CORPUS.replace("id\ttext", "pid\ttext")), "psgs_w100.tsv", "record line 1", "field 'header'",
         id="corpus-bad-header"),
    case(corpus(CORPUS.encode() + b"3\tna\xefve\tT\n"), "psgs_w100.tsv", "record line 4", "not valid UTF-8",
         f"byte offset {len(CORPUS) + 4}", id="corpus-not-utf8"),
    case(corpus(gzip.compress(CORPUS.encode() + b"3\tcaf\xe9\tT\n"), "psgs_w100.tsv.gz"), "psgs_w100.tsv.gz",
         "record line 4", "not valid UTF-8", id="corpus-gzip-not-utf8"),
    case(truncated_gzip, "psgs_w100.tsv.gz", "record after line", "unreadable", id="corpus-gzip-truncated"),
    # ---- augmentation table ----
    case(table_case(lambda rows: rows + [rows[0]]), "passages.jsonl", "record line 5 (pid '1')", "field 'pid'",
         "duplicate passage id '1' (first at line 1)", id="table-duplicate-pid"),
    case(table_case(replace_row(1, rewrite=None)), "passages.jsonl", "record line 2 (pid '2')", "field 'rewrite'",
         "got NoneType", id="table-null-rewrite"),
    case(table_case(replace_row(2, qa=None)), "passages.jsonl", "record line 3 (pid '3')", "field 'qa'",
         id="table-null-qa"),
    case(table_case(lambda rows: [{k: v for k, v in rows[0].items() if k != "pid"}, *rows[1:]]), "passages.jsonl",
         "record line 1", "field 'pid'", "missing", id="table-pid-missing"),
    case(table_case(lambda rows: "".join(json.dumps(r) + "\n" for r in rows)[:-30] + "\n"), "passages.jsonl",
         "record line 4", "not valid JSON", id="table-truncated"),
    case(table_case(lambda rows: json.dumps(rows[0]).encode() + b"\n{\"pid\": \"2\", \"rewrite\": \"\xff\"}\n"),
         "passages.jsonl", "record line 2", "not valid UTF-8", id="table-not-utf8"),
    case(table_case(lambda rows: [dict(r, qa="Sorry, no list.") for r in rows]), "retrieval.jsonl", "record qid 'q0'",
         "field 'candidates'", "0 passage(s) kept", "4 qa_gave_up", "min_passages_per_question = 1",
         id="table-every-qa-gave-up"),
    case(table_case(lambda rows: [dict(r, pid=str(int(r["pid"]) + 10)) for r in rows]), "retrieval.jsonl",
         "record qid 'q0'", "field 'candidates'", "4 not_in_table", id="table-misses-every-passage"),
    case(table_case(replace_row(0, qa=QA[:2]), max_dropped_fraction=0.1), "retrieval.jsonl", "record all 2 questions",
         "field 'candidates'", "2 of 8 passages tried were dropped (2 qa_invalid)", "max_dropped_fraction = 0.1",
         id="table-too-many-drops"),
    case(table_case(candidates=lambda c: [c[0], dict(c[1], pid="1"), *c[2:]]), "retrieval.jsonl",
         "record qid 'q0'", "field 'candidates[1].pid'", "duplicate passage id '1'", id="retrieval-duplicate-pid"),
    case(table_case(candidates=lambda c: [dict(c[0], text=""), *c[1:]]), "retrieval.jsonl", "record qid 'q0'",
         "field 'candidates[0].text'", id="retrieval-empty-passage"),
    # ---- the reference's data_aug ----
    case(data_aug(gave_up(1)), "total.json", "record 1", "field 'augment'", "0 passage(s) kept", "3 qa_gave_up",
         id="data-aug-every-qa-gave-up"),
    case(data_aug(aug_entry(0, 1, **{f"{KEY}_rewrite": None})), "total.json", "record 0",
         f"field 'augment[1].{KEY}_rewrite'", "got NoneType", id="data-aug-null-rewrite"),
    case(data_aug(aug_entry(0, 0, **{f"{KEY}_qa": None})), "total.json", "record 0", f"field 'augment[0].{KEY}_qa'",
         id="data-aug-null-qa"),
    case(data_aug(aug_entry(1, 2, passage=" ")), "total.json", "record 1", "field 'augment[2].passage'",
         "expected a non-empty string", id="data-aug-empty-passage"),
    case(data_aug(aug_entry(0, 1, pid=json.loads(DATA_AUG.read_text())[0]["augment"][0].get("pid", 0))),
         "total.json", "record 0", "field 'augment[1].pid'", "duplicate passage id", id="data-aug-duplicate-pid"),
    case(data_aug(lambda data: data[1:]), "total.json", "record qid '0'", "field 'question'",
         "question not found", id="data-aug-question-missing"),
    case(data_aug(aug_entry(0, 0, **{"other-model_rewrite": "x"})), "total.json", "record all",
         "field 'augment'", "augment.import.model_key", id="data-aug-two-model-keys"),
    case(data_aug(lambda data: {"records": data}), "total.json", "record all", "expected a JSON list",
         id="data-aug-not-a-list"),
    case(data_aug(lambda data: json.dumps(data, indent=1)[:2000]), "total.json", "record line", "not valid JSON",
         id="data-aug-truncated"),
    case(data_aug(lambda data: json.dumps(data, indent=1).encode().replace(b"question", b"qu\xe9stion", 1)),
         "total.json", "record line", "not valid UTF-8", "byte offset", id="data-aug-not-utf8"),
    # ---- config files, command-line wildcards ----
    case(config({"colour": "blue"}, command="check-config"), "config key colour = 'blue'", "unknown key",
         "allowed keys: ['augment',", id="config-unknown-top-level-key"),
    case(config({"lora": {"rnak": 4}}, command="check-config"), "config key lora.rnak = 4", "unknown key",
         "allowed keys: ['alpha', 'batch_passages', 'lr',", id="config-unknown-nested-key"),
    case(config({"retrieval": {"backend": "lucene"}}, "dataset=fictional-popqa", "split=eval"),
         "config key retrieval.backend = 'lucene'", "allowed: ['tantivy', 'elasticsearch']", id="config-bad-enum"),
    case(config({"lora": {"rank": "two"}}, "dataset=fictional-popqa", "split=eval"), "config key lora.rank = 'two'",
         "required type: integer", id="config-wrong-type"),
    case(config({"augment": {"min_passages_per_question": 5}}, command="check-config"),
         "config key augment.min_passages_per_question = 5", "retrieval.topk = 3", "allowed: 0 to 3",
         id="config-min-passages-above-topk"),
    case(config({"augment": {"max_dropped_fraction": 2}}, command="check-config"),
         "config key augment.max_dropped_fraction = 2", "required maximum: 1", id="config-fraction-above-one"),
    case(config({"run": {"models": ["gpt"]}}, command="check-config"), "config key run.models = 'gpt'",
         "allowed: ['smollm2-135m']", id="config-unknown-model"),
    case(config("lora:\n  rank: [2\n", command="check-config"), "bad.yaml", "line 3", "not valid YAML",
         id="config-yaml-syntax"),
    case(config(b"lora:\n  rank: 2 # r\xe9sum\xe9\n", command="check-config"), "bad.yaml", "record line 2",
         "not valid UTF-8", id="config-not-utf8"),
    case(config("- lora\n- rank\n", command="check-config"), "bad.yaml", "line 1", "expected a mapping",
         id="config-not-a-mapping"),
    case(lambda d: ["check-config", str(d.write("only.yaml", "run: {datasets: [x]}\n"))],
         "config key models: required key missing", id="config-required-key-missing"),
    case(wildcards("dataset=nope", "split=eval"), "wildcard dataset = 'nope'", "allowed: ['fictional-2wiki',",
         id="wildcard-unknown-dataset"),
    case(wildcards("dataset=fictional-popqa", "split=test"), "wildcard split = 'test'",
         "allowed: ['eval', 'translator']", id="wildcard-unknown-split"),
    case(wildcards("model=smollm2-135m", "dataset=fictional-popqa", "split=eval", "shard=007", command="augment"),
         "wildcard shard = '007'", "has the shards ['000', '001', '002', '003']",
         id="wildcard-shard-out-of-range"),
    case(wildcards("dataset=fictional-popqa", command="questions"), "the questions job needs the wildcards ['split']",
         id="wildcard-missing"),
    # ---- downloads and retrieval backends ----
    case(download("file:///nonexistent/popQA.tsv"), "could not download file:///nonexistent/popQA.tsv",
         id="download-missing-file"),
    case(served(b"id\n1\n", "0" * 64), "checksum mismatch", "served.tsv", "expected " + "0" * 64,
         id="download-checksum-mismatch"),
    case(unpack("popQA.tsv.gz", gzip.compress(random.Random(0).randbytes(20000))[:10000]), "popQA.tsv.gz",
         "damaged or truncated archive", id="unpack-truncated-gzip"),
    case(unpack("data.zip", b"PK\x03\x04 not really a zip", "dev.json"), "data.zip", "damaged or truncated archive",
         id="unpack-damaged-zip"),
    case(unpack("popQA.tsv", b"id\tquestion\n", "data/popQA.tsv"), "popQA.tsv", "not a .zip",
         id="unpack-member-of-a-plain-file"),
    case(retrieve_unbuilt_index, "index is not a finished tantivy index", id="retrieve-unbuilt-index"),
]

# ---- artefacts the pipeline wrote, damaged after writing: adapters, manifests, translators --------

@dataclass(frozen=True)
class Encoded:
    """A shard encoded on the tiny Llama (read-only; cases damage copies): its model, augmented
    shard, initial adapter and LoRA manifest, and a translator checkpoint for that model."""

    model: Path
    aug: Path
    init: Path
    manifest: Path
    translator: Path


MakeArtefact = Callable[[Dirs, Encoded], list[str]]
TRANSLATOR = dict(rank=2, alpha=32, width=8, merge="mean_ab", delta_scaling="none", max_length=3000)


@pytest.fixture(scope="module")
def encoded(tiny_llama_dir, tmp_path_factory) -> Encoded:
    import step_jobs

    from parametric_rag import steps
    from parametric_rag.augment.reference_import import import_data_aug
    from parametric_rag.io import write_jsonl_checksummed
    from parametric_rag.models import load_model
    from parametric_rag.translator.module import ParameterTranslator, save_checkpoint

    root = tmp_path_factory.mktemp("encoded")
    write_jsonl_checksummed(root / "aug.jsonl", import_data_aug({"total": DATA_AUG}, fixture_questions(1), topk=3))
    steps.init_adapter(step_jobs.init_adapter(tiny_llama_dir, root / "init"))
    steps.encode(step_jobs.encode(tiny_llama_dir, root / "aug.jsonl", root / "init", root / "lora" / "manifest.json"))
    translator = ParameterTranslator.for_model(load_model(tiny_llama_dir, "cpu"), rank=2, width=8)
    save_checkpoint(translator, root / "translator" / "epoch_0.pt")
    return Encoded(tiny_llama_dir, root / "aug.jsonl", root / "init", root / "lora" / "manifest.json",
                   root / "translator" / "epoch_0.pt")


def copied(src: Path, d: Dirs) -> Path:
    """A copy of a file or folder (with its checksum record) under ``in/``, to damage."""
    import shutil

    dest = d.inp / src.name
    if src.is_dir():
        shutil.copytree(src, dest)
    else:
        shutil.copy(src, dest)
    sidecar = src.with_name(src.name + ".sha256")
    if sidecar.exists():
        shutil.copy(sidecar, dest.with_name(dest.name + ".sha256"))
    return dest


def encode_job(d: Dirs, e: Encoded, aug: Path | None = None, init: Path | None = None) -> list[str]:
    import step_jobs

    return step(step_jobs.encode(e.model, aug or e.aug, init or e.init, d.out / "manifest.json"))


def infer_job(d: Dirs, e: Encoded, method: str, aug: Path | None = None, manifest: Path | None = None,
              translator: Path | None = None) -> list[str]:
    import step_jobs

    if method.startswith("dyprag"):
        return step(step_jobs.infer(e.model, method, [aug or e.aug], d.out, translator=translator or e.translator,
                                    translator_options=TRANSLATOR))
    return step(step_jobs.infer(e.model, method, [aug or e.aug], d.out, manifests=[manifest or e.manifest]))


def import_translator_job(d: Dirs, e: Encoded, checkpoint: Path, width: int = 8) -> list[str]:
    return step(Job("import_translator", {"checkpoint": str(checkpoint)}, {"checkpoint": str(d.out / "epoch_0.pt")},
                    {"model_ref": str(e.model), "rank": 2, "width": width}))


def edited_text(path: Path, old: str, new: str) -> Path:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))
    return path


def lora_shard(d: Dirs, e: Encoded) -> Path:
    """A copy of the encoded shard folder: its manifest."""
    return copied(e.manifest.parent, d) / "manifest.json"


WEIGHTS = "adapters/q0000-p0/adapter_model.safetensors"


def truncated_adapter(d: Dirs, e: Encoded) -> list[str]:
    manifest = lora_shard(d, e)
    weights = manifest.parent / WEIGHTS
    weights.write_bytes(weights.read_bytes()[:1000])
    return infer_job(d, e, "prag", manifest=manifest)


def altered_adapter(d: Dirs, e: Encoded) -> list[str]:
    from safetensors.torch import load_file, save_file

    manifest = lora_shard(d, e)
    weights = manifest.parent / WEIGHTS
    save_file({k: v * 1000 if "lora_B" in k else v for k, v in load_file(weights).items()}, weights,
              metadata={"format": "pt"})
    return infer_job(d, e, "prag_combine", manifest=manifest)


def altered_manifest(d: Dirs, e: Encoded) -> list[str]:
    manifest = lora_shard(d, e)
    edited_text(manifest, "q0000-p0", "q0000-p1")
    return infer_job(d, e, "prag", manifest=manifest)


def altered_translator(d: Dirs, e: Encoded) -> list[str]:
    import torch

    checkpoint = copied(e.translator, d)
    data = torch.load(checkpoint, weights_only=True)
    data["model_state_dict"] = {k: v * 1000 for k, v in data["model_state_dict"].items()}
    torch.save(data, checkpoint)
    return infer_job(d, e, "dyprag", translator=checkpoint)


def translator_without_record(d: Dirs, e: Encoded) -> list[str]:
    checkpoint = copied(e.translator, d)
    checkpoint.with_name(checkpoint.name + ".sha256").unlink()
    return infer_job(d, e, "dyprag_combine", translator=checkpoint)


def truncated_translator(d: Dirs, e: Encoded) -> list[str]:
    checkpoint = copied(e.translator, d)
    checkpoint.write_bytes(checkpoint.read_bytes()[:-200])
    return import_translator_job(d, e, checkpoint)


def pickled_translator(d: Dirs, e: Encoded) -> list[str]:
    import torch

    checkpoint = d.inp / "released.pt"
    torch.save({"model_state_dict": {}, "payload": Dirs(d.inp, d.out)}, checkpoint)  # not weights: refused unrun
    return import_translator_job(d, e, checkpoint)


def altered_augmented_shard(d: Dirs, e: Encoded) -> list[str]:
    aug = copied(e.aug, d)
    edited_text(aug, '"answer": "', '"answer": "x')
    return encode_job(d, e, aug=aug)


def unrecorded_augmented_shard(d: Dirs, e: Encoded) -> list[str]:
    aug = copied(e.aug, d)
    aug.with_name(aug.name + ".sha256").unlink()
    return infer_job(d, e, "icl", aug=aug)


def altered_initial_adapter(d: Dirs, e: Encoded) -> list[str]:
    init = copied(e.init, d)
    edited_text(init / "adapter_config.json", '"r": 2', '"r": 3')
    return encode_job(d, e, init=init)


def artefact(make: MakeArtefact, *expected: str, id: str) -> Any:
    """One damaged artefact: how to make it, and what the first error line must say."""
    return pytest.param(make, expected, id=id)


#: Model checkpoints, LoRA adapters, manifests, translator files and augmented shards.
ARTEFACT_CASES = [
    artefact(truncated_adapter, WEIGHTS, "sha256", "differs from", "training.json", id="adapter-truncated"),
    artefact(altered_adapter, WEIGHTS, "differs from", "delete", id="adapter-lora-b-times-1000"),
    artefact(altered_manifest, "manifest.json", "content_sha256", id="manifest-adapter-path-edited"),
    artefact(altered_translator, "epoch_0.pt", "epoch_0.pt.sha256", "differs from", id="translator-altered"),
    artefact(translator_without_record, "epoch_0.pt", "no checksum recorded", id="translator-no-checksum"),
    artefact(truncated_translator, "epoch_0.pt", "not a translator for this model", id="translator-truncated"),
    artefact(lambda d, e: import_translator_job(d, e, e.translator, width=4), "epoch_0.pt",
             "not a translator for this model with rank 2 and width 4", id="translator-wrong-shape"),
    artefact(pickled_translator, "released.pt", "not a translator for this model", id="translator-pickle-payload"),
    artefact(altered_augmented_shard, "aug.jsonl", "aug.jsonl.sha256", "differs from", id="augmented-shard-altered"),
    artefact(unrecorded_augmented_shard, "aug.jsonl", "no checksum recorded", id="augmented-shard-no-checksum"),
    artefact(altered_initial_adapter, "init/adapter_config.json", "differs from", id="initial-adapter-altered"),
]


def first_error(records: list[logging.LogRecord]) -> str:
    """The first line of the first error the CLI logged."""
    errors = [r for r in records if r.levelno >= logging.ERROR]
    assert errors, "no error logged"
    return errors[0].getMessage().splitlines()[0]


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def fails_cleanly(argv: list[str], expected: tuple[str, ...], d: Dirs, caplog) -> None:
    """The CLI exits 1, its first error line holds ``expected``, no traceback, nothing left in out/."""
    caplog.set_level(logging.INFO)
    assert main(argv) == 1
    line = first_error(caplog.records)
    for text in expected:
        assert text in line, f"{text!r} not in the first error line: {line}"
    assert "Traceback" not in caplog.text and all(r.exc_info is None for r in caplog.records)
    assert files_under(d.out) == [], "the failed job left files behind"
    assert not any(p.name.endswith(".tmp") for p in d.out.parent.rglob("*"))


@pytest.mark.parametrize("make, expected", CASES)
def test_bad_input_fails_cleanly(make: Make, expected: tuple[str, ...], tmp_path: Path, caplog, monkeypatch):
    d = Dirs(tmp_path / "in", tmp_path / "out")
    d.inp.mkdir()
    argv = make(d)
    monkeypatch.chdir(tmp_path)
    fails_cleanly(argv, expected, d, caplog)


@pytest.mark.parametrize("make, expected", ARTEFACT_CASES)
def test_damaged_artefact_fails_cleanly(make: MakeArtefact, expected: tuple[str, ...], encoded: Encoded,
                                        tmp_path: Path, caplog, monkeypatch):
    d = Dirs(tmp_path / "in", tmp_path / "out")
    d.inp.mkdir()
    argv = make(d, encoded)
    monkeypatch.chdir(tmp_path)
    fails_cleanly(argv, expected, d, caplog)


def test_there_are_enough_cases():
    assert len(CASES) >= 45 and len(ARTEFACT_CASES) >= 10


@pytest.mark.parametrize("case_id", ["popqa-aliases-not-a-literal", "cwq-not-utf8", "table-null-rewrite",
                                     "data-aug-every-qa-gave-up", "config-unknown-top-level-key"])
def test_first_stderr_line_of_the_real_command(case_id: str, tmp_path: Path):
    """Through ``python -m parametric_rag.cli``: the first line on stderr is the error."""
    make, expected = next(c.values for c in CASES if c.id == case_id)
    d = Dirs(tmp_path / "in", tmp_path / "out")
    d.inp.mkdir()
    proc = subprocess.run([sys.executable, "-m", "parametric_rag.cli", *make(d)], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 1
    first = proc.stderr.splitlines()[0]
    assert " ERROR " in first and all(text in first for text in expected), proc.stderr
    assert "Traceback" not in proc.stderr
