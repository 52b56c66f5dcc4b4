"""Resident agents are cheap views: created only on demand, read-only where the city fixes them."""

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa import DataCollector

from bridges.model import BridgesModel
from bridges.model.agents import Resident
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
