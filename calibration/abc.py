"""ABC-SMC over the declared free parameters with pyabc: on a local or remote Dask cluster (or pyabc's
single-core or forking multicore sampler), a database to stop, resume and re-analyse, and the posterior
read back as a weighted sample."""

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bridges.calibration.parameters import FreeParameter
from bridges.calibration.simulate import Simulator
from bridges.model.errors import InputError

SAMPLERS = ("dask", "multicore", "single")
"""dask: a Dask cluster (`dask_address`, or a local one of spawned processes: the default, safe from any
parent); multicore: pyabc's forked workers (least overhead, but only from a process without threads);
single: one process (debugging)."""

@dataclass(frozen=True)
class AbcOptions:
    population: int
    generations: int
    max_simulations: int
    min_acceptance: float
    sampler: str
    workers: int
    dask_address: str | None


def _prior(parameters: list[FreeParameter]):
    import pyabc

    return pyabc.Distribution(**{
        p.name: pyabc.RV("uniform", p.low, p.high - p.low) if p.distribution == "uniform"
        else pyabc.RV("loguniform", p.low, p.high) for p in parameters})


def _sampler(options: AbcOptions):
    """The ABC sampler and the Dask client to close afterwards (None for the other samplers).

    The default local Dask cluster starts its workers as fresh interpreters (start method 'spawn', set
    here whatever the user's Dask config says), so it is safe from a parent that already runs threads
    (a test runner, a notebook, BLAS or progress-bar threads). pyabc's multicore sampler always forks
    (pyabc.sampler.util.get_mp_context), and a fork of a threaded process can deadlock: it is an
    explicit choice for a plain single-threaded command line only."""
    from pyabc.sampler import DaskDistributedSampler, MulticoreEvalParallelSampler, SingleCoreSampler

    if options.sampler == "single":
        return SingleCoreSampler(), None
    if options.sampler == "multicore":
        return MulticoreEvalParallelSampler(n_procs=options.workers), None
    import dask
    from distributed import Client, LocalCluster

    if options.dask_address:
        client = Client(options.dask_address)
    else:
        with dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}):
            client = Client(LocalCluster(n_workers=options.workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None))
    return DaskDistributedSampler(dask_client=client, batch_size=1), client

PROGRESS_LINES = ("t: ", "Accepted:", "Stop", "Calibration sample")
"""pyabc log lines shown as progress: each generation's tolerance (eps), its acceptance rate, the stop."""


def show_progress() -> None:
    """Show pyabc's per-generation tolerance and acceptance rate on stderr, and nothing else."""
    logger = logging.getLogger("ABC")
    logger.setLevel(logging.INFO)
    for handler in logger.handlers:
        handler.setFormatter(logging.Formatter("calibration %(message)s"))
        handler.filters = [lambda record: record.getMessage().startswith(PROGRESS_LINES)]


def run_abc(simulator: Simulator, observed: dict[str, float], options: AbcOptions, database: Path,
            resume: bool) -> int:
    """Run (or, with `resume`, continue the latest run in `database`) and return the run's id."""
    import pyabc

    show_progress()
    sampler, client = _sampler(options)
    try:
        abc = pyabc.ABCSMC(simulator, _prior(list(simulator.parameters)), pyabc.AdaptivePNormDistance(p=2),
                           population_size=options.population, sampler=sampler)
        url = f"sqlite:///{database}"
        if resume:
            run_id = latest_run(database)
            abc.load(url, run_id)
        else:
            database.parent.mkdir(parents=True, exist_ok=True)
            run_id = abc.new(url, observed).id
        abc.run(max_nr_populations=options.generations, min_acceptance_rate=options.min_acceptance,
                max_total_nr_simulations=options.max_simulations)
        return run_id
    finally:
        if client is not None:
            client.close()


def latest_run(database: Path) -> int:
    """The id of the newest run stored in a pyabc database."""
    import pyabc

    if not database.is_file():
        raise InputError(f"calibration.database: {database} does not exist (nothing to resume or re-analyse)")
    runs = pyabc.History(f"sqlite:///{database}").all_runs()
    if not runs:
        raise InputError(f"calibration.database: {database} holds no calibration run")
    return max(run.id for run in runs)


@dataclass(frozen=True)
class Posterior:
    """The last generation of a run: parameter sample with normalised weights, and the run's record."""

    sample: pd.DataFrame
    progress: pd.DataFrame
    observed: dict[str, float]
    simulations: int


def read_posterior(database: Path, run_id: int, parameters: list[FreeParameter]) -> Posterior:
    """The posterior of run `run_id` in `database`, without simulating anything."""
    import pyabc

    history = pyabc.History(f"sqlite:///{database}", _id=run_id)
    if history.max_t < 0:
        raise InputError(f"calibration.database: run {run_id} in {database} has no finished generation")
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    sample = frame[[p.name for p in parameters]].reset_index(drop=True)
    sample["weight"] = np.asarray(weights) / np.sum(weights)
    populations = history.get_all_populations()
    populations = populations[populations.t >= 0].reset_index(drop=True)
    counts = history.get_nr_particles_per_population()
    progress = pd.DataFrame({"generation": populations.t.astype(int), "tolerance": populations.epsilon,
                             "simulations": populations.samples.astype(int),
                             "accepted": [int(counts.get(t, 0)) for t in populations.t]})
    progress["acceptance_rate"] = progress.accepted / progress.simulations
    observed = {k: float(v) for k, v in history.observed_sum_stat().items()}
    return Posterior(sample, progress, observed, int(history.total_nr_simulations))
