"""One run of the model: `run(params) -> Results`, the door the CLI, the analyses and the dashboard use.

    from bridges.model import run
    results = run(params)                 # validated Params (bridges.config.model_params builds them)
    results.timeseries                    # step, group, metric, value (step 0 = initial state)
    results.agents, results.survey, results.costs, results.contact_by_setting, results.city

`run` builds the model (its city read or generated), steps it `params.steps` weeks and hands back what the
run produced. The tables are built when first read, so a caller that needs only the survey (calibration)
does not pay for the others; `run(params, weekly_metrics=False)` also skips the weekly metrics themselves. `on_week(model)` is called after every week: a progress bar, or an analysis
that looks at the residents mid-run (`snapshots` keeps what it reads at named weeks). `build` and
`simulate` are run's two halves, for a caller that looks at the residents at week 0 (a comparison's
pairing check). `simulate` is the one loop that runs a simulation to its end; only `BridgesModel.follow_up`
(weeks past the end) and the dashboard's play button (a week per click) step a model otherwise.

This module is core: it imports neither Hydra nor the writers of run folders; composing a configuration
and writing outputs are the application's (bridges/config.py, bridges/outputs.py, bridges/cli.py).
"""

import time
from collections.abc import Callable, Iterator
from functools import cached_property

import pandas as pd

from bridges.model.city import City
from bridges.model.contact_kernels import TALLY_TABLES
from bridges.model.model import BridgesModel
from bridges.model.params import Params
from bridges.model.tables import agent_columns
from bridges.model.threads import release_free_memory


class Results:
    """What one run produced: its tables (built on first read), the city's requested and measured structure,
    the reference world it started from, its seconds, and the model at the end (`model`) for analyses
    that need residents (pictures, paired comparisons)."""

    def __init__(self, model: BridgesModel, build_seconds: float, run_seconds: float):
        self.model = model
        self.params: Params = model.params
        self.build_seconds = build_seconds
        """Seconds to build the model: city, people and spin-up from the reference world."""
        self.run_seconds = run_seconds
        """Seconds to simulate the configured weeks."""

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Weekly metrics per group, tidy: step, group, metric, value (step 0 = the initial state)."""
        if not self.model.weekly_metrics:
            raise RuntimeError("this run made no weekly metrics (weekly_metrics=False): run it with them to read "
                               "the timeseries")
        return self.model.timeseries()

    @cached_property
    def agents(self) -> pd.DataFrame:
        """One row per resident at the end (columns in README.md, "What a run writes")."""
        return self.model.agent_table()

    def agent_columns(self, rows: int, codes: bool = False) -> Iterator[dict]:
        """The columns of `agents` in consecutive blocks of at most `rows` residents, as arrays (model/tables.py
        `agent_columns`; with `codes`, the labels as `Labels`): for a writer of row groups, which then never
        holds the whole table."""
        return agent_columns(self.model.state, self.model.ties, self.model.participation(), rows, codes)

    @cached_property
    def survey(self) -> pd.DataFrame:
        """The virtual survey: one row per respondent and wave (docs/survey_schema.md)."""
        return self.model.survey_table()

    @cached_property
    def costs(self) -> pd.DataFrame:
        """Each intervention's participants, participant-weeks and cost (one row each)."""
        return self.model.intervention_costs()

    @cached_property
    def contact_by_setting(self) -> pd.DataFrame:
        """Intergroup encounters and their positive and negative experiences per layer, programme and public space."""
        return self.model.contact_by_setting()

    @property
    def city(self) -> dict:
        """The city's structure: `requested` (the configuration's) and `measured` (the network built)."""
        return {"requested": self.model.city.requested, "measured": self.model.city.measured}

    @property
    def reference(self) -> dict:
        """Which reference world the spin-up came from (BridgesModel.reference_summary)."""
        return self.model.reference_summary()

    @property
    def n_agents(self) -> int:
        """Residents in the run (a custom city's own count, whatever `city.n_agents` says)."""
        return int(self.model.state.n)


def build(params: Params, city: City | None = None, threads: int | None = None, *,
          weekly_metrics: bool = True) -> tuple[BridgesModel, float]:
    """The model of `params` (on a prebuilt `city` if given; `threads` worker threads, None: the cores
    available) and the seconds its construction took: the first half of `run`, for a caller that must look
    at the residents before the weeks run."""
    start = time.perf_counter()
    return BridgesModel(params, city=city, threads=threads, weekly_metrics=weekly_metrics), time.perf_counter() - start


def simulate(model: BridgesModel, build_seconds: float = 0.0,
             on_week: Callable[[BridgesModel], None] | None = None) -> Results:
    """Step a built model through its configured weeks (`on_week(model)` after each): the second half of `run`.
    At the end the model's worker threads are shut down and its static indexes and the compiled tally's table
    dropped (rebuilt if it steps on: they depend only on the city, and the table is scratch), freeing about 165 MB
    at a million residents for the output tables."""
    start = time.perf_counter()
    try:
        while model.steps < model.params.steps:
            model.step()
            if on_week is not None:
                on_week(model)
    finally:
        model.threads.close()
        model.static_index = {}
        TALLY_TABLES.pop(model, None)
        release_free_memory(model.state.n)
    return Results(model, build_seconds, time.perf_counter() - start)


def snapshots(weeks, read: Callable[[BridgesModel], object]) -> tuple[Callable[[BridgesModel], None], dict]:
    """An `on_week` that keeps `read(model)` after each of `weeks` (a comparison's programme end and last
    week), and the dict {week: value} it fills."""
    kept, wanted = {}, set(weeks)

    def on_week(model: BridgesModel) -> None:
        if model.steps in wanted:
            kept[model.steps] = read(model)

    return on_week, kept


def run(params: Params, city: City | None = None, *,
        on_week: Callable[[BridgesModel], None] | None = None, weekly_metrics: bool = True) -> Results:
    """Build the model of `params` (on a prebuilt `city` if given: common random numbers across scenarios
    that share one) and run it `params.steps` weeks; `on_week(model)` is called after each week. With
    `weekly_metrics=False` the run makes no timeseries (about a tenth of a small run's weeks): for a caller
    that reads only the survey."""
    model, build_seconds = build(params, city, weekly_metrics=weekly_metrics)
    return simulate(model, build_seconds, on_week)
