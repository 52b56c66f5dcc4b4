"""The contact phases' compiled kernels (model/rules/contact_compiled.py, variability_compiled.py) give their
numpy rules' numbers bit for bit: each phase run from the same inputs with the kernels off and on (realistic
inputs, and edge ones: a block without ties, a week without encounters, NaN and extreme states, one group
only), and whole runs with every scenario's programmes and turnover; the compiled draws (model/streams_compiled.py)
are numpy's."""

import numpy as np
import pytest

from bridges.model import kernels
from bridges.model.simulation import build, simulate
from bridges.model.step import STEP_ORDER
from bridges.model.threads import SERIAL
from bridges.model.ties import ContactBlock
from tests.conftest import SMALL_CITY, params_for
from tests.test_kernels import assert_same

PHASES = ("deliver_interventions", "meet", "judge_quality", "judge_valence", "tally_contacts", "remember_partners")
BLOCK_FIELDS = ("encounters", "quality", "met", "positive", "negative")


def fields(model) -> dict:
    """Copies of everything the contact phases read or write: state, this week's totals, each block's results."""
    arrays = {f"state.{name}": getattr(model.state, name).copy() for name in type(model.state).field_names()}
    arrays.update({f"week.{name}": np.copy(value) for name, value in vars(model.week).items()})
    for block in model.contact_blocks():
        for name in BLOCK_FIELDS:
            value = getattr(block, name)
            if isinstance(value, dict):
                arrays.update({f"{block.name}.{name}.{side}": counts.copy() for side, counts in value.items()})
            else:
                arrays[f"{block.name}.{name}"] = None if value is None else value.copy()
    return arrays


def restore(model, saved: dict) -> None:
    """Put back what `fields` copied (fresh copies, so a phase that writes in place starts from the same bytes)."""
    for name in type(model.state).field_names():
        values = getattr(model.state, name)
        if values.flags.writeable:  # the city's fields are locked: no phase writes them
            values[...] = saved[f"state.{name}"]
    for name in vars(model.week):
        setattr(model.week, name, saved[f"week.{name}"].copy())
    for block in model.contact_blocks():
        for name in BLOCK_FIELDS:
            if isinstance(getattr(block, name), dict):
                prefix = f"{block.name}.{name}."
                setattr(block, name, {key[len(prefix):]: value.copy() for key, value in saved.items()
                                      if key.startswith(prefix)})
            else:
                value = saved[f"{block.name}.{name}"]
                setattr(block, name, None if value is None else value.copy())


def assert_fields_same(expected: dict, actual: dict) -> None:
    assert expected.keys() == actual.keys()
    for name, value in expected.items():
        if value is None:
            assert actual[name] is None, name
        else:
            assert value.dtype == actual[name].dtype and value.shape == actual[name].shape, name
            assert value.tobytes() == actual[name].tobytes(), name


def assert_phases_compiled_as_numpy(model, after_meet=None, phases: tuple = PHASES, split=None) -> None:
    """A week's phases up to the last of `phases`, in order: each of `phases` from the same inputs with the numpy
    rules on one thread and with the kernels in one pass, and with `split` (a `Threads`) also with the kernels over
    its blocks (the other phases with the numpy rules); `after_meet(model)` edits the encounters."""
    before, threads = kernels.mode(), model.threads
    try:
        for phase in STEP_ORDER[:[phase.name for phase in STEP_ORDER].index(phases[-1]) + 1]:
            kernels.use("off")
            model.threads = SERIAL
            if phase.name == "judge_quality" and after_meet is not None:
                after_meet(model)
            if phase.name not in phases:
                phase(model)
                continue
            saved = fields(model)
            phase(model)
            reference = fields(model)
            restore(model, saved)
            kernels.use("on")
            phase(model)
            assert_fields_same(reference, fields(model))
            if split is not None:
                restore(model, saved)
                model.threads = split
                assert all(len(split.blocks(block.size)) == min(split.count, max(block.size, 1))
                           for block in model.contact_blocks())
                phase(model)
                assert_fields_same(reference, fields(model))
    finally:
        kernels.use(before)
        model.threads = threads


def model_after_weeks(*overrides: str, weeks: int = 3):
    """A small city after a few weeks (numpy rules), its public block of the last week in place."""
    model, _ = build(params_for(*SMALL_CITY, *overrides))
    for _ in range(weeks):
        model.step()
    return model


@pytest.mark.parametrize("overrides", [(), ("scenario=focus_approach", "seed=3"),
                                       ("contact.selection.enabled=false", "contact.partner.enabled=false",
                                        "contact.generalisation.enabled=false", "contact.settling.enabled=false",
                                        "dynamics.variability.enabled=false")])
def test_each_contact_phase_compiled_is_its_numpy_phase(overrides):
    model = model_after_weeks(*overrides, weeks=5)
    partners = model.state.distinct_partners.copy()
    assert_phases_compiled_as_numpy(model)
    assert (model.state.distinct_partners > partners).any()  # first meetings this week: the comparison has content


