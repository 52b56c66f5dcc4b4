"""Resident agents are cheap views: created only on demand, read-only where the city fixes them."""

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa import DataCollector

from bridges.model import BridgesModel
from bridges.model.agents import Resident
from bridges.model.errors import InputError
from bridges.model.state import STATIC_FIELDS


def registered(model: BridgesModel) -> int:
    """Agents Mesa holds right now, read without creating the residents."""
    return len(mesa.Model.agents.fget(model))


def test_residents_are_created_only_when_asked_for(small_params):
    model = BridgesModel(small_params)
    model.step()
    assert registered(model) == 0  # building and stepping need no agent objects
    assert len(model.agents) == small_params.city.n_agents
    assert registered(model) == small_params.city.n_agents
    assert len(model.agents) == small_params.city.n_agents  # asking again creates none


def test_agents_by_type_and_agent_types_create_the_residents(small_params):
    model = BridgesModel(small_params)
    assert model.agent_types == [Resident]
    by_type = BridgesModel(small_params).agents_by_type
    assert len(by_type[Resident]) == small_params.city.n_agents


def test_agentset_select_and_agg_read_the_arrays(small_params):
    model = BridgesModel(small_params)
    arriving = model.agents.select(lambda a: a.group == "arriving")
    assert len(arriving) == int((model.state.group == 1).sum())
    assert sorted(a.index for a in arriving) == np.flatnonzero(model.state.group == 1).tolist()
    assert arriving.agg("attitude", np.mean) == pytest.approx(model.state.attitude[model.state.group == 1].mean())


def test_datacollector_agent_and_agenttype_reporters(small_params):
    model = BridgesModel(small_params)
    collector = DataCollector(agent_reporters={"trust": "trust"},
                              agenttype_reporters={Resident: {"employed": "employed"}})
    collector.collect(model)
    model.step()
    collector.collect(model)
    trust = collector.get_agent_vars_dataframe().xs(1, level="Step").trust.to_numpy()
    np.testing.assert_array_equal(trust, model.state.trust)
    employed = collector.get_agenttype_vars_dataframe(Resident).xs(1, level="Step").employed.to_numpy()
    np.testing.assert_array_equal(employed, model.state.employed)


def test_creating_agents_changes_no_result(small_params):
    # Agent creation draws no random numbers, so asking for agents mid-run leaves every number alone.
    plain, viewed = BridgesModel(small_params), BridgesModel(small_params)
    for week in range(small_params.steps):
        if week == 2:
            viewed.agents.shuffle_do("__repr__")
        plain.step()
        viewed.step()
    pd.testing.assert_frame_equal(plain.timeseries(), viewed.timeseries())


@pytest.mark.parametrize("name", STATIC_FIELDS)
def test_static_fields_are_read_only_through_an_agent(small_params, name):
    model = BridgesModel(small_params)
    agent = model.agents[0]
    before = getattr(agent, name)
    with pytest.raises(AttributeError, match=f"Resident.{name} is fixed when the city is built"):
        setattr(agent, name, before)
    assert getattr(agent, name) == before


def test_state_holds_the_city_placement_itself_read_only(small_params):
    model = BridgesModel(small_params)
    for name in STATIC_FIELDS:
        assert getattr(model.state, name) is getattr(model.city.residents, name)  # one array, one owner
        with pytest.raises(ValueError, match="read-only"):
            getattr(model.state, name)[0] = 0


def test_changing_fields_still_write_through(small_params):
    model = BridgesModel(small_params)
    agent = model.agents[3]
    agent.employed = not agent.employed
    assert model.state.employed[3] == agent.employed


@pytest.mark.parametrize(("name", "value", "message"), [
    ("attitude", 1000, r"Resident.attitude: must be in \[0, 100\] thermometer points, got 1000"),
    ("attitude", float("nan"), r"Resident.attitude: must be in \[0, 100\] thermometer points \(a finite number\)"),
    ("trust", -0.1, r"Resident.trust: must be in \[0, 1\], got -0.1"),
    ("trust", "high", "Resident.trust: must be a number, got 'high'"),
    ("employed", 1, "Resident.employed: must be true or false, got 1"),
    ("education", "phd", "Resident.education: must be one of basic, secondary, higher, got 'phd'"),
    ("education", 3, r"Resident.education: must be in \[0, 2\]"),
    ("positive_contacts", 2.5, "Resident.positive_contacts: must be a whole number, got 2.5"),
])
def test_writes_through_a_view_are_range_checked_like_config_values(small_params, name, value, message):
    model = BridgesModel(small_params)
    agent = model.agents[0]
    before = getattr(model.state, name).copy()
    with pytest.raises(InputError, match="^" + message):
        setattr(agent, name, value)
    np.testing.assert_array_equal(getattr(model.state, name), before)


def test_valid_writes_through_a_view_reach_the_state(small_params):
    model = BridgesModel(small_params)
    agent = model.agents[0]
    agent.attitude, agent.employed, agent.education = 75, True, "higher"
    assert (model.state.attitude[0], model.state.employed[0], model.state.education[0]) == (75.0, True, 2)


def test_beliefs_are_written_only_for_receiving_members(small_params):
    model = BridgesModel(small_params)
    arriving = model.agents.select(lambda a: a.group == "arriving").to_list()[0]
    with pytest.raises(InputError, match="^Resident.belief_welfare: only receiving members hold it"):
        arriving.belief_welfare = 0.3


def test_removing_or_adding_a_resident_says_how_instead(small_params):
    model = BridgesModel(small_params)
    agent = model.agents[0]
    with pytest.raises(RuntimeError, match=r"remove\(\): residents cannot leave one by one.*dynamics.turnover.enabled"):
        agent.remove()
    assert len(model.agents) == model.state.n == small_params.city.n_agents
    with pytest.raises(TypeError, match=r"^Resident\(model\): residents are created by the model.*n_agents=N"):
        Resident(model)
