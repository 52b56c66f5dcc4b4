"""Unit tests of the issue-9 mechanism rules (model/rules/encounters, partner, selection, generalisation,
negativity, norms, threat, variability): exact hand-computed values, boundaries and properties."""

import warnings
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from bridges.model.mechanisms.attitudes import NegativityParams, UpdateParams
from bridges.model.mechanisms.contact import GeneralisationParams, PartnerParams, SelectionParams
from bridges.model.mechanisms.discrimination import DiscriminationParams
from bridges.model.mechanisms.incidental import IncidentalParams
from bridges.model.mechanisms.norms import NormParams
from bridges.model.mechanisms.partners import VariabilityParams
from bridges.model.mechanisms.threat import ThreatParams
from bridges.model.rules.contact import contact_update
from bridges.model.rules.encounters import outgroup_exposure, public_encounter_pairs
from bridges.model.rules.generalisation import generalisation_weight, novelty
from bridges.model.rules.negativity import buffered_weight, log_odds_update, log_odds_views, remember_positive
from bridges.model.rules.norms import (
    conform,
    extended_anxiety,
    extended_norm,
    extended_share,
    friends_mean,
    neighbourhood_ingroup_mean,
    perceived_norm,
)
from bridges.model.rules.partner import discrimination_toll, partner_shift, update_discrimination
from bridges.model.rules.selection import choice_factor, chosen_rate, chosen_ties
from bridges.model.rules.threat import economic_burden, perceived_outgroup_share, threat_attitude_change, threat_level
from bridges.model.rules.variability import new_partners, perceived_variability
from tests.conftest import params_for

UNIT = st.floats(0.0, 1.0)
COUNTS = st.integers(0, 50)


DEFAULTS = params_for()
"""The default configuration: each test below sets the fields of a parameter group its rule reads (a rule takes
its group whole), the others keep their defaults, so adding a field to a group changes no test here."""


def incidental(**values) -> IncidentalParams:
    return replace(DEFAULTS.contact.incidental, **values)


def partner(prejudice_weight: float) -> PartnerParams:
    return replace(DEFAULTS.contact.partner, prejudice_weight=prejudice_weight)


def discrimination(**values) -> DiscriminationParams:
    return replace(DEFAULTS.dynamics.discrimination, **values)


def selection(**values) -> SelectionParams:
    return replace(DEFAULTS.contact.selection, **values)


def generalisation(**values) -> GeneralisationParams:
    return replace(DEFAULTS.contact.generalisation, **values)


def update(**values) -> UpdateParams:
    return replace(DEFAULTS.contact.update, **values)


def negativity(**values) -> NegativityParams:
    return replace(DEFAULTS.contact.negativity, **values)


def norms(**values) -> NormParams:
    return replace(DEFAULTS.dynamics.norms, **values)


def threat(**values) -> ThreatParams:
    return replace(DEFAULTS.dynamics.threat, **values)


def variability(**values) -> VariabilityParams:
    return replace(DEFAULTS.dynamics.variability, **values)


# ---- encounters ---------------------------------------------------------------------------------
def test_outgroup_exposure_mixes_neighbourhood_and_city_shares():
    # neighbourhood 0: 3 receiving, 1 arriving; neighbourhood 1: 4 receiving. City: 1 arriving of 8.
    neighbourhood = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    group = np.array([0, 0, 0, 1, 0, 0, 0, 0])
    exposure = outgroup_exposure(neighbourhood, group, incidental(local_share=0.6))
    assert exposure[0] == pytest.approx(0.6 * 1 / 4 + 0.4 * 1 / 8)  # receiving in 0
    assert exposure[3] == pytest.approx(0.6 * 3 / 4 + 0.4 * 7 / 8)  # arriving in 0
    assert exposure[4] == pytest.approx(0.4 * 1 / 8)  # receiving in 1: only the city share