def no_encounters(model) -> None:
    for block in model.contact_blocks():
        block.encounters = np.zeros(block.size, dtype=np.int64)


def edge_input_model():
    """A focus_approach city after 5 weeks with a programme block without ties, NaN and extreme states, and
    everyone in one group."""
    model = model_after_weeks("scenario=focus_approach", weeks=5)
    state, blocks = model.state, model.contact_blocks
    empty = ContactBlock.new("empty_programme", np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0),
                             np.zeros((0, 4)))
    empty.voluntary = False
    model.contact_blocks = lambda: [*blocks(), empty]
    state.anxiety[:3] = (np.nan, 0.0, 1.0)
    state.responsibility[3:5] = (0.0, 1.0)
    state.attitude[5:8] = (0.0, 100.0, np.nan)
    state.language[8:10] = (np.nan, -0.0)
    state.group = np.zeros_like(state.group)
    return model


def test_edge_inputs_compiled_as_numpy():
    """The edge inputs (`edge_input_model`); then a week without encounters."""
    model = edge_input_model()
    assert_phases_compiled_as_numpy(model)
    assert_phases_compiled_as_numpy(model, after_meet=no_encounters)


def run_arrays(mode: str, *overrides: str) -> dict:
    """Every state array, this week's totals and every tie field after a 1,500-resident run of 20 weeks with the
    kernels in `mode`."""
    before = kernels.mode()
    kernels.use(mode)
    try:
        model, _ = build(params_for("city.n_agents=1500", "steps=20", *overrides))
        simulate(model)
    finally:
        kernels.use(before)
    return fields(model)


@pytest.mark.parametrize("overrides", [("scenario=focus_approach",),
                                       ("scenario=focus_approach", "seed=5", "dynamics.turnover.rate=0.05")])
def test_a_run_with_the_contact_phases_compiled_is_the_numpy_run(overrides):
    """Every scenario's programmes (focus_approach), turnover on (the default), twice as fast in the second."""
    reference, compiled = run_arrays("off", *overrides), run_arrays("on", *overrides)
    from bridges.model.rules import contact_compiled, variability_compiled

    for kernel in (contact_compiled.tie_rates, contact_compiled.poisson_counts, contact_compiled.quality_values,
                   contact_compiled.valence_counts, contact_compiled.tally_block, contact_compiled.tally_people,
                   variability_compiled.count_new_partners, variability_compiled.remember_people,
                   variability_compiled.add_meetings):
        assert kernel.signatures  # the run went through it
    assert_fields_same(reference, compiled)


def test_compiled_draws_are_numpy_s_pcg64_draws():
    """The compiled generator (model/streams_compiled.py) from many kept states, of every size from 0 up, and
    `Streams.uniform` with the kernels on: numpy's Generator.random, bit for bit."""
    from bridges.model import streams_compiled
    from bridges.model.streams import Streams

    sizes = iter([*range(40), 127, 128, 129, 953, 4_096, 25_000] * 8)
    for seed in (0, 1, 12_345, 2**31 - 1):
        streams = Streams(seed)
        for name in ("meet", "public.valence.source", "init.attitude"):
            for week in (0, 1, 52):
                size = next(sizes)
                expected = streams.generator(name, week).random(size)
                assert_same(expected, streams_compiled.uniforms(streams.seeded_words(name, week, streams_compiled),
                                                                size))
    before = kernels.mode()
    try:
        kernels.use("on")
        streams = Streams(7)
        assert_same(streams.generator("meet", 3).random(953), streams.uniform("meet", 3, 953))
        assert_same(streams.generator("meet", 3).random((2, 4)), streams.uniform("meet", 3, (2, 4)))
    finally:
        kernels.use(before)


def test_the_conditions_product_does_not_depend_on_where_the_rows_sit():
    """judge_quality's kernels gather the Allport conditions of the ties with encounters into their own array
    (`encountered`) before numpy's (BLAS) product: the product of a row does not depend on the array's alignment
    or length, so it is the product of `conditions[met]`."""
    from bridges.model.rules.contact_compiled import encountered

    rng = np.random.default_rng(5)
    weights = np.array([1.0, 1.3, 0.7, 2.1])
    for size in [*range(12), 100, 953]:
        conditions = rng.random((size, 4)) * rng.choice([1e-3, 1.0, 10.0], (size, 4))
        encounters = rng.integers(0, 3, size)
        met, rows = encountered(encounters, conditions)
        assert_same(np.flatnonzero(encounters), met)
        assert_same(conditions[met] @ weights, rows @ weights)
        for offset in range(8):  # every alignment of a row within 64 bytes
            buffer = np.empty(met.size * 4 + 8)
            shifted = buffer[offset:offset + met.size * 4].reshape(met.size, 4)
            shifted[...] = rows
            assert_same(conditions[met] @ weights, shifted @ weights)
