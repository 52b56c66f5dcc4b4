"""BridgesModel as Mesa's tools use it: keyword construction, rng/seed, running, DataCollector, batch_run."""

import mesa
import numpy as np
import pandas as pd
import pytest

from bridges.model import BridgesModel
from bridges.model.errors import InputError
from bridges.mesa_api import params_from_keywords
from bridges.model.metrics import OUTCOMES
from tests.conftest import SMALL_CITY, params_for

SMALL = {"city.n_agents": 300, "city.n_neighbourhoods": 3, "steps": 3}


def test_keywords_build_the_same_model_as_the_command_line_overrides():
    by_keywords = BridgesModel(city="sweden", **{**SMALL, "contact.update.negativity_weight": 3}, rng=4)
    by_params = BridgesModel(params_for("city=sweden", "city.n_agents=300", "city.n_neighbourhoods=3", "steps=3",
                                        "contact.update.negativity_weight=3", "seed=4"))
    by_keywords.run_model()
    by_params.run_model()
    pd.testing.assert_frame_equal(by_keywords.timeseries(), by_params.timeseries())


def test_named_keywords_set_their_config_keys():
    params = params_from_keywords(n_agents=300, arriving_share=0.2, segregation=0.9, negativity_weight=4.0)
    city = params.city
    assert (city.n_agents, city.arriving_share, city.segregation) == (300, 0.2, 0.9)
    assert params.contact.update.negativity_weight == 4.0


def test_homophily_shift_moves_every_layer_within_bounds():
    preset = params_for("city.n_agents=300")
    shifted = params_from_keywords(homophily_shift=0.3, **SMALL)
    for name, layer in preset.city.layers.items():
        if layer.homophily is not None:
            assert shifted.city.layers[name].homophily == pytest.approx(min(layer.homophily + 0.3, 1.0))


def test_interventions_switch_on_and_off_and_a_switched_off_dose_is_ignored():
    params = params_from_keywords(scenario="focus_approach", **{**SMALL, "steps": 5}, **{  # co-creation starts in week 4
        "interventions.information": True, "interventions.information.delivery.coverage": 0.6,
        "interventions.mhpss": False, "interventions.mhpss.delivery.coverage": 0.9})
    chosen = params.interventions
    assert "mhpss" not in chosen and chosen["information"].delivery.coverage == 0.6
    assert {"volunteering", "co_creation", "coordination"} <= set(chosen)


def test_rng_and_seed_forms_give_the_root_seed():
    assert BridgesModel(**SMALL, rng=7).params.seed == 7
    assert params_from_keywords(**SMALL, seed=7).seed == 7
    assert params_from_keywords(**SMALL, rng="7").seed == 7  # a text box sends digits
    assert params_from_keywords(**SMALL).seed == params_for().seed  # parameters alone: the config's seed
    from_generator = [params_from_keywords(**SMALL, rng=np.random.default_rng(1)).seed for _ in range(2)]
    assert from_generator[0] == from_generator[1]
    assert params_from_keywords(**SMALL, rng=np.random.SeedSequence(5)).seed >= 0


