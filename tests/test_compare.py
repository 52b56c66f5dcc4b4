"""Scenario comparison: paired effects on common random numbers, intervals, costs, and run.py."""

import contextlib
import io

import numpy as np
import pandas as pd
import pytest

from bridges import cli
from bridges.model.errors import InputError
from bridges.scenarios.compare import compare_options, cost_effectiveness, paired_effects, run_replicate, scenario_configs
from tests.conftest import in_one_worker
from tests.inprocess import assert_clean_rejection, run_main

pytestmark = in_one_worker(__name__)

TINY = ["city.n_agents=800", "city.n_neighbourhoods=4", "steps=8"]


def test_paired_effects_are_mean_differences_with_t_intervals():
    rows = []
    for replicate, (base, other) in enumerate([(1.0, 2.0), (2.0, 5.0), (3.0, 5.0)]):
        for scenario, value in (("baseline", base), ("x", other)):
            rows.append({"scenario": scenario, "replicate": replicate, "step": 8, "outcome": "o", "value": value})
    effects = paired_effects(pd.DataFrame(rows)).set_index("scenario")
    differences = np.array([1.0, 3.0, 2.0])
    half = 4.302652729911275 * differences.std(ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert effects.loc["x", "estimate"] == pytest.approx(2.0)
    assert effects.loc["x", "ci_low"] == pytest.approx(2.0 - half)
    assert effects.loc["x", "ci_high"] == pytest.approx(2.0 + half)
    assert effects.loc["baseline", ["estimate", "ci_low", "ci_high"]].tolist() == [0.0, 0.0, 0.0]


def test_replicates_share_random_numbers_across_scenarios():
    configs = scenario_configs(TINY, ["baseline", "coordination_only", "co_creation"])
    rows, costs, groups, _ = run_replicate(configs, replicate=1)
    wide = rows.pivot_table(index=["outcome", "step"], columns="scenario", values="value")
    np.testing.assert_array_equal(wide["coordination_only"], wide["baseline"])  # nothing it coordinates
    assert not np.array_equal(wide["co_creation"], wide["baseline"])
    assert set(rows.seed) == {1}
    assert costs.set_index("scenario").total_cost["baseline"] == 0.0
    alone = groups[groups.scenario == "coordination_only"]
    assert (alone.effect.fillna(0.0) == 0).all() and (alone[alone.who == "participants"].n == 0).all()


def test_cost_effectiveness_divides_cost_by_gain_only_when_positive():
    final = pd.DataFrame([
        {"scenario": s, "outcome": o, "estimate": e}
        for s, gains in (("a", (2.0, 1.0, 4.0)), ("b", (-1.0, 0.0, 0.0)))
        for o, e in zip(("attitude_receiving", "attitude_arriving", "outgroup_friends"), gains)])
    costs = pd.DataFrame({"scenario": ["a", "b"], "currency": ["EUR", "EUR"], "total_cost": [100.0, 50.0],
                          "participants": [10, 0]})
    value = pd.DataFrame({"scenario": ["a", "b"], "outcome": "attitude_receiving", "person_points": [2000.0, -1000.0],
                          "cost_per_person_point": [0.05, np.nan]})
    table = cost_effectiveness(final, costs, value).set_index("scenario")
    assert table.cost_per_person_point_attitude_receiving["a"] == 0.05
    assert table.person_points_attitude_receiving["a"] == 2000.0
    assert np.isnan(table.cost_per_person_point_attitude_arriving["a"])  # not in the value table: not priced
    assert table.cost_per_new_friendship["a"] == 25.0
    assert table.cost_per_participant["a"] == 10.0
    assert np.isnan(table.cost_per_person_point_attitude_receiving["b"]) and np.isnan(table.cost_per_participant["b"])


@pytest.mark.parametrize("compare, message", [
    ({"scenarios": ["baseline", "nope"], "replicates": 3, "jobs": 1}, "compare.scenarios: no scenario 'nope'"),
    ({"scenarios": ["co_creation"], "replicates": 3, "jobs": 1}, "must include 'baseline'"),
    ({"scenarios": ["baseline"], "replicates": 1, "jobs": 1}, "compare.replicates: must be an integer 2 or more"),
    ({"scenarios": ["baseline"], "replicates": 3, "jobs": 0}, "compare.jobs"),
])
def test_compare_options_are_validated(compare, message):
    with pytest.raises(InputError, match=message):
        compare_options({"compare": compare})


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """A comparison through bridges.cli.main in this process, one replicate after another (no worker processes to
    start; replicates in parallel worker processes run in tests/test_hardening.py)."""
    folder = tmp_path_factory.mktemp("compare") / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(["--config-name", "compare", "compare.scenarios=[baseline,co_creation,coordination_only]",
                         "compare.replicates=3", "compare.jobs=1", *TINY, f"run.output_dir={folder}"])
    assert code == 0, stderr.getvalue()
    return folder, stdout.getvalue()


def test_comparison_writes_its_files(comparison):
    folder, stdout = comparison
    assert {p.name for p in folder.iterdir()} == {
        "config.yaml", "overrides.yaml", "replicates.parquet", "effects.csv", "effects_over_time.csv", "cost.csv",
        "effect_over_time.png", "cost_effect.png", "report.md", "effects_by_group.csv", "programme_value.csv",
        "scenario_value.csv"}
    assert "Compared 3 scenarios x 3 replicates" in stdout and f"report: {folder / 'report.md'}" in stdout
    assert len(stdout.strip().splitlines()) == 7  # five-line headline, the report, the folder
    report = (folder / "report.md").read_text()
    assert "intervals cover chance only" in report and "| co_creation | attitude_receiving [points (0-100)] |" in report


def test_effects_table_has_the_documented_columns_and_outcomes(comparison):
    effects = pd.read_csv(comparison[0] / "effects.csv")
    assert list(effects.columns) == ["scenario", "outcome", "estimate", "ci_low", "ci_high"]
    assert set(effects.scenario) == {"co_creation", "coordination_only"}
    assert {"attitude_receiving", "attitude_arriving", "contact_receiving", "outgroup_friends", "misperception",
            "distress", "belonging"} <= set(effects.outcome)
    alone = effects[effects.scenario == "coordination_only"]
    assert (alone[["estimate", "ci_low", "ci_high"]] == 0).all().all()
    assert (effects.ci_low <= effects.estimate).all() and (effects.estimate <= effects.ci_high).all()


def test_replicates_table_is_tidy(comparison):
    table = pd.read_parquet(comparison[0] / "replicates.parquet")
    assert list(table.columns) == ["scenario", "replicate", "seed", "step", "outcome", "value"]
    assert sorted(table.replicate.unique()) == [0, 1, 2] and table.step.max() == 8


def test_cost_table_reports_cost_effectiveness(comparison):
    cost = pd.read_csv(comparison[0] / "cost.csv").set_index("scenario")
    assert {"total_cost", "participants", "cost_per_participant", "cost_per_person_point_attitude_receiving",
            "cost_per_person_point_attitude_arriving", "cost_per_new_friendship", "currency"} <= set(cost.columns)
    assert cost.total_cost["baseline"] == 0 and cost.total_cost["co_creation"] > 0


def test_one_cost_per_participant_and_one_cost_per_person_point_everywhere(comparison):
    """The planner's figures agree between files: cost per participant counts every participant (both
    communities) in cost.csv and programme_value.csv, whose goal's-group count is the smaller one; cost.csv's
    cost per person-point is scenario_value.csv's; report.md defines each and shows both counts."""
    folder = comparison[0]
    cost = pd.read_csv(folder / "cost.csv").set_index("scenario")
    value = pd.read_csv(folder / "programme_value.csv")
    scenarios = pd.read_csv(folder / "scenario_value.csv").set_index(["scenario", "outcome"])
    co = value[value.scenario == "co_creation"]
    assert set(co.outcome) == {"attitude_receiving", "attitude_arriving"}
    assert co.cost_per_participant.to_numpy() == pytest.approx(cost.cost_per_participant["co_creation"], rel=1e-6)
    assert (co.participants == cost.participants["co_creation"]).all()
    assert (co.goal_participants < co.participants).all() and co.goal_participants.sum() == co.participants.iloc[0]
    for outcome in ("attitude_receiving", "attitude_arriving"):
        expected = scenarios.cost_per_person_point.get(("co_creation", outcome), np.nan)
        assert cost[f"cost_per_person_point_{outcome}"]["co_creation"] == pytest.approx(expected, nan_ok=True)
    report = (folder / "report.md").read_text()
    assert "participants: all / in the goal's group" in report and "## Definitions" in report
    assert "- **cost per person-point**: total cost / person-points" in report
    assert report.count("- To ") == 9  # a recommendation per outcome





def test_each_0_1_quantity_has_one_scale_in_every_file_of_a_comparison(comparison):
    """Misperception, distress and belonging are on 0-1 in the per-person effects (effects_by_group.csv,
    programme and scenario value, report.md) as in the group means (effects.csv, timeseries, plots): the
    everyone-effect at the last week is the same difference of the same mean in both files. Tolerance 1e-6:
    effects_by_group.csv keeps six decimals (rounding error at most 5e-7), effects.csv every digit."""
    folder = comparison[0]
    groups = pd.read_csv(folder / "effects_by_group.csv")
    groups = groups[(groups.when == "last_week") & (groups.who == "population")].set_index(["scenario", "outcome"])
    means = pd.read_csv(folder / "effects.csv").set_index(["scenario", "outcome"])
    for outcome in ("misperception", "distress", "belonging"):
        rows = groups.xs(outcome, level="outcome")
        assert set(rows.unit) == {f"{outcome} (0-1)"}
        assert rows.baseline_mean.between(0, 1).all()
        for scenario, row in rows.iterrows():
            assert row.estimate == pytest.approx(means.estimate[(scenario, outcome)], abs=1e-6), (scenario, outcome)
    assert groups.estimate.xs("co_creation").abs()[["misperception", "belonging"]].gt(0).all()  # not 0 = 0
    scenario_value = pd.read_csv(folder / "scenario_value.csv")
    assert set(scenario_value[scenario_value.outcome == "belonging"].unit) == {"belonging (0-1)"}


def test_bad_comparison_input_is_one_line_and_exit_2(tmp_path, capsys):
    result = run_main(capsys, tmp_path, "--config-name", "compare", "compare.scenarios=[baseline,utopia]", *TINY)
    assert_clean_rejection(result, "compare.scenarios: no scenario 'utopia'", tmp_path)


def test_figures_on_a_0_1_scale_keep_their_digits_in_the_report():
    """An MHPSS effect of -0.0053 on distress read '-0.01' at two decimals, and 5.3 person-points '5'."""
    from bridges.scenarios.compare_effects import PERSON_OUTCOMES, amount, signed

    assert signed(-0.0053, PERSON_OUTCOMES["distress"][3]) == "-0.005"
    assert signed(0.2814, PERSON_OUTCOMES["attitude_receiving"][3]) == "+0.28"
    assert amount(5.304, PERSON_OUTCOMES["belonging"][3]) == "5.30"
    assert amount(831.4, PERSON_OUTCOMES["attitude_receiving"][3]) == "831"
