"""Judge-human agreement against hand-computed values."""

from __future__ import annotations

import math

import pytest

from sdialog.evaluators import agreement, cohen_kappa, spearman


def test_kappa_binary_by_hand():
    judge = [True, True, False, False, True, True, False, True]
    human = [True, False, False, False, True, True, True, True]
    # p_o = 6/8; judge yes 5/8, human yes 5/8 -> p_e = (5/8)^2 + (3/8)^2 = 34/64
    p_o, p_e = 6 / 8, 34 / 64
    assert cohen_kappa(judge, human) == pytest.approx((p_o - p_e) / (1 - p_e))


def test_kappa_three_classes_and_weighted_by_hand():
    a = [1, 2, 3, 3]
    b = [1, 2, 3, 2]
    # p_o = 3/4; marginals a: 1:1/4 2:1/4 3:2/4, b: 1:1/4 2:2/4 3:1/4 -> p_e = 1/16+2/16+2/16
    p_o, p_e = 3 / 4, 5 / 16
    assert cohen_kappa(a, b) == pytest.approx((p_o - p_e) / (1 - p_e))
    # linear weights w_ij = |i-j|/2: observed disagreement = (1/4)(1/2); expected = sum pa_i pb_j w
    pa, pb = [1 / 4, 1 / 4, 2 / 4], [1 / 4, 2 / 4, 1 / 4]
    expected = sum(pa[i] * pb[j] * abs(i - j) / 2 for i in range(3) for j in range(3))
    assert cohen_kappa(a, b, "linear") == pytest.approx(1 - (1 / 8) / expected)


def test_kappa_perfect_and_undefined_and_bad_input():
    assert cohen_kappa(["x", "y", "x"], ["x", "y", "x"]) == 1.0
    assert math.isnan(cohen_kappa([1, 1], [1, 1]))
    with pytest.raises(ValueError, match="categorical"):
        cohen_kappa([0.5, 1.5], [1, 2])
    with pytest.raises(ValueError, match="weights"):
        cohen_kappa([1, 2], [1, 2], weights="cubic")
    with pytest.raises(ValueError, match="human_values"):
        cohen_kappa([1, 2], [1])


def test_spearman_by_hand():
    rho, p = spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    # d = [-1, 1, -1, 1, 0] -> rho = 1 - 6*4 / (5*24)
    assert rho == pytest.approx(1 - 6 * 4 / (5 * 24))
    assert 0 < p < 1
    assert math.isnan(spearman([1, 2], [1, 2])[0])
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3])[0])


def test_agreement_report_drops_none_pairs():
    judge = [4.2, 3.1, None, 1.0, 2.5]
    human = [5, 3, 4, 1, None]
    report = agreement(judge, human)
    assert (report.n, report.dropped) == (3, 2)
    assert report.cohen_kappa is None and report.weighted_kappa is None  # judge values are floats
    assert report.spearman == pytest.approx(1.0)
    assert report.accuracy == pytest.approx(1 / 3)  # 1.0 == 1


def test_agreement_report_on_likert_and_bools():
    report = agreement([1, 2, 3, 4, 5], [1, 2, 3, 5, 4])
    assert report.accuracy == pytest.approx(0.6)
    assert report.cohen_kappa == pytest.approx((0.6 - 0.2) / 0.8)
    assert report.weighted_kappa == pytest.approx(
        cohen_kappa([1, 2, 3, 4, 5], [1, 2, 3, 5, 4], "quadratic")
    )
    assert report.spearman == pytest.approx(0.9)
    flags = agreement([True, False, True], [True, False, False])
    assert flags.weighted_kappa is None and flags.cohen_kappa == pytest.approx(
        cohen_kappa([True, False, True], [True, False, False])
    )
    assert "n=3" in str(flags)
    empty = agreement([None], [1])
    assert (empty.n, empty.accuracy, empty.cohen_kappa) == (0, None, None)
