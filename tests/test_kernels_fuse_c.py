"""The fused kernels of the outputs, livelihoods, wellbeing and public-encounter phases (branch fuse_c) return
their numpy rules' numbers bit for bit: each kernel on the same inputs as its rule (edge cases included), and
whole runs with the kernels `on` against `off` (every scenario's programmes, turnover, the weekly metrics)."""

import numpy as np
import pytest

from bridges.model import kernels
from bridges.model.mechanisms.base import group_index
from bridges.model.metrics import group_metrics
from bridges.model.simulation import build, simulate
from tests.conftest import params_for


@pytest.fixture
def mode():
    """`use(mode)`: run the rules in `mode` from here on in this test; the mode is restored afterwards."""
    before = kernels.mode()
    yield kernels.use
    kernels.use(before)


def same_bits(expected, actual) -> bool:
    """The same dtype, shape and bytes (NaN included)."""
    expected, actual = np.asarray(expected), np.asarray(actual)
    return expected.dtype == actual.dtype and expected.shape == actual.shape and expected.tobytes() == actual.tobytes()


def test_pairwise_sum_is_numpys_sum_on_every_length():
    from bridges.model.rules.sums_compiled import pairwise_sum  # imports numba: only where kernels run

    rng = np.random.default_rng(11)
    for n in [*range(1001), 4_096, 10_007, 65_536, 131_073, 1_000_003]:
        values = rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, n)
        assert same_bits(np.add.reduce(values), pairwise_sum(values)), n
    # The state's NaN (np.nan), signed zeros, the smallest and largest numbers; infinities of both signs apart
    # from np.nan and numbers that overflow (inf - inf makes x86's other NaN, and which of two NaNs an addition keeps is the compiler's).
    for edges in ([np.nan, -0.0, 0.0, 5e-324, 1e300, -1e300, 0.5], [-0.0, 0.0, np.inf, -np.inf, 1e308, 1.0]):
        for n in range(1, 300):
            values = rng.choice(edges, n)
            with np.errstate(all="ignore"):  # inf - inf
                assert same_bits(np.add.reduce(values), pairwise_sum(values)), (n, values)
            assert same_bits(np.add.reduce(-np.zeros(n)), pairwise_sum(-np.zeros(n)))


def some_week(*overrides: str):
    """A model after a few weeks of a small city (its weekly state and this week's contact counts)."""
    model, _ = build(params_for("city.n_agents=700", "city.n_neighbourhoods=7", "steps=6", *overrides))
    for _ in range(3):
        model.step()
    return model


@pytest.mark.parametrize("overrides", [(), ("scenario=focus_approach", "seed=5")])
def test_fused_group_means_are_the_numpy_means(mode, overrides):
    model = some_week(*overrides)
    state, week, index = model.state, model.week, group_index(model.state.group)
    mode("off")
    expected = [group_metrics(state, week, index), group_metrics(state, None, index)]
    mode("on")
    actual = [group_metrics(state, week, index), group_metrics(state, None)]
    assert [row[:2] for rows in expected for row in rows] == [row[:2] for rows in actual for row in rows]
    assert np.array([row[2] for rows in expected for row in rows]).tobytes() == np.array(
        [row[2] for rows in actual for row in rows]).tobytes()


def test_fused_group_means_skip_a_group_without_members_and_keep_nan(mode):
    model = some_week()
    state = model.state
    state.group = np.zeros_like(state.group)  # nobody arriving: no arriving rows, as the numpy rule
    state.attitude[:5] = np.nan
    state.distress[::2] = -0.0
    mode("off")
    expected = group_metrics(state, model.week)
    mode("on")
    actual = group_metrics(state, model.week)
    assert [row[:2] for row in expected] == [row[:2] for row in actual]
    assert np.array([row[2] for row in expected]).tobytes() == np.array([row[2] for row in actual]).tobytes()
