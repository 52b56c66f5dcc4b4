"""Design studies' parts (scenarios/design*.py): study files checked key by key, levers turned into
overrides, the evaluation store, the Pareto front, regret and the robust choice, PRIM boxes, and the
one line a missing extra gives. The whole study through `python run.py` is in test_design_study.py."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from bridges.config import compose_config, to_plain
from bridges.model.errors import InputError
from bridges.scenarios.design import (Lever, candidate_overrides, lever_values, load_study, places)
from bridges.scenarios.design_robust import failure_boxes, make_worlds, regrets, robust_choice
from bridges.scenarios.design_search import Store, constraint_values, pareto_front, run_overrides, Context, World
from tests.inprocess import assert_clean_rejection, run_main

STUDIES = ("co_creation_targeting", "germany_three_levers")


@pytest.mark.parametrize("name", STUDIES)
def test_example_studies_load_with_every_lever_documented(name):
    study = load_study(name)
    assert study.levers and study.outcomes
    assert all(lever.unit for lever in study.levers)


def write_study(tmp_path, change: dict, drop: tuple = ()) -> str:
    """The small example study with keys changed (dotted paths) or dropped, as a file."""
    content = yaml.safe_load(open("conf/design/co_creation_targeting.yaml"))
    for dotted, value in change.items():
        node, *path, last = [content, *dotted.split(".")]
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    for dotted in drop:
        node, *path, last = [content, *dotted.split(".")]
        for part in path:
            node = node[part]
        del node[last]
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(content))
    return str(path)


@pytest.mark.parametrize("change, drop, names", [
    ({"levers.size": {"key": "interventions.co_creation.delivery.capacity", "low": 10, "high": 100, "step": 7,
                      "unit": "places", "meaning": "m", "source": "s"}}, (), "levers.size.step: 7 does not divide"),
    ({}, ("levers.targeting.source",), "levers.targeting.source: every lever says its source"),
    ({"levers.targeting.choices": ["random"]}, (), "levers.targeting.choices: must list two or more"),
    ({"outcomes.cost.measure": "price"}, (), "outcomes.cost.measure: must be one of person_points"),
    ({"outcomes.receiving_points.group": "everyone"}, (), "outcomes.receiving_points.group"),
    ({"levers.share": {"budget_share_of": "co_creation", "low": 0.2, "high": 1.0, "step": 0.2, "unit": "u",
                       "meaning": "m", "source": "s"}}, ("constraints.budget",), "constraints.budget: budget-share"),
    ({"levers.length": {"duration_of": "volunteering", "low": 4, "high": 8, "step": 4, "unit": "u", "meaning": "m",
                        "source": "s"}}, (), "levers.length: no programme 'volunteering'"),
    ({"robustness.presets": ["atlantis"]}, (), "robustness.presets: must list city presets"),
    ({"search.sampler": "annealing"}, (), "search.sampler: must be one of"),
    ({"discovery.outcome": "happiness"}, (), "discovery.outcome: no outcome 'happiness'"),
    ({"base": ["scenario=baseline"]}, (), "key base: the scenario chosen (scenario=...) has no programme"),
    ({"colour": "blue"}, (), ".colour: unknown key"),
])
def test_a_bad_study_is_one_line_naming_the_key(tmp_path, change, drop, names):
    with pytest.raises(InputError) as error:
        load_study(write_study(tmp_path, change, drop))
    assert names in str(error.value) and "\n" not in str(error.value)


def test_a_bad_study_through_the_command_line_exits_2_and_writes_nothing(tmp_path, capsys):
    study = write_study(tmp_path, {"search.trials": 0})
    out = tmp_path / "out"
    result = run_main(capsys, tmp_path, "--config-name", "design", f"design.study={study}", f"run.output_dir={out}")
    assert_clean_rejection(result, "search.trials: must be a whole number", out)


def test_a_missing_extra_is_one_line_naming_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("bridges.extras.installed", lambda module: module != "optuna")
    result = run_main(capsys, tmp_path, "--config-name", "design", f"run.output_dir={tmp_path / 'out'}")
    assert_clean_rejection(result, "pip install 'bridges[design]'", tmp_path / "out")
    assert "optuna is not installed" in result.stderr


def test_lever_values_follow_the_steps():
    assert lever_values(Lever("a", key="k", low=0.2, high=1.0, step=0.2, unit="u")) == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert lever_values(Lever("b", key="k", low=8, high=40, step=8, unit="u")) == [8, 16, 24, 32, 40]
    assert lever_values(Lever("c", key="k", choices=("x", "y"), unit="u")) == ["x", "y"]


def test_a_budget_share_buys_the_places_its_money_covers():
    """co_creation: 15,000 fixed + 800 a week over weeks 4-27 (24 weeks) = 34,200 before any place; a place
    costs 10 x 24 = 240, so 60,000 buys (60,000 - 34,200) // 240 = 107 places; buddy pairs cost twice
    per place; money short of the fixed costs buys none."""
    plain = to_plain(compose_config(["scenario=focus_approach"]))
    assert places(plain, "co_creation", 60_000) == 107
    assert places(plain, "co_creation", 30_000) == 0
    volunteering = plain["interventions"]["volunteering"]
    weeks = plain["steps"] - volunteering["delivery"]["start_week"] + 1
    fixed = volunteering["cost"]["fixed"] + volunteering["cost"]["per_week"] * weeks
    per_pair = 2 * volunteering["cost"]["per_participant_week"] * weeks
    assert places(plain, "volunteering", fixed + 10.5 * per_pair) == 10


def test_candidate_overrides_set_durations_from_the_start_week_and_capacity_from_the_share():
    study = load_study("germany_three_levers")
    values = {lever.name: lever_values(lever)[0] for lever in study.levers}
    out = dict(o.split("=", 1) for o in candidate_overrides(study, values))
    plain = to_plain(compose_config([*study.base, *candidate_overrides(study, values)]))
    delivery = plain["interventions"]["co_creation"]["delivery"]
    duration = next(lever for lever in study.levers if lever.duration_of)
    assert delivery["end_week"] - delivery["start_week"] + 1 == values[duration.name]
    share = next(lever for lever in study.levers if lever.budget_share_of)
    assert int(out["interventions.co_creation.delivery.capacity"]) == places(
        plain, "co_creation", values[share.name] * study.constraints.budget)


def test_the_baseline_run_drops_programme_keys_and_every_run_gets_the_replicate_seed(tmp_path):
    study = load_study("co_creation_targeting")
    ctx = Context(study, ("steps=26",), 5, tmp_path, "basic", ())
    world = World("sweden-0", ("city=sweden",), {})
    baseline = run_overrides(ctx, world, 2, None)
    assert not any(o.startswith("interventions.") for o in baseline)
    assert baseline[-1] == "seed=7" and "scenario=baseline" in baseline and "city=sweden" in baseline
    assert "city=germany" not in baseline and "steps=26" in baseline
    design = run_overrides(ctx, world, 2, ["interventions.co_creation.delivery.targeting=random"])
    assert design[-2:] == ["interventions.co_creation.delivery.targeting=random", "seed=7"]


def test_the_store_keeps_each_evaluation_once(tmp_path):
    store = Store(tmp_path / "e.db")
    row = {"candidate": '{"a":1}', "world": "site", "replicate": 0, "seed": 0, "outcomes": json.dumps({"x": 1.5}),
           "cost": 10.0, "participants": 3, "staff_hours": 0.0, "design_run": "d", "baseline_run": "b"}
    store.add([row])
    store.add([{**row, "outcomes": json.dumps({"x": 9.0})}])  # the same evaluation again: ignored
    table = Store(tmp_path / "e.db").table()
    assert len(table) == 1 and table.value.tolist() == [1.5]


def test_constraints_are_over_their_limits_and_zero_when_not_set():
    study = load_study("co_creation_targeting")
    assert constraint_values(study, 61_000.0, 5.0, 100.0) == [1_000.0, 0.0, 0.0]


def test_the_pareto_front_keeps_feasible_candidates_no_other_beats_on_every_outcome():
    study = load_study("co_creation_targeting")  # receiving_points up, cost down
    summary = pd.DataFrame({"candidate": list("abcde"), "receiving_points": [10.0, 8.0, 12.0, 7.0, 50.0],
                            "cost": [100.0, 50.0, 100.0, 60.0, 10.0], "feasible": [True, True, True, True, False]})
    front = pareto_front(study, summary)
    assert front.candidate.tolist() == ["c", "b"]  # a is beaten by c (same cost, more points), d by b, e is infeasible


def test_regret_is_the_shortfall_from_the_best_in_each_world_and_minimax_picks_the_smallest_largest():
    values = pd.DataFrame([[10.0, 0.0, 5.0], [7.0, 6.0, 4.0], [9.0, 0.0, 9.0]], index=["A", "B", "C"],
                          columns=["w1", "w2", "w3"])
    np.testing.assert_array_equal(regrets(values).to_numpy(), [[0, 6, 4], [3, 0, 5], [1, 6, 0]])
    table = robust_choice(values, "minimax", 90, 200, seed=0)
    assert table.candidate.tolist()[0] == "B"  # largest regrets: A 6, B 5, C 6
    assert table.max_regret.tolist()[0] == 5
    assert (table.statistic_low <= table.statistic).all() and (table.statistic <= table.statistic_high).all()
    assert table.chosen_share.sum() == pytest.approx(1.0)
    median = robust_choice(values, "percentile", 50, 200, seed=0)
    assert median.candidate.tolist()[0] == "C"  # median regrets: A 4, B 3, C 1


def test_prim_finds_the_box_where_failures_lie_with_its_coverage_and_density():
    """Failures exactly where a < 0.3 and b > 0.5 (a box holding 15% of 400 uniform worlds): the box found
    restricts a and b and no other column, covers at least the asked 80% of failures, and is dense."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.uniform(0, 1, 400), "b": rng.uniform(0, 1, 400), "c": rng.uniform(0, 1, 400)})
    failed = ((x.a < 0.3) & (x.b > 0.5)).to_numpy()
    (box, *_) = failure_boxes(x, failed, min_coverage=0.8, boxes=1)
    assert box["coverage"] >= 0.8 and box["density"] >= 0.8
    assert "a in [" in box["restrictions"] and "b in [" in box["restrictions"] and "c in" not in box["restrictions"]
    assert failure_boxes(x, np.zeros(400, dtype=bool), 0.5, 1) == []