def test_outgroup_exposure_of_an_empty_city_is_empty_and_silent():
    """No residents: an empty result, without numpy's "mean of an empty slice" warning or an error."""
    empty = np.zeros(0, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exposure = outgroup_exposure(empty, empty, incidental(local_share=0.6))
    assert exposure.shape == (0,)


def test_public_pairs_follow_the_uniforms_exactly():
    neighbourhood = np.array([0, 0, 1, 1])
    group = np.array([0, 1, 0, 1])
    # one opportunity each; u_where < 0.5 -> own neighbourhood, index floor(u_who * size)
    u_where = np.array([0.1, 0.1, 0.9, 0.9])
    u_who = np.array([0.75, 0.75, 0.9, 0.1])  # 0 -> local index 1 (resident 1); 1 -> local index 1 (itself)
    source, target = public_encounter_pairs(neighbourhood, group, incidental(opportunities=1, local_share=0.5),
                                            u_where, u_who)
    # person 2: city index floor(0.9*4)=3 (arriving) -> kept; person 3: city index 0 (receiving) -> kept
    assert list(zip(source, target)) == [(0, 1), (2, 3), (3, 0)]


def test_public_pairs_only_cross_groups_and_rate_follows_group_size():
    rng = np.random.default_rng(0)
    n, opportunities = 4000, 5
    group = (np.arange(n) < 200).astype(np.int8)  # 5% arriving
    neighbourhood = rng.integers(0, 10, n)
    source, target = public_encounter_pairs(neighbourhood, group,
                                            incidental(opportunities=opportunities, local_share=0.6),
                                            rng.random(n * opportunities), rng.random(n * opportunities))
    assert np.all(group[source] != group[target])
    per_arriving = np.sum(group[source] == 1) / 200
    per_receiving = np.sum(group[source] == 0) / 3800
    # Blau: passes that meet the outgroup ~ opportunities x outgroup share (0.95 and 0.05 here)
    assert per_arriving == pytest.approx(opportunities * 0.95, rel=0.05)
    assert per_receiving == pytest.approx(opportunities * 0.05, rel=0.1)


def test_public_pairs_with_no_opportunities_are_empty():
    source, target = public_encounter_pairs(np.zeros(3, int), np.array([0, 1, 0]), incidental(opportunities=0),
                                            np.zeros(0), np.zeros(0))
    assert source.size == target.size == 0


# ---- partner and discrimination -----------------------------------------------------------------
def test_partner_shift_is_zero_for_a_warm_partner_and_proportional_to_prejudice():
    assert partner_shift(np.array([100.0]), partner(2.0), 100.0)[0] == 0.0
    assert partner_shift(np.array([25.0]), partner(2.0), 100.0)[0] == pytest.approx(-1.5)
    assert partner_shift(np.array([0.0]), partner(2.0), 100.0)[0] == pytest.approx(-2.0)


def test_discrimination_rises_with_negative_encounters_and_fades():
    d = update_discrimination(np.array([0.0, 0.5, 0.5]), np.array([2, 0, 1]), discrimination(gain=0.1, decay=0.02))
    np.testing.assert_allclose(d, [1 - 0.9**2, 0.5 - 0.01, 0.5 + 0.1 * 0.5 - 0.01])


@given(UNIT, COUNTS, UNIT, UNIT)
def test_discrimination_stays_in_unit_interval(d, negative, gain, decay):
    value = update_discrimination(np.array([d]), np.array([negative]), discrimination(gain=gain, decay=decay))[0]
    assert 0.0 <= value <= 1.0


def test_discrimination_toll_exact_and_zero_without_discrimination():
    distress, belonging = discrimination_toll(np.array([0.2, 0.2]), np.array([0.5, 0.5]), np.array([0.5, 0.0]),
                                              discrimination(distress_rise=0.1, belonging_loss=0.2))
    np.testing.assert_allclose(distress, [0.2 + 0.1 * 0.5 * 0.8, 0.2])
    np.testing.assert_allclose(belonging, [0.5 - 0.2 * 0.5 * 0.5, 0.5])


# ---- selection ------------------------------------------------------------------------------------
def test_choice_factor_is_one_at_the_midpoints_and_grows_with_warmth():
    factor = choice_factor(np.array([50.0, 100.0, 0.0]), np.array([0.5, 0.5, 1.0]),
                           selection(attitude_weight=1.5, trust_weight=1.0), 100.0)
    np.testing.assert_allclose(factor, [1.0, np.exp(0.75), np.exp(-0.75 + 0.5)])


def test_chosen_ties_are_the_listed_kinds_and_public_space():
    kinds = np.array(["neighbourhood", "workplace", "venue", "public", "school"])
    np.testing.assert_array_equal(chosen_ties(kinds, selection(chosen_kinds=["neighbourhood", "venue"])),
                                  [True, False, True, True, False])
    np.testing.assert_array_equal(chosen_ties(kinds, selection(chosen_kinds=[])), [False, False, False, True, False])


def test_chosen_rate_changes_only_chosen_settings():
    rate = chosen_rate(np.array([1.0, 1.0]), np.array([True, False]), np.array([2.0, 2.0]), np.array([1.5, 1.5]))
    np.testing.assert_allclose(rate, [3.0, 1.0])


# ---- generalisation -------------------------------------------------------------------------------
def test_novelty_halves_after_half_familiar_meetings():
    g = generalisation(salience=0.5, incidental_salience=0.8, half_familiar=10.0)
    np.testing.assert_allclose(novelty(np.array([0, 10, 90]), g), [1.0, 0.5, 0.1])
    np.testing.assert_allclose(generalisation_weight(np.array([0, 10]), False, g), [0.5, 0.25])


def test_brief_public_encounters_carry_their_own_salience():
    g = generalisation(salience=0.5, incidental_salience=0.8, half_familiar=10.0)
    np.testing.assert_allclose(generalisation_weight(np.array([0, 10]), True, g), [0.8, 0.4])


@given(st.integers(0, 10_000), st.floats(0.1, 100.0))
def test_novelty_never_rises_with_familiarity(met, half):
    g = generalisation(half_familiar=half)
    assert 0.0 < novelty(np.array([met + 1]), g)[0] <= novelty(np.array([met]), g)[0] <= 1.0


# ---- negativity -----------------------------------------------------------------------------------
def test_log_odds_update_exact_at_the_midpoint():
    # x = 0.5, one positive, step 0.01: logit 0 -> 0.02, value 100 / (1 + e^-0.02)
    value = log_odds_update(np.array([50.0]), np.array([1.0]), np.array([0.0]), 0.01, 2.0, 100.0, 0.0)[0]
    assert value == pytest.approx(100.0 / (1.0 + np.exp(-0.02)))


@pytest.mark.parametrize("level", [10.0, 30.0, 55.0, 75.0, 95.0])
def test_negative_weighs_k_times_a_positive_at_any_level(level):
    """The ratio of the first-order moves is exactly k on the log-odds; the issue's 2.4-vs-6 is gone."""
    start = np.array([level])
    up = log_odds_update(start, np.array([1.0]), np.array([0.0]), 1e-6, 2.0, 100.0, 0.0)[0] - level
    down = level - log_odds_update(start, np.array([0.0]), np.array([1.0]), 1e-6, 2.0, 100.0, 0.0)[0]
    assert down / up == pytest.approx(2.0, rel=1e-4)


def test_the_proportional_rule_it_replaces_had_a_level_dependent_ratio():
    ratios = []
    for level in (55.0, 75.0):
        up = contact_update(np.array([level]), np.array([1]), np.array([0]), 1e-6, 2.0, 100.0, 0.0)[0] - level
        down = level - contact_update(np.array([level]), np.array([0]), np.array([1]), 1e-6, 2.0, 100.0, 0.0)[0]
        ratios.append(down / up)
    np.testing.assert_allclose(ratios, [2 * 55 / 45, 2 * 75 / 25], rtol=1e-4)


def test_log_odds_update_without_contact_returns_the_value_unchanged():
    value = np.array([0.0, 33.3, 100.0])
    np.testing.assert_array_equal(log_odds_update(value, np.zeros(3), np.zeros(3), 0.01, 2.0, 100.0, 0.0), value)


def test_log_odds_update_works_for_reversed_scales():
    # anxiety: good end 0, bad end 1; a positive encounter lowers it
    anxiety = log_odds_update(np.array([0.5]), np.array([1.0]), np.array([0.0]), 0.01, 2.0, 0.0, 1.0)[0]
    assert anxiety == pytest.approx(1.0 - 1.0 / (1.0 + np.exp(-0.02)))


@settings(max_examples=200)
@given(st.floats(0.0, 100.0), st.floats(0.0, 50.0), st.floats(0.0, 50.0), st.floats(0.0, 0.2), st.floats(0.5, 5.0))
def test_log_odds_update_stays_on_the_scale(value, positive, negative, step, k):
    moved = log_odds_update(np.array([value]), np.array([positive]), np.array([negative]), step, k, 100.0, 0.0)[0]
    assert 0.0 <= moved <= 100.0


def test_buffered_weight_falls_from_k_toward_parity():
    np.testing.assert_allclose(buffered_weight(np.array([0.0, 1.0, 3.0, 1e9]), update(negativity_weight=2.0),
                                               negativity(buffer_half=1.0)), [2.0, 1.5, 1.25, 1.0])
    assert buffered_weight(np.array([5.0]), update(negativity_weight=1.0), negativity(buffer_half=1.0))[0] == 1.0


def test_positive_history_is_a_running_average_with_the_memory_as_weight():
    np.testing.assert_allclose(remember_positive(np.array([1.0, 0.0]), np.array([3, 0]), negativity(memory=0.25)),
                               [0.75 * 1.0 + 0.25 * 3, 0.0])


def test_log_odds_views_move_each_view_by_its_own_step_toward_its_own_end():
    """Attitude toward `top`, anxiety toward 0, trust toward 1, each with its step x susceptibility and the
    buffered weight: the views are `log_odds_update` with those arguments exactly."""
    u = update(attitude_step=0.01, anxiety_step=0.02, trust_step=0.03, negativity_weight=3.0)
    n = negativity(buffer_half=2.0)
    attitude, anxiety, trust = np.array([50.0, 20.0]), np.array([0.5, 0.3]), np.array([0.4, 0.7])
    positive, negative = np.array([2.0, 0.0]), np.array([1.0, 3.0])
    susceptibility, history = np.array([1.0, 0.5]), np.array([2.0, 0.0])
    k = np.array([1.0 + 2.0 / 2.0, 3.0])  # 1 + (3 - 1) / (1 + P / 2)
    moved = log_odds_views(attitude, anxiety, trust, positive, negative, susceptibility, history, u, n, 100.0)
    expected = (log_odds_update(attitude, positive, negative, 0.01 * susceptibility, k, 100.0, 0.0),
                log_odds_update(anxiety, positive, negative, 0.02 * susceptibility, k, 0.0, 1.0),
                log_odds_update(trust, positive, negative, 0.03 * susceptibility, k, 1.0, 0.0))
    for view, reference in zip(moved, expected):
        np.testing.assert_array_equal(view, reference)
    # first person, attitude at the midpoint: logit 0 + 2 * 0.01 * (2 - 2 * 1) = 0, unchanged
    assert moved[0][0] == pytest.approx(50.0)
    # second person, trust 0.7: logit(0.7) - 2 * 0.015 * 3 * 3
    assert moved[2][1] == pytest.approx(1.0 / (1.0 + np.exp(-(np.log(0.7 / 0.3) - 0.27))))


# ---- norms ----------------------------------------------------------------------------------------
def test_neighbourhood_ingroup_mean_is_per_group_and_place():
    attitude = np.array([10.0, 30.0, 80.0, 50.0])
    mean = neighbourhood_ingroup_mean(attitude, np.array([0, 0, 0, 1]), np.array([0, 0, 1, 0]))
    np.testing.assert_allclose(mean, [20.0, 20.0, 80.0, 50.0])


def test_friends_mean_and_fallback_for_the_friendless():
    friends = sparse.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [0, 0, 0]], dtype=float))
    mean = friends_mean(np.array([0.0, 40.0, 80.0]), friends, np.array([2, 1, 0]), fallback=np.full(3, -1.0))
    np.testing.assert_allclose(mean, [60.0, 0.0, -1.0])


