"""Worker threads (model/threads.py, `run.threads`): every split gives the numbers of one thread, byte for
byte, and the pool is gone when the run ends. The model tests lower SPLIT_FROM to 1 so a small city splits
every draw, every public-encounter block and every friend sum the way a million-resident city does."""

import threading

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from bridges.model import kernels
from bridges.model import threads as threads_module
from bridges.model.mechanisms import incidental
from bridges.model.model import BridgesModel
from bridges.model.simulation import simulate
from bridges.model.state import State
from bridges.model.streams import Streams
from bridges.model.threads import RowRange, Threads
from tests.conftest import params_for
from tests.inprocess import assert_clean_rejection, run_main


@pytest.fixture
def split_everything(monkeypatch):
    monkeypatch.setattr(threads_module, "SPLIT_FROM", 1)
    monkeypatch.setattr(incidental, "RESIDENT_BLOCK", 97)  # several blocks per thread, one not a divisor
    monkeypatch.setattr(threads_module, "ROW_BLOCK", 89)  # the same for the steps run in row blocks


@pytest.mark.parametrize("size", [1, 7, 1_000, 1_001])
def test_uniforms_drawn_in_blocks_are_the_single_draw(split_everything, size):
    """Each block advances the stream to its first draw, so three threads draw what one `random` does, and a
    range of the draws is that range of the whole."""
    whole = Streams(5).uniform("meet", 3, size)
    split = Streams(5, Threads(3)).uniform("meet", 3, size)
    assert len(Threads(3).blocks(size)) == min(3, size)
    assert whole.tobytes() == split.tobytes()
    assert Streams(5).uniform_range("meet", 3, size // 3, size).tobytes() == whole[size // 3:].tobytes()


def test_split_products_match_the_whole(split_everything):
    rng = np.random.default_rng(1)
    n, m = 500, 4_000
    matrix = sparse.csr_matrix((rng.random(m), (rng.integers(0, n, m), rng.integers(0, n, m))), shape=(n, n))
    vector = rng.random(n)
    workers = Threads(2)
    assert (workers.rows(matrix) @ vector).tobytes() == (matrix @ vector).tobytes()
    workers.close()


def run_arrays(params, threads: int) -> dict[str, np.ndarray]:
    """Every state array, tie field, weekly metric and survey answer of one run, as arrays."""
    model = BridgesModel(params, threads=threads)
    results = simulate(model)
    arrays = {f"state.{name}": np.asarray(getattr(model.state, name)) for name in State.field_names()}
    for field in ("source", "target", "strength", "friend", "met", "encounters", "quality"):
        arrays[f"ties.{field}"] = np.asarray(getattr(model.ties, field))
    arrays["friends"] = model.ingroup_friends.toarray()
    arrays["metrics"] = results.timeseries["value"].to_numpy()
    survey = results.survey
    arrays |= {f"survey.{column}": pd.util.hash_pandas_object(survey[column], index=False).to_numpy()
               for column in survey.columns}
    return arrays


@pytest.mark.parametrize("scenario", ["baseline", "focus_approach"])
def test_two_threads_give_one_threads_run_byte_for_byte(split_everything, scenario):
    params = params_for("city.n_agents=800", "city.n_neighbourhoods=6", "steps=8", f"scenario={scenario}")
    one, two = run_arrays(params, 1), run_arrays(params, 2)
    assert one.keys() == two.keys()
    assert [name for name in one if one[name].tobytes() != two[name].tobytes() or one[name].dtype != two[name].dtype] == []


@pytest.mark.parametrize("scenario", ["baseline", "focus_approach"])
def test_steps_in_row_blocks_give_the_whole_arrays_numbers(monkeypatch, scenario):
    """Every split (row blocks of the elementwise steps, `Rows.blocks`, on two threads; draws, ties and public
    encounters in blocks) gives the run without any split byte for byte."""
    params = params_for("city.n_agents=800", "city.n_neighbourhoods=6", "steps=8", f"scenario={scenario}")
    whole = run_arrays(params, 2)
    monkeypatch.setattr(threads_module, "SPLIT_FROM", 1)
    monkeypatch.setattr(incidental, "RESIDENT_BLOCK", 97)
    monkeypatch.setattr(threads_module, "ROW_BLOCK", 89)
    split = run_arrays(params, 2)
    assert [name for name in whole if whole[name].tobytes() != split[name].tobytes()] == []


@pytest.mark.parametrize("scenario", ["baseline", "focus_approach"])
def test_kernels_over_blocks_give_the_numpy_runs_numbers(monkeypatch, split_everything, scenario):
    """The compiled kernels run over blocks of rows on two threads (model/kernels.py BLOCKED; here every pass is
    split, in blocks of 89 rows) give one thread's numpy run byte for byte."""
    params = params_for("city.n_agents=800", "city.n_neighbourhoods=6", "steps=8", f"scenario={scenario}")
    numpy_run = run_arrays(params, 1)
    monkeypatch.setitem(kernels._switch, "mode", "on")
    blocked = run_arrays(params, 2)
    assert [name for name in numpy_run if numpy_run[name].tobytes() != blocked[name].tobytes()] == []


def test_each_block_covers_every_row_once(split_everything):
    seen = np.zeros(1_001, dtype=int)

    def mark(start, end):
        seen[start:end] += 1

    workers = Threads(3)
    workers.each_block(mark, seen.size, most=89)
    assert (seen == 1).all() and len(workers.blocks(seen.size, most=89)) > 3
    workers.close()


@pytest.mark.parametrize("dtype", [float, np.int64])
def test_a_row_range_multiplies_as_the_rows_would(dtype):
    """A range of a CSR matrix's rows times a vector: scipy's own loop for a float vector, a matrix over the
    rows' entries for another type; either way the copied rows' product, byte for byte."""
    rng = np.random.default_rng(2)
    n, m = 300, 2_000
    matrix = sparse.csr_matrix((rng.random(m), (rng.integers(0, n, m), rng.integers(0, n, m))), shape=(n, n))
    vector = (rng.random(n) * 10).astype(dtype)
    for start, end in ((0, n), (17, 140), (299, 300), (5, 5)):
        assert (RowRange(matrix, start, end) @ vector).tobytes() == (matrix[start:end] @ vector).tobytes()


def test_a_map_inside_a_block_runs_in_its_thread():
    """A block that maps again (a row block's friend sums) runs the inner map itself instead of waiting for
    the pool's threads, which are busy with the outer map."""
    workers = Threads(2)
    inner = workers.map(lambda _: workers.map(lambda item: (item, threading.current_thread().name), [1, 2, 3]),
                        [0, 1])
    assert all(len({name for _, name in part}) == 1 for part in inner)
    assert [[item for item, _ in part] for part in inner] == [[1, 2, 3], [1, 2, 3]]
    workers.close()


def test_the_pool_ends_with_the_run(split_everything):
    """The run's own pool, that is: another test in this worker may have left a model's pool open (a model
    stepped by hand keeps its pool until `simulate` or construction ends)."""
    before = set(threading.enumerate())
    model = BridgesModel(params_for("city.n_agents=300", "city.n_neighbourhoods=6", "steps=2"), threads=2)
    assert model.threads.count == 2
    simulate(model)
    assert [t.name for t in set(threading.enumerate()) - before if t.name.startswith("bridges-threads")] == []


@pytest.mark.parametrize("value", ["0", "many", "1.5"])
def test_a_bad_thread_count_is_refused_in_one_line(capsys, tmp_path, value):
    result = run_main(capsys, tmp_path, "city.n_agents=300", "steps=2", "run.progress=off", f"run.threads={value}")
    assert_clean_rejection(result, "run.threads", tmp_path)
