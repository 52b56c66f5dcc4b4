"""The blocked kernels of branch blk_c (public encounters, livelihoods, wellbeing, discrimination, settling, the
weekly record) over blocks of rows give the whole pass's and the numpy rules' numbers bit for bit: each kernel
over odd blocks against one pass and the rule, and whole runs with every pass split into blocks on two threads
against one thread's numpy run."""

from dataclasses import replace

import numpy as np
import pytest

from bridges.model import kernels
from bridges.model import threads as threads_module
from bridges.model.mechanisms import incidental
from bridges.model.streams import Streams
from tests.conftest import params_for
from tests.test_threads import run_arrays

ODD_BLOCKS = ((0, 1), (1, 90), (90, 91), (91, 250), (250, 700))
"""Row ranges of a 700-row pass: one row, a row alone between blocks, uneven sizes."""


def same_bits(expected, actual) -> bool:
    """The same dtype, shape and bytes (NaN included)."""
    expected, actual = np.asarray(expected), np.asarray(actual)
    return expected.dtype == actual.dtype and expected.shape == actual.shape and expected.tobytes() == actual.tobytes()


@pytest.mark.parametrize("steps", [0, 1, 2, 3, 1_000, 2**40 + 12_345])
def test_advanced_words_are_numpys_advance(steps):
    from bridges.model import streams_compiled
    from bridges.model.rules.encounters_compiled import advanced_words

    state = Streams(4).seeded_state("public.who", 7)
    generator = np.random.Generator(np.random.PCG64(0))
    generator.bit_generator.state = state
    generator.bit_generator.advance(steps)
    words = advanced_words(streams_compiled.words(state), steps)
    assert same_bits(generator.random(50), streams_compiled.uniforms(words, 50))


@pytest.mark.parametrize("n, opportunities, local_share, arriving_share", [
    (700, 4, 0.5, 0.05), (700, 3, 0.0, 0.3), (700, 3, 1.0, 0.3), (700, 0, 0.5, 0.2), (700, 2, 0.5, 0.0)])
def test_public_pairs_over_blocks_are_the_rule(n, opportunities, local_share, arriving_share):
    """Only local or only city-wide picks, no opportunities, one group only: the blocks' pairs end to end are
    the rule's on the streams' uniforms."""
    from bridges.model import streams_compiled
    from bridges.model.rules import encounters, encounters_compiled

    rng = np.random.default_rng(n + opportunities)
    neighbourhood = rng.integers(0, 9, n).astype(np.int32)  # the city's types
    group = (rng.random(n) < arriving_share).astype(np.int8)
    i = replace(params_for().contact.incidental, opportunities=opportunities, local_share=local_share)
    streams = Streams(3)
    u_where, u_who = (streams.uniform(name, 2, n * opportunities) for name in ("where", "who"))
    index = encounters.passing_index(neighbourhood, group, i)
    expected = encounters.public_encounter_pairs(neighbourhood, group, i, u_where, u_who, index)
    words = [streams_compiled.words(streams.seeded_state(name, 2)) for name in ("where", "who")]
    places = encounters_compiled.place_index(neighbourhood, group)
    parts = [encounters_compiled.public_pairs(
        *(encounters_compiled.advanced_words(stream, start * opportunities) for stream in words), neighbourhood,
        group, *places, i.local_share, n, opportunities, start, end) for start, end in ODD_BLOCKS]
    for side, wanted in enumerate(expected):
        assert same_bits(wanted.astype(np.int64), np.concatenate([part[side] for part in parts]))


