"""What a process keeps from one run for the next (model/kept.py) changes no number: a run that finds its city,
initial-state quantiles, generator states and spin-up kept equals one that computes them, byte for byte.
benchmarks/check_identical.py checks the same over 21 cases and every week; these are the quick checks."""

import os

import numpy as np
import pytest
from scipy import special

from bridges.model import kept
from bridges.model import reference as reference_world
from bridges.model.city_source import make_city
from bridges.model.simulation import run
from bridges.model.state import State, exact_quantiles
from bridges.model.streams import Streams
from tests.conftest import SMALL_CITY, params_for


def everything(results) -> dict[str, np.ndarray]:
    """Every state array at the end, the city's tie strengths and the weekly metrics."""
    model = results.model
    arrays = {name: getattr(model.state, name) for name in State.field_names()}
    arrays |= {"strength": model.ties.strength, "met": model.ties.met,
               "metrics": results.timeseries.value.to_numpy(), "survey": results.survey.to_numpy(dtype=str)}
    return arrays


def assert_same(first: dict, second: dict) -> None:
    assert first.keys() == second.keys()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name, strict=True)


def test_a_run_that_finds_everything_kept_equals_one_that_computes_it():
    params = params_for(*SMALL_CITY, "scenario=volunteering")
    kept.forget()
    computed = everything(run(params))
    again = everything(run(params))
    assert_same(computed, again)


def test_a_spin_up_kept_by_another_arm_is_the_one_this_arm_computes():
    """Programmes are left out of the key: the baseline's spin-up serves the volunteering arm of the seed."""
    baseline, arm = params_for(*SMALL_CITY), params_for(*SMALL_CITY, "scenario=volunteering")
    kept.forget()
    computed = everything(run(arm))
    kept.forget()
    run(baseline)
    assert_same(computed, everything(run(arm)))


def test_the_spin_up_is_kept_per_configuration_and_city():
    kept.forget()
    model = run(params_for(*SMALL_CITY)).model
    key = reference_world.own_history_key(model.params, model.city)
    assert reference_world.kept_in_memory(key) is not None
    other = run(params_for(*SMALL_CITY, "seed=5")).model
    assert reference_world.own_history_key(other.params, other.city) != key


def test_a_generated_city_is_kept_per_parameters_and_seed_and_cannot_be_changed():
    params = params_for(*SMALL_CITY)
    kept.forget()
    city = make_city(params, Streams(params.seed))
    assert make_city(params, Streams(params.seed)) is city
    assert make_city(params, Streams(params.seed + 1)) is not city
    with pytest.raises(ValueError, match="read-only"):
        city.network.source[0] = 1


def test_kept_generator_states_draw_what_a_fresh_generator_draws():
    streams = Streams(11)
    kept.forget()
    for _ in range(2):  # seeded, then kept
        for name, week, size in (("meet", 3, 5), ("valence.source", 3, (4, 2)), ("meet", 4, 7)):
            np.testing.assert_array_equal(streams.uniform(name, week, size),
                                          streams.generator(name, week).random(size), strict=True)


def test_kept_quantiles_are_scipys_and_read_only():
    u = np.random.default_rng(0).random(300)
    kept.forget()
    first = exact_quantiles(u, 2.5, 4.0)
    np.testing.assert_array_equal(first, special.betaincinv(2.5, 4.0, u), strict=True)
    assert exact_quantiles(u.copy(), 2.5, 4.0) is first
    assert not first.flags.writeable


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")  # the child only reads a dict and exits
def test_a_forked_process_starts_with_nothing_kept():
    run(params_for(*SMALL_CITY))
    child = os.fork()
    if child == 0:
        os._exit(0 if not reference_world._memory else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
