"""ABC-SMC over the declared free parameters with pyabc: on a local or remote Dask cluster (or pyabc's
single-core or forking multicore sampler), a database to stop, resume and re-analyse, and the posterior
read back as a weighted sample."""

import contextlib
import logging
import re
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tqdm import tqdm

from bridges.calibration.parameters import FreeParameter
from bridges.calibration.simulate import Simulator
from bridges.config import PROGRESS_DISABLE
from bridges.model.errors import InputError
from bridges.workers import interrupts_for_this_process_only

SAMPLERS = ("dask", "multicore", "single")
"""dask: a Dask cluster (`dask_address`, or a local one of spawned processes: the default, safe from any
parent); multicore: pyabc's forked workers (least overhead, but only from a process without threads);
single: one process (debugging)."""

@dataclass(frozen=True)
class AbcOptions:
    population: int
    training: int
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


class BudgetExhausted(Exception):
    """The simulation budget is used up inside a generation: ABC stops with the generations it finished."""


class _CountingClient:
    """A Dask client that refuses a submission beyond `limit`: pyabc's Dask sampler ignores the
    per-generation evaluation limit, so the budget is enforced where each simulation is dispatched."""

    def __init__(self, client, limit: float):
        self._client, self.limit, self.submitted = client, limit, 0

    def submit(self, *args, **kwargs):
        if self.submitted >= self.limit:
            raise BudgetExhausted
        self.submitted += 1
        return self._client.submit(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def _budgeted(sampler_class):
    """`sampler_class` that never starts more than `budget` simulations in all: each generation may
    evaluate at most what is left of the budget (the samplers that check this stop inside the
    generation; the Dask one is stopped by its counting client), less `margin` for workers that can
    each start one more simulation between the check and the count."""

    class Budgeted(sampler_class):
        def __init__(self, *args, budget: int, margin: int = 0, **kwargs):
            super().__init__(*args, **kwargs)
            self.budget, self.margin, self.used = budget, margin, 0

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, **kwargs):
            left = self.budget - self.used - self.margin
            if left <= 0:
                raise BudgetExhausted
            if isinstance(getattr(self, "client", None), _CountingClient):
                self.client.limit, self.client.submitted = left, 0
            try:
                sample = super().sample_until_n_accepted(n, simulate_one, t, max_eval=min(max_eval, left), **kwargs)
            except BudgetExhausted:
                self.used += left
                raise
            self.used += self.nr_evaluations_
            if sample.n_accepted < n:
                raise BudgetExhausted
            return sample

    return Budgeted


def _sampler(options: AbcOptions, budget: int):
    """The ABC sampler, limited to `budget` simulations, and the Dask client to close afterwards (None
    for the other samplers).

    The default local Dask cluster starts its workers as fresh interpreters (start method 'spawn', set
    here whatever the user's Dask config says), so it is safe from a parent that already runs threads
    (a test runner, a notebook, BLAS or progress-bar threads). pyabc's multicore sampler always forks
    (pyabc.sampler.util.get_mp_context), and a fork of a threaded process can deadlock: it is an
    explicit choice for a plain single-threaded command line only."""
    from pyabc.sampler import DaskDistributedSampler, MulticoreEvalParallelSampler, SingleCoreSampler

    if options.sampler == "single":
        return _budgeted(SingleCoreSampler)(check_max_eval=True, budget=budget), None
    if options.sampler == "multicore":
        return _budgeted(MulticoreEvalParallelSampler)(n_procs=options.workers, check_max_eval=True,
                                                       budget=budget, margin=options.workers - 1), None
    import dask
    from distributed import Client, LocalCluster

    if options.dask_address:
        client = Client(options.dask_address)
    else:
        with dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}):
            # Workers log at CRITICAL only: after a Ctrl-C to the driver alone, the in-process scheduler stops
            # before the workers, and each printed "Failed to communicate with scheduler during heartbeat" with
            # a traceback (an ERROR) beside the one-line stop. A task's failure still reaches the driver.
            client = Client(LocalCluster(n_workers=options.workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None, silence_logs=logging.CRITICAL))
    return _budgeted(DaskDistributedSampler)(dask_client=_CountingClient(client, budget), batch_size=1,
                                             budget=budget), client


