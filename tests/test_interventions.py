"""Interventions: coordination alone, targeting, delivery, costs, configuration errors, and delivery x
effect composition.

The direction of each intervention's effect is tested over replicates in tests/test_directional.py."""

import re
from dataclasses import replace

import numpy as np
import pytest
import yaml

from bridges.model import BridgesModel
from bridges.model.errors import InputError
from bridges.model.interventions.anti_discrimination import (
    AntiDiscriminationParams,
    combine_cuts,
    negative_contact_cut,
    no_cut,
)
from bridges.model.rules.contact import spare_negative
from bridges.model.interventions.distress_relief import DistressReliefParams, relieve_distress
from bridges.model.interventions.contact_setting import ContactSetting
from bridges.model.interventions.coordination import CoordinationParams, boosted_support, coordinated
from bridges.model.interventions.cost import total_cost
from bridges.model.interventions.delivery import BuddyPairs, MixedGroups, eligible
from bridges.model.interventions.information import (
    InformationParams,
    correct_beliefs,
    exposed_to_facts,
    exposure_pull,
)
from bridges.model.interventions.programme import Programme
from bridges.model.interventions.structural import needs_recognition
from bridges.model.mechanisms.programmes import deliver_interventions
from tests.conftest import ROOT, in_one_worker, params_for

pytestmark = in_one_worker(__name__)

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
    pairs = model.interventions[0].delivery.pairs
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
    programme = model.interventions[0]
    counts = []
    for _ in range(model.params.steps):
        model.step()
        counts.append(int(programme.enrolled.sum()) if isinstance(programme, Programme) else 0)
    cost = programme.cost.params
    weeks = [w for w in range(1, model.params.steps + 1) if programme.active(w)]
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
    (["scenario=mhpss", "interventions.mhpss.effect.kind=therapy"],
     "interventions.mhpss.effect.kind: unknown effect 'therapy'"),
    (["scenario=mhpss", "interventions.mhpss.delivery.method=classes"],
     "interventions.mhpss.delivery.method: unknown delivery method 'classes'"),
    (["scenario=mhpss", "interventions.mhpss.delivery.group_size=4"],
     "interventions.mhpss.delivery.group_size: not used by delivery method 'individual'"),
    (["scenario=co_creation", "interventions.co_creation.delivery.arriving_per_group=8"],
     "interventions.co_creation.delivery.arriving_per_group: must be below group_size (8)"),
    (["scenario=volunteering", "interventions.volunteering.delivery.buddy_targeting=loudest"],
     "interventions.volunteering.delivery.buddy_targeting: must be one of"),
    (["scenario=volunteering", "interventions.volunteering.delivery.method=individual",
      "interventions.volunteering.delivery.buddy_targeting=null"],
     "interventions.volunteering.delivery.method: effect 'contact_setting' needs a delivery that brings people"),
    (["scenario=mhpss", "+interventions.mhpss.effect.dose=2"], "interventions.mhpss.effect.dose: unknown config key"),
    (["scenario=mhpss", "interventions.mhpss.effect.distress_reduction=2"],
     "interventions.mhpss.effect.distress_reduction: must be in [0, 1]"),
    (["scenario=mhpss", "interventions.mhpss.delivery.targeting=loudest"], "interventions.mhpss.delivery.targeting"),
    (["scenario=anti_discrimination", "interventions.anti_discrimination.effect.layers=[gym]"],
     "interventions.anti_discrimination.effect.layers: 'gym' is not a city layer"),
])
def test_bad_intervention_config_names_the_key(overrides, message):
    with pytest.raises(InputError, match=re.escape(message)):
        params_for(*overrides)


# ---- delivery x effect ----------------------------------------------------------------------------
def test_distress_relief_rides_on_mixed_groups():
    groups = ["scenario=mhpss", "interventions.mhpss.delivery.method=mixed_groups",
              "interventions.mhpss.delivery.group_size=4", "interventions.mhpss.delivery.arriving_per_group=2",
              "interventions.mhpss.delivery.eligible.distress=[0,1]"]
    model = BridgesModel(params_for(*CITY, *groups))
    before = model.state.distress.copy()
    model.steps += 1  # week 1, as BridgesModel.step counts it; then only the delivery phase
    deliver_interventions(model)
    programme = model.interventions[0]
    assert isinstance(programme.delivery, MixedGroups)
    members = programme.ever_enrolled
    assert members.sum() > 0 and members.sum() % 4 == 0
    assert (model.state.group[members] == 1).sum() == (model.state.group[members] == 0).sum()
    np.testing.assert_allclose(model.state.distress[members], 0.95 * before[members])  # distress_reduction 0.05
    np.testing.assert_array_equal(model.state.distress[~members], before[~members])


