"""Exact tests for survivors of the full mutation run (docs/mutation.md, "Survivors of the full run, revisited"):
the mechanism rules' table helpers and boundaries, and two phases of the weekly step on a tiny model.

The mechanism rules are called through the small helpers below (one line each), so a change of a rule's
signature touches one line here. Expected values are worked out by hand in the comments.
"""

from dataclasses import replace
from functools import cache
from math import e
from types import SimpleNamespace

import numpy as np
import pytest

from bridges.model import BridgesModel
from bridges.model.mechanisms import livelihoods, threat as threat_mechanism
from bridges.model.mechanisms.base import uniform_table
from bridges.model.rules import encounters, negativity, norms
from bridges.model.state import ARRIVING, RECEIVING
from tests.conftest import params_for

A = np.array


def residents_by_place(neighbourhood):
    return encounters.residents_by_place(neighbourhood)


def public_pairs(neighbourhood, group, local_share, u_where, u_who):
    """One opportunity a week each."""
    incidental = replace(tiny_params().contact.incidental, opportunities=1, local_share=local_share)
    return encounters.public_encounter_pairs(neighbourhood, group, incidental, u_where, u_who)


def log_odds_update(value, positive, negative, step_size, negativity_weight, good_end, bad_end):
    return negativity.log_odds_update(value, positive, negative, step_size, negativity_weight, good_end, bad_end)


def ingroup_places(neighbourhood, group):
    return norms.ingroup_places(neighbourhood, group)


def neighbourhood_ingroup_mean(value, neighbourhood, group, cells=None):
    return norms.neighbourhood_ingroup_mean(value, neighbourhood, group, cells)


# ---- encounters --------------------------------------------------------------------------------------
def test_residents_by_place_sorts_stably_and_sizes_each_place():
    # neighbourhoods 2 0 2 1 0: place 0 holds residents 1, 4; place 1 resident 3; place 2 residents 0, 2
    order, size, start = residents_by_place(A([2, 0, 2, 1, 0]))
    np.testing.assert_array_equal(order, [1, 4, 3, 0, 2])
    np.testing.assert_array_equal(size, [2, 1, 2])
    np.testing.assert_array_equal(start, [0, 2, 3])


def test_residents_by_place_of_nobody_is_empty():
    order, size, _ = residents_by_place(np.zeros(0, dtype=np.int64))
    assert order.size == 0 and size.size == 0


def test_public_pair_is_local_only_below_the_local_share_and_reaches_the_last_resident():
    # Residents 0-3 in places 0 0 1 1, groups 0 1 0 1. Person 0: u_where = 0.5 = local_share, so a city-wide
    # pick (strictly below is local): resident floor(0.75 * 4) = 3, the last one, of the other group. (Local, it
    # would have been resident floor(0.75 * 2) = 1 of place 0.) Persons 1-3 pick city-wide resident 0 (u_who 0):
    # an intergroup pair for 1 and 3.
    source, target = public_pairs(A([0, 0, 1, 1]), A([0, 1, 0, 1]), 0.5, A([0.5, 0.9, 0.9, 0.9]),
                                  A([0.75, 0.0, 0.0, 0.0]))
    np.testing.assert_array_equal(source, [0, 1, 3])
    np.testing.assert_array_equal(target, [3, 0, 0])


# ---- negativity --------------------------------------------------------------------------------------
def test_log_odds_update_moves_a_value_at_the_bad_end():
    # x = 0 is held at EDGE = 1e-9 so its log-odds are finite: one positive encounter at s = 0.5 adds 2 s = 1 to
    # them, x' = x e / (1 - x + x e); on a 0-100 thermometer that is 100 x'
    moved = log_odds_update(A([0.0]), A([1.0]), A([0.0]), 0.5, 1.0, 100.0, 0.0)[0]
    x = negativity.EDGE
    assert moved == pytest.approx(100.0 * x * e / (1.0 - x + x * e), rel=1e-12)


def test_log_odds_update_of_whole_number_values_is_not_rounded():
    # A thermometer reading of 50 (an integer array) moves to 100 / (1 + exp(-0.02)) = 50.4999..., not back to 50
    moved = log_odds_update(A([50]), A([1.0]), A([0.0]), 0.01, 2.0, 100.0, 0.0)
    assert moved.dtype == float
    assert moved[0] == pytest.approx(100.0 / (1.0 + np.exp(-0.02)), rel=1e-12)


