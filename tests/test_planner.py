"""The planner's comparison: effects for participants, non-participants and everyone, and value for money
that carries over between city sizes."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bridges.model import BridgesModel
from bridges.config import CONF_DIR, compose_config, model_params, to_plain
from bridges.model.errors import InputError
from bridges.scenarios.compare import (
    budget_mix,
    parse_variant,
    group_effects,
    programme_value,
    recommendation,
    run_replicate,
    scenario_configs,
    scenario_value,
    size_word,
)
from tests.conftest import in_one_worker

pytestmark = in_one_worker(__name__)

SMALL = ["city.n_neighbourhoods=4", "steps=12"]
UNCAPPED_MHPSS = {"mhpss_open": ["mhpss", "interventions.mhpss.delivery.capacity=null",
                                  "interventions.mhpss.cost.fixed=0"]}


def replicates(overrides: list[str], scenarios: list[str], count: int,
               variants: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(participant-group rows, programme value rows) of `count` replicates, in process."""
    configs = scenario_configs(overrides, scenarios, variants)
    results = [run_replicate(configs, replicate) for replicate in range(count)]
    return (pd.concat([r[2] for r in results], ignore_index=True),
            pd.concat([r[3] for r in results], ignore_index=True))


@pytest.fixture(scope="module")
def volunteering_groups():
    return replicates(["city.n_agents=1500", *SMALL], ["baseline", "volunteering"], 3)[0]


def test_population_effect_is_the_weighted_mean_of_participants_and_the_rest(volunteering_groups):
    wide = volunteering_groups.pivot_table(index=["replicate", "when", "outcome"], columns="who",
                                           values=["n", "effect"])
    n, effect = wide["n"], wide["effect"].fillna(0.0)
    assert (n.participants + n.non_participants == n.population).all()
    # Within one replicate the identity is exact: only floating-point summation order differs.
    weighted = (n.participants * effect.participants + n.non_participants * effect.non_participants) / n.population
    np.testing.assert_allclose(weighted, effect.population, rtol=0, atol=1e-9)
    summary = group_effects(volunteering_groups, (0.1, 0.3, 0.5)).set_index(["when", "outcome", "who"]).sort_index()
    attitude = summary.xs(("last_week", "attitude_receiving"))
    share = attitude.n.participants / attitude.n.population
    pooled = share * attitude.estimate.participants + (1 - share) * attitude.estimate.non_participants
    # Over replicates the means of ratios differ from the ratio of means by cov(share, participant -
    # non-participant gap) <= sd(share) sd(gap), computed from the replicates themselves.
    rows = wide.xs(("last_week", "attitude_receiving"), level=("when", "outcome"))
    tolerance = (rows["n"].participants / rows["n"].population).std(ddof=0) * \
        (rows["effect"].participants - rows["effect"].non_participants).std(ddof=0) + 1e-9
    assert abs(pooled - attitude.estimate.population) <= tolerance
    assert attitude.n.participants > 0 and attitude.estimate.participants > attitude.estimate.population > 0


def test_baseline_sd_scales_effects_into_size_words(volunteering_groups):
    summary = group_effects(volunteering_groups, (0.1, 0.3, 0.5))
    row = summary[(summary.when == "last_week") & (summary.outcome == "attitude_receiving")
                  & (summary.who == "participants")].iloc[0]
    assert row.d == pytest.approx(row.estimate / row.baseline_sd)
    assert row.relative_change == pytest.approx(row.estimate / row.baseline_mean)
    assert [size_word(d, (0.1, 0.3, 0.5)) for d in (0.05, -0.2, 0.4, -0.5, np.nan)] == \
        ["negligible", "small", "moderate", "large", "-"]


def test_cost_per_participant_point_carries_over_between_city_sizes():
    """MHPSS with no capacity limit and no fixed cost: every cost is per participant-week, so the cost of
    a participant's point of distress relief does not depend on how many residents the city has."""
    values = {n: programme_value(replicates([f"city.n_agents={n}", *SMALL], ["baseline"], 3,
                                            UNCAPPED_MHPSS)[1]).iloc[0] for n in (2500, 10000)}
    small, large = values[2500], values[10000]
    assert large.participants > 3 * small.participants  # capacity does not bind: reach grows with the city
    # Tolerance: the two estimates' 95% interval half-widths added in quadrature (independent cities).
    half = [(v.cost_per_participant_point_high - v.cost_per_participant_point_low) / 2 for v in (small, large)]
    assert abs(small.cost_per_participant_point - large.cost_per_participant_point) <= np.hypot(*half)
    # The population-wide cost per point of the mean (the old figure) is not size-independent; the
    # person-point sum is: its cost per person-point equals the participant-point figure here, since
    # MHPSS changes no one else's distress.
    for v in (small, large):
        assert v.cost_per_person_point == pytest.approx(v.cost_per_participant_point, rel=0.02)


