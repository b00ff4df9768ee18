"""Every dataset loader on the fictional_world benchmark's file in its raw format."""

import pytest

from fictional_world import generate
from parametric_rag.datasets import FORMATS, load_questions, split_questions

FILES = {
    "popqa": {"questions": "popqa/popQA.tsv"},
    "complexwebquestions": {"questions": "complexwebquestions/ComplexWebQuestions_dev.json"},
    "2wikimultihopqa": {"questions": "2wikimultihopqa/dev.json", "aliases": "2wikimultihopqa/id_aliases.json"},
    "hotpotqa": {"questions": "hotpotqa/hotpot_dev_distractor_v1.json"},
}


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "benchmark"
    generate(out, n_single=12, n_multi_per_type=5)
    return out


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_loader_reads_the_bundled_file(bench, fmt):
    by_subset = load_questions(fmt, {role: bench / path for role, path in FILES[fmt].items()})
    assert tuple(by_subset) == FORMATS[fmt].subsets
    expected = 12 if fmt in ("popqa", "complexwebquestions") else 5
    assert all(len(qs) == expected for qs in by_subset.values())
    for qs in by_subset.values():
        assert all(q["answers"] and all(isinstance(a, str) and a for a in q["answers"]) for q in qs)
        assert [q["position"] for q in qs] == list(range(len(qs)))
    split = split_questions(by_subset, 2, (2, 4))
    assert len(split["eval"]) == len(split["translator"]) == 2 * len(by_subset)
    assert not {q["qid"] for q in split["eval"]} & {q["qid"] for q in split["translator"]}
