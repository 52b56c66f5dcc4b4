"""The planner's comparison: effects for participants, non-participants and everyone, and value for money
that carries over between city sizes."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bridges.model import BridgesModel
from bridges.model.config import CONF_DIR, compose_config, model_params, to_plain
from bridges.model.errors import InputError
from bridges.scenarios.compare import (
    budget_mix,
    parse_variant,
    group_effects,
    programme_value,
    run_replicate,
    scenario_configs,
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
    mix = budget_mix(value, {"a", "b", "c"}, 95.0, "o").set_index("scenario")
    assert mix.copies.to_dict() == {"a": 2, "b": 1}
    assert mix.cost.sum() == 90.0 and mix.person_points.sum() == 170.0


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
