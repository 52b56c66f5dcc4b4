"""Who never meets (model/mechanisms/settling.py, issue 24 point 3): the rules' exact values, the phases on
a model, the refugee panel's survey item, and the direction the mechanism claims over paired replicates."""

from types import SimpleNamespace

import numpy as np
import pytest

from bridges.model import BridgesModel
from bridges.model.mechanisms.base import PUBLIC
from bridges.model.mechanisms.contact import open_week
from bridges.model.mechanisms.settling import (SettlingParams, change_housing, cut_ties, draw_sociability, move_house,
                                             spend_time, time_together)
from bridges.model.ranges import ARRIVING
from bridges.model.survey import time_answer
from tests.conftest import SHARED_CITY, params_for
from tests.paired import SEEDS, assert_paired_effect

S = SettlingParams(enabled=True, sociability_spread=0.6, housing_initial_share=0.2, housing_newcomer_share=0.8,
                   housing_leave_rate=0.1, housing_cut_kinds=["neighbourhood"])


def test_sociability_is_lognormal_with_mean_one_and_the_stated_spread():
    np.testing.assert_allclose(draw_sociability(np.array([0.0, 1.0, -1.0]), 0.5),
                               np.exp(np.array([0.0, 0.5, -0.5]) - 0.125))
    s = draw_sociability(np.random.default_rng(0).standard_normal(200_000), 0.6)
    # mean 1 and sd(log) 0.6: standard errors 0.0015 and 0.001 at n = 200,000, so 0.01 is over 6 SE
    assert abs(s.mean() - 1.0) < 0.01 and abs(np.log(s).std() - 0.6) < 0.01
    assert np.all(draw_sociability(np.array([0.3, -2.0]), 0.0) == 1.0)  # no spread: everyone alike


def test_move_house_moves_newcomers_in_and_residents_out_by_their_uniform():
    housed = np.array([True, True, False, False, False, True])
    newcomer = np.array([False, False, True, True, False, True])
    u = np.array([0.05, 0.5, 0.7, 0.9, 0.0, 0.85])
    # leaves (0.05 < 0.1); stays; newcomer in (0.7 < 0.8); newcomer out (0.9); nobody else moves in; newcomer out
    np.testing.assert_array_equal(move_house(housed, newcomer, u, S), [False, True, True, False, False, False])


def test_move_house_at_the_boundaries():
    one = np.ones(1, dtype=bool)
    assert move_house(one, ~one, np.array([0.1]), S)[0]  # u == leave rate: stays
    assert not move_house(~one, one, np.array([0.8]), S)[0]  # u == newcomer share: lives privately
    assert move_house(~one, one, np.array([0.7999]), S)[0]


def test_cut_ties_cuts_only_ties_of_cut_kinds_with_a_housed_end():
    housed_source = np.array([True, False, False, True])
    housed_target = np.array([False, True, False, False])
    cut_kind = np.array([True, True, True, False])
    np.testing.assert_array_equal(cut_ties(housed_source, housed_target, cut_kind), [False, False, True, True])


def block(name, source, target, encounters):
    return SimpleNamespace(name=name, source=np.array(source), target=np.array(target),
                           encounters=np.array(encounters, dtype=np.int64))


def fake_model(blocks, arrival_week, steps=5, weight=0.25):
    n = len(arrival_week)
    state = SimpleNamespace(n=n, recent_time_together=np.ones(n), arrival_week=np.array(arrival_week),
                            group=np.full(n, ARRIVING))
    params = SimpleNamespace(dynamics=SimpleNamespace(recent_contact_weight=weight))
    return SimpleNamespace(state=state, params=params, steps=steps, contact_blocks=lambda: blocks)


def test_time_together_counts_both_ends_of_ties_but_not_public_space():
    model = fake_model([block("network", [0, 1], [2, 3], [2, 0]), block("volunteering", [0], [3], [1]),
                        block(PUBLIC, [1], [2], [4])], [0, 0, 0, 0])
    np.testing.assert_array_equal(time_together(model), [3.0, 0.0, 2.0, 1.0])


def test_spend_time_averages_the_week_in_and_newcomers_start_from_none():
    model = fake_model([block("network", [0], [1], [4])], arrival_week=[0, 5, 0], steps=5)
    spend_time(model)
    # 0.75 * 1 + 0.25 * 4 = 1.75; person 1 arrived this week: 0; person 2 met nobody: 0.75
    np.testing.assert_allclose(model.state.recent_time_together, [1.75, 0.0, 0.75])


def test_time_answer_cuts_the_rate_into_the_panels_six_codes():
    cuts = [0.02, 12 / 52, 1.0, 2.0, 5.0]
    rates = np.array([0.0, 0.019, 0.02, 0.5, 1.0, 2.5, 5.0, 9.0])
    np.testing.assert_array_equal(time_answer(rates, cuts), [1, 1, 2, 3, 4, 5, 6, 6])