@pytest.mark.parametrize(("keywords", "message"), [
    ({"rng": 1, "seed": 2}, "rng, seed: give one of them, not both"),
    ({"rng": -1}, "rng: must be an integer 0 or more"),
    ({"city.n_agent": 300}, "city.n_agent: unknown config key"),
    ({"cty.n_agents": 300}, "cty: unknown config key"),
    ({"n_agents": 0}, "city.n_agents: must be in \\[1, "),
    ({"interventions.mhpss": "yes"}, "interventions.mhpss: must be true or false"),
    ({"city": "mars"}, "city: must name an option in conf/city/"),
])
def test_bad_keywords_name_the_key(keywords, message):
    with pytest.raises(InputError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        BridgesModel(**keywords)


def test_params_and_keywords_together_are_refused(small_params):
    with pytest.raises(TypeError, match="either params"):
        BridgesModel(small_params, rng=3)


def test_run_model_stops_after_the_configured_weeks():
    model = BridgesModel(**SMALL)
    model.run_model()
    assert model.steps == SMALL["steps"] and not model.running
    assert model.timeseries().step.max() == SMALL["steps"]


def test_run_model_stops_with_params_too(small_params):
    model = BridgesModel(small_params)
    model.run_model()
    assert model.steps == small_params.steps == int(SMALL_CITY[-1].split("=")[1])


def test_datacollector_reports_the_vectorised_outcomes_every_week():
    model = BridgesModel(**SMALL, scenario="volunteering")
    model.run_model()
    table = model.datacollector.get_model_vars_dataframe()
    assert list(table.columns) == [*OUTCOMES, "intervention_cost", "seed"]
    assert set(table.seed) == {model.params.seed}
    assert len(table) == SMALL["steps"] + 1  # week 0 and every week after
    series = model.timeseries().set_index(["group", "metric", "step"]).value
    for outcome, (group, metric) in OUTCOMES.items():
        expected = [series.get((group, metric, step), np.nan) for step in range(SMALL["steps"] + 1)]
        np.testing.assert_array_equal(table[outcome].to_numpy(), expected)
    assert table.intervention_cost.iloc[-1] == pytest.approx(model.intervention_costs().total_cost.sum())
    assert table.intervention_cost.is_monotonic_increasing


class WithAttitudes(BridgesModel):
    """A model collecting two agent reporters through the resident views."""

    agent_reporters = {"attitude": "attitude", "group": "group"}


def test_datacollector_with_an_agent_reporter_reads_the_resident_views():
    model = WithAttitudes(**SMALL)
    model.run_model()
    agents = model.datacollector.get_agent_vars_dataframe()
    assert len(agents) == (SMALL["steps"] + 1) * model.state.n
    last = agents.xs(SMALL["steps"], level="Step")
    np.testing.assert_array_equal(last.attitude.to_numpy(), model.state.attitude)
    assert set(last.group) == {"arriving", "receiving"}


def test_batch_run_over_two_values_and_two_iterations_returns_every_row():
    rows = pd.DataFrame(mesa.batch_run(BridgesModel, parameters={**SMALL, "city.arriving_share": [0.1, 0.3]},
                                       rng=[0, 1], max_steps=100, data_collection_period=1,
                                       display_progress=False))
    weeks = SMALL["steps"] + 1
    assert len(rows) == 2 * 2 * weeks  # values x iterations x collected weeks (0..steps)
    assert sorted(rows.groupby(["city.arriving_share", "iteration"]).size().to_dict().items()) == [
        ((0.1, 0), weeks), ((0.1, 1), weeks), ((0.3, 0), weeks), ((0.3, 1), weeks)]
    assert set(rows.Step) == set(range(weeks))  # stopped at `steps`, not at max_steps
    assert set(OUTCOMES) <= set(rows.columns)
    final = rows[rows.Step == SMALL["steps"]].set_index(["city.arriving_share", "iteration"]).attitude_receiving
    assert final[(0.1, 0)] != final[(0.1, 1)]  # iterations run on different seeds
    again = BridgesModel(**{**SMALL, "city.arriving_share": 0.1}, rng=1)
    again.run_model()
    assert final[(0.1, 1)] == again.datacollector.get_model_vars_dataframe().attitude_receiving.iloc[-1]


def test_batch_run_collects_agent_reporters():
    rows = pd.DataFrame(mesa.batch_run(WithAttitudes, parameters=SMALL, rng=[2], display_progress=False))
    assert len(rows) == SMALL["city.n_agents"]  # the final week (data_collection_period=-1), one row per resident
    assert set(rows.Step) == {SMALL["steps"]}
    assert {"AgentID", "attitude", "group", "attitude_receiving"} <= set(rows.columns)


def test_a_model_without_rng_or_seed_gets_a_fresh_recorded_seed_as_mesa_documents():
    # Mesa: rng=None means a fresh generator. Two 32-bit seeds from the OS's entropy coincide with
    # probability 2^-32 (a false failure once in four billion runs).
    first, second = BridgesModel(**SMALL), BridgesModel(**SMALL, rng=None)
    assert first.params.seed != second.params.seed
    rebuilt = BridgesModel(**SMALL, rng=first.params.seed)  # the recorded seed rebuilds the run
    first.run_model()
    rebuilt.run_model()
    pd.testing.assert_frame_equal(first.timeseries(), rebuilt.timeseries())


def test_batch_run_iterations_are_fresh_replicates_with_their_seed_recorded():
    with pytest.warns(DeprecationWarning, match="iterations"):  # Mesa's own deprecation of iterations=
        rows = pd.DataFrame(mesa.batch_run(BridgesModel, parameters=SMALL, iterations=3, display_progress=False))
    final = rows[rows.Step == SMALL["steps"]]
    assert final.seed.nunique() == 3  # the seed actually used, one per replicate (not rng=None)
    assert final.attitude_receiving.nunique() == 3
    row = final.iloc[1]
    again = BridgesModel(**SMALL, rng=int(row.seed))
    again.run_model()
    assert again.datacollector.get_model_vars_dataframe().attitude_receiving.iloc[-1] == row.attitude_receiving


def test_batch_run_over_seeds_in_parameters_runs_each_seed():
    rows = pd.DataFrame(mesa.batch_run(BridgesModel, parameters={**SMALL, "seed": [1, 2]}, display_progress=False))
    final = rows[rows.Step == SMALL["steps"]].set_index("seed").attitude_receiving
    assert sorted(final.index) == [1, 2] and final[1] != final[2]
    seeded = BridgesModel(**SMALL, seed=2)
    seeded.run_model()
    assert seeded.datacollector.get_model_vars_dataframe().attitude_receiving.iloc[-1] == final[2]


def test_step_after_the_run_finished_raises_before_the_clock_moves():
    from bridges.model.model import RunFinished

    model = BridgesModel(**SMALL)
    model.run_model()
    with pytest.raises(RunFinished, match=f"the run has finished: week {SMALL['steps']} of steps={SMALL['steps']}"):
        model.step()
    assert (model.steps, model.time) == (SMALL["steps"], SMALL["steps"])
    assert model.timeseries().step.max() == SMALL["steps"]


def test_engine_is_a_config_key_and_a_keyword():
    assert params_for("engine=agents").engine == "agents"
    assert BridgesModel(params_for("engine=agents", "city.n_agents=300")).engine == "agents"
    assert BridgesModel(**SMALL, rng=1).engine == "vectorised"
    assert BridgesModel(**SMALL, engine="agents", rng=1).engine == "agents"
    with pytest.raises(InputError, match="engine: must be one of vectorised, agents, got 'numpy'$"):
        params_for("engine=numpy")


def test_solaraviz_reset_rebuilds_the_model_from_its_controls():
    """SolaraViz's Reset passes the controls' values and a Mesa Scenario; both reach the parameters."""
    from mesa.visualization.solara_viz import _build_model_init_kwargs

    model = BridgesModel(**SMALL)
    controls = {**SMALL, "city": "sweden", "arriving_share": "preset", "seed": 5, "interventions.mhpss": True}
    rebuilt = type(model)(**_build_model_init_kwargs(model, controls, add_scenario_when_empty=True,
                                                     require_model_accepts_scenario=True))
    assert (rebuilt.params.city.name, rebuilt.params.seed) == ("sweden", 5)
    assert rebuilt.params.city.arriving_share == params_for("city=sweden").city.arriving_share
    assert list(rebuilt.params.interventions) == ["mhpss"]


def test_a_mesa_scenario_carries_keywords_and_rng():
    from mesa.experimental.scenarios import Scenario

    params = params_from_keywords(scenario=Scenario(rng=9, **{"city.n_agents": 300}))
    assert (params.seed, params.city.n_agents) == (9, 300)


def test_the_dashboards_negativity_slider_lowers_attitudes_as_the_directions_table_says():
    """The dashboard's Reset builds the model from keywords; with the reference world (the default) a slider
    changes the world from week 0 for people formed in the preset, so it moves outcomes the table's way
    (scenarios/directions.yaml): a higher negativity weight lowers both groups' attitudes (before issue 20 it
    raised them). Paired over tests/paired.py's 8 seeds, > 3 SE (P(t_7 > 3) = 0.01 under no effect); 600
    residents for 26 weeks keep it to seconds."""
    from bridges.scenarios.directions import load_directions
    from tests.paired import SEEDS, STANDARD_ERRORS

    (negativity,) = (d for d in load_directions() if d.key == "contact.update.negativity_weight")
    city = {"n_agents": 600, "city.n_neighbourhoods": 6, "steps": 26}

    def final_attitudes(**slider) -> pd.DataFrame:
        rows = []
        for seed in SEEDS:
            model = BridgesModel(**city, **slider, rng=seed)
            assert model.reference_summary()["reference"] == ("site" if slider else "self")
            model.run_model()
            rows.append(model.timeseries().query("step == 26 and metric == 'attitude_mean'").set_index("group").value)
        return pd.DataFrame(rows)

    differences = final_attitudes(negativity_weight=negativity.test_value) - final_attitudes()
    for group in ("receiving", "arriving"):
        sign, values = negativity.model[("attitude", group)], differences[group].to_numpy()
        assert sign * values.mean() > STANDARD_ERRORS * values.std(ddof=1) / np.sqrt(len(values)), (group, values)


def test_a_follow_up_runs_past_the_configured_weeks_and_no_further():
    from bridges.model.model import RunFinished

    model = BridgesModel(**SMALL)
    model.run_model()
    model.follow_up(2)
    assert model.steps == SMALL["steps"] + 2 and not model.running
    with pytest.raises(RunFinished):
        model.step()


def test_the_parameters_record_the_engine_given_as_a_keyword():
    """`engine="agents"` as a keyword runs the agents engine and says so in model.params (which a user saves
    to rebuild the run): it said "vectorised" while the agents engine ran."""
    assert BridgesModel(**SMALL, engine="agents", rng=1).params.engine == "agents"
    assert BridgesModel(params_for("city.n_agents=300"), engine="agents").params.engine == "agents"
    assert BridgesModel(params_for("engine=agents", "city.n_agents=300"), engine="vectorised").params.engine == "vectorised"
