"""Exact values of every rule in model/rules/ on small hand-computed cases, with the boundaries of
each comparison and cap.

The rule tests in tests/test_rules_*.py state each rule's properties (directions, ranges); these pin
its arithmetic, so that a changed operator, constant or argument (the mutants `make mutation` makes,
docs/mutation.md) fails a test. Expected values are worked out by hand in the comments.
"""

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import sparse

from bridges.model.mechanisms.attitudes import UpdateParams
from bridges.model.mechanisms.contact import QualityParams, WillingnessParams
from bridges.model.mechanisms.friendship import FriendshipParams
from bridges.model.mechanisms.livelihoods import EmploymentParams
from bridges.model.mechanisms.norms import NormParams
from bridges.model.mechanisms.wellbeing import BelongingParams, DistressParams
from bridges.model.params import BELIEFS
from bridges.model.rules import beliefs, contact, friendship, people
from bridges.model.rules.contact import spare_negative
from tests.conftest import params_for

A = np.array


def friendship_params(**values) -> FriendshipParams:
    defaults = dict(gain=0.1, loss=0.15, decay=0.1, threshold=0.5, rate_multiplier=1.5, weight=2.0, ingroup_share=0.5)
    return FriendshipParams(**{**defaults, **values})


def employment(**values) -> EmploymentParams:
    return EmploymentParams(**{**dict(loss_rate=0.1, language_weight=2.0, pending_factor=0.5, unrecognised_factor=0.4),
                               **values})


def norm_params(**values) -> NormParams:
    """NormParams with these fields, the others at their defaults in conf/ (unread by the rule tested)."""
    return replace(params_for().dynamics.norms, **values)


def dynamics(**values):
    """The fields of DynamicsParams a rule reads, and nothing else (rules take the group whole)."""
    return SimpleNamespace(**values)


# ---- contact ----------------------------------------------------------------------------------------
def test_logistic_values():
    np.testing.assert_allclose(contact.logistic(A([0.0, np.log(3.0), -np.log(3.0)])), [0.5, 0.75, 0.25])


def test_willingness_equation_and_floor():
    # 1 - 0.5*0.2 - 0.4*0.1 - 0.6*(1 - 0.5) = 0.56; second person: 1 - 0.5 - 0.4 - 0.6 < floor 0.05
    w = contact.willingness(A([0.2, 1.0]), A([0.1, 1.0]), A([0.5, 0.0]),
                            WillingnessParams(anxiety=0.5, distress=0.4, responsibility=0.6, floor=0.05))
    np.testing.assert_allclose(w, [0.56, 0.05])


def test_willingness_is_at_most_one():
    # The norm anchoring views has no floor or ceiling, so a view can pass its scale's end (attitudes above 100
    # are seen in default runs). Anxiety -0.2: 1 + 0.5*0.2 - 0.4*0.0 - 0.6*(1 - 1) = 1.1, held at 1.
    w = contact.willingness(A([-0.2]), A([0.0]), A([1.0]),
                            WillingnessParams(anxiety=0.5, distress=0.4, responsibility=0.6, floor=0.05))
    np.testing.assert_array_equal(w, [1.0])


def test_live_rate_needs_a_live_tie_and_employment_where_required():
    rate = A([2.0, 2.0, 2.0, 2.0, 2.0])
    live = A([True, True, True, True, False])
    needs_employment = A([False, True, True, True, False])
    employed_source = A([False, True, True, False, True])
    employed_target = A([False, True, False, True, True])
    np.testing.assert_array_equal(contact.live_rate(rate, live, needs_employment, employed_source, employed_target),
                                  [2.0, 2.0, 0.0, 0.0, 0.0])


def test_encounter_rate_with_and_without_friend_factor():
    assert contact.encounter_rate(A([2.0]), A([0.5]), A([0.8]), A([1.5]))[0] == pytest.approx(1.2)
    assert contact.encounter_rate(A([2.0]), A([0.5]), A([0.8]))[0] == pytest.approx(0.8)


