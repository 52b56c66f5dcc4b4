"""Shared helpers: composed parameters for small cities, and running run.py."""

import subprocess
import sys
from pathlib import Path

import pytest

from bridges.config import compose_config, model_params, to_plain
from tests.paired import CITY, Replicates

ROOT = Path(__file__).resolve().parents[1]
SMALL_CITY = ["city.n_agents=600", "city.n_neighbourhoods=6", "steps=8"]


def params_for(*overrides: str):
    """Validated Params for the default config with these overrides."""
    return model_params(to_plain(compose_config(list(overrides))))


@pytest.fixture(scope="session", autouse=True)
def reference_cache(tmp_path_factory):
    """Spin-ups cached on disk (model/reference.py) go to a folder of this session (per worker), not the
    user's cache: a test never reads what another session's code wrote. Subprocesses inherit it."""
    import os

    from bridges.model.reference import CACHE_ENV

    folder = tmp_path_factory.mktemp("reference_cache")
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = previous


@pytest.fixture(autouse=True)
def numpy_rules():
    """Each test starts with the numpy rules (model/kernels.py `off`): the suite, and the mutants `make mutation`
    runs it against, test the rules themselves; tests/test_kernels.py compares the compiled kernels with them,
    and a command run in process sets the mode its config says (`run.kernels`)."""
    from bridges.model import kernels

    kernels.use("off")
    yield
    kernels.use("off")


@pytest.fixture
def small_params():
    return params_for(*SMALL_CITY)


@pytest.fixture(scope="session")
def city_runs() -> Replicates:
    """Runs of tests/paired.py's CITY, each made once per session (per worker under xdist), on one built
    city per seed: the golden baseline, mechanisms-off and directional tests run many arms of it. Their
    files carry the same xdist group (`SHARED_CITY`), so they run in one worker and share them."""
    return Replicates(*CITY)


SHARED_CITY = pytest.mark.xdist_group("city_runs")
"""Mark of the test files using `city_runs` (pytest-xdist's --dist loadgroup sends them to one worker)."""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make --dist loadgroup group again. pytest-xdist 3.8 sends a test's xdist_group to the scheduler by
    appending `@group` to `item._nodeid`, which pytest 9 no longer reads (a node id is now `item._id`), so
    every test was scheduled alone: files sharing runs (SHARED_CITY, in_one_worker) made them in both
    workers. Same suffix, set where pytest 9 keeps the id; a no-op once xdist sets it itself."""
    if not getattr(config.option, "loadgroup", False):  # set in xdist workers under --dist loadgroup
        return
    _slow_files_first(items)
    from _pytest.nodeid import coerce_node_id

    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        if groups and not item.nodeid.endswith(f"@{'_'.join(groups)}"):
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")


def _slow_files_first(items: list[pytest.Item]) -> None:
    """Put the files holding slow-marked tests first, each file's tests still together and in their order.
    Under --dist loadgroup the scheduler hands out groups first (largest first), then every other test in
    collection order, i.e. alphabetically by file: a minute-long end-to-end test from a late file (sweeps,
    packaging, sensitivity) could start last and run while the other worker sat idle. Started early, the
    long tests overlap with each other and the many fast tests fill the end. Files stay whole so their
    module-scoped fixtures are still made once per worker. The same order in every worker (xdist checks)."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


def in_one_worker(module: str) -> pytest.MarkDecorator:
    """Mark of a test file whose module-scoped fixtures cost seconds (`pytestmark = in_one_worker(__name__)`):
    pytest-xdist (--dist loadgroup) runs all its tests in one worker, so each fixture is made once, not
    once in each worker that receives one of its tests."""
    return pytest.mark.xdist_group(module)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run `python run.py ARGS` as a user would; returns the completed process."""
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)