def test_budget_mix_buys_the_cheapest_person_points_first():
    value = pd.DataFrame({"scenario": ["a", "b", "c"], "outcome": "o", "cost": [40.0, 10.0, 5.0],
                          "person_points": [80.0, 10.0, -1.0], "cost_per_person_point": [0.5, 1.0, np.nan],
                          "currency": "EUR"})
    mix = budget_mix(value, 95.0, "o").set_index("scenario")
    assert mix.copies.to_dict() == {"a": 2, "b": 1}
    assert mix.cost.sum() == 90.0 and mix.person_points.sum() == 170.0


def test_scenario_value_sums_person_points_over_everyone_with_the_outcomes_direction():
    """Person-points = the effect on the group's mean x the group's size, per replicate; distress counts
    as a gain when it falls. Cost per person-point = cost / person-points, its interval from theirs."""
    rows = [{"scenario": "mix", "replicate": r, "when": "last_week", "step": 12, "outcome": outcome,
             "who": "population", "n": n, "effect": effect, "baseline_mean": 0.0, "baseline_sd": 1.0}
            for r, scale in enumerate((0.8, 1.0, 1.2))
            for outcome, n, effect in (("attitude_receiving", 1000, 0.5 * scale), ("distress", 2000, -0.01 * scale))]
    costs = pd.DataFrame({"scenario": "mix", "replicate": [0, 1, 2], "currency": "EUR", "total_cost": 1000.0,
                          "participants": 40})
    value = scenario_value(pd.DataFrame(rows), costs).set_index("outcome")
    assert value.person_points["attitude_receiving"] == pytest.approx(500.0)
    assert value.cost_per_person_point["attitude_receiving"] == pytest.approx(2.0)
    assert value.person_points["distress"] == pytest.approx(20.0)
    assert value.cost_per_person_point["distress"] == pytest.approx(50.0)
    low, high = value.cost_per_person_point_low["distress"], value.cost_per_person_point_high["distress"]
    assert low == pytest.approx(1000.0 / value.person_points_high["distress"]) and low < 50.0 < high


def offer(scenario: str, per_point: float, low: float, high: float, currency: str = "EUR") -> dict:
    return {"scenario": scenario, "outcome": "attitude_receiving", "currency": currency, "cost": 100.0,
            "person_points": 100.0 / per_point, "cost_per_person_point": per_point, "cost_per_person_point_low": low,
            "cost_per_person_point_high": high}


def test_recommendation_names_the_cheapest_then_the_next_and_whether_their_intervals_overlap():
    overlapping = pd.DataFrame([offer("co_creation", 20.0, 10.0, np.inf), offer("volunteering", 12.0, 8.0, 30.0),
                                offer("baseline", 1.0, 1.0, 1.0)])  # never ranked
    assert recommendation(overlapping, "attitude_receiving") == (
        "To raise receiving members' attitude at the least cost per person-point: **volunteering** (12 EUR per "
        "person-point, 95% interval 8 to 30), then co_creation (20 EUR per person-point, 95% interval 10 to no "
        "upper bound); the interval of volunteering overlaps co_creation's, so the order is not sure.")
    apart = pd.DataFrame([offer("a", 5.0, 4.0, 6.0), offer("b", 12.0, 8.0, 30.0)])
    assert recommendation(apart, "attitude_receiving").endswith("the interval of a lies below b's.")
    assert recommendation(apart.iloc[:1], "attitude_receiving").endswith("; no other scenario gains on it.")
    nothing = pd.DataFrame([offer("a", np.nan, np.nan, np.nan)])
    assert recommendation(nothing, "attitude_receiving") == "To raise receiving members' attitude: no scenario gains on it."
    priced = pd.DataFrame([offer("a", 5.0, 4.0, 6.0), offer("b", 12.0, 8.0, 30.0, "USD")])
    assert "not ranked, the scenarios are priced in different currencies (EUR, USD)" in \
        recommendation(priced, "attitude_receiving")