def test_a_pick_at_the_uniforms_edges_is_the_rules():
    """Uniforms 0 and the largest below 1, local and city-wide: the pick's arithmetic at its edges."""
    from bridges.model.rules import encounters, encounters_compiled

    n = 300
    rng = np.random.default_rng(8)
    neighbourhood, group = rng.integers(0, 5, n), (rng.random(n) < 0.4).astype(np.int64)
    i = replace(params_for().contact.incidental, opportunities=2)
    edges = (0.0, np.nextafter(1.0, 0.0), 0.5, i.local_share, np.nextafter(i.local_share, 0.0))
    u_where, u_who = (np.array(values, dtype=float) for values in zip(*[(a, b) for a in edges for b in edges]))
    u_where, u_who = np.resize(u_where, 2 * n), np.resize(u_who, 2 * n)
    index = encounters.passing_index(neighbourhood, group, i)
    source, target = encounters.public_encounter_pairs(neighbourhood, group, i, u_where, u_who, index)
    first_local, local_extra, resident, resident_group, own_group = index
    picks = np.array([encounters_compiled.pick_of(u_where[at], u_who[at], first_local[at], local_extra[at],
                                                  i.local_share, n) for at in range(2 * n)])
    across = np.flatnonzero(own_group != resident_group[picks])
    assert len(set(u_where) & set(edges)) == len(edges) and across.size
    assert same_bits(target.astype(np.int64), resident[picks[across]])
    assert same_bits(source, across // 2)


@pytest.fixture
def blocks_of_89(monkeypatch):
    """Every pass split over two threads in blocks of 89 rows (97 residents for public encounters)."""
    monkeypatch.setattr(threads_module, "SPLIT_FROM", 1)
    monkeypatch.setattr(incidental, "RESIDENT_BLOCK", 97)
    monkeypatch.setattr(threads_module, "ROW_BLOCK", 89)


@pytest.mark.parametrize("overrides", [("scenario=anti_discrimination",), ("scenario=co_creation", "seed=4"),
                                       ("contact.incidental.local_share=1.0",)])
def test_a_run_through_the_blocked_kernels_is_one_threads_numpy_run(monkeypatch, blocks_of_89, overrides):
    """Auto mode on a city every pass of which counts as big (AUTO_BELOW = 1): only BLOCKED modules' kernels run,
    over blocks on two threads; each of this branch's kernels ran."""
    from bridges.model.rules import (discrimination_compiled, encounters_compiled, people_compiled, settling_compiled,
                                     sums_compiled)

    params = params_for("city.n_agents=700", "city.n_neighbourhoods=6", "steps=6", "contact.settling.enabled=true",
                        *overrides)
    numpy_run = run_arrays(params, 1)
    monkeypatch.setattr(kernels, "AUTO_BELOW", 1)
    monkeypatch.setitem(kernels._switch, "mode", "auto")
    blocked = run_arrays(params, 2)
    for kernel in (encounters_compiled.public_pairs, people_compiled.livelihoods_before_exp, people_compiled.find_work,
                   people_compiled.wellbeing, discrimination_compiled.feel_all, sums_compiled.group_partials,
                   settling_compiled.add_encounters, settling_compiled.average_time, settling_compiled.move,
                   settling_compiled.cut):
        assert kernel.signatures
    assert [name for name in numpy_run if numpy_run[name].tobytes() != blocked[name].tobytes()] == []


PHASE_FIELDS = {
    "update_livelihoods": ("legal_pending", "family_pending", "language", "studying", "employed"),
    "update_wellbeing": ("distress", "belonging"),
    "feel_discrimination": ("discrimination", "distress", "belonging"),
    "spend_time": ("recent_time_together",),
    "change_housing": ("shared_housing", "ties.live"),
}
"""This branch's blocked phases over residents and the state fields (or tie fields) each writes."""


def field_of(model, name: str) -> np.ndarray:
    """A state field, or the city ties' `ties.<field>`."""
    return getattr(model.ties, name[5:]) if name.startswith("ties.") else getattr(model.state, name)


def week_of_700(*overrides: str):
    """A model three weeks into a 700-resident run, with counts beyond the tables of powers at some rows."""
    from bridges.model.simulation import build

    model, _ = build(params_for("city.n_agents=700", "city.n_neighbourhoods=7", "steps=6",
                                "contact.settling.enabled=true", *overrides))
    for _ in range(3):
        model.step()
    model.state.arrival_week[::50] = model.steps  # newcomers this week (the mover's first branch)
    model.week.positive[100:140], model.week.negative[600:610] = np.arange(40) * 7, 300
    arriving = np.flatnonzero(model.state.group == 1)
    model.week.negative[arriving[-5:]] = 500
    assert model.params.dynamics.discrimination.enabled and arriving[-5] > 250
    return model


def phase_over(model, name: str, blocks, fields) -> dict:
    """The phase `name` of the week with every pass in `blocks` (None: numpy, nothing split), from the state as
    it is now (restored afterwards): the fields it leaves."""
    from bridges.model.step import STEP_ORDER

    phase = next(phase for phase in STEP_ORDER if phase.__name__ == name)
    saved = {field: field_of(model, field).copy() for field in fields}
    before = kernels.mode()
    kernels.use("off" if blocks is None else "on")
    if blocks is not None:
        model.threads.blocks = lambda size, most=None: [(start * size // 700, end * size // 700)
                                                        for start, end in blocks]  # ties' blocks scaled
    try:
        phase(model)
    finally:
        kernels.use(before)
        model.threads.__dict__.pop("blocks", None)
    result = {field: field_of(model, field).copy() for field in fields}
    for field, values in saved.items():
        field_of(model, field)[:] = values
    return result


@pytest.mark.parametrize("name", sorted(PHASE_FIELDS))
def test_phases_over_odd_blocks_are_the_numpy_phases(monkeypatch, name):
    """Each phase's kernels over uneven blocks (one resident alone, one between blocks), with counts beyond the
    tables of powers in some blocks (each grows its tables and runs again), against the numpy rules."""
    from bridges.model.rules import people

    monkeypatch.setattr(threads_module, "SPLIT_FROM", 1)
    model = week_of_700("scenario=anti_discrimination")
    monkeypatch.setattr(people, "_powers", type(people._powers)())  # every table starts short and grows here
    expected = phase_over(model, name, None, PHASE_FIELDS[name])
    for blocks in (ODD_BLOCKS, ((0, 700),)):
        actual = phase_over(model, name, blocks, PHASE_FIELDS[name])
        assert [field for field in expected if not same_bits(expected[field], actual[field])] == []


@pytest.mark.parametrize("count", [2, 3, 4])
@pytest.mark.parametrize("sizes", [(900_001, 99_999), (129, 0), (0, 300), (1_000, 129), (7, 8)])
def test_group_means_over_subtrees_are_numpys_means(count, sizes):
    """Each group's pairwise sum cut into subtrees on `count` threads and added in numpy's order: np.add.reduce of
    the group's values over its number, bit for bit, for float, flag and count arrays (NaN and signed zeros
    too); a group without members gives NaN, as `group_means`."""
    from bridges.model.mechanisms.base import group_index
    from bridges.model.metrics import blocked_means
    from bridges.model.rules import sums_compiled
    from bridges.model.threads import Threads

    rng = np.random.default_rng(sum(sizes) + count)
    group = rng.permutation(np.repeat(np.arange(2, dtype=np.int8), sizes))
    n = group.size
    floats = rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 6, n)
    floats[rng.integers(0, max(n, 1), 3) % max(n, 1)] = (-0.0, 0.0, 1e300)[:min(n, 3)] if n else ()
    with_nan = floats.copy()
    with_nan[n // 2:n // 2 + 1] = np.nan
    values = (floats, with_nan, rng.random(n) < 0.3, rng.integers(0, 50, n))
    index = group_index(group)
    threads = Threads(count)
    try:
        actual = blocked_means(sums_compiled, values, index, threads)
    finally:
        threads.close()
    expected = np.empty((len(values), 2))
    sums_compiled.group_means(values, index.concatenated, index.starts, expected)
    for code, members in enumerate(index.members):
        for metric, per_person in enumerate(values):
            numpy_mean = np.add.reduce(per_person[members].astype(float)) / members.size if members.size else np.nan
            assert same_bits(numpy_mean, actual[code][metric]), (code, metric)
            assert same_bits(expected[metric, code], actual[code][metric])