def test_information_rides_on_buddy_pairs():
    params = params_for(*CITY, "scenario=volunteering")
    facts = params_for("scenario=information").interventions["information"].effect
    entry = params.interventions["volunteering"]
    params = replace(params, interventions={"buddies": replace(entry, effect=facts)})
    model = BridgesModel(params)
    untreated = BridgesModel(params_for(*CITY))
    model.step()
    untreated.step()
    programme = model.interventions[0]
    assert isinstance(programme.delivery, BuddyPairs) and not programme.contact_blocks()
    volunteers, buddies = programme.delivery.pairs[:, 0], programme.delivery.pairs[:, 1]
    assert len(volunteers) > 0
    assert np.all(model.state.attitude[volunteers] > untreated.state.attitude[volunteers])
    assert np.all(np.isnan(model.state.belief_education[buddies]))  # arriving buddies hold no beliefs


def test_every_type_extends_the_shared_defaults():
    for path in sorted((ROOT / "conf" / "intervention").glob("*.yaml")):
        text = yaml.safe_load(path.read_text())
        assert text["defaults"][0] == {"shared@_here_": "defaults"}, path.name
        assert {"type", "delivery", "cost", "effect"} <= set(text) and "kind" in text["effect"], path.name


def test_coordination_modifies_the_other_deliveries_and_enrols_nobody():
    plain = params_for(*CITY, "scenario=co_creation").interventions["co_creation"].delivery
    model = BridgesModel(params_for(*CITY, "scenario=focus_approach"))
    partnership = model.interventions[-1]
    assert not hasattr(partnership, "delivery")
    co_creation = model.interventions[2]
    assert co_creation.delivery.params == coordinated(plain, partnership.params)
    assert co_creation.delivery.support_boost == partnership.params.institutional_support


# ---- effect and delivery rules ----------------------------------------------------------------------
def test_coordinated_widens_reach_and_cuts_dropout():
    delivery = params_for("scenario=mhpss").interventions["mhpss"].delivery  # coverage 0.3, capacity 300, dropout 0.03
    wider = coordinated(delivery, CoordinationParams(reach=0.5, retention=0.5, institutional_support=0.2))
    assert (wider.coverage, wider.capacity, wider.dropout) == pytest.approx((0.45, 450, 0.015))
    full = coordinated(replace(delivery, coverage=0.9, capacity=None), CoordinationParams(1.0, 0.0, 0.0))
    assert full.coverage == 1.0 and full.capacity is None and full.dropout == delivery.dropout
    assert boosted_support(0.9, CoordinationParams(0.0, 0.0, 0.2)) == 1.0
    assert boosted_support(0.1, CoordinationParams(0.0, 0.0, 0.2)) == pytest.approx(0.3)


def test_total_cost_is_fixed_plus_weekly_plus_per_participant_week():
    cost = params_for("scenario=mhpss").interventions["mhpss"].cost  # 10000 fixed, 40 per participant-week
    assert total_cost(replace(cost, per_week=100.0), 3, 20) == 10000 + 300 + 800


def test_negative_contact_cut_and_its_composition():
    trained = np.array([True, False, False])
    cut = negative_contact_cut(trained, np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([True, True, False]),
                               AntiDiscriminationParams(negative_reduction=0.3, layers=["workplace"]))
    np.testing.assert_array_equal(cut, [0.3, 0.0, 0.0])  # tie 1-2 touches nobody trained; 2-0 is not covered
    np.testing.assert_array_equal(combine_cuts(no_cut(3), cut), cut)
    np.testing.assert_array_equal(combine_cuts(np.array([0.5, 0.1, 0.0]), cut), [0.5, 0.1, 0.0])  # largest holds
    np.testing.assert_allclose(spare_negative(np.array([0.8, 0.8, 0.5]), np.array([0.0, 0.5, 1.0])), [0.8, 0.9, 1.0])


def test_information_rules():
    group = np.array([0, 0, 1, 0])
    exposed = exposed_to_facts(np.array([True, False, True, True]), group)
    np.testing.assert_array_equal(exposed, [True, False, False, True])
    has_contact = np.array([False, False, False, True])
    np.testing.assert_allclose(exposure_pull(0.3, 1.0, has_contact, exposed), [0.3, 0.0, 0.0, 0.6])
    np.testing.assert_allclose(exposure_pull(0.8, 1.0, has_contact, exposed), [0.8, 0.0, 0.0, 1.0])
    beliefs = np.full((4, 3), 0.2)
    campaign = InformationParams(belief_shift=0.5, contact_bonus=1.0)
    corrected = correct_beliefs(beliefs, np.array([0.6, 0.2, 1.0]), exposed, has_contact, campaign)
    np.testing.assert_allclose(corrected[0], [0.4, 0.2, 0.6])
    np.testing.assert_allclose(corrected[3], [0.6, 0.2, 1.0])
    np.testing.assert_array_equal(corrected[1:3], beliefs[1:3])


def test_relieve_distress_for_the_treated_only():
    after = relieve_distress(np.array([0.5, 0.5]), np.array([True, False]), DistressReliefParams(distress_reduction=0.2))
    np.testing.assert_allclose(after, [0.4, 0.5])


def test_needs_recognition_above_basic_education():
    np.testing.assert_array_equal(needs_recognition(np.array([0, 1, 2])), [False, True, True])


def test_contact_setting_is_an_effect_on_pairs():
    assert ContactSetting.needs_pairs and BuddyPairs.brings_together and MixedGroups.brings_together
