"""The contact phases' kernels over blocks on the worker threads (model/rules/contact_compiled.py,
variability_compiled.py, rejection_compiled.py: BLOCKED): every phase split into odd blocks (three threads,
every pass split) gives its whole compiled pass and its numpy rule byte for byte, the streams advanced to a
block's first tie draw that block's share, and a whole run with `auto` choosing the blocked kernels (every pass
big) is one thread's numpy run."""

import numpy as np
import pytest

from bridges.model import contact_kernels, kernels
from bridges.model import threads as threads_module
from bridges.model.mechanisms import incidental
from bridges.model.simulation import simulate
from bridges.model.streams import Streams
from bridges.model.threads import Threads
from tests.conftest import params_for
from tests.test_kernels import assert_same
from tests.test_kernels_fuse_a import assert_phases_compiled_as_numpy, edge_input_model, model_after_weeks, no_encounters
from tests.test_threads import run_arrays

PHASES = ("meet", "judge_quality", "judge_valence", "tally_contacts", "remember_partners", "expect_rejection")
BLOCKED_MODULES = ("bridges.model.rules.contact_compiled", "bridges.model.rules.variability_compiled",
                   "bridges.model.rules.rejection_compiled")


@pytest.fixture
def split_everything(monkeypatch):
    """Every pass split over the threads (a block per thread from one entry up), as a million-resident city's."""
    monkeypatch.setattr(threads_module, "SPLIT_FROM", 1)


def assert_blocked_phases_are_whole_and_numpy(model, after_meet=None) -> None:
    """Each of PHASES from the same inputs three ways: the numpy rule on one thread, its kernels in one pass, its
    kernels over three threads' blocks (tests/test_kernels_fuse_a.py `assert_phases_compiled_as_numpy`)."""
    odd = Threads(3)
    try:
        assert_phases_compiled_as_numpy(model, after_meet, PHASES, split=odd)
    finally:
        odd.close()


@pytest.mark.parametrize("overrides", [(), ("scenario=focus_approach", "seed=3"),
                                       ("contact.selection.enabled=false", "contact.partner.enabled=false",
                                        "contact.generalisation.enabled=false", "contact.settling.enabled=false",
                                        "dynamics.variability.enabled=false")])
def test_each_contact_phase_over_odd_blocks_is_its_whole_pass_and_numpy_rule(split_everything, overrides):
    model = model_after_weeks(*overrides, weeks=5)
    partners = model.state.distinct_partners.copy()
    assert_blocked_phases_are_whole_and_numpy(model)
    assert (model.state.distinct_partners > partners).any()  # first meetings this week: the comparison has content
    assert model.state.discrimination.any()  # expected rejection discounts someone's contact


def test_edge_inputs_over_odd_blocks(split_everything):
    """The edge inputs (tests/test_kernels_fuse_a.py `edge_input_model`); then a week without encounters; all
    split over three threads."""
    model = edge_input_model()
    assert_blocked_phases_are_whole_and_numpy(model)
    assert_blocked_phases_are_whole_and_numpy(model, after_meet=no_encounters)


def test_a_stream_advanced_to_a_block_draws_that_blocks_share():
    """`Streams.seeded_words` with `start`: the compiled draws from there are the stream's draws from number
    `start` on (numpy's advance), for every start from 0 (the kept state) up."""
    from bridges.model import streams_compiled

    streams = Streams(11)
    whole = streams.generator("meet", 4).random(5_000)
    for start in (0, 1, 2, 63, 64, 65, 1_000, 4_999):
        assert_same(whole[start:], streams_compiled.uniforms(
            streams.seeded_words("meet", 4, streams_compiled, start), whole.size - start))


