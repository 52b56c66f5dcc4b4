"""The simulation budget is a hard limit, also inside a generation (issue 23: 773-924 simulations ran
against a budget of 700, checked only between generations)."""

import numpy as np
import pytest

from bridges.calibration.abc import AbcOptions, BudgetExhausted, _budgeted, _CountingClient, read_posterior, run_abc
from bridges.calibration.coverage import study_config
from bridges.calibration.make_example_data import synthetic_survey
from bridges.calibration.parameters import load_priors
from bridges.calibration.simulate import Simulator
from bridges.calibration.statistics import summarise, true_shares


class FakeClient:
    def __init__(self):
        self.jobs = 0

    def submit(self, *args, **kwargs):
        self.jobs += 1
        return self.jobs

    def ncores(self):
        return {"worker": 1}


def test_counting_client_refuses_the_submission_beyond_its_limit():
    client = _CountingClient(FakeClient(), limit=3)
    assert [client.submit(print) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(BudgetExhausted):
        client.submit(print)
    assert client.submitted == 3 and client.ncores() == {"worker": 1}  # everything else passes through


class FakeSampler:
    """Evaluates up to `max_eval`, accepting every `every`-th simulation."""

    def __init__(self, every: int):
        self.every, self.limits = every, []

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, **kwargs):
        self.limits.append(max_eval)
        self.nr_evaluations_ = int(min(n * self.every, max_eval))

        class Sample:
            n_accepted = self.nr_evaluations_ // self.every
        return Sample()


def test_each_generation_may_use_only_what_is_left():
    sampler = _budgeted(FakeSampler)(every=2, budget=25, margin=1)
    sampler.sample_until_n_accepted(5, None, 0)            # 10 simulations
    sampler.sample_until_n_accepted(5, None, 1, max_eval=100)  # 10 more
    with pytest.raises(BudgetExhausted):  # 4 left after the margin: too few for 5 acceptances
        sampler.sample_until_n_accepted(5, None, 2)
    assert sampler.limits == [24, 14, 4] and sampler.used == 24


@pytest.mark.slow  # a whole (tiny) ABC-SMC run
def test_run_stops_inside_a_generation_at_the_budget(tmp_path):
    parameters = load_priors("default")
    base = study_config("germany", 300, 8)
    shares = true_shares(base["city"])
    survey = synthetic_survey({**base, "seed": 3}, np.random.default_rng(3))
    observed = summarise(survey, shares).dropna()
    simulator = Simulator(base, tuple(parameters), tuple(observed.index), shares)
    options = AbcOptions(population=10, training=10, generations=20, max_simulations=70, min_acceptance=0.0,
                         sampler="single", workers=1, dask_address=None)
    run = run_abc(simulator, observed.to_dict(), options, tmp_path / "abc.db", resume=False)
    posterior = read_posterior(tmp_path / "abc.db", run.run_id, parameters)
    # 20 generations cannot fit in 70 simulations: the budget stops the run, exactly at 70 with one process
    assert run.stopped_by_budget and run.simulations == 70
    assert posterior.simulations <= 70 and len(posterior.sample) == 10


@pytest.mark.slow  # two (tiny) ABC-SMC runs
def test_resumed_run_keeps_the_learned_summary_of_its_first_generation(tmp_path, monkeypatch):
    """The fitted regression is stored beside the database and a resumed run reads it back, the same
    coefficients, instead of refitting to its last population: at 10 particles against 62 features that
    refit was exact and meaningless, and pyabc stopped on a population weight of NaN."""
    import bridges.calibration.abc as abc
    from bridges.calibration.stored_summary import StoredPredictor

    distances = []
    original = abc._distance
    monkeypatch.setattr(abc, "_distance", lambda *args: distances.append(original(*args)) or distances[-1])
    parameters = load_priors("default")
    base = study_config("germany", 300, 8)
    shares = true_shares(base["city"])
    observed = summarise(synthetic_survey({**base, "seed": 3}, np.random.default_rng(3)), shares).dropna()
    simulator = Simulator(base, tuple(parameters), tuple(observed.index), shares)
    options = AbcOptions(population=10, training=130, generations=1, max_simulations=400, min_acceptance=0.0,
                         sampler="single", workers=1, dask_address=None)
    database = tmp_path / "abc.db"
    run_abc(simulator, observed.to_dict(), options, database, resume=False)
    first = distances[0].sumstat.predictor
    stored = abc.summary_file(database, 1)
    assert stored.is_file() and first.path == stored
    run_abc(simulator, observed.to_dict(), options, database, resume=True)
    resumed = distances[1].sumstat
    assert resumed.fitted and resumed.predictor is not first  # read back from the file, not refitted
    np.testing.assert_array_equal(resumed.predictor.predictor.coef_, first.predictor.coef_)
    x = np.random.default_rng(0).normal(size=(3, first.use_ixs.size))
    np.testing.assert_array_equal(resumed.predictor.predict(x), first.predict(x))
    assert read_posterior(database, 1, parameters).progress.generation.tolist() == [0, 1]
    assert isinstance(StoredPredictor.load(stored), StoredPredictor)


def test_resume_without_a_stored_summary_is_refused_in_one_line(tmp_path):
    """A database from before the stored summary (or with its file removed) is refused: resuming with a
    different summary would silently change the distance between generations."""
    import pyabc

    from bridges.calibration.abc import summary_file
    from bridges.model.errors import InputError

    database = tmp_path / "abc.db"
    pyabc.ABCSMC(lambda p: {"s": 0.0}, pyabc.Distribution(a=pyabc.RV("uniform", 0, 1)),
                 lambda x, y: 0.0).new(f"sqlite:///{database}", {"s": 0.0})
    options = AbcOptions(population=10, training=10, generations=1, max_simulations=10, min_acceptance=0.0,
                         sampler="single", workers=1, dask_address=None)
    with pytest.raises(InputError, match=r"calibration.resume: run 1 in .* has no stored learned summary"):
        run_abc(None, {}, options, database, resume=True)
    summary_file(database, 1).write_bytes(b"not numbers")
    with pytest.raises(InputError, match=r"calibration.resume: .* is not a stored learned summary"):
        run_abc(None, {}, options, database, resume=True)
