"""The issue-24 validation measures (scenarios/validate.py): extended contact as a cross-sectional correlation of
survey answers, the share of a lift kept while contact goes on, and who counts as an unreached friend."""

from types import SimpleNamespace

import numpy as np
from scipy import sparse

import pandas as pd

from bridges.model.survey import friend_count_answer
from bridges.scenarios.validate import extended_contact_survey, kept_share, unreached_friends


def test_extended_contact_survey_r_is_cross_sectional_on_answers_and_partial_removes_direct_friendship():
    rng = np.random.default_rng(0)
    n = 4000
    direct = rng.poisson(0.5, n)
    extended = rng.poisson(1.0, n) + direct  # extended contact goes with direct friendship
    thermometer = np.round(50 + 4 * friend_count_answer(direct) + rng.normal(0, 5, n))  # only direct moves it
    wave = pd.DataFrame({"extended_contact": friend_count_answer(extended), "outgroup_friends": friend_count_answer(direct),
                         "thermometer": thermometer}).astype("Int64")
    r, partial = extended_contact_survey(wave)
    # with n = 4000 the SE of r is about 1 / sqrt(n) = 0.016: r is clearly positive, the partial r within 3 SE of 0
    assert r > 0.1 and abs(partial) < 0.05
    assert r == np.corrcoef(friend_count_answer(extended), thermometer)[0, 1]


def test_extended_contact_survey_leaves_out_respondents_without_all_three_answers():
    wave = pd.DataFrame({"extended_contact": [1, 2, 3, 4, 5, None], "outgroup_friends": [1, 1, 2, 1, 2, 1],
                         "thermometer": [10, 30, 40, 70, 90, 0]}, dtype="Int64")
    answered = wave.iloc[:5].astype(float)
    assert extended_contact_survey(wave)[0] == np.corrcoef(answered.extended_contact, answered.thermometer)[0, 1]
    assert all(np.isnan(extended_contact_survey(wave.assign(extended_contact=2))))


def test_kept_share_is_the_last_weekly_mean_over_the_largest():
    weeks = [np.array([1.0, 3.0]), np.array([4.0, 6.0]), np.array([2.0, 4.0])]
    assert kept_share(weeks) == 3.0 / 5.0
    assert kept_share([np.array([1.0]), np.array([2.0])]) == 1.0
    assert np.isnan(kept_share([np.array([-1.0]), np.array([-2.0])]))
    assert np.isnan(kept_share([np.array([]), np.array([])]))


def test_unreached_friends_are_of_the_group_not_reached_and_have_a_reached_ingroup_friend():
    # 0 reached; 1 its friend (unreached); 2 friend of 1 only; 3 reached, other group; 4 friend of 3
    pairs = [(0, 1), (1, 2), (3, 4)]
    friends = sparse.csr_matrix((np.ones(2 * len(pairs)), ([a for a, b in pairs] + [b for a, b in pairs],
                                                             [b for a, b in pairs] + [a for a, b in pairs])), shape=(5, 5))
    information = SimpleNamespace(ingroup_friends=friends, state=SimpleNamespace(group=np.array([0, 0, 0, 1, 1])))
    exposed = np.array([True, False, False, True, False])
    np.testing.assert_array_equal(unreached_friends(information, exposed, 0), [False, True, False, False, False])
    np.testing.assert_array_equal(unreached_friends(information, exposed, 1), [False, False, False, False, True])


def test_slow_states_read_each_group_and_the_ties_novelty():
    """The drift run's slow states (scenarios/validate.py `slow_states`): group means as the state holds them,
    discrimination for arriving and threat and misperception for receiving members only (the others' are 0 or
    NaN by construction), and the ties' novelty from their meeting counts, which only grow, so it falls."""
    from bridges.model.rules.generalisation import novelty
    from bridges.model.simulation import build, simulate
    from bridges.scenarios.validate import SLOW_STATES, city_params, slow_states

    model, _ = build(city_params([], "default", (), "city.n_agents=400", "city.n_neighbourhoods=4", "steps=6",
                                 "scenario=baseline"))
    start = slow_states(model)
    state, arriving = model.state, model.state.group == 1
    assert {name for name, _ in start} == set(SLOW_STATES)
    assert ("discrimination", "receiving") not in start and ("threat", "arriving") not in start
    assert ("misperception", "arriving") not in start
    assert start["distress", "arriving"] == np.mean(state.distress[arriving])
    assert start["outgroup_friend_share", "arriving"] == np.mean(state.outgroup_friends[arriving] > 0)
    expected = np.mean(1.0 / (1.0 + model.ties.met / model.params.contact.generalisation.half_familiar))
    assert start["tie_novelty", "ties"] == expected
    assert expected == np.mean(novelty(model.ties.met, model.params.contact.generalisation))
    simulate(model)
    assert slow_states(model)["tie_novelty", "ties"] < start["tie_novelty", "ties"]