def test_perceived_norm_is_the_start_shifted_by_the_ingroup():
    # friends moved 50 -> 60, neighbourhood 45 -> 40: the norm is 30 + 0.4 * 10 - 0.3 * 5
    weights = norms(friends_weight=0.4, neighbourhood_weight=0.3, own_weight=0.3)
    norm = perceived_norm(np.array([30.0]), np.array([60.0]), np.array([50.0]), np.array([40.0]), np.array([45.0]),
                          weights, 0.0, 100.0)
    assert norm[0] == pytest.approx(30.0 + 0.4 * 10.0 - 0.3 * 5.0)
    # a norm stays on the scale: an anchor at 99 with friends 10 points warmer is a norm of 100, not 103
    at_top = perceived_norm(np.array([99.0, 1.0]), np.array([60.0, 40.0]), np.array([50.0, 50.0]),
                            np.array([45.0, 45.0]), np.array([45.0, 45.0]), weights, 0.0, 100.0)
    np.testing.assert_array_equal(at_top, [100.0, 0.0])


@given(st.lists(st.floats(0.0, 100.0), min_size=1, max_size=20))
def test_without_any_change_the_norm_is_the_own_start(values):
    """The surveyed state is a steady state: nothing has moved, so each person's norm is their own view."""
    start = np.array(values)
    n = norms(friends_weight=0.4, neighbourhood_weight=0.3, own_weight=0.3, rate=0.05)
    norm = perceived_norm(start, start[::-1], start[::-1], start * 0.5, start * 0.5, n, 0.0, 100.0)
    np.testing.assert_array_equal(norm, start)
    np.testing.assert_array_equal(conform(start, norm, n), start)


