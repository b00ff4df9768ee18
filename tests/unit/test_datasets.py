"""Raw dataset loaders on hand-written files in each real format, and the eval / translator split."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from parametric_rag.datasets import FORMATS, FormatSpec, load_questions, split_questions
from parametric_rag.io import InputError, read_json, write_json

RAW = Path(__file__).resolve().parents[1] / "fixtures" / "raw"


def fixture_files(fmt: str) -> dict[str, Path]:
    return {role: RAW / fmt / name for role, name in FORMATS[fmt].files.items()}


def load_fixture(fmt: str) -> dict:
    return load_questions(fmt, fixture_files(fmt))


def json_file(tmp_path: Path, name: str, data) -> Path:
    write_json(tmp_path / name, data)
    return tmp_path / name


def read_fixture_json(fmt: str, role: str = "questions") -> list:
    return read_json(fixture_files(fmt)[role])


# ---- registry ---------------------------------------------------------------------------


def test_registry_defaults():
    assert list(FORMATS) == ["popqa", "complexwebquestions", "2wikimultihopqa", "hotpotqa", "custom"]
    assert FORMATS["2wikimultihopqa"].files == {"questions": "dev.json", "aliases": "id_aliases.json"}
    assert FORMATS["2wikimultihopqa"].subsets == (
        "comparison", "bridge_comparison", "inference", "compositional"
    )
    assert FORMATS["hotpotqa"].subsets == ("bridge", "comparison")
    assert {n: (s.cot, s.max_new_tokens, s.epochs, s.fewshot) for n, s in FORMATS.items()} == {
        "popqa": (False, 20, 2, None),
        "complexwebquestions": (False, 20, 1, None),
        "2wikimultihopqa": (True, 128, 1, "2wikimultihopqa"),
        "hotpotqa": (True, 128, 1, "hotpotqa"),
        "custom": (False, 20, 1, None),
    }
    assert all(isinstance(s, FormatSpec) and s.name == n for n, s in FORMATS.items())


def test_unknown_format_and_wrong_roles(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset format 'nq'"):
        load_questions("nq", {})
    with pytest.raises(ValueError, match=r"missing \['aliases'\]"):
        load_questions("2wikimultihopqa", {"questions": fixture_files("2wikimultihopqa")["questions"]})


def test_missing_file_names_role_and_path(tmp_path):
    files = fixture_files("2wikimultihopqa")
    files["aliases"] = tmp_path / "nowhere" / "id_aliases.json"
    with pytest.raises(FileNotFoundError, match="aliases") as e:
        load_questions("2wikimultihopqa", files)
    assert str(files["aliases"]) in str(e.value)


# ---- loaders on their fixtures ----------------------------------------------------------


def test_popqa():
    data = load_fixture("popqa")
    assert list(data) == ["total"]
    qs = data["total"]
    assert [q["qid"] for q in qs] == ["4222362", "6150587", "2913427", "1235"]
    assert [q["position"] for q in qs] == [0, 1, 2, 3]
    assert qs[0]["question"] == "What is George Rankin's occupation?"
    # [obj] + o_aliases, parsed as a Python literal, de-duplicated ("journalist" repeats obj)
    assert qs[0]["answers"] == ["politician", "political leader", "political figure", "polit.", "pol"]
    assert qs[1]["answers"] == ["journalist", "journo", "newspaperman"]
    # a double-quoted literal holding an apostrophe (quoted TSV cell, as pandas writes it)
    assert qs[2]["answers"] == ["Shaquille O'Neal", "Shaq O'Neal", "Shaq", "The Big Aristotle"]
    assert all(q["subset"] == "total" and "golden_passages" not in q for q in qs)
    assert list(qs[0]) == ["qid", "question", "answers", "subset", "position"]


def test_complexwebquestions_answers_and_aliases_deduplicated():
    qs = load_fixture("complexwebquestions")["total"]
    assert [q["qid"] for q in qs] == [
        "WebQTest-832_c334509bb5e02cacae1ba2e80c176499",
        "WebQTest-576_0f1a6b1a1d6b4d7c8f1b36b9f5d1a0e2",
        "WebQTest-1092_e3e0d8d5c6f4e1c2b7a8f9d0c1b2a3f4",
    ]
    assert qs[0]["answers"] == ["Jamaican English", "Jamaican Creole English Language", "Patois"]
    assert qs[1]["answers"] == ["1947"]
    assert qs[2]["answers"] == ["Barack Obama", "Barack Hussein Obama II", "Obama", "George W. Bush"]


def test_2wikimultihopqa_subsets_aliases_and_golden_passages():
    data = load_fixture("2wikimultihopqa")
    # fixed subset order, not file order; positions count within each subset
    assert list(data) == ["comparison", "bridge_comparison", "inference", "compositional"]
    assert [(q["qid"], q["position"]) for q in data["comparison"]] == [
        ("61a46987092f11ebbdaeac1f6bf848b6", 0),
        ("28553293092c11ebbdb0ac1f6bf848b6", 1),
    ]
    comp = data["compositional"][0]
    # answer_id set: its aliases, de-duplicated (the raw aliases repeat the first name)
    assert comp["answers"] == ["Małgorzata Braunek", "Malgorzata Braunek"]
    assert data["comparison"][0]["answers"] == ["The Mask of Fu Manchu", "The Mask Of Fu Manchu"]
    # answer_id empty ("") or null: the answer itself
    assert data["inference"][0]["answers"] == ["Christian IX of Denmark"]
    assert data["comparison"][1]["answers"] == ["no"]
    # golden passages: each supporting fact's paragraph, sentences joined with a space, de-duplicated
    assert comp["golden_passages"] == [
        "Polish-Russian War (Wojna polsko-ruska) is a 2009 Polish film directed by Xawery Żuławski.",
        "Xawery Żuławski (born 22 December 1971 in Warsaw) is a Polish film director. "
        "He is the son of actress Małgorzata Braunek and director Andrzej Żuławski.",
    ]
    assert data["comparison"][0]["golden_passages"] == [  # two facts from "Blind Shaft" -> once
        "Blind Shaft is a 2003 film about a pair of brutal con artists operating in the illegal "
        "coal mines of present-day northern China. It was directed by Li Yang.",
        "The Mask of Fu Manchu is a 1932 pre-Code adventure film directed by Charles Brabin.",
    ]
    assert len(data["bridge_comparison"][0]["golden_passages"]) == 4


def test_hotpotqa_subsets_and_golden_passages_joined_without_separator():
    data = load_fixture("hotpotqa")
    assert list(data) == ["bridge", "comparison"]
    assert [q["qid"] for q in data["bridge"]] == ["5a8c7595554299585d9e36b6", "5a85ea095542994775f606a8"]
    assert [q["position"] for q in data["bridge"]] == [0, 1]
    assert data["comparison"][0]["answers"] == ["yes"]
    bridge = data["bridge"][0]
    assert bridge["answers"] == ["Chief of Protocol"]
    # sentences carry their own leading space and are joined with ""; "Shirley Temple" twice -> once
    assert bridge["golden_passages"] == [
        "Kiss and Tell is a 1945 American comedy film starring then 17-year-old Shirley Temple as "
        "Corliss Archer. In the film, two teenage girls cause their respective parents much concern.",
        "Shirley Temple Black (April 23, 1928 – February 10, 2014) was an American actress, singer, "
        "dancer, businesswoman, and diplomat. As an adult, she was named United States ambassador to "
        "Ghana and to Czechoslovakia and also served as Chief of Protocol of the United States.",
    ]


def test_custom():
    qs = load_fixture("custom")["total"]
    assert [q["qid"] for q in qs] == ["capital-fr", "7", "2"]  # id, qid, else the list index
    assert qs[0]["answers"] == ["Paris"]
    assert qs[1]["answers"] == ["8", "eight"]
    assert qs[1]["passages"] == [
        "Spiders are arachnids with eight legs.",
        "Insects have six legs; spiders have eight.",
    ]
    assert "passages" not in qs[0] and "passages" not in qs[2]  # absent or empty list


# ---- malformed records ------------------------------------------------------------------


def popqa_with(tmp_path: Path, column: str, value: str, row: int = 1) -> Path:
    lines = fixture_files("popqa")["questions"].read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    cells = lines[row].split("\t")
    cells[header.index(column)] = value
    lines[row] = "\t".join(cells)
    path = tmp_path / "popQA.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "value",
    [
        "__import__('os').system('touch PWNED')",
        "[1, 2",
        "[1, 2]",
        "'just a string'",
        "",
        "open('PWNED', 'w')",
    ],
)
def test_popqa_bad_o_aliases_is_input_error_and_never_executed(tmp_path, value, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = popqa_with(tmp_path, "o_aliases", value, row=2)
    with pytest.raises(InputError) as e:
        load_questions("popqa", {"questions": path})
    err = e.value
    assert err.path == str(path) and err.field == "o_aliases"
    assert "line 3" in str(err.record) and "6150587" in str(err.record)
    assert str(path) in str(err) and "o_aliases" in str(err)
    assert not (tmp_path / "PWNED").exists()


def test_popqa_missing_column(tmp_path):
    text = fixture_files("popqa")["questions"].read_text(encoding="utf-8")
    path = tmp_path / "popQA.tsv"
    path.write_text(text.replace("\tobj\t", "\tobject\t", 1), encoding="utf-8")
    with pytest.raises(InputError, match="'obj'.*missing column"):
        load_questions("popqa", {"questions": path})


def test_popqa_duplicate_id(tmp_path):
    path = popqa_with(tmp_path, "id", "4222362", row=4)
    with pytest.raises(InputError, match="duplicate id '4222362'") as e:
        load_questions("popqa", {"questions": path})
    assert "line 5" in str(e.value.record)


@pytest.mark.parametrize(
    ("fmt", "index", "field", "mutate", "message"),
    [
        ("complexwebquestions", 1, "question", lambda r: r.pop("question"), "missing"),
        ("complexwebquestions", 0, "ID", lambda r: r.update(ID=5), "expected a non-empty string"),
        ("complexwebquestions", 2, "answers[1].aliases", lambda r: r["answers"][1].update(aliases="Obama"),
         "list of strings"),
        ("complexwebquestions", 0, "answers[0].answer", lambda r: r["answers"][0].pop("answer"),
         "expected a string"),
        ("complexwebquestions", 1, "answers", lambda r: r.update(answers=[]), "no gold answers"),
        ("hotpotqa", 2, "answer", lambda r: r.pop("answer"), "missing"),
        ("hotpotqa", 1, "type", lambda r: r.update(type="intersection"), "unknown type 'intersection'"),
        ("hotpotqa", 0, "supporting_facts[1]", lambda r: r["supporting_facts"].append(["Nope", 0]) or
         r["supporting_facts"].pop(0), "not in the context"),
        ("hotpotqa", 1, "context[0]", lambda r: r["context"].__setitem__(0, ["title only"]),
         r"expected \[title, \[sentences\]\]"),
        ("2wikimultihopqa", 3, "type", lambda r: r.update(type="bridge"), "unknown type 'bridge'"),
        ("2wikimultihopqa", 0, "answer_id", lambda r: r.update(answer_id="Q999"), "'Q999' is not in"),
        ("2wikimultihopqa", 2, "question", lambda r: r.update(question=""), "non-empty string"),
        ("2wikimultihopqa", 4, "supporting_facts", lambda r: r.pop("supporting_facts"), "missing"),
        ("custom", 0, "answer", lambda r: r.pop("answer"), "missing"),
        ("custom", 1, "answer", lambda r: r.update(answer=["8", 8]), "item 1 is int"),
        ("custom", 2, "passages", lambda r: r.update(passages="one passage"), "list of strings"),
        ("custom", 0, "id", lambda r: r.update(id=["x"]), "a string or an integer"),
    ],
)
def test_json_loaders_name_file_record_and_field(tmp_path, fmt, index, field, mutate, message):
    records = read_fixture_json(fmt)
    mutate(records[index])
    files = fixture_files(fmt)
    files["questions"] = json_file(tmp_path, FORMATS[fmt].files["questions"], records)
    with pytest.raises(InputError, match=message) as e:
        load_questions(fmt, files)
    err = e.value
    assert err.path == str(files["questions"])
    assert err.field == field
    assert str(err.record).split()[0] == str(index)
    qid = records[index].get("_id") or records[index].get("ID") if fmt != "custom" else None
    if isinstance(qid, str) and field not in ("ID", "_id"):
        assert qid in str(err.record)


@pytest.mark.parametrize(
    ("fmt", "field"),
    [("complexwebquestions", "ID"), ("2wikimultihopqa", "_id"), ("hotpotqa", "_id"), ("custom", "id")],
)
def test_duplicate_ids(tmp_path, fmt, field):
    records = read_fixture_json(fmt)
    records.append(copy.deepcopy(records[0]))
    files = fixture_files(fmt)
    files["questions"] = json_file(tmp_path, FORMATS[fmt].files["questions"], records)
    with pytest.raises(InputError, match="duplicate id") as e:
        load_questions(fmt, files)
    assert e.value.field == field
    assert str(e.value.record).startswith(str(len(records) - 1))


def test_2wiki_bad_aliases_file(tmp_path):
    files = fixture_files("2wikimultihopqa")
    lines = files["aliases"].read_text(encoding="utf-8").splitlines()
    lines[1] = json.dumps({"Q_id": "Q1170535", "aliases": "The Mask of Fu Manchu"})
    files["aliases"] = tmp_path / "id_aliases.json"
    files["aliases"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_questions("2wikimultihopqa", files)
    assert e.value.path == str(files["aliases"]) and e.value.field == "aliases"
    assert "line 2" in str(e.value.record) and "Q1170535" in str(e.value.record)


def test_not_a_list_and_empty(tmp_path):
    path = json_file(tmp_path, "cwq.json", {"ID": "x"})
    with pytest.raises(InputError, match="expected a JSON list"):
        load_questions("complexwebquestions", {"questions": path})
    path = json_file(tmp_path, "empty.json", [])
    with pytest.raises(InputError, match="no questions"):
        load_questions("custom", {"questions": path})


def test_loaders_accept_str_paths():
    files = {role: os.fspath(p) for role, p in fixture_files("hotpotqa").items()}
    assert list(load_questions("hotpotqa", files)) == ["bridge", "comparison"]


# ---- split ------------------------------------------------------------------------------


def synthetic(counts: dict[str, int]) -> dict[str, list[dict]]:
    return {
        s: [{"qid": f"{s}-{i}", "question": "q", "answers": ["a"], "subset": s, "position": i}
            for i in range(n)]
        for s, n in counts.items()
    }


def test_split_reference_defaults():
    data = synthetic({"comparison": 600, "inference": 450, "compositional": 120})
    out = split_questions(data, 300, (300, 500))
    ev = [q["qid"] for q in out["eval"]]
    tr = [q["qid"] for q in out["translator"]]
    assert ev == (
        [f"comparison-{i}" for i in range(300)]
        + [f"inference-{i}" for i in range(300)]
        + [f"compositional-{i}" for i in range(120)]
    )
    assert tr == [f"comparison-{i}" for i in range(300, 500)] + [f"inference-{i}" for i in range(300, 450)]
    assert not set(ev) & set(tr)


def test_split_sample_all_and_small():
    data = synthetic({"total": 7})
    assert [q["position"] for q in split_questions(data, -1, (0, 0))["eval"]] == list(range(7))
    out = split_questions(data, 2, (2, 5))
    assert [q["position"] for q in out["eval"]] == [0, 1]
    assert [q["position"] for q in out["translator"]] == [2, 3, 4]
    assert split_questions(data, 0, (0, 3))["eval"] == []


def test_split_on_loaded_fixture():
    out = split_questions(load_fixture("2wikimultihopqa"), 1, (1, 2))
    assert [q["subset"] for q in out["eval"]] == [
        "comparison", "bridge_comparison", "inference", "compositional"
    ]
    assert [q["qid"] for q in out["translator"]] == ["28553293092c11ebbdb0ac1f6bf848b6"]


def test_split_rejects_overlap_and_bad_arguments():
    data = synthetic({"total": 600})
    with pytest.raises(ValueError, match="overlap"):
        split_questions(data, -1, (300, 500))
    with pytest.raises(ValueError, match="overlap"):
        split_questions(data, 400, (300, 500))
    with pytest.raises(ValueError, match="sample"):
        split_questions(data, -2, (300, 500))
    with pytest.raises(ValueError, match="translator range"):
        split_questions(data, 300, (500, 300))
    # a translator range past the end of a short subset does not overlap anything
    assert split_questions(synthetic({"total": 100}), -1, (300, 500))["translator"] == []
