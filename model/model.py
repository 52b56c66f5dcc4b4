"""BridgesModel: a Mesa model whose state is a struct of arrays and whose step is STEP_ORDER."""

from dataclasses import dataclass, field

import mesa
import numpy as np
import pandas as pd

from model.agents import Resident
from model.city import ALLPORT_CONDITIONS, City, build_city, assign_groups
from model.metrics import group_metrics
from model.params import GROUPS, Params
from model.state import initial_state, draw_occupation
from model.step import STEP_ORDER
from model.streams import Streams


@dataclass
class IntergroupTies:
    """Intergroup ties with their setting's parameters, resolved once per model."""

    source: np.ndarray
    target: np.ndarray
    layer: np.ndarray
    rate: np.ndarray  # layer contact rate, encounters per week
    conditions: np.ndarray  # (ties, 4) Allport conditions of the layer

    @property
    def size(self) -> int:
        return len(self.source)


@dataclass
class Week:
    """This week's scratch results, overwritten every step."""

    encounters: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    quality: np.ndarray = field(default_factory=lambda: np.zeros(0))
    positive: np.ndarray | None = None
    negative: np.ndarray | None = None


class BridgesModel(mesa.Model):
    """Arriving and receiving residents of a networked city whose views change through contact."""

    def __init__(self, params: Params, city: City | None = None):
        streams = Streams(params.seed)
        super().__init__(rng=streams.generator("mesa"))
        self.params = params
        self.streams = streams
        if city is None:
            group = assign_groups(params.city.n_agents, params.city.arriving_share, streams)
            occupation = draw_occupation(params.city, group, streams)
            city = build_city(params.city, streams, group, occupation["employed"] | occupation["studying"])
        else:
            occupation = draw_occupation(params.city, city.group, streams)
        self.city = city
        self.state = initial_state(params.city, city.group, city.neighbourhood, occupation, streams)

        contact = params.contact
        self.condition_weights = np.array([getattr(contact.quality, c) for c in ALLPORT_CONDITIONS])
        self.valence_offset = np.array([contact.valence_offset[g] for g in GROUPS])
        self.susceptibility = np.array([contact.susceptibility[g] for g in GROUPS])
        network, chosen = city.network, city.network.intergroup
        self.ties = IntergroupTies(
            source=network.source[chosen], target=network.target[chosen], layer=network.layer[chosen],
            rate=city.layer_array("contact_rate")[network.layer[chosen]],
            conditions=city.conditions()[network.layer[chosen]],
        )
        self.week = Week()
        self.records: list[tuple[int, str, str, float]] = [
            (0, group, metric, value) for group, metric, value in group_metrics(self.state, None, None)
        ]
        Resident.create_agents(self, self.state.n, np.arange(self.state.n))

    def step(self) -> None:
        """One week: every phase of STEP_ORDER in turn."""
        for phase in STEP_ORDER:
            phase(self)

    def timeseries(self) -> pd.DataFrame:
        """Recorded metrics as a tidy table: step, group, metric, value."""
        return pd.DataFrame(self.records, columns=["step", "group", "metric", "value"])

    def agent_table(self) -> pd.DataFrame:
        """One row per resident with its final state."""
        s = self.state
        return pd.DataFrame({
            "id": np.arange(s.n),
            "group": np.array(GROUPS)[s.group],
            "neighbourhood": s.neighbourhood,
            "attitude": s.attitude,
            "anxiety": s.anxiety,
            "trust": s.trust,
            "distress": s.distress,
            "language": s.language,
            "employed": s.employed,
            "studying": s.studying,
            "intergroup_contacts": s.intergroup_contacts,
            "positive_contacts": s.positive_contacts,
            "negative_contacts": s.negative_contacts,
            "intergroup_ties": np.bincount(np.concatenate([self.ties.source, self.ties.target]), minlength=s.n),
        })
