"""Interventions: coordination alone, targeting, delivery, costs and configuration errors.

The direction of each intervention's effect is tested over replicates in tests/test_directional.py."""

import numpy as np
import pytest

from model import BridgesModel
from model.errors import InputError
from model.interventions.base import eligible
from tests.conftest import params_for

CITY = ["city.n_agents=3000", "steps=30"]


def run(*overrides, steps=None):
    model = BridgesModel(params_for(*CITY, *overrides))
    for _ in range(steps or model.params.steps):
        model.step()
    return model


@pytest.fixture(scope="module")
def baseline():
    return run()


def test_coordination_alone_changes_nothing(baseline):
    alone = run("scenario=coordination_only")
    assert alone.timeseries().equals(baseline.timeseries())
    np.testing.assert_array_equal(alone.state.attitude, baseline.state.attitude)
    assert alone.intervention_costs().total_cost.iloc[0] > 0  # the partnership still costs money


# ---- targeting and delivery ---------------------------------------------------------------------
def enrolment(*overrides):
    """The model and its state just before the first intervention enrols (week 1)."""
    model = BridgesModel(params_for(*CITY, *overrides))
    before = {name: getattr(model.state, name).copy() for name in ("distress", "attitude", "employed", "neighbourhood")}
    model.step()
    return model, before


def test_mhpss_reaches_only_the_eligible_and_most_distressed_first():
    model, before = enrolment("scenario=mhpss")
    programme = model.interventions[0]
    enrolled = programme.ever_enrolled
    n_eligible = int(np.sum(before["distress"] >= 0.3))
    assert enrolled.sum() == min(300, round(0.3 * n_eligible))  # coverage 30%, capacity 300
    assert np.all(before["distress"][enrolled] >= 0.3)
    left_out = ~enrolled & (before["distress"] >= 0.3)
    assert before["distress"][enrolled].min() >= before["distress"][left_out].max()


def test_eligibility_filters_group_employment_and_neighbourhood():
    model, before = enrolment("scenario=anti_discrimination",
                              "interventions.anti_discrimination.delivery.eligible.neighbourhoods=[0,1]")
    trained = model.interventions[0].ever_enrolled
    assert trained.any()
    assert np.all(model.state.group[trained] == 0)
    assert np.all(before["employed"][trained])
    assert set(np.unique(before["neighbourhood"][trained])) <= {0, 1}


def test_volunteering_pairs_receiving_volunteers_with_arriving_buddies():
    model, _ = enrolment("scenario=volunteering")
    pairs = model.interventions[0].pairs
    assert len(pairs) == round(0.02 * (model.state.group == 0).sum())  # coverage 2%, under the capacity of 100
    assert np.all(model.state.group[pairs[:, 0]] == 0) and np.all(model.state.group[pairs[:, 1]] == 1)
    assert len(np.unique(pairs[:, 1])) == len(pairs)


def test_information_reaches_only_receiving_members():
    model, _ = enrolment("scenario=information")
    reached = model.interventions[0].ever_enrolled
    assert reached.sum() == round(0.3 * (model.state.group == 0).sum())
    assert np.all(model.state.group[reached] == 0)


def test_eligible_helper_applies_every_condition(small_params):
    state = BridgesModel(small_params).state
    delivery = params_for("scenario=mhpss").interventions["mhpss"].delivery
    mask = eligible(state, delivery)
    np.testing.assert_array_equal(mask, state.distress >= 0.3)


# ---- costs --------------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", ["volunteering", "mhpss", "coordination_only"])
def test_cost_accounting_is_exact(scenario):
    model = BridgesModel(params_for(*CITY, f"scenario={scenario}"))
    counts = []
    for _ in range(model.params.steps):
        model.step()
        counts.append(int(model.interventions[0].enrolled.sum()))
    programme = model.interventions[0]
    cost, delivery = programme.config.cost, programme.delivery
    weeks = [w for w in range(1, model.params.steps + 1) if delivery.start_week <= w <= programme.end_week]
    expected = cost.fixed + cost.per_week * len(weeks) + cost.per_participant_week * sum(counts)
    row = model.intervention_costs().iloc[0]
    assert row.total_cost == pytest.approx(expected, rel=1e-12)
    assert row.weeks_run == len(weeks)
    assert row.participant_weeks == sum(counts)
    if row.participants:
        assert row.cost_per_participant == pytest.approx(expected / row.participants)


def test_dropout_shrinks_enrolment():
    model = run("scenario=volunteering", "interventions.volunteering.delivery.dropout=0.2", steps=10)
    programme = model.interventions[0]
    assert 0 < programme.enrolled.sum() < programme.ever_enrolled.sum()


# ---- configuration errors ---------------------------------------------------------------------------
@pytest.mark.parametrize("overrides, message", [
    (["scenario=mhpss", "interventions.mhpss.type=therapy"], "interventions.mhpss.type: unknown intervention 'therapy'"),
    (["scenario=mhpss", "+interventions.mhpss.effect.dose=2"], "interventions.mhpss.effect.dose: unknown config key"),
    (["scenario=mhpss", "interventions.mhpss.effect.distress_reduction=2"],
     "interventions.mhpss.effect.distress_reduction: must be in [0, 1]"),
    (["scenario=mhpss", "interventions.mhpss.delivery.targeting=loudest"], "interventions.mhpss.delivery.targeting"),
    (["scenario=anti_discrimination", "interventions.anti_discrimination.effect.layers=[gym]"],
     "interventions.anti_discrimination.effect.layers: 'gym' is not a city layer"),
])
def test_bad_intervention_config_names_the_key(overrides, message):
    with pytest.raises(InputError, match=message.replace(".", r"\.").replace("[", r"\[").replace("(", r"\(")):
        params_for(*overrides)