def test_worlds_cross_presets_with_draws_and_scale_the_posterior_keys(tmp_path):
    """A posterior with a scale parameter multiplies every matched key of the preset's own config; a range
    sets its key; every world is one preset with one draw."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bridges.calibration.report import METADATA_KEY

    table = pa.table({"contact_rate_scale": [2.0, 2.0], "weight": [0.5, 0.5]})
    meta = {METADATA_KEY: json.dumps({"contact_rate_scale": {"key": "city.layers.*.contact_rate", "scale": True}})}
    pq.write_table(table.replace_schema_metadata(meta), tmp_path / "posterior.parquet")
    study = load_study(write_study(tmp_path, {
        "robustness.posterior": str(tmp_path / "posterior.parquet"), "robustness.draws": 2,
        "robustness.presets": ["germany", "jordan"],
        "robustness.ranges": {"negativity": {"key": "contact.update.negativity_weight", "low": 1, "high": 3,
                                             "unit": "ratio", "meaning": "m", "source": "s"}}}))
    worlds = make_worlds(study, [*study.base, "+calibrated=germany"], seed=0)  # the scale ignores the calibrated set
    assert [w.id for w in worlds] == ["germany-0", "germany-1", "jordan-0", "jordan-1"]
    jordan = to_plain(compose_config(["city=jordan"]))
    settings = dict(o.split("=", 1) for o in worlds[2].overrides)
    assert settings["city"] == "jordan"
    assert float(settings["city.layers.household.contact_rate"]) == 2 * jordan["city"]["layers"]["household"]["contact_rate"]
    assert 1 <= float(settings["contact.update.negativity_weight"]) <= 3
    assert worlds[2].values["preset"] == "jordan" and worlds[2].values["contact_rate_scale"] == 2.0
    assert worlds[0].values["negativity"] == worlds[2].values["negativity"]  # the same draws in every preset


def test_the_front_is_spread_to_the_asked_number_of_designs_keeping_its_ends():
    from bridges.scenarios.design_report import spread

    front = pd.DataFrame({"candidate": list("abcdefg")})
    assert spread(front, 3).candidate.tolist() == ["a", "d", "g"]
    assert spread(front, 10).candidate.tolist() == list("abcdefg")