def test_week_zero_draws_sociability_and_housing_only_when_on():
    on = BridgesModel(params_for("city.n_agents=600", "steps=2", "dynamics.reference=self"))
    arriving = on.state.group == ARRIVING
    assert on.state.shared_housing.any() and not on.state.shared_housing[~arriving].any()
    # a share housing_initial_share (0.2) of the arriving members; binomial SE sqrt(0.2 * 0.8 / n) is at most
    # 0.073 for the 30 arriving members of this city, so 0.25 is over 3 SE
    assert abs(on.state.shared_housing[arriving].mean() - 0.2) < 0.25
    assert np.unique(on.state.sociability).size == on.state.n
    housed = on.state.shared_housing
    kinds = np.array([on.city.layer_params[name].kind for name in on.city.network.layer_names])[on.ties.layer]
    touched = housed[on.ties.source] | housed[on.ties.target]
    assert not on.ties.live[touched & (kinds == "neighbourhood")].any()
    assert on.ties.live[~touched | (kinds != "neighbourhood")].all()
    off = BridgesModel(params_for("city.n_agents=600", "steps=2", "dynamics.reference=self",
                                  "contact.settling.enabled=false"))
    assert not off.state.shared_housing.any() and np.all(off.state.sociability == 1.0) and off.ties.live.all()


OFF = ("contact.settling.enabled=false",)


def never_share(city_runs, overrides: tuple[str, ...], seed: int) -> float:
    """Share of arriving members whose recent time together is below the survey's "never" cut."""
    model = city_runs.model(overrides, seed)
    arriving = model.state.group == ARRIVING
    return float(np.mean(model.state.recent_time_together[arriving] < model.params.survey.time_cutoffs.less_often))


@pytest.mark.slow
@SHARED_CITY
def test_settling_raises_the_share_of_arriving_members_who_never_spend_time_with_the_outgroup(city_runs):
    """On vs off over the golden city's 8 paired seeds (1,000 residents, 50 arriving, 30 weeks): with
    sociability differing and shared accommodation cutting neighbourly ties, more arriving members answer
    "never". Tolerance: the mean paired difference must exceed 3 standard errors of the paired differences,
    P(t_7 > 3) = 0.01 under no effect (tests/paired.py)."""
    differences = np.array([never_share(city_runs, (), seed) - never_share(city_runs, OFF, seed) for seed in SEEDS])
    assert_paired_effect(differences, +1, "arriving share never spending time together, settling on - off")


def test_time_together_skips_public_space_wherever_it_comes_in_the_list():
    model = fake_model([block(PUBLIC, [1], [2], [4]), block("network", [0, 1], [2, 3], [2, 0])], [0, 0, 0, 0])
    np.testing.assert_array_equal(time_together(model), [2.0, 0.0, 2.0, 0.0])


def one_resident_week():
    """A small model after one week, with each resident's own ties indexed as the agents engine's week has
    them (`open_week`), so a phase can run over one resident's row."""
    model = BridgesModel(params_for("city.n_agents=600", "steps=3", "dynamics.reference=self"))
    model.step()
    open_week(model)
    return model


def test_spend_time_over_one_resident_changes_only_that_row():
    model = one_resident_week()
    state, weight = model.state, model.params.dynamics.recent_contact_weight
    met = np.flatnonzero((time_together(model) > 0) & (state.arrival_week != model.steps))
    i = int(met[0])
    before, expected = state.recent_time_together.copy(), (1 - weight) * state.recent_time_together + weight * time_together(model)
    spend_time(model, slice(i, i + 1))
    np.testing.assert_allclose(state.recent_time_together[i], expected[i])
    others = np.arange(state.n) != i
    assert state.recent_time_together[others].tobytes() == before[others].tobytes()


def test_change_housing_over_one_resident_moves_only_them_and_cuts_only_their_ties():
    model = one_resident_week()
    state, ties = model.state, model.ties
    i = int(np.flatnonzero(state.shared_housing)[0])
    housed_before = state.shared_housing.copy()
    ties.live[:] = True  # every tie live, so a tie the phase should not touch shows if it did
    change_housing(model, slice(i, i + 1))
    others = np.arange(state.n) != i
    assert np.array_equal(state.shared_housing[others], housed_before[others])
    kinds = np.array([model.city.layer_params[name].kind for name in model.city.network.layer_names])[ties.layer]
    mine = (ties.source == i) | (ties.target == i)
    housed = state.shared_housing
    np.testing.assert_array_equal(ties.live[mine], ~((kinds[mine] == "neighbourhood")
                                                      & (housed[ties.source[mine]] | housed[ties.target[mine]])))
    assert ties.live[~mine].all()
    assert not ties.live[mine].all()  # the resident has neighbourhood ties that housing cuts