def test_the_conditions_product_of_a_range_of_ties_is_the_whole_products():
    """judge_quality's blocks each take numpy's (BLAS) product of their own ties' conditions: a row's product
    does not depend on the rows around it, at a big city's length too."""
    from bridges.model.rules.contact_compiled import encountered

    rng = np.random.default_rng(8)
    weights = np.array([1.0, 1.3, 0.7, 2.1])
    size = 300_001
    conditions = rng.random((size, 4)) * rng.choice([1e-3, 1.0, 10.0], (size, 4))
    encounters = rng.integers(0, 3, size)
    met, rows = encountered(encounters, conditions)
    whole = rows @ weights
    edges = [0, 1, 17, 100_003, 150_000, 299_999, size]
    parts = [encountered(encounters[start:end], conditions[start:end])[1] @ weights
             for start, end in zip(edges[:-1], edges[1:])]
    assert_same(whole, np.concatenate(parts))


@pytest.mark.parametrize("scenario", ["baseline", "focus_approach"])
def test_a_run_with_auto_choosing_the_blocked_kernels_is_one_threads_numpy_run(monkeypatch, split_everything,
                                                                               scenario):
    """Every pass big under `auto` (AUTO_BELOW 1): the modules that declare BLOCKED run their kernels over three
    threads' blocks; the others run numpy (split the same way). One thread's numpy run, byte for byte."""
    params = params_for("city.n_agents=800", "city.n_neighbourhoods=6", "steps=8", f"scenario={scenario}")
    monkeypatch.setitem(kernels._switch, "mode", "off")
    numpy_run = run_arrays(params, 1)
    monkeypatch.setitem(kernels._switch, "mode", "auto")
    monkeypatch.setattr(kernels, "AUTO_BELOW", 1)
    monkeypatch.setattr(incidental, "RESIDENT_BLOCK", 97)
    monkeypatch.setattr(threads_module, "ROW_BLOCK", 89)
    blocked = run_arrays(params, 3)
    for module in BLOCKED_MODULES:
        assert kernels.load(module, kernels.AUTO_BELOW).BLOCKED
    from bridges.model.rules import contact_compiled, rejection_compiled, variability_compiled

    for kernel in (contact_compiled.poisson_counts, contact_compiled.quality_values, contact_compiled.valence_inputs,
                   contact_compiled.tally_block, variability_compiled.count_new_partners,
                   variability_compiled.add_meetings, rejection_compiled.felt_all):
        assert kernel.signatures  # the run went through it
    assert [name for name in numpy_run if numpy_run[name].tobytes() != blocked[name].tobytes()] == []


def test_tally_keeps_its_cleared_table_and_last_weeks_arrays(split_everything):
    """The compiled tally takes the model's table of sums from last week and leaves it all zero; the week's counts
    are written over last week's arrays (contact_kernels.tally: fresh pages cost more than the pass); the run's end
    lets the table go. A table left dirty would add last week's sums: the phase comparisons above run it twice from
    one table."""
    model = model_after_weeks(weeks=2)
    kernels.use("on")
    model.step()
    table, counts = contact_kernels.TALLY_TABLES[model], model.week.positive
    assert table.shape == (model.state.n, 4) and not table.any()
    assert counts.sum() > 0  # the week had encounters to tally
    model.step()
    assert contact_kernels.TALLY_TABLES[model] is table and not table.any()
    assert model.week.positive is counts
    simulate(model)  # the run's end drops the table before the outputs are made
    assert model not in contact_kernels.TALLY_TABLES


def test_the_compiled_week_writes_over_last_weeks_arrays(split_everything):
    """The compiled week writes the ties' encounters, qualities and counts, the norms' perceived norms and
    standing threat's T over last week's arrays (new arrays' pages cost more than the passes),
    and the public block's rate and conditions are one value and one row seen by every pair, read-only; the
    numbers are checked against the numpy rules above and by benchmarks/check_identical.py."""
    model = model_after_weeks(weeks=2)
    kernels.use("on")

    def arrays() -> tuple:
        ties = model.ties
        return (ties.encounters, ties.quality, ties.positive["source"], ties.negative["target"],
                model.perceived_norms["trust"], model.threat_points)

    model.step()
    kept = arrays()
    model.step()
    assert [now is last for now, last in zip(arrays(), kept)] == [True] * len(kept)
    public = model.public
    assert public.size > 0 and public.rate.strides == (0,) and public.conditions.strides == (0, 8)
    assert not public.rate.flags.writeable and not public.conditions.flags.writeable