# ---- norms -------------------------------------------------------------------------------------------
def test_ingroup_places_numbers_each_neighbourhood_and_group_cell():
    # cells 2 h + g, 2 per neighbourhood: residents (h, g) = (1, 0) (1, 1) (0, 0) (1, 0) are cells 2 3 0 2
    key, n_cells = ingroup_places(A([1, 1, 0, 1]), A([0, 1, 0, 0]))
    np.testing.assert_array_equal(key, [2, 3, 0, 2])
    assert n_cells == 4


def test_ingroup_places_of_one_neighbourhood_and_of_nobody():
    key, n_cells = ingroup_places(A([0, 0, 0]), A([0, 1, 0]))
    np.testing.assert_array_equal(key, [0, 1, 0])
    assert n_cells == 2
    key, n_cells = ingroup_places(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert key.size == 0 and n_cells == 0


def test_ingroup_cell_means_per_cell_and_nobody_s_cell_zero():
    # cells as above: cell 2 holds 10 and 40 (mean 25), cell 3 holds 20, cell 0 holds 30, cell 1 nobody
    cells = ingroup_places(A([1, 1, 0, 1]), A([0, 1, 0, 0]))
    np.testing.assert_array_equal(norms.ingroup_cell_means(A([10.0, 20.0, 30.0, 40.0]), cells), [30.0, 0.0, 25.0, 20.0])


def test_neighbourhood_ingroup_mean_with_precomputed_cells():
    # cells as above: cell 2 holds 10 and 40 (mean 25), cell 3 holds 20, cell 0 holds 30
    neighbourhood, group = A([1, 1, 0, 1]), A([0, 1, 0, 0])
    mean = neighbourhood_ingroup_mean(A([10.0, 20.0, 30.0, 40.0]), neighbourhood, group,
                                      ingroup_places(neighbourhood, group))
    np.testing.assert_array_equal(mean, [25.0, 20.0, 30.0, 25.0])


# ---- phases of the weekly step on a tiny model -------------------------------------------------------
@cache
def tiny_params():
    """A 60-resident city whose pending asylum decisions stop job finding (pending factor 0). Composed once per
    process: configuration is not under mutation, so reusing it hides nothing."""
    return params_for("city.n_agents=60", "city.n_neighbourhoods=2", "steps=2", "dynamics.employment.pending_factor=0.0")


def test_a_pending_asylum_decision_lowers_the_job_finding_hazard():
    """With the pending factor 0 and every other barrier lifted (hazard 1), this week's job seekers find work
    exactly when no decision is pending."""
    model = BridgesModel(tiny_params())
    state = model.state
    state.employed[:] = False
    state.studying[:] = False
    state.qualification_recognised[:] = True
    state.language[:] = 1.0
    state.legal_pending[:] = np.arange(state.n) % 2 == 0
    model.job_finding_rate = 1.0
    model.week.positive, model.week.negative = (np.zeros(state.n, dtype=np.int64) for _ in range(2))
    livelihoods.update_livelihoods(model)
    assert state.legal_pending.any() and not state.legal_pending.all()
    np.testing.assert_array_equal(state.employed, ~state.legal_pending)


def test_current_threat_is_a_float_nan_for_arriving_members():
    model = BridgesModel(tiny_params())
    threat = threat_mechanism.current_threat(model)
    assert threat.dtype == float
    np.testing.assert_array_equal(np.isnan(threat), model.state.group == ARRIVING)
    assert (model.state.group == RECEIVING).any()


def test_one_resident_draws_a_table_of_the_asked_shape_from_the_model_s_generator():
    """model/mechanisms/base.py `uniform_table` in the agents engine (survivor of the declarations' mutation
    run: drawing `random(None)`, one number, went unnoticed outside the statistical engine tests)."""
    model = SimpleNamespace(rng=np.random.default_rng(7))
    drawn = uniform_table(model, "any_stream", slice(3, 4), (2, 3))
    np.testing.assert_array_equal(drawn, np.random.default_rng(7).random((2, 3)))
