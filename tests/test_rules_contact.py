"""Unit tests, one group per contact rule in model/rules/contact.py."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridges.model.rules.contact import (
    contact_quality,
    contact_update,
    draw_encounters,
    draw_valence,
    encounter_rate,
    live_rate,
    pair_mean,
    positive_probability,
    shared_language,
    tally,
    update_views,
    willingness,
)
from tests.conftest import params_for

CONTACT = params_for().contact  # the defaults; each test sets the values it checks
QUALITY = replace(CONTACT.quality, intercept=0.5, equal_status=1.0, common_goal=1.0, cooperation=1.0,
                  institutional_support=1.0, shared_language=1.5, anxiety=2.0, distress=1.0)


def quality(conditions=(0.3, 0.3, 0.3, 0.3), language=1.0, anxiety=0.3, distress=0.3):
    return contact_quality(np.atleast_2d(conditions), np.array([language]), np.array([anxiety]),
                           np.array([distress]), QUALITY)[0]


# ---- willingness and quantity ---------------------------------------------------------------------
def test_willingness_falls_with_anxiety_distress_and_low_responsibility_within_bounds():
    anxiety = np.array([0.0, 0.5, 1.0, 1.0, 0.0])
    distress = np.array([0.0, 0.0, 0.0, 1.0, 0.0])
    responsibility = np.array([1.0, 1.0, 1.0, 1.0, 0.5])
    w = willingness(anxiety, distress, responsibility,
                    replace(CONTACT.willingness, anxiety=0.6, distress=0.4, responsibility=0.4, floor=0.1))
    np.testing.assert_allclose(w, [1.0, 0.7, 0.4, 0.1, 0.8])


def test_encounter_rate_is_layer_rate_times_both_willingnesses():
    np.testing.assert_allclose(encounter_rate(np.array([2.0, 0.5]), np.array([0.5, 1.0]), np.array([1.0, 0.2])),
                               [1.0, 0.1])


def test_encounter_rate_multiplies_the_friendship_factor():
    rate = encounter_rate(np.array([2.0, 2.0]), np.array([0.5, 0.5]), np.array([1.0, 1.0]), np.array([1.0, 3.0]))
    np.testing.assert_allclose(rate, [1.0, 3.0])


def test_live_rate_is_zero_off_and_on_workplace_ties_unless_both_work():
    rate = np.full(5, 2.0)
    live = np.array([True, False, True, True, True])
    needs_employment = np.array([False, False, True, True, True])
    employed_source = np.array([False, True, True, False, True])
    employed_target = np.array([False, True, True, True, False])
    np.testing.assert_array_equal(live_rate(rate, live, needs_employment, employed_source, employed_target),
                                  [2.0, 0.0, 2.0, 0.0, 0.0])


def test_draw_encounters_has_poisson_mean_and_zero_rate_gives_none():
    u = np.random.default_rng(3).random(200_000)
    counts = draw_encounters(np.full(u.size, 1.5), u)
    assert abs(counts.mean() - 1.5) < 0.02  # sd of the mean ~0.003
    assert abs(counts.var() - 1.5) < 0.05
    assert draw_encounters(np.zeros(10), u[:10]).sum() == 0


# ---- quality --------------------------------------------------------------------------------------
@pytest.mark.parametrize("condition", range(4))
def test_each_allport_condition_raises_quality(condition):
    low = [0.3] * 4
    high = list(low)
    high[condition] = 0.9
    assert quality(high) > quality(low)


def test_a_pair_shares_the_lower_language_and_brings_its_mean_anxiety():
    np.testing.assert_array_equal(shared_language(np.array([0.2, 0.9]), np.array([0.7, 0.4])), [0.2, 0.4])
    np.testing.assert_allclose(pair_mean(np.array([0.2, 0.9]), np.array([0.6, 0.1])), [0.4, 0.5])


def test_language_raises_and_anxiety_and_distress_lower_quality():
    assert quality(language=1.0) > quality(language=0.2)
    assert quality(anxiety=0.1) > quality(anxiety=0.8)
    assert quality(distress=0.1) > quality(distress=0.8)
    assert 0.0 < quality(anxiety=1.0, distress=1.0, language=0.0, conditions=(0, 0, 0, 0)) < quality() < 1.0


# ---- valence --------------------------------------------------------------------------------------
def test_positive_probability_equals_quality_without_offset_and_rises_with_it():
    q = np.array([0.2, 0.5, 0.9])
    np.testing.assert_allclose(positive_probability(q, np.zeros(3)), q)
    assert np.all(positive_probability(q, np.full(3, 0.4)) > q)


def test_tally_sums_counts_per_person_raw_and_weighted():
    raw, weighted = tally(4, np.array([0, 2, 0]), np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 2.0]))
    np.testing.assert_array_equal(raw, [4.0, 0.0, 2.0, 0.0])
    np.testing.assert_array_equal(weighted, [7.0, 0.0, 4.0, 0.0])


def test_draw_valence_splits_all_encounters_at_rate_p():
    rng = np.random.default_rng(4)
    n = rng.integers(0, 6, size=100_000)
    positive, negative = draw_valence(n, np.full(n.size, 0.7), rng.random(n.size))
    np.testing.assert_array_equal(positive + negative, n)
    assert np.all(positive >= 0) and np.all(negative >= 0)
    assert abs(positive.sum() / n.sum() - 0.7) < 0.01  # ~250k trials: sd ~0.001


# ---- update ---------------------------------------------------------------------------------------
def test_positive_contact_raises_and_negative_lowers():
    x = np.array([50.0])
    assert contact_update(x, np.array([3]), np.array([0]), 0.05, 2.0, 100.0, 0.0)[0] > 50.0
    assert contact_update(x, np.array([0]), np.array([3]), 0.05, 2.0, 100.0, 0.0)[0] < 50.0
    assert contact_update(x, np.array([0]), np.array([0]), 0.05, 2.0, 100.0, 0.0)[0] == 50.0


def test_negative_contact_weighs_more_than_positive():
    x = np.array([50.0])
    after = contact_update(x, np.array([1]), np.array([1]), 0.05, 2.0, 100.0, 0.0)[0]
    assert after < 50.0
    up = contact_update(x, np.array([1]), np.array([0]), 0.05, 2.0, 100.0, 0.0)[0] - 50.0
    down = 50.0 - contact_update(x, np.array([0]), np.array([1]), 0.05, 2.0, 100.0, 0.0)[0]
    assert down == pytest.approx(2.0 * up)


def test_update_toward_zero_end_for_anxiety():
    x = np.array([0.5])
    assert contact_update(x, np.array([2]), np.array([0]), 0.1, 2.0, 0.0, 1.0)[0] < 0.5
    assert contact_update(x, np.array([0]), np.array([2]), 0.1, 2.0, 0.0, 1.0)[0] > 0.5


@settings(max_examples=300, deadline=None)
@given(x=st.floats(0, 100), pos=st.integers(0, 500), neg=st.integers(0, 500),
       step=st.floats(0, 1), weight=st.floats(0.1, 10))
def test_update_stays_in_range(x, pos, neg, step, weight):
    after = contact_update(np.array([x]), np.array([pos]), np.array([neg]), step, weight, 100.0, 0.0)[0]
    assert -1e-9 <= after <= 100.0 + 1e-9


def test_quality_equation_with_unequal_condition_weights():
    q = replace(QUALITY, equal_status=0.5, common_goal=1.0, cooperation=2.0, institutional_support=4.0)
    conditions = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    got = contact_quality(conditions, np.array([0.4, 0.4]), np.array([0.2, 0.2]), np.array([0.1, 0.1]), q)
    score = 0.5 + np.array([0.5, 4.0]) + 1.5 * 0.4 - 2.0 * 0.2 - 1.0 * 0.1
    np.testing.assert_allclose(got, 1.0 / (1.0 + np.exp(-score)))


def test_update_views_moves_attitude_anxiety_and_trust_with_susceptibility():
    u = replace(CONTACT.update, attitude_step=0.1, anxiety_step=0.2, trust_step=0.05, negativity_weight=2.0)
    attitude, anxiety, trust = np.array([50.0, 50.0]), np.array([0.5, 0.5]), np.array([0.5, 0.5])
    positive, negative, susceptibility = np.array([2.0, 0.0]), np.array([0.0, 1.0]), np.array([1.0, 0.5])
    a, x, t = update_views(attitude, anxiety, trust, positive, negative, susceptibility, u, 100.0)
    np.testing.assert_allclose(a, [contact_update(attitude, positive, negative, 0.1 * susceptibility, 2.0, 100.0, 0.0)[0],
                                   50.0 - 0.1 * 50.0])  # one negative, step 0.1 * 0.5 * 2
    np.testing.assert_allclose(x, contact_update(anxiety, positive, negative, 0.2 * susceptibility, 2.0, 0.0, 1.0))
    np.testing.assert_allclose(t, contact_update(trust, positive, negative, 0.05 * susceptibility, 2.0, 1.0, 0.0))
    assert a[0] > 50.0 and x[0] < 0.5 and t[0] > 0.5  # positive contact warms, calms, builds trust