PROGRESS_LINES = ("t: ", "Accepted:", "Stop", "Calibration sample")
"""pyabc log lines shown as progress: each generation's tolerance (eps), its acceptance rate, the stop."""


def show_progress(generations: int | None = None, progress: str | None = None) -> None:
    """Show pyabc's progress on stderr, and nothing else: a bar over the generations with each one's
    tolerance and acceptance rate (`GenerationBar`) when `progress` (auto/on/off, auto: on a terminal) asks
    for one, else its per-generation log lines. Dask's own log stays at errors (no port or nanny warnings)."""
    logging.getLogger("distributed").setLevel(logging.ERROR)
    logger = logging.getLogger("ABC")
    logger.setLevel(logging.INFO)
    for handler in [h for h in logger.handlers if isinstance(h, GenerationBar)]:  # an earlier run's bar
        logger.removeHandler(handler)
    disable = PROGRESS_DISABLE[progress] if progress else True
    if not (sys.stderr.isatty() if disable is None else not disable):
        for handler in logger.handlers:
            handler.setFormatter(logging.Formatter("calibration %(message)s"))
            handler.filters = [lambda record: record.getMessage().startswith(PROGRESS_LINES)]
        return
    for handler in logger.handlers:
        handler.filters = [lambda record: False]  # the bar says it instead
    logger.addHandler(GenerationBar(generations))


class GenerationBar(logging.Handler):
    """A progress bar over ABC-SMC's generations, read from pyabc's log: each generation's start (its
    tolerance) and end (its acceptance rate) update it; the stop reason is printed above it."""

    START = re.compile(r"^t: (\d+), eps: (\S+?)\.?$")
    END = re.compile(r"^Accepted: (\d+) / (\d+) = (\S+?),")

    def __init__(self, generations: int | None):
        super().__init__(logging.INFO)
        self.bar = tqdm(total=generations, desc="calibration generations", unit="gen", leave=True)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if start := self.START.match(message):
            self.bar.set_postfix_str(f"generation {start.group(1)}: tolerance {float(start.group(2)):.3g}, running")
        elif end := self.END.match(message):
            accepted, simulated = int(end.group(1)), int(end.group(2))
            self.bar.set_postfix_str(f"last: {accepted} of {simulated} accepted ({accepted / simulated:.1%})")
            self.bar.update(1)
        elif message.startswith(("Stop", "Calibration sample")):
            tqdm.write(f"calibration {message}", file=sys.stderr)
            if message.startswith("Stop"):
                self.bar.close()


def _distance(predictor):
    """The distance: an adaptive weighted Euclidean norm over a learned summary. Before the first
    generation, a linear regression of the parameters on the statistics and their squares
    (semi-automatic ABC, Fearnhead & Prangle 2012; pyabc's PredictorSumstat and LinearPredictor) is fitted
    to `training` simulations from the prior; its predictions, one per parameter, are the summary. Each
    generation then scales them by their median absolute deviation in the population (pyabc's
    AdaptivePNormDistance). The 31 raw statistics scaled one by one made the distance a sum of ~31
    noise terms, most of which no parameter moves: its floor at the truth was about 8, and the
    tolerance stopped falling after generation 1 (docs/calibration.md, "Why the tolerance stalled").
    `predictor` is a `StoredPredictor` still to be fitted (a new run) or one already fitted (a resumed run,
    or a summary fitted outside the run): a resumed run keeps the regression its first generation used."""
    import pyabc

    if predictor.fitted:
        summary = pyabc.PredictorSumstat(predictor, fitted=True, fit_ixs=set(), pre=features())
    else:
        summary = pyabc.PredictorSumstat(predictor, fit_ixs={0}, pre=features())
    return pyabc.AdaptivePNormDistance(p=2, scale_function=pyabc.distance.mad, sumstat=summary)


def features():
    """The regression's features: every statistic and its square."""
    import pyabc

    return pyabc.IdentitySumstat(trafos=[_identity, np.square])


def fitted_summary(statistics: pd.DataFrame, parameters: pd.DataFrame):
    """The learned summary's regression fitted outside a run, to prior simulations (rows) of the
    statistics and the parameters that made them: what a run fits to its own training sample, shared
    here by the recovery study's datasets (prior draws do not depend on the data)."""
    from bridges.calibration.stored_summary import StoredPredictor

    predictor = StoredPredictor()
    x = np.vstack([features()(row) for row in statistics.to_numpy(dtype=np.float64)])
    predictor.fit(x=x, y=parameters.to_numpy(dtype=np.float64), w=None)
    return predictor