def test_shared_language_is_the_lower_and_pair_mean_the_mean():
    np.testing.assert_array_equal(contact.shared_language(A([0.2, 0.9]), A([0.6, 0.3])), [0.2, 0.3])
    np.testing.assert_allclose(contact.pair_mean(A([0.2, 1.0]), A([0.6, 0.0])), [0.4, 0.5])


def test_contact_quality_equation():
    # score = -0.2 + (0.3*1 + 0.4*0 + 0.5*0.5 + 0.6*0.2) + 1.2*0.5 - 0.7*0.4 - 0.9*0.3 = 0.52
    weights = QualityParams(intercept=-0.2, equal_status=0.3, common_goal=0.4, cooperation=0.5,
                            institutional_support=0.6, shared_language=1.2, anxiety=0.7, distress=0.9)
    q = contact.contact_quality(A([[1.0, 0.0, 0.5, 0.2]]), A([0.5]), A([0.4]), A([0.3]), weights)
    assert q[0] == pytest.approx(1.0 / (1.0 + np.exp(-0.52)))


def test_positive_probability_shifts_the_logit_and_stays_inside_zero_one():
    p = contact.positive_probability(A([0.5, 0.2]), A([np.log(3.0), 0.0]))
    np.testing.assert_allclose(p, [0.75, 0.2])
    with np.errstate(all="raise"):  # quality 0 or 1 is clipped: finite logits, no division by zero
        edges = contact.positive_probability(A([0.0, 1.0]), A([0.0, 0.0]))
    assert 0.0 < edges[0] < 1e-11 and 1.0 - 1e-11 < edges[1] < 1.0


def test_spare_negative_turns_the_cut_share_of_negative_chance_positive():
    np.testing.assert_allclose(spare_negative(A([0.6, 0.6, 0.2]), A([0.5, 0.0, 1.0])), [0.8, 0.6, 1.0])


def test_draw_valence_exact_split():
    positive, negative = contact.draw_valence(A([0, 3, 4]), A([0.5, 1.0, 0.0]), A([0.3, 0.3, 0.3]))
    np.testing.assert_array_equal(positive, [0, 3, 0])
    np.testing.assert_array_equal(negative, [0, 0, 4])


def test_tally_sums_per_person_raw_and_weighted():
    raw, weighted = contact.tally(4, A([0, 2, 2]), A([1.0, 2.0, 3.0]), A([1.0, 0.5, 2.0]))
    np.testing.assert_allclose(raw, [1.0, 0.0, 5.0, 0.0])
    np.testing.assert_allclose(weighted, [1.0, 0.0, 7.0, 0.0])


def test_contact_update_equation():
    # pull_good = 1 - 0.9^2 = 0.19, pull_bad = 1 - (1 - 0.1*2)^1 = 0.2: 50 + 0.19*50 - 0.2*50 = 49.5
    after = contact.contact_update(A([50.0]), A([2]), A([1]), A([0.1]), 2.0, 100.0, 0.0)
    assert after[0] == pytest.approx(49.5)


def test_contact_update_caps_each_pull_at_the_whole_distance():
    # step 0.6 * weight 2 = 1.2 capped at 1: one negative encounter reaches the bad end
    assert contact.contact_update(A([50.0]), A([0]), A([1]), A([0.6]), 2.0, 100.0, 0.0)[0] == pytest.approx(0.0)
    # step 1.5 capped at 1: one positive encounter reaches the good end
    assert contact.contact_update(A([50.0]), A([1]), A([0]), A([1.5]), 0.5, 100.0, 0.0)[0] == pytest.approx(100.0)