def test_extended_signal_warms_the_friends_norm():
    n = norms(extended_signal=0.2)
    assert extended_norm(np.array([60.0]), np.array([0.5]), n, 100.0)[0] == pytest.approx(60 + 0.1 * 40)
    assert extended_norm(np.array([60.0]), np.array([0.0]), n, 100.0)[0] == 60.0


def test_conform_closes_a_share_of_the_gap():
    assert conform(np.array([40.0]), np.array([60.0]), norms(rate=0.05))[0] == pytest.approx(41.0)
    np.testing.assert_array_equal(conform(np.array([40.0]), np.array([40.0]), norms(rate=0.05)), [40.0])


@given(st.lists(st.floats(0.0, 100.0), min_size=2, max_size=30), st.floats(0.0, 1.0))
def test_conforming_to_the_neighbourhood_mean_keeps_the_group_mean(values, rate):
    """With the neighbourhood norm alone the group's mean cannot move: anchoring comes from the society term."""
    attitude = np.array(values)
    place = np.arange(len(values)) % 3
    group = np.zeros(len(values), dtype=np.int64)
    moved = conform(attitude, neighbourhood_ingroup_mean(attitude, place, group), norms(rate=rate))
    assert moved.mean() == pytest.approx(attitude.mean(), abs=1e-9)


