"""Turnover of the arriving community (model/rules/turnover.py, phase `renew_arriving`): exact values of each
rule, and over replicates that turnover holds the arriving community's make-up where one cohort drifts."""

import warnings
from dataclasses import replace

import numpy as np
import pytest

from bridges.model import BridgesModel
from bridges.model.mechanisms.turnover import TurnoverParams
from bridges.model.rules import turnover
from bridges.model.state import ARRIVING
from tests.conftest import params_for

DYNAMICS = params_for().dynamics


def test_expected_change_is_each_rule_in_expectation():
    d = replace(DYNAMICS, legal_determination_hazard=0.1, family_reunification_hazard=0.2, course_exit_hazard=0.3,
                language_course_gain=0.5, language_contact_gain=0.25, employment=replace(DYNAMICS.employment, loss_rate=0.05))
    flags = np.array([True, False])
    change = turnover.expected_change(flags, flags, flags, flags, np.array([0.2, 0.6]), np.array([2.0, 1.0]),
                                      np.array([0.4, 0.7]), d)
    np.testing.assert_allclose(change["legal_pending"], [-0.1, 0.0])
    np.testing.assert_allclose(change["family_pending"], [-0.2, 0.0])
    np.testing.assert_allclose(change["studying"], [-0.3, 0.0])
    np.testing.assert_allclose(change["employed"], [-0.05, 0.7])  # the employed lose work, job seekers find it
    # language headroom closed: 1 - (1 - 0.5)^studying (1 - 0.25)^encounters
    np.testing.assert_allclose(change["language"], [0.8 * (1 - 0.5 * 0.75 ** 2), 0.4 * 0.25])
    assert list(change) == list(turnover.LIVELIHOODS)


def test_steady_rate_is_the_slowest_rate_holding_every_mean():
    # rising 0.5 from 0.01 a week needs r >= 0.02; falling 0.2 by 0.004 needs r >= 0.004 / 0.8 = 0.005
    assert turnover.steady_rate(np.array([0.5, 0.2, 0.7]), np.array([0.01, -0.004, 0.0])) == pytest.approx(0.02)
    assert turnover.steady_rate(np.array([0.5, 0.2]), np.array([0.001, -0.04])) == pytest.approx(0.05)
    assert turnover.steady_rate(np.array([0.5, 0.2]), np.zeros(2)) == 0.0
    # a mean at 0 that rises (or at 1 that falls) cannot be held by any rate: every member is renewed weekly
    assert turnover.steady_rate(np.array([0.0]), np.array([0.01])) == 1.0
    assert turnover.steady_rate(np.array([1.0]), np.array([-0.01])) == 1.0
    assert turnover.steady_rate(np.array([0.9]), np.array([0.95])) == 1.0  # capped at 1