def test_update_views_moves_attitude_anxiety_and_trust_by_their_own_steps():
    u = UpdateParams(attitude_step=0.05, anxiety_step=0.1, trust_step=0.15, negativity_weight=2.0)
    views = (A([50.0, 50.0]), A([0.5, 0.5]), A([0.5, 0.5]))
    # susceptibility 2: steps 0.1, 0.2, 0.3 (negative: 0.2, 0.4, 0.6); one positive, then one negative encounter
    attitude, anxiety, trust = contact.update_views(*views, A([1, 0]), A([0, 1]), A([2.0, 2.0]), u, 100.0)
    np.testing.assert_allclose(attitude, [55.0, 40.0])
    np.testing.assert_allclose(anxiety, [0.4, 0.7])
    np.testing.assert_allclose(trust, [0.65, 0.2])


# ---- people -----------------------------------------------------------------------------------------
def test_resolve_pending_boundary_is_strict():
    np.testing.assert_array_equal(people.resolve_pending(A([True, True, True, False]), A([0.1, 0.5, 0.6, 0.1]), 0.5),
                                  [False, True, True, False])


def test_improve_language_equation_with_course_and_contact():
    # kept = 0.8^1 * 0.9^2 = 0.648: 0.5 + 0.5 * (1 - 0.648) = 0.676
    d = dynamics(language_course_gain=0.2, language_contact_gain=0.1)
    assert people.improve_language(A([0.5]), A([1]), A([2]), d)[0] == pytest.approx(0.676)


def test_job_finding_hazard_equation_each_barrier_and_cap():
    language = A([0.5, 0.5, 0.5, 0.5, 1.0])
    pending = A([True, False, True, False, False])
    unrecognised = A([True, True, False, False, False])
    base = 0.1 * np.exp(2.0 * (0.5 - 1.0))
    hazard = people.job_finding_hazard(language, pending, unrecognised, 0.1, employment())
    np.testing.assert_allclose(hazard[:4], [base * 0.5 * 0.4, base * 0.4, base * 0.5, base])
    assert hazard[4] == pytest.approx(0.1)
    assert people.job_finding_hazard(A([1.0]), A([False]), A([False]), 5.0, employment())[0] == 1.0


def test_update_employment_boundaries():
    employed = A([True, True, False, False])
    u = A([0.05, 0.1, 0.2, 0.3])
    # employed keep the job when u >= loss rate; others find one when u < their hazard
    np.testing.assert_array_equal(people.update_employment(employed, u, A([0.9, 0.9, 0.3, 0.3]), employment()),
                                  [False, True, True, False])


def test_update_distress_equation():
    # kept = 0.9 * 1 * 0.95^2 = 0.81225: 0.4 + 0.6 * 0.18775 - 0.1 * (0.4 - 0.2) = 0.49265
    p = DistressParams(legal_uncertainty=0.1, family_separation=0.2, negative_contact=0.05, recovery=0.1,
                       baseline={"receiving": 0.0, "arriving": 0.2})
    after = people.update_distress(A([0.4]), A([1]), A([True]), A([False]), A([2]), p)
    assert after[0] == pytest.approx(0.49265)
    # family separation alone: kept = 0.8: 0.4 + 0.6 * 0.2 - 0.1 * 0.2 = 0.5
    after = people.update_distress(A([0.4]), A([1]), A([False]), A([True]), A([0]), p)
    assert after[0] == pytest.approx(0.5)
    # a receiving member recovers toward the receiving baseline 0: 0.4 + 0.6 * 0.2 - 0.1 * 0.4 = 0.48
    assert people.update_distress(A([0.4]), A([0]), A([False]), A([True]), A([0]), p)[0] == pytest.approx(0.48)


def test_update_belonging_equation():
    # kept = 0.9^2 * 0.8 = 0.648: 0.3 + 0.7 * 0.352 - 0.1 * (0.3 - 0.5) = 0.5664
    p = BelongingParams(positive_contact=0.1, work=0.2, decay=0.1, baseline={"receiving": 0.5, "arriving": 0.1})
    assert people.update_belonging(A([0.3]), A([0]), A([2]), A([True]), p)[0] == pytest.approx(0.5664)
    # arriving baseline 0.1: 0.3 + 0.7 * 0.352 - 0.1 * (0.3 - 0.1) = 0.5264
    assert people.update_belonging(A([0.3]), A([1]), A([2]), A([True]), p)[0] == pytest.approx(0.5264)


