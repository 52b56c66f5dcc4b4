"""The compiled kernels (model/kernels.py) return their numpy rules' numbers bit for bit: each kernel on the
same inputs as its rule (edge cases included), and whole runs with every pass through a kernel against the
numpy rules."""

import numpy as np
import pytest

from bridges.model import kernels
from bridges.model.sampling import binomial_quantile, poisson_quantile
from bridges.model.simulation import build, simulate
from tests.conftest import SMALL_CITY, params_for


@pytest.fixture
def engines():
    """`run(mode, rule, *arguments)`: the rule's result with the numpy rules (`off`) or its kernel (`on`); the
    mode is restored afterwards."""
    before = kernels.mode()

    def run(mode, rule, *arguments):
        kernels.use(mode)
        return rule(*arguments)

    yield run
    kernels.use(before)


def assert_same(expected, actual):
    """Bit for bit: the same dtypes, shapes and bytes (NaN included)."""
    for wanted, got in zip(expected if isinstance(expected, tuple) else (expected,),
                           actual if isinstance(actual, tuple) else (actual,)):
        wanted, got = np.asarray(wanted), np.asarray(got)
        assert wanted.dtype == got.dtype and wanted.shape == got.shape
        assert wanted.tobytes() == got.tobytes()


def sampler_inputs(size=30_000):
    """Uniforms, rates, trials and probabilities over the samplers' range, with their edges: rates 0, tiny,
    large and NaN; uniforms 0 and just below 1; probabilities 0, 1, NaN and outside [0, 1]."""
    rng = np.random.default_rng(7)
    u = rng.random(size)
    rate = rng.choice([0.0, 1e-300, 0.01, 0.3, 1.0, 2.5, 9.0, 40.0, 700.0], size=size) * rng.random(size)
    u[:3], rate[3:6] = (0.0, np.nextafter(1.0, 0.0), 0.5), (np.nan, 745.0, 0.0)
    trials = rng.integers(0, 40, size=size)
    p = rng.choice([0.0, 0.05, 0.5, 0.93, 1.0], size=size) * rng.random(size)
    p[:6] = (0.0, 1.0, np.nan, -0.5, 1.5, 1.0 - 1e-16)
    return u, rate, trials, p


def test_sampler_kernels_count_as_the_numpy_samplers(engines):
    u, rate, trials, p = sampler_inputs()
    assert_same(engines("off", poisson_quantile, u, rate), engines("on", poisson_quantile, u, rate))
    assert_same(engines("off", binomial_quantile, u, trials, p), engines("on", binomial_quantile, u, trials, p))
    assert engines("on", poisson_quantile, u, rate).sum() > 0  # not all zeros: the comparison has content


def test_the_norm_kernels_clip_and_cap_as_numpy():
    from bridges.model.rules.norms_compiled import clip_one, minimum_one  # imports numba: only where kernels run

    edges = np.array([np.nan, -np.inf, -1.0, -0.0, 0.0, 5e-324, 0.5, 1.0, 1.5, np.inf])
    for low, high in ((0.0, 1.0), (-0.0, 100.0), (0.0, 0.0)):
        assert_same(np.clip(edges, low, high), np.array([clip_one(x, low, high) for x in edges]))
    for cap in (1.0, -0.0, 0.0, np.nan):
        assert_same(np.minimum(edges, cap), np.array([minimum_one(x, cap) for x in edges]))


def test_auto_runs_kernels_on_small_passes_once_a_process_has_run_many_models(monkeypatch):
    before = kernels.mode()
    module = "bridges.model.sampling_compiled"
    try:
        kernels.use("auto")
        monkeypatch.setitem(kernels._switch, "runs", kernels.AUTO_AFTER_RUNS - 1)
        assert kernels.load(module, 10) is None  # a single run, or a few, never imports numba
        kernels.count_run()
        assert kernels.load(module, 10) is not None
        assert kernels.load(module, kernels.AUTO_BELOW) is None  # big passes: numpy's memory traffic is no slower
        monkeypatch.setattr(kernels.load(module, 10), "BLOCKED", True, raising=False)
        assert kernels.load(module, kernels.AUTO_BELOW) is not None  # unless the kernels run in blocks on the threads
        monkeypatch.setitem(kernels._switch, "runs", 0)
        assert kernels.load(module, kernels.AUTO_BELOW) is not None  # even in a process's first model
        assert kernels.load(module, 10) is None
        monkeypatch.setitem(kernels._switch, "runs", kernels.AUTO_AFTER_RUNS)
        kernels.use("on")
        assert kernels.load(module, 10**9) is not None
        kernels.use("off")
        assert kernels.load(module, 10) is None
    finally:
        kernels.use(before)
    with pytest.raises(ValueError, match="kernels mode 'fast'"):
        kernels.use("fast")


def final_arrays(mode: str, *overrides: str, city: tuple[str, ...] = SMALL_CITY) -> dict:
    """Every state array and tie field after a run of `city` with the kernels in `mode`, and what the week keeps
    on the model between weeks (last week's extended contacts, the standing threat's points; None when off)."""
    before = kernels.mode()
    kernels.use(mode)
    try:
        model, _ = build(params_for(*city, *overrides))
        simulate(model)
    finally:
        kernels.use(before)
    arrays = {name: getattr(model.state, name) for name in type(model.state).field_names()}
    for block in model.contact_blocks():
        for name in ("strength", "friend", "met", "encounters", "quality"):
            arrays[f"{block.name}.{name}"] = getattr(block, name)
        arrays.update({f"{block.name}.positive.{side}": counts for side, counts in block.positive.items()})
    memo = getattr(model, "extended_memo", None)
    arrays["extended_memo"] = None if memo is None else memo[1]
    arrays["threat_points"] = model.threat_points
    return arrays


@pytest.mark.parametrize("overrides", [(), ("scenario=focus_approach", "seed=3")])
def test_a_run_with_every_pass_compiled_is_the_numpy_run(overrides):
    """Every pass through its kernel (the norms' passes over people included: the default city has ingroup
    friendships and norms on)."""
    from bridges.model.rules import contact_compiled, norms_compiled

    # The whole-city week's samplers run inside the contact kernels (poisson_one, binomial_one);
    # sampling_compiled's poisson_all and binomial_all serve the other callers of poisson_quantile and
    # binomial_quantile (their own tests above).
    assert_compiled_run_is_numpy_run(overrides, (contact_compiled.poisson_counts, contact_compiled.valence_counts,
                                                 norms_compiled.perceive_rows, norms_compiled.follow_rows))


def assert_compiled_run_is_numpy_run(overrides: tuple[str, ...], through: tuple, city: tuple[str, ...] = SMALL_CITY):
    """A run of `city` with every pass compiled went through the kernels `through` and ended with the numpy run's
    arrays bit for bit (`final_arrays`)."""
    reference, compiled = final_arrays("off", *overrides, city=city), final_arrays("on", *overrides, city=city)
    for kernel in through:
        assert kernel.signatures  # the run went through it
    assert reference.keys() == compiled.keys()
    for name, values in reference.items():
        if values is None:
            assert compiled[name] is None
        else:
            assert_same(values, compiled[name])