def test_a_mean_that_does_not_change_needs_no_turnover_even_at_the_ends_of_its_range():
    """Nobody awaiting a decision who nobody decides (0 of 0), everyone employed who nobody dismisses: no
    rate needed, and no 0 / 0 along the way (warnings are errors here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert turnover.steady_rate(np.array([0.0, 1.0]), np.array([0.0, 0.0])) == 0.0
        assert turnover.steady_rate(np.array([0.0, 0.5]), np.array([0.0, 0.01])) == pytest.approx(0.02)
        assert turnover.steady_rate(np.array([1.0, 0.5]), np.array([0.0, -0.01])) == pytest.approx(0.02)
        # and a share at 0 that rises (or at 1 that falls) gives the cap without a division warning
        assert turnover.steady_rate(np.array([0.0, 1.0]), np.array([0.01, -0.01])) == 1.0


def test_newcomers_hold_the_mean_at_the_steady_rate():
    share, change = np.array([0.5, 0.2, 0.7]), np.array([0.01, -0.004, 0.0])
    rate = turnover.steady_rate(share, change)
    newcomer = turnover.newcomer_value(share, change, rate)
    np.testing.assert_allclose(newcomer, [0.0, 0.4, 0.7])
    np.testing.assert_allclose(rate * (newcomer - share) + change, 0.0, atol=1e-15)  # r (v - s) + d = 0
    # too slow a rate: values clipped to [0, 1], and those means cannot hold
    np.testing.assert_allclose(turnover.newcomer_value(share, change, 0.004), [0.0, 1.0, 0.7])
    np.testing.assert_allclose(turnover.newcomer_value(share, change, 0.0), share)  # no turnover: nothing arrives


def test_turnover_rate_is_the_configured_one_or_derived():
    share, change = np.array([0.5]), np.array([0.01])
    assert turnover.turnover_rate(TurnoverParams(enabled=True, rate=None), share, change) == pytest.approx(0.02)
    assert turnover.turnover_rate(TurnoverParams(enabled=True, rate=0.003), share, change) == 0.003


def test_who_leaves_and_what_newcomers_bring():
    np.testing.assert_array_equal(turnover.leaving(np.array([0.001, 0.01, 0.0099]), 0.01), [True, False, True])
    flags = turnover.newcomer_flags(np.array([[0.1, 0.5], [0.6, 0.49]]), np.array([0.5, 0.5]))
    np.testing.assert_array_equal(flags, [[True, False], [False, True]])


def test_the_model_derives_rate_and_newcomers_from_the_surveyed_arriving_community():
    model = BridgesModel(params_for("city.n_agents=600", "city.n_neighbourhoods=6", "steps=1"))
    arriving = model.state.group == ARRIVING
    assert 0.0 < model.turnover_rate < 0.05
    assert all(0.0 <= value <= 1.0 for value in model.newcomer.values())
    # the slowest steady rate: one newcomer value sits at a bound (it is what sets the rate)
    assert any(value in (0.0, 1.0) for value in model.newcomer.values()), model.newcomer
    # pending decisions only end: newcomers must bring more of them than the community has
    assert model.newcomer["legal_pending"] > model.state.legal_pending[arriving].mean()
    assert model.newcomer["language"] < model.state.language[arriving].mean()  # language rises: newcomers bring less


def test_renewal_changes_only_the_livelihoods_of_arriving_newcomers():
    """Against the same city without turnover (common random numbers), the first week differs only in the
    livelihoods of arriving members who were renewed, and those carry the newcomer language."""
    common = ("city.n_agents=600", "city.n_neighbourhoods=6", "steps=30", "seed=3")
    renewing = BridgesModel(params_for(*common, "dynamics.turnover.rate=0.2"))
    cohort = BridgesModel(params_for(*common, "dynamics.turnover.rate=0"))
    renewing.step()
    cohort.step()
    arriving = renewing.state.group == ARRIVING
    renewed = renewing.state.language != cohort.state.language
    assert np.all(arriving[renewed]) and 0.1 < renewed.sum() / arriving.sum() < 0.3  # about a fifth at r = 0.2
    np.testing.assert_array_equal(renewing.state.language[renewed], renewing.newcomer["language"])
    for name in ("attitude", "anxiety", "trust", "education"):  # views and education stay with the place
        np.testing.assert_array_equal(getattr(renewing.state, name), getattr(cohort.state, name), err_msg=name)
    for name in (*turnover.LIVELIHOODS, "distress", "belonging"):  # newcomers' wellbeing follows their status
        np.testing.assert_array_equal(getattr(renewing.state, name)[~renewed], getattr(cohort.state, name)[~renewed])


SEEDS = (0, 1, 2)
MIXED_CITY = ("city.n_agents=400", "city.n_neighbourhoods=4", "city.arriving_share=0.45", "steps=156",
              "dynamics.reference=self")
"""A city of many arriving members, as its own reference world: turnover holds the make-up of the city it was
derived in (under `site` newcomers bring the default site's values, and this city's make-up moves toward its
own steady state: docs/model.md 7.22)."""


def make_up_change(*overrides: str) -> np.ndarray:
    """Per seed: the change of the arriving community's mean employment and language over three years."""
    changes = []
    for seed in SEEDS:
        model = BridgesModel(params_for(*MIXED_CITY, f"seed={seed}", *overrides))
        arriving = model.state.group == ARRIVING
        start = [model.state.employed[arriving].mean(), model.state.language[arriving].mean()]
        for _ in range(model.params.steps):
            model.step()
        changes.append(np.array([model.state.employed[arriving].mean(), model.state.language[arriving].mean()]) - start)
    return np.array(changes)


@pytest.fixture(scope="module")
def make_up():
    return make_up_change(), make_up_change("dynamics.turnover.enabled=false")


def test_turnover_holds_the_arriving_make_up(make_up):
    with_turnover, cohort = make_up
    # Tolerance: 180 arriving members per seed; a share's sampling sd among them is at most
    # sqrt(0.25 / 180) = 0.037 (language's sd is smaller), and over 3 seeds the mean change has sd ~0.037 *
    # sqrt(2 / 3) ~ 0.03 (start and end both noisy): 3 of those, 0.09, is the allowed drift of the mean.
    assert np.all(np.abs(with_turnover.mean(axis=0)) < 0.09), with_turnover.mean(axis=0)
    # Power: one cohort integrates; its language climbs well past that tolerance in three years (+0.13 over
    # seeds 0-2), its employment (+0.06) more slowly, as language and decisions feed job finding.
    assert cohort.mean(axis=0)[1] > 0.09 and cohort.mean(axis=0)[0] > 0.0, cohort.mean(axis=0)