def test_running_average_value():
    assert people.running_average(A([0.2]), A([1.0]), 0.25)[0] == pytest.approx(0.4)


# ---- friendship -------------------------------------------------------------------------------------
def test_meeting_factor_and_contact_weight_apply_to_friendships_only():
    f = friendship_params(rate_multiplier=1.5, weight=2.0)
    np.testing.assert_array_equal(friendship.meeting_factor(A([True, False]), f), [1.5, 1.0])
    np.testing.assert_array_equal(friendship.contact_weight(A([True, False]), f), [2.0, 1.0])


def test_is_friendship_at_the_threshold():
    np.testing.assert_array_equal(friendship.is_friendship(A([0.49, 0.5, 0.6]), friendship_params(threshold=0.5)),
                                  [False, True, True])


def test_update_tie_strength_equation_and_both_clips():
    # 0.5 * 0.9 + 0.1 * 2 - 0.15 * 1 = 0.5
    after = friendship.update_tie_strength(A([0.5, 0.9, 0.1]), A([2.0, 3.0, 0.0]), A([1.0, 0.0, 2.0]),
                                           friendship_params(gain=0.1, loss=0.15, decay=0.1))
    np.testing.assert_allclose(after, [0.5, 1.0, 0.0])


def test_ties_per_person_exact():
    counts = friendship.ties_per_person(4, A([0, 1, 2]), A([1, 2, 3]), A([True, True, False]))
    np.testing.assert_array_equal(counts, [1, 2, 1, 0])


def test_friendship_matrix_entries():
    matrix = friendship.friendship_matrix(3, A([0, 0]), A([1, 1])).toarray()
    np.testing.assert_array_equal(matrix, [[0, 1, 0], [1, 0, 0], [0, 0, 0]])