def summary_file(database: Path, run_id: int) -> Path:
    """Where run `run_id` of `database` keeps its learned summary's regression."""
    return database.with_name(f"{database.name}.summary-{run_id}.npz")


def _identity(values: np.ndarray) -> np.ndarray:
    return values


def least_training(statistics: int) -> int:
    """The fewest training simulations for the regression: twice its features (each statistic and its
    square). With fewer, least squares fits the training sample's noise: the tolerance set on those
    in-sample distances then rejects most fresh prior draws (measured: a 50-simulation training sample on
    62 features left generation 0 unfinished at three times its usual simulations)."""
    return 2 * 2 * statistics


@dataclass(frozen=True)
class AbcRun:
    """A finished ABC run: its id in the database, the simulations this command started (the budget
    counts these) and why it stopped early, if it did."""

    run_id: int
    simulations: int
    stopped_by_budget: bool


def run_abc(simulator: Simulator, observed: dict[str, float], options: AbcOptions, database: Path,
            resume: bool, predictor=None, progress: str | None = None) -> AbcRun:
    """Run (or, with `resume`, continue the latest run in `database`) with at most
    `options.max_simulations` simulations started by this call, the hard budget. With a `predictor`
    already fitted (`fitted_summary`), the `training` simulations only set the distance's first scales."""
    import pyabc

    from bridges.calibration.stored_summary import StoredPredictor

    show_progress(options.generations, progress)
    stopped, client = False, None
    try:
        with interrupts_for_this_process_only():  # the local Dask cluster's thread and processes: no Ctrl-C
            sampler, client = _sampler(options, options.max_simulations)
        population = pyabc.ConstantPopulationSize(options.population, nr_calibration_particles=options.training)
        url = f"sqlite:///{database}"
        run_id = latest_run(database) if resume else None
        if resume:
            stored = summary_file(database, run_id)
            if not stored.is_file():
                raise InputError(f"calibration.resume: run {run_id} in {database} has no stored learned summary "
                                 f"({stored.name}: made by an older Bridges, or removed); start a new calibration")
            predictor = StoredPredictor.load(stored)
        elif predictor is None:
            predictor = StoredPredictor()
        abc = pyabc.ABCSMC(simulator, _prior(list(simulator.parameters)), _distance(predictor),
                           population_size=population, sampler=sampler)
        if resume:
            abc.load(url, run_id)
        else:
            database.parent.mkdir(parents=True, exist_ok=True)
            run_id = abc.new(url, observed).id
            predictor.path = summary_file(database, run_id)
            if predictor.fitted:
                predictor.save(predictor.path)
        try:
            with _quiet_when_interrupted():
                abc.run(max_nr_populations=options.generations, min_acceptance_rate=options.min_acceptance)
        except BudgetExhausted:
            stopped = True
            logging.getLogger("ABC").info(f"Stopping: the budget of {options.max_simulations} simulations is "
                                          "used up; the posterior is the last finished generation.")
        return AbcRun(run_id, sampler.used, stopped)
    finally:
        if client is not None:
            client.close()


DASK_LOGS = ("tornado.application", "distributed", "asyncio")
"""The loggers of Dask's event loop thread, silenced once Ctrl-C stops a calibration."""


@contextlib.contextmanager
def _quiet_when_interrupted():
    """Ctrl-C raises KeyboardInterrupt as usual, after silencing DASK_LOGS: an interrupted wait for Dask
    schedules a cancel callback on its event loop thread that fails (distributed's sync() names a future not
    made yet) and tornado printed that as a traceback beside the command's one line. The Dask cluster's
    processes never see Ctrl-C (run_abc starts them with it blocked); this process closes them."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def interrupt(signum, frame):
        for name in DASK_LOGS:
            logging.getLogger(name).disabled = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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
        raise InputError(f"calibration.database: run {run_id} in {database} has no finished generation (interrupted, "
                         "or calibration.max_simulations ran out before generation 0 finished: raise it)")
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
