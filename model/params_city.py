"""Parameters of the city and its people (conf/city/): groups, layers, sectors and beliefs."""

from dataclasses import dataclass, field

from bridges.model.errors import InputError
from bridges.model.ranges import (EDUCATION_LEVELS, GROUPS, LAYER_KINDS, MAX_AGENTS, MAX_DEGREE, MAX_HOUSEHOLD,
                                  MAX_SITE, PER_GROUP_UNIT, RATE, STATE_SCALE, STATE_SPREAD, UNIT, bounded)


@dataclass(frozen=True)
class Distribution:
    """Initial distribution of a bounded state variable: a Beta with this mean and standard deviation,
    scaled to the variable's range."""

    mean: float = field(metadata=STATE_SCALE)
    sd: float = field(metadata=STATE_SPREAD)


@dataclass(frozen=True)
class GroupParams:
    """Initial composition of one community."""

    employed: float = field(metadata=UNIT)
    studying: float = field(metadata=UNIT)
    education: dict[str, float] = field(metadata=UNIT)
    qualification_recognised: float = field(metadata=UNIT)
    legal_pending: float = field(metadata=UNIT)
    family_pending: float = field(metadata=UNIT)
    language: Distribution
    attitude: Distribution
    anxiety: Distribution
    trust: Distribution
    distress: Distribution
    belonging: Distribution
    responsibility: Distribution

    def __post_init__(self):
        if sorted(self.education) != sorted(EDUCATION_LEVELS) or abs(sum(self.education.values()) - 1.0) > 1e-6:
            raise InputError(f"education: shares of {', '.join(EDUCATION_LEVELS)} must be given and sum to 1")


@dataclass(frozen=True)
class SectorParams:
    """A sector of the labour market: which share of each group's workers it employs, and how sorted."""

    share: dict[str, float] = field(metadata=PER_GROUP_UNIT)
    segregation: float = field(metadata=UNIT)


@dataclass(frozen=True)
class LayerParams:
    """One contact layer: how ties form there (by kind) and what an encounter there is like."""

    kind: str
    contact_rate: float = field(metadata=RATE)
    equal_status: float = field(metadata=UNIT)
    common_goal: float = field(metadata=UNIT)
    cooperation: float = field(metadata=UNIT)
    institutional_support: float = field(metadata=UNIT)
    degree: float | None = field(default=None, metadata=bounded(0.0, MAX_DEGREE, 'ties per resident', 'far above any personal network'))
    homophily: float | None = field(default=None, metadata=UNIT)
    site_size: int | None = field(default=None, metadata=bounded(1, MAX_SITE, 'persons per site', 'larger than any single workplace or club'))
    segregation: float | None = field(default=None, metadata=UNIT)
    participation: dict[str, float] | None = field(default=None, metadata=PER_GROUP_UNIT)
    sectors: dict[str, SectorParams] | None = None

    def check(self, key: str) -> None:
        """Raise InputError unless exactly the structural keys of this layer's kind are set."""
        if self.kind not in LAYER_KINDS:
            raise InputError(f"{key}.kind: unknown layer kind {self.kind!r} (known: {', '.join(LAYER_KINDS)})")
        needed = LAYER_KINDS[self.kind]
        for name in sorted(set().union(*LAYER_KINDS.values())):
            value = getattr(self, name)
            if name in needed and value is None:
                raise InputError(f"{key}.{name}: missing value (needed by layer kind {self.kind!r})")
            if name not in needed and value is not None:
                raise InputError(f"{key}.{name}: not used by layer kind {self.kind!r}")
        if self.sectors:
            for label in GROUPS:
                total = sum(sector.share[label] for sector in self.sectors.values())
                if abs(total - 1.0) > 1e-6:
                    raise InputError(f"{key}.sectors: {label} shares must sum to 1, got {total:g}")


@dataclass(frozen=True)
class BeliefParams:
    """Receiving members' beliefs about arriving members: initial spread and the media prior."""

    education: Distribution
    employment: Distribution
    welfare: Distribution
    media_prior: dict[str, float] = field(metadata=UNIT)


@dataclass(frozen=True)
class CustomCityParams:
    """A user-supplied network replacing the generated one (all null = generate)."""

    graphml: str | None = None
    edges_csv: str | None = None
    nodes_csv: str | None = None

    @property
    def used(self) -> bool:
        return any(value is not None for value in (self.graphml, self.edges_csv, self.nodes_csv))


@dataclass(frozen=True)
class CityParams:
    """The city: its size, its neighbourhoods, its contact layers and its people."""

    name: str
    n_agents: int = field(metadata=bounded(1, MAX_AGENTS, 'persons', 'memory: about 8 kB per resident'))
    arriving_share: float = field(metadata=UNIT)
    n_neighbourhoods: int = field(metadata=bounded(1, MAX_AGENTS, 'neighbourhoods', 'also checked against city.n_agents'))
    arrival_area_share: float = field(metadata=UNIT)
    segregation: float = field(metadata=UNIT)
    household_size: dict[str, float] = field(metadata=bounded(1.0, MAX_HOUSEHOLD, 'adults per household', 'beyond it a household is an institution', per_group=True))
    layers: dict[str, LayerParams]
    groups: dict[str, GroupParams]
    beliefs: BeliefParams
    custom: CustomCityParams

    def __post_init__(self):
        if sorted(self.groups) != sorted(GROUPS):
            raise InputError(f"city.groups: must define exactly {', '.join(GROUPS)}, got {', '.join(self.groups) or 'none'}")
        for name, layer in self.layers.items():
            layer.check(f"city.layers.{name}")
        if sorted(self.beliefs.media_prior) != sorted(BELIEFS):
            raise InputError(f"city.beliefs.media_prior: must give {', '.join(BELIEFS)}")


BELIEFS = ("education", "employment", "welfare")
"""What receiving members hold beliefs about: arriving members' shares with higher education, in
work, and on welfare."""
