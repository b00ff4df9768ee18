"""Metric values against the reference toolkit's evaluate() outputs (exact equality)."""

import pytest

from conftest import reference
from parametric_rag import metrics

CASES = reference("metric_cases.json")["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_metrics_match_reference(case):
    got = metrics.score(case["pred"], case["answers"], case["with_cot"])
    want = case["output"]
    assert got["prediction"] == want["eval_predict"]
    # the reference returns str() of its numbers: equal strings mean equal values and types
    assert str(got["em"]) == want["em"]
    assert str(got["f1"]) == want["f1"]
    assert str(got["precision"]) == want["prec"]
    assert str(got["recall"]) == want["recall"]


def test_aggregate_means_and_rounding():
    rows = [{"em": 1, "f1": 1.0, "precision": 1.0, "recall": 1.0}, {"em": 0, "f1": 0, "precision": 0, "recall": 0},
            {"em": 0, "f1": 0.5, "precision": 1 / 3, "recall": 1.0}]
    agg = metrics.aggregate(rows)
    assert agg == {"n": 3, "em": 0.3333, "f1": 0.5, "precision": 0.4444, "recall": 0.6667}
    assert metrics.aggregate([])["n"] == 0
