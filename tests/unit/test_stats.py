"""Bootstrap intervals, the paired test and Holm's correction on cases with known answers."""

import numpy as np
import pytest

from parametric_rag.stats import bootstrap_interval, holm, paired_test

OPTS = dict(resamples=1000, confidence=0.95, seed=0)


def test_interval_of_a_constant_is_a_point():
    iv = bootstrap_interval([0.5] * 20, **OPTS)
    assert iv.mean == iv.lo == iv.hi == 0.5


def test_interval_contains_the_mean_and_narrows_with_more_questions():
    rng = np.random.default_rng(1)
    small = bootstrap_interval(rng.random(20), **OPTS)
    large = bootstrap_interval(rng.random(2000), **OPTS)
    assert small.lo < small.mean < small.hi and large.lo < large.mean < large.hi
    assert (large.hi - large.lo) < (small.hi - small.lo) / 5


def test_interval_of_a_bernoulli_mean_matches_the_normal_approximation():
    x = np.r_[np.ones(150), np.zeros(150)]  # p = 0.5, n = 300: half-width 1.96 * sqrt(.25 / 300) = 0.0566
    iv = bootstrap_interval(x, **OPTS)
    assert abs((iv.hi - iv.lo) / 2 - 0.0566) < 0.006


def test_identical_methods_have_p_one_and_a_zero_width_difference():
    scores = np.random.default_rng(2).random(30)
    t = paired_test(scores, scores, permutations=10_000, **OPTS)
    assert t.p == 1.0 and t.diff == t.lo == t.hi == 0.0


def test_right_everywhere_the_other_is_wrong_is_significant():
    a, b = np.ones(30), np.zeros(30)
    t = paired_test(a, b, permutations=10_000, **OPTS)
    assert t.p < 0.001 and t.diff == 1.0 and t.lo == t.hi == 1.0


def test_one_question_apart_is_not_significant():
    a = np.zeros(30)
    b = a.copy()
    b[0] = 1.0
    assert paired_test(a, b, permutations=10_000, **OPTS).p == pytest.approx(1.0)


def test_same_seed_same_numbers_and_the_test_is_paired():
    rng = np.random.default_rng(3)
    a = rng.random(50)
    b = a + 0.05  # every question a little better: paired, this is certain; unpaired it would not be
    t1 = paired_test(b, a, permutations=5000, **OPTS)
    t2 = paired_test(b, a, permutations=5000, **OPTS)
    assert t1 == t2 and t1.p < 0.001 and t1.diff == pytest.approx(0.05)


def test_lengths_must_match():
    with pytest.raises(ValueError, match="different lengths"):
        paired_test([1, 0], [1], permutations=100, **OPTS)


def test_holm():
    # sorted 0.01, 0.02, 0.04 with m = 3: 0.03, 0.04, 0.04 (monotone), NaN skipped
    assert holm([0.04, float("nan"), 0.01, 0.02]) == pytest.approx([0.04, float("nan"), 0.03, 0.04], nan_ok=True)
    assert holm([0.5, 0.9]) == [1.0, 1.0]