def test_the_budget_view_follows_the_recommendations_order_mixes_included():
    """The budget buys in the order the recommendation names: a mix that is cheaper per person-point than
    its single programmes comes first (mixes were left out before, so the two disagreed)."""
    value = pd.DataFrame([offer("volunteering", 12.0, 8.0, 30.0), offer("mix", 6.0, 4.0, 9.0)])
    assert "**mix**" in recommendation(value, "attitude_receiving")
    assert budget_mix(value, 150.0, "attitude_receiving").scenario.tolist() == ["mix"]


def test_variant_on_the_command_line_is_parsed_with_nested_lists():
    name, items = parse_variant("compare.variants.vol_low=[volunteering,interventions.volunteering.delivery."
                                "coverage=0.02,interventions.volunteering.delivery.eligible.groups=[receiving]]")
    assert name == "vol_low"
    assert items == ["volunteering", "interventions.volunteering.delivery.coverage=0.02",
                     "interventions.volunteering.delivery.eligible.groups=[receiving]"]
    with pytest.raises(InputError, match="first item must be the scenario"):
        parse_variant("compare.variants.x=[interventions.volunteering.delivery.coverage=0.02]")


def test_variant_changes_only_its_own_scenario():
    configs = scenario_configs(["city.n_agents=800"], ["baseline", "volunteering"],
                               {"vol_low": ["volunteering", "interventions.volunteering.delivery.coverage=0.01"]})
    assert list(configs) == ["baseline", "volunteering", "vol_low"]
    assert configs["vol_low"]["interventions"]["volunteering"]["delivery"]["coverage"] == 0.01
    assert configs["volunteering"]["interventions"]["volunteering"]["delivery"]["coverage"] == 0.02
    assert not configs["baseline"].get("interventions")


def test_intervention_override_for_every_scenario_says_to_use_a_variant():
    with pytest.raises(InputError, match=r"interventions.volunteering.delivery.coverage: scenario 'baseline' has no "
                                         r"intervention 'volunteering'.*compare.variants"):
        scenario_configs(["interventions.volunteering.delivery.coverage=0.5"], ["baseline", "volunteering"])


def test_scenario_template_composes_into_a_valid_scenario(tmp_path):
    """docs/scenario_template.yaml, copied into conf/scenario/ as the recipe says, is a valid two-programme scenario."""
    root = Path(__file__).resolve().parents[1]
    conf = shutil.copytree(CONF_DIR, tmp_path / "conf")
    shutil.copy(root / "docs" / "scenario_template.yaml", conf / "scenario" / "my_mix.yaml")
    params = model_params(to_plain(compose_config(["scenario=my_mix"], conf_dir=conf)))
    assert list(params.interventions) == ["buddies", "counselling"]
    assert params.interventions["buddies"].delivery.coverage == 0.05


def test_warmup_runs_the_city_before_week_zero_and_programmes_start_after():
    def run(warmup: int) -> BridgesModel:
        plain = to_plain(compose_config(["city.n_agents=800", "city.n_neighbourhoods=4", "steps=6",
                                         "scenario=volunteering", f"warmup_weeks={warmup}"]))
        model = BridgesModel(model_params(plain))
        for _ in range(model.params.steps):
            model.step()
        return model

    cold, warm = run(0), run(8)
    assert warm.steps == cold.steps == 6
    series = warm.timeseries()
    assert sorted(series.step.unique()) == list(range(7))
    # Week 0 carries a contact history: attitudes at week 0 have moved from the drawn ones.
    first = series[(series.step == 0) & (series.metric == "attitude_mean")].value.to_numpy()
    assert not np.array_equal(first, cold.timeseries().query("step == 0 and metric == 'attitude_mean'").value)
    # The residents' contact counts cover the run's weeks only: they equal the weekly encounters recorded
    # from week 1 (per person, both sides), up to float rounding of the recorded means.
    agents = warm.agent_table()
    sizes = agents.group.value_counts()
    weekly = series[(series.metric == "encounters_per_person") & series.group.isin(sizes.index)]
    assert agents.intergroup_contacts.sum() == pytest.approx((weekly.value * weekly.group.map(sizes)).sum(), rel=1e-9)
    assert warm.intervention_costs().weeks_run.iloc[0] == cold.intervention_costs().weeks_run.iloc[0]
    assert warm.participation()["took_part_volunteering"].any()