def test_extended_share_is_zero_without_friends():
    np.testing.assert_allclose(extended_share(np.array([1, 0, 2]), np.array([4, 0, 2])), [0.25, 0.0, 1.0])


def test_extended_anxiety_relief():
    relieved = extended_anxiety(np.array([0.4, 0.4]), np.array([0.5, 0.0]), norms(extended_anxiety_relief=0.01))
    np.testing.assert_allclose(relieved, [0.4 * 0.995, 0.4])


# ---- threat ---------------------------------------------------------------------------------------
def test_perceived_share_is_inflated_and_capped():
    share = perceived_outgroup_share(np.array([0.1, 0.99]), 0.05, threat(local_weight=0.5, overestimation=2.0))
    np.testing.assert_allclose(share, [2.0 * (0.05 + 0.025), 1.0])


def test_economic_burden_from_beliefs():
    burden = economic_burden(np.array([0.1, 1.0]), np.array([0.25, 1.0]), np.array([0.8, 0.0]))
    np.testing.assert_allclose(burden, [(0.9 + 0.75 + 0.8) / 3, 0.0])


def test_threat_level_exact_and_directions():
    t = threat(intercept=-2.0, burden_weight=2.0, size_weight=3.0, anxiety_weight=1.5, friend_weight=0.5)
    level = threat_level(np.array([0.5, 0.5]), np.array([0.1, 0.1]), np.array([0.3, 0.3]), np.array([False, True]), t)
    # each weight distinct, so a rule reading the wrong field of the group fails
    score = -2.0 + 2.0 * 0.5 + 3.0 * 0.1 + 1.5 * 0.3 - np.array([0.0, 0.5])
    np.testing.assert_allclose(level, 1.0 / (1.0 + np.exp(-score)))
    base = dict(burden=np.array([0.5]), perceived_share=np.array([0.1]), anxiety=np.array([0.3]),
                has_friend=np.array([False]))
    reference = threat_level(**base, t=t)
    for key, value in (("burden", 0.8), ("perceived_share", 0.3), ("anxiety", 0.6)):
        assert threat_level(**(base | {key: np.array([value])}), t=t) > reference
    assert threat_level(**(base | {"has_friend": np.array([True])}), t=t) < reference