def test_extended_contacts_count_friends_with_any_outgroup_friend():
    ingroup = sparse.csr_matrix(A([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float))
    counts = friendship.extended_contacts(ingroup, A([0, 2, 1]))
    np.testing.assert_array_equal(counts, [2, 0, 0])
    assert counts.dtype == np.int64


def test_extended_contact_update_equation_no_friends_and_cap():
    # step 0.2 x susceptibility 2 = 0.4, share 1/4: 40 + 0.1 * 60 = 46; no extended contact: unchanged;
    # susceptibility 15: 3 * 1 capped at 1
    d = dynamics(extended_contact_step=0.2)
    after = friendship.extended_contact_update(A([40.0, 40.0, 40.0]), A([1, 0, 1]), A([4, 0, 1]),
                                               A([2.0, 2.0, 15.0]), d, 100.0)
    np.testing.assert_allclose(after, [46.0, 40.0, 100.0])
    # no ingroup friends counts as one: share 1, step 0.2 x 2.5 = 0.5: 40 + 0.5 * 60 = 70
    assert friendship.extended_contact_update(A([40.0]), A([1]), A([0]), A([2.5]), d, 100.0)[0] == pytest.approx(70.0)


# ---- beliefs ----------------------------------------------------------------------------------------
def test_facts_topics_in_beliefs_order():
    assert BELIEFS == ("education", "employment", "welfare")
    np.testing.assert_allclose(beliefs.facts(1.0, 0.25), [1.0, 0.25, 0.75])


def test_person_facts_per_person():
    np.testing.assert_array_equal(beliefs.person_facts(A([2, 1, 0]), A([True, False, True])),
                                  [[1, 1, 0], [0, 0, 1], [0, 1, 0]])


def test_true_shares_of_arriving_members_only():
    group = A([0, 1, 1, 1, 1])
    education = A([2, 2, 0, 2, 1])
    employed = A([True, True, False, False, False])
    np.testing.assert_allclose(beliefs.true_shares(group, education, employed), [0.5, 0.25, 0.75])
    assert np.isnan(beliefs.true_shares(A([0, 0]), A([2, 2]), A([True, True]))).all()


def test_observer_is_the_receiving_end_of_each_tie():
    observer, partner = beliefs.observer_and_partner(A([0, 1, 2]), A([1, 0, 3]), A([0, 1, 1, 0]))
    np.testing.assert_array_equal(observer, [0, 0, 3])
    np.testing.assert_array_equal(partner, [1, 1, 2])


def test_pooled_observations_weight_each_set_by_its_encounters():
    # person 0 sees partner facts [1, 0, 1] twice in one set and [0, 1, 0] once in another;
    # personal weight 0.5 mixes each with the truth [0.5, 0.5, 0.5]
    truth = A([0.5, 0.5, 0.5])
    sightings = [(A([0]), A([2.0]), A([[1.0, 0.0, 1.0]])), (A([0, 1]), A([1.0, 0.0]), A([[0.0, 1.0, 0.0]] * 2))]
    shown, seen = beliefs.pooled_observations(3, sightings, truth, dynamics(belief_personal_weight=0.5))
    first, second = 0.5 * A([1.0, 0.0, 1.0]) + 0.25, 0.5 * A([0.0, 1.0, 0.0]) + 0.25
    np.testing.assert_allclose(shown[0], (2 * first + second) / 3)
    np.testing.assert_array_equal(shown[1:], np.zeros((2, 3)))
    np.testing.assert_array_equal(seen, [3.0, 0.0, 0.0])


def test_update_belief_equation():
    # learned = 1 - 0.8^2 = 0.36: 0.5 + 0.1 * (0.2 - 0.5) + 0.36 * (0.9 - 0.5) = 0.614
    d = dynamics(belief_media_drift=0.1, belief_observation=0.2)
    assert beliefs.update_belief(A([0.5]), A([0.9]), A([2]), 0.2, d)[0] == pytest.approx(0.614)


def test_misperception_exact():
    np.testing.assert_allclose(beliefs.misperception(A([[0.2, 0.5, 0.9]]).T, A([0.5, 0.5, 0.3])), [0.3])


# ---- survivors of the full mutation run (2026-11-26): exact values where the earlier tests' numbers hid them
def test_buffered_weight_divides_the_history_by_the_half_buffer():
    from bridges.model.rules.negativity import buffered_weight
    # k = 1 + (3 - 1) / (1 + 2 / 4) = 1 + 2 / 1.5
    contact = params_for().contact
    u, n = replace(contact.update, negativity_weight=3.0), replace(contact.negativity, buffer_half=4.0)
    assert buffered_weight(A([2.0]), u, n)[0] == pytest.approx(1.0 + 2.0 / 1.5)


def test_perceived_norm_divides_by_the_total_weight():
    from bridges.model.rules.norms import perceived_norm
    # N = 10 + (2 (30 - 20) + 1 (50 - 40)) / (2 + 1 + 2) = 10 + 30 / 5
    norm = perceived_norm(np.array([10.0]), np.array([30.0]), np.array([20.0]), np.array([50.0]), np.array([40.0]),
                          norm_params(friends_weight=2.0, neighbourhood_weight=1.0, own_weight=2.0), 0.0, 100.0)
    assert norm[0] == pytest.approx(16.0)


def test_extended_anxiety_relief_is_capped_at_all_of_it():
    from bridges.model.rules.norms import extended_anxiety
    # relief x share = 1.5 > 1: the relief takes all of the anxiety, never below zero (the schema caps the relief
    # at 1, which the rule does not rely on)
    assert extended_anxiety(np.array([0.4]), np.array([0.75]), norm_params(extended_anxiety_relief=2.0))[0] == 0.0
