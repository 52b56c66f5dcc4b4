"""The model: agents as views, Mesa tools, and statistical behaviour with fixed seeds."""

import numpy as np
from mesa import DataCollector

from bridges.model import BridgesModel
from tests.conftest import SMALL_CITY, params_for


def run(model: BridgesModel) -> BridgesModel:
    for _ in range(model.params.steps):
        model.step()
    return model


def final(model: BridgesModel, metric: str, group: str) -> float:
    table = model.timeseries()
    rows = table[(table.metric == metric) & (table.group == group)]
    return float(rows[rows.step == rows.step.max()].value.iloc[0])


def mean_over_weeks(model: BridgesModel, metric: str, group: str) -> float:
    table = model.timeseries()
    return float(table[(table.metric == metric) & (table.group == group)].value.mean())


# ---- agents are views -----------------------------------------------------------------------------
def test_agents_read_and_write_the_state_arrays(small_params):
    model = BridgesModel(small_params)
    agent = model.agents[0]
    assert agent.attitude == model.state.attitude[agent.index]
    agent.attitude = 12.5
    assert model.state.attitude[agent.index] == 12.5
    assert agent.group in ("arriving", "receiving")
    assert len(model.agents) == small_params.city.n_agents


def test_two_models_do_not_share_state(small_params):
    first, second = BridgesModel(small_params), BridgesModel(small_params)
    first.agents[0].attitude = 1.0
    assert second.agents[0].attitude != 1.0


def test_mesa_agentset_and_datacollector_work(small_params):
    model = BridgesModel(small_params)
    arriving = model.agents.select(lambda a: a.group == "arriving")
    assert len(arriving) == int((model.state.group == 1).sum())
    collector = DataCollector(model_reporters={"n": lambda m: len(m.agents)},
                              agent_reporters={"attitude": "attitude", "group": "group"})
    collector.collect(model)
    model.step()
    collector.collect(model)
    table = collector.get_agent_vars_dataframe()
    assert len(table) == 2 * small_params.city.n_agents
    last = table.xs(1, level="Step").attitude.to_numpy()
    np.testing.assert_allclose(last, model.state.attitude)


# ---- behaviour on fixed seeds (directional claims over replicates: tests/test_directional.py) -----
LAYERS = ("household", "neighbourhood", "workplace", "school", "sports_club", "religious_centre", "community_centre")
WITHOUT_SOCIAL_INFLUENCES = ["contact.incidental.enabled=false", "dynamics.norms.enabled=false",
                             "dynamics.threat.enabled=false"]
"""Switches that leave direct contact along ties as the only influence on attitudes."""


def test_city_without_intergroup_ties_leaves_attitudes_unchanged():
    params = params_for(*SMALL_CITY, *[f"city.layers.{layer}.homophily=1" for layer in LAYERS if layer != "household"],
                        *WITHOUT_SOCIAL_INFLUENCES)
    model = BridgesModel(params)
    assert model.ties.size == 0
    before = model.state.attitude.copy()
    run(model)
    np.testing.assert_array_equal(model.state.attitude, before)
    assert model.state.intergroup_contacts.sum() == 0


def test_default_run_matches_focus_patterns():
    model = run(BridgesModel(params_for()))
    assert final(model, "attitude_mean", "arriving") > final(model, "attitude_mean", "receiving")
    arriving = mean_over_weeks(model, "intergroup_contact_share", "arriving")
    receiving = mean_over_weeks(model, "intergroup_contact_share", "receiving")
    assert arriving > receiving
    assert receiving < 0.2  # FOCUS: intergroup contact is rare for receiving members


def test_same_seed_same_states_other_seed_different(small_params):
    a, b = run(BridgesModel(small_params)), run(BridgesModel(small_params))
    np.testing.assert_array_equal(a.state.attitude, b.state.attitude)
    c = run(BridgesModel(params_for(*SMALL_CITY, "seed=1")))
    assert not np.array_equal(a.state.attitude, c.state.attitude)
