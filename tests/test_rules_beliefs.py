"""Unit tests, one group per rule in model/rules/beliefs.py (facts, observations, belief updating)."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridges.model.rules.beliefs import (
    facts,
    misperception,
    observations,
    observer_and_partner,
    person_facts,
    pooled_observations,
    true_shares,
    update_belief,
)
from tests.conftest import params_for

DYNAMICS = params_for().dynamics  # the defaults; each test sets the values it checks

unit = st.floats(0, 1)


def belief(b=0.3, observed=0.8, n=0, prior=0.5, drift=0.1, weight=0.1):
    return update_belief(np.array([b]), np.array([observed]), np.array([n]), prior,
                         replace(DYNAMICS, belief_media_drift=drift, belief_observation=weight))[0]


# ---- facts, person_facts, true_shares -------------------------------------------------------------
def test_facts_welfare_is_not_employed_for_people_and_shares_alike():
    np.testing.assert_array_equal(facts(np.array([1.0, 0.0]), np.array([0.0, 1.0])), [[1, 0, 1], [0, 1, 0]])
    np.testing.assert_allclose(facts(0.5, 0.25), [0.5, 0.25, 0.75])


def test_person_facts_from_education_codes_and_employment():
    education = np.array([2, 1, 0, 2], dtype=np.int8)  # higher, secondary, basic, higher
    employed = np.array([True, False, True, False])
    np.testing.assert_array_equal(person_facts(education, employed),
                                  [[1, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 1]])


def test_true_shares_are_arriving_members_only():
    group = np.array([1, 1, 1, 1, 0, 0])  # four arriving, two receiving (both higher-educated, employed)
    education = np.array([2, 0, 1, 2, 2, 2])
    employed = np.array([True, False, False, False, True, True])
    shares = true_shares(group, education, employed)
    np.testing.assert_allclose(shares, [0.5, 0.25, 0.75])
    assert shares[2] == 1.0 - shares[1]  # welfare = 1 - employment share, exactly
    np.testing.assert_allclose(shares, person_facts(education[:4], employed[:4]).mean(axis=0))


def test_true_shares_of_nobody_are_nan():
    shares = true_shares(np.zeros(3, dtype=np.int8), np.zeros(3, dtype=np.int8), np.zeros(3, dtype=bool))
    assert shares.shape == (3,) and np.isnan(shares).all()


# ---- observer_and_partner -------------------------------------------------------------------------
def test_the_receiving_side_observes_the_arriving_side():
    group = np.array([0, 1, 0, 1])
    observer, partner = observer_and_partner(np.array([0, 1, 3]), np.array([1, 2, 0]), group)
    np.testing.assert_array_equal(observer, [0, 2, 0])
    np.testing.assert_array_equal(partner, [1, 1, 3])


# ---- observations ---------------------------------------------------------------------------------
def test_observations_encounter_weighted_mean_of_shown_values():
    observer = np.array([0, 0, 1, 3])
    encounters = np.array([2.0, 1.0, 0.0, 3.0])
    partner = np.array([1.0, 0.0, 1.0, 1.0])
    observed, seen = observations(4, observer, encounters, partner, 0.4, 0.5)
    # shown = 0.5 partner + 0.5 * 0.4 = [0.7, 0.2, 0.7, 0.7]; observer 0: (2 * 0.7 + 0.2) / 3
    np.testing.assert_allclose(observed, [1.6 / 3, 0.0, 0.0, 0.7])
    np.testing.assert_array_equal(seen, [3, 0, 0, 3])


def test_observations_personal_weight_mixes_partner_and_community_values():
    observer, encounters, partner = np.array([0, 0, 1]), np.array([1.0, 3.0, 2.0]), np.array([1.0, 0.0, 1.0])
    own, _ = observations(3, observer, encounters, partner, 0.4, 1.0)
    told, _ = observations(3, observer, encounters, partner, 0.4, 0.0)
    np.testing.assert_allclose(own, [0.25, 1.0, 0.0])  # only the partners' own situation
    np.testing.assert_allclose(told, [0.4, 0.4, 0.0])  # only the community share; nothing seen -> 0


def test_observations_with_no_encounters_see_nothing():
    observed, seen = observations(3, np.array([0, 2]), np.zeros(2), np.ones(2), 0.7, 0.5)
    np.testing.assert_array_equal(observed, np.zeros(3))
    np.testing.assert_array_equal(seen, np.zeros(3))
    observed, seen = observations(2, np.array([], dtype=np.int64), np.array([]), np.array([]), 0.7, 0.5)
    assert observed.shape == seen.shape == (2,) and not observed.any() and not seen.any()


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(0, 30), community=unit, weight=unit)
def test_observations_stay_in_unit_interval(seed, m, community, weight):
    rng = np.random.default_rng(seed)
    observed, seen = observations(5, rng.integers(0, 5, m), rng.integers(0, 4, m).astype(float),
                                  rng.random(m), community, weight)
    assert np.all((observed >= -1e-12) & (observed <= 1 + 1e-12))  # a weighted mean: rounding only
    assert np.all(seen >= 0)


# ---- pooled_observations --------------------------------------------------------------------------
def test_pooled_observations_weight_each_set_of_ties_by_its_encounters():
    truth = np.array([0.4, 0.6, 0.4])
    first = (np.array([0, 1]), np.array([1.0, 0.0]), np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    second = (np.array([0]), np.array([3.0]), np.array([[0.0, 0.0, 1.0]]))
    shown, seen = pooled_observations(3, [first, second], truth, replace(DYNAMICS, belief_personal_weight=0.5))
    np.testing.assert_array_equal(seen, [4.0, 0.0, 0.0])
    # person 0: one encounter showing 0.5 * (1, 1, 0) + 0.5 truth, three showing 0.5 * (0, 0, 1) + 0.5 truth
    expected = (1 * (0.5 * np.array([1, 1, 0]) + 0.5 * truth) + 3 * (0.5 * np.array([0, 0, 1]) + 0.5 * truth)) / 4
    np.testing.assert_allclose(shown[0], expected)
    np.testing.assert_array_equal(shown[1:], 0.0)  # nothing observed: nothing shown


def test_pooled_observations_of_one_set_equal_its_observations():
    observer, encounters = np.array([0, 0, 2]), np.array([2.0, 1.0, 4.0])
    partner = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    truth = np.array([0.2, 0.5, 0.5])
    shown, seen = pooled_observations(3, [(observer, encounters, partner)], truth,
                                      replace(DYNAMICS, belief_personal_weight=0.3))
    for column in range(3):
        alone, count = observations(3, observer, encounters, partner[:, column], truth[column], 0.3)
        np.testing.assert_allclose(shown[:, column], alone)
        np.testing.assert_array_equal(seen, count)


# ---- update_belief --------------------------------------------------------------------------------
def test_update_belief_is_pure_media_drift_without_encounters():
    assert belief(b=0.3, observed=0.8, n=0) == pytest.approx(0.3 + 0.1 * (0.5 - 0.3))
    assert belief(b=0.9, observed=0.0, n=0) == pytest.approx(0.9 + 0.1 * (0.5 - 0.9))
    assert belief(b=0.3, n=0, drift=0.0) == 0.3


def test_update_belief_learning_weight_is_one_minus_kept_share_per_encounter():
    # learned = 1 - 0.9^3 = 0.271
    assert belief(b=0.3, observed=0.8, n=3) == pytest.approx(0.3 + 0.02 + 0.271 * 0.5)
    assert belief(b=0.3, observed=0.8, n=1, drift=0.0) == pytest.approx(0.3 + 0.1 * 0.5)
    many = belief(b=0.3, observed=0.8, n=200, drift=0.0)
    assert many == pytest.approx(0.8, abs=1e-6)  # 0.9^200 ~ 7e-10
    assert belief(b=0.3, observed=0.1, n=2) < belief(b=0.3, observed=0.1, n=0)


def test_update_belief_is_clipped_to_unit_interval():
    assert belief(b=0.0, observed=1.0, n=50, prior=1.0, drift=1.0, weight=0.9) == 1.0  # unclipped: 2
    assert belief(b=1.0, observed=0.0, n=50, prior=0.0, drift=1.0, weight=0.9) == 0.0  # unclipped: -1


@settings(max_examples=150, deadline=None)
@given(b=unit, observed=unit, n=st.integers(0, 500), prior=unit, drift=unit, weight=unit)
def test_update_belief_stays_in_unit_interval(b, observed, n, prior, drift, weight):
    assert 0.0 <= belief(b, observed, n, prior, drift, weight) <= 1.0


# ---- misperception --------------------------------------------------------------------------------
def test_misperception_is_mean_absolute_gap_per_row():
    beliefs = np.array([[0.5, 0.5, 0.5], [0.2, 0.9, 0.1], [0.4, 0.6, 0.5]])
    truth = np.array([0.4, 0.6, 0.5])
    np.testing.assert_allclose(misperception(beliefs.T, truth), [0.2 / 3, 0.9 / 3, 0.0], atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 10))
def test_misperception_in_unit_interval_and_symmetric(seed, rows):
    rng = np.random.default_rng(seed)
    beliefs, truth = rng.random((rows, 3)), rng.random(3)
    gap = misperception(beliefs.T, truth)
    assert gap.shape == (rows,) and np.all((gap >= 0) & (gap <= 1))
    np.testing.assert_allclose(gap, np.abs(truth[None, :] - beliefs).mean(axis=1))
