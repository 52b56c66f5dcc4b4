"""Paired comparisons over replicates on common random numbers, for directional tests.

Both arms of a comparison run with the same seeds; with one seed both arms build the same city and
draw the same random numbers wherever their draws coincide (named streams), so the per-seed
difference is the arm's effect plus little noise. The paired statistic is that per-seed difference.

Tolerance used by `assert_paired_effect`: the mean paired difference must exceed 3 standard errors
of the paired differences (sd / sqrt(n), n = REPLICATES = 8). Under "no effect" the ratio is
t-distributed with 7 degrees of freedom and exceeds 3 with probability 0.01 (one-sided), so a
mechanism that did nothing, or moved the other way, passes less than once in a hundred seed sets.
The seeds are fixed, so each test is deterministic; the bound states how much evidence it demands.
"""

import json

import numpy as np

from bridges.model import BridgesModel
from bridges.config import compose_config, model_params, to_plain
from bridges.model.city_source import make_city
from bridges.model.streams import Streams

CITY = ("city.n_agents=1000", "city.n_neighbourhoods=8", "steps=30")
"""The city of the golden baseline and the directional tests (they share its runs, conftest `city_runs`):
small enough for a third of a second per run, big enough that every programme enrols people; 30 weeks
cover co-creation (weeks 4-27) and MHPSS (weeks 1-12) from start to end."""
REPLICATES = 8
SEEDS = tuple(range(REPLICATES))
STANDARD_ERRORS = 3.0
"""Required |mean| / SE of the paired differences: P(t_7 > 3) = 0.01 under no effect."""


class Replicate:
    """One finished run: final and first week values, weekly means and a few totals."""

    def __init__(self, model: BridgesModel, programme_encounters: int):
        table = model.timeseries()
        self.series = table.set_index(["group", "metric", "step"]).value.sort_index()
        self.last_step = int(table.step.max())
        self.negative_contacts = int(model.state.negative_contacts.sum())
        self.programme_encounters = programme_encounters
        self.costs = model.intervention_costs()

    def final(self, group: str, metric: str) -> float:
        return float(self.series.loc[(group, metric, self.last_step)])

    def start(self, group: str, metric: str) -> float:
        return float(self.series.loc[(group, metric, 0)])

    def weekly_mean(self, group: str, metric: str) -> float:
        return float(self.series.loc[(group, metric)].mean())


class Replicates:
    """Runs of configs on SEEDS, in-process, each run once per instance (runs are deterministic).

    Arms with the same city parameters and seed share one built city, as scenario comparison does;
    override lists that compose the same config (e.g. none and `scenario=baseline`) share their runs.
    Hold an instance in a fixture, not at module level: a cache outliving the test session would
    hand a later session (e.g. a mutant under test) results of code it no longer runs.
    """

    def __init__(self, *common: str):
        self.common = common
        self.plains: dict[tuple[str, ...], dict] = {}
        self.cities: dict[tuple[str, int], object] = {}
        self.runs: dict[tuple[str, int], Replicate] = {}
        self.models: dict[tuple[str, int], tuple[BridgesModel, int]] = {}
        self.starts: dict[tuple[str, int], np.ndarray] = {}

    def key(self, overrides: tuple[str, ...], seed: int) -> tuple[str, int]:
        """(the composed config as sorted JSON, seed): what a run is a function of."""
        if overrides not in self.plains:
            self.plains[overrides] = to_plain(compose_config([*self.common, *overrides]))
        return json.dumps(self.plains[overrides], sort_keys=True), seed

    def finished(self, overrides: tuple[str, ...], seed: int) -> tuple[BridgesModel, int]:
        """A finished run's model and its programme encounters; kept only when asked for by `model`."""
        key = self.key(overrides, seed)
        if key in self.models:
            return self.models[key]
        plain = self.plains[overrides]
        params = model_params({**plain, "seed": seed})
        city_key = (repr(plain["city"]), seed)
        if city_key not in self.cities:
            self.cities[city_key] = make_city(params, Streams(seed))
        model = BridgesModel(params, city=self.cities[city_key])
        self.starts[key] = model.state.attitude.copy()
        programme_encounters = 0
        for _ in range(params.steps):
            model.step()
            programme_encounters += sum(int(block.encounters.sum()) for block in model.contact_blocks()
                                        if block.name not in ("network", "public"))  # programmes' own blocks
        return model, programme_encounters

    def run(self, overrides: tuple[str, ...], seed: int) -> Replicate:
        key = self.key(overrides, seed)
        if key not in self.runs:
            self.runs[key] = Replicate(*self.finished(overrides, seed))
        return self.runs[key]

    def model(self, overrides: tuple[str, ...], seed: int) -> BridgesModel:
        """The finished model itself, kept (about 8 MB at 1,000 residents), for tests that compute their
        own tables from it: under mutmut, a test is credited only with the code it calls itself."""
        key = self.key(overrides, seed)
        if key not in self.models:
            self.models[key] = self.finished(overrides, seed)
        return self.models[key][0]

    def start_attitude(self, overrides: tuple[str, ...], seed: int) -> np.ndarray:
        """Everyone's attitude at week 0 of a run (the built model, before its first step)."""
        key = self.key(overrides, seed)
        if key not in self.starts:
            self.finished(overrides, seed)
        return self.starts[key]

    def arm(self, *overrides: str, seeds: tuple[int, ...] = SEEDS) -> list[Replicate]:
        """The common overrides plus these, on every seed of `seeds` (SEEDS unless a test needs more)."""
        return [self.run(tuple(overrides), seed) for seed in seeds]


def paired_differences(treatment: list[Replicate], control: list[Replicate], statistic) -> np.ndarray:
    """Per seed: statistic(treatment run) - statistic(control run)."""
    return np.array([statistic(t) - statistic(c) for t, c in zip(treatment, control, strict=True)])


def assert_paired_effect(differences: np.ndarray, sign: int, label: str) -> None:
    """sign * mean difference > 3 standard errors of the paired differences (and > 0 if they are all
    equal, SE = 0). With more than 8 seeds the bar is stricter: P(t_{n-1} > 3) under no effect is 0.0045 at
    16 seeds, 0.0032 at 24."""
    mean = float(np.mean(differences))
    standard_error = float(np.std(differences, ddof=1) / np.sqrt(len(differences)))
    assert sign * mean > 0 and sign * mean > STANDARD_ERRORS * standard_error, (
        f"{label}: mean paired difference {mean:+.5g}, SE {standard_error:.3g} over {len(differences)} seeds "
        f"(need sign {sign:+d} and |mean| > {STANDARD_ERRORS:g} SE); per seed {np.round(differences, 5).tolist()}")