def test_threat_change_moves_attitude_and_clips():
    moved = threat_attitude_change(np.array([50.0, 50.0, 1.0]), np.array([0.5, 0.5, 0.0]), np.array([0.6, 0.4, 1.0]),
                                   threat(attitude_weight=0.6), 100.0)
    np.testing.assert_allclose(moved, [44.0, 56.0, 0.0])


# ---- variability ----------------------------------------------------------------------------------
def test_variability_halfway_after_half_partners():
    v = variability(baseline={"receiving": 0.3, "arriving": 0.6}, half_partners=10.0)
    receiving, arriving = np.zeros(3, dtype=np.int8), np.ones(3, dtype=np.int8)
    np.testing.assert_allclose(perceived_variability(receiving, np.array([0, 10, 30]), v), [0.3, 0.65, 0.3 + 0.7 * 0.75])
    np.testing.assert_allclose(perceived_variability(arriving, np.array([0, 10, 30]), v), [0.6, 0.8, 0.6 + 0.4 * 0.75])


@given(UNIT, st.integers(0, 10_000), st.floats(0.1, 100.0))
def test_variability_rises_with_partners_and_stays_below_one(baseline, partners, half):
    v, group = variability(baseline={"receiving": baseline, "arriving": baseline}, half_partners=half), np.zeros(1, int)
    now = perceived_variability(group, np.array([partners]), v)[0]
    later = perceived_variability(group, np.array([partners + 1]), v)[0]
    assert baseline <= now <= later <= 1.0


def test_new_partners_count_first_meetings_on_both_sides():
    count = new_partners(np.array([0, 3, 0]), np.array([2, 1, 0]), np.array([0, 0, 1]), np.array([1, 2, 2]), 3)
    np.testing.assert_array_equal(count, [1, 1, 0])
