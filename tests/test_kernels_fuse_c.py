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


def test_numpys_powers_of_whole_numbers_do_not_depend_on_the_length():
    """The tables of `powers` hold `power`'s numbers only if numpy's vectorised power gives each exponent the
    same number in an array of any length (its SIMD and tail loops agree); this machine's numpy does."""
    from bridges.model.rules.people import power, powers

    rng = np.random.default_rng(3)
    for base in [0.0, 0.5, 0.97, 0.98, 1.0 - 1e-9, 1.0, *rng.random(200)]:
        table = powers(base, 300)
        for length in range(1, 300):
            assert same_bits(base ** np.arange(length, dtype=float), table[:length])
        counts = rng.integers(0, 300, 500)
        assert same_bits(power(base, counts), table[counts])
        assert same_bits(base ** counts, table[counts])  # a power over counts in any order (partner.py's)


def run_phase(model, phase, mode_name: str, fields: tuple[str, ...]) -> dict:
    """The phase over every resident with the kernels in `mode_name`, from the state as it is now (restored
    afterwards): the fields it leaves."""
    saved = {name: getattr(model.state, name).copy() for name in fields}
    kernels.use(mode_name)
    phase(model)
    result = {name: getattr(model.state, name).copy() for name in fields}
    for name, values in saved.items():
        getattr(model.state, name)[:] = values
    return result


LIVELIHOODS = ("legal_pending", "family_pending", "language", "studying", "employed")
WELLBEING = ("distress", "belonging")
DISCRIMINATION = ("discrimination", "distress", "belonging")


@pytest.mark.parametrize("overrides", [(), ("scenario=focus_approach", "seed=5")])
def test_livelihoods_and_wellbeing_kernels_are_the_numpy_rules(mode, overrides):
    from bridges.model.mechanisms.discrimination import feel_discrimination
    from bridges.model.mechanisms.livelihoods import update_livelihoods
    from bridges.model.mechanisms.wellbeing import update_wellbeing

    model = some_week(*overrides)
    assert model.week.positive.sum() > 0 and model.state.studying.any() and model.state.legal_pending.any()
    assert model.week.negative[model.state.group == 1].sum() > 0
    for phase, fields in ((update_livelihoods, LIVELIHOODS), (update_wellbeing, WELLBEING),
                          (feel_discrimination, DISCRIMINATION)):
        expected, actual = run_phase(model, phase, "off", fields), run_phase(model, phase, "on", fields)
        for name in fields:
            assert same_bits(expected[name], actual[name]), name


def test_livelihoods_and_wellbeing_kernels_on_edges(mode):
    """Counts beyond a table of powers (it grows), NaN and signed zeros in the views, bounds reached, one
    resident, none."""
    from bridges.model.mechanisms.discrimination import feel_discrimination
    from bridges.model.mechanisms.livelihoods import update_livelihoods
    from bridges.model.mechanisms.wellbeing import update_wellbeing
    from bridges.model.rules import people

    model = some_week()
    state, week = model.state, model.week
    week.positive[:40], week.negative[40:80] = np.arange(40) * 7, 300
    state.language[80:85] = (np.nan, -0.0, 0.0, 1.0, 0.999999)
    state.distress[80:85] = (np.nan, -0.0, 0.0, 1.0, 1.5)
    state.belonging[85:88] = (np.nan, -0.0, 1.0)
    arriving = np.flatnonzero(state.group == 1)
    week.negative[arriving[:3]] = (0, 500, 70)
    state.discrimination[arriving[3:7]] = (np.nan, -0.0, 1.0, 1.2)
    kept = dict(people._powers)
    people._powers.clear()  # every table starts short and grows here
    try:
        for phase, fields in ((update_livelihoods, LIVELIHOODS), (update_wellbeing, WELLBEING),
                              (feel_discrimination, DISCRIMINATION)):
            expected, actual = run_phase(model, phase, "off", fields), run_phase(model, phase, "on", fields)
            for name in fields:
                assert same_bits(expected[name], actual[name]), name
    finally:
        people._powers.update(kept)
    from bridges.model import streams_compiled
    from bridges.model.rules import people_compiled
    from bridges.model.streams import Streams

    d, streams = model.params.dynamics, Streams(1)
    for n in (0, 1):  # one resident, none: the rules' numbers (and nothing to do)
        u = [streams.uniform(name, 1, n) for name in ("legal", "family", "courses")]
        words = [streams_compiled.words(streams.seeded_state(name, 1)) for name in ("legal", "family", "courses")]
        counts, flags = np.full(n, 2), np.full(n, True)
        legal, family, language, studying, exponent = flags.copy(), flags.copy(), np.full(n, 0.4), flags.copy(), np.empty(n)
        assert people_compiled.livelihoods_before_exp(
            legal, family, language, studying, counts, counts, *words, d.legal_determination_hazard,
            d.family_reunification_hazard, d.course_exit_hazard, people.powers(1.0 - d.language_course_gain),
            people.powers(1.0 - d.language_contact_gain), d.employment.language_weight, exponent, 0, n) == -1
        assert same_bits(people.resolve_pending(flags, u[0], d.legal_determination_hazard), legal)
        assert same_bits(people.resolve_pending(flags, u[1], d.family_reunification_hazard), family)
        assert same_bits(people.resolve_pending(flags, u[2], d.course_exit_hazard), studying)
        assert same_bits(people.improve_language(np.full(n, 0.4), flags, counts + counts, d), language)


def whole_run(mode_name: str, *overrides: str) -> dict:
    """Every state array, tie field, weekly metric, survey answer and setting count of a run with the kernels
    in `mode_name` (the mode is the caller's to restore)."""
    kernels.use(mode_name)
    model, _ = build(params_for("city.n_agents=1500", "city.n_neighbourhoods=8", "steps=12", "survey.weeks=[0,6,12]",
                                *overrides))
    simulate(model)
    arrays = {f"state.{name}": getattr(model.state, name) for name in type(model.state).field_names()}
    for block in model.contact_blocks():
        for name in ("source", "target", "strength", "friend", "met", "encounters", "quality"):
            arrays[f"{block.name}.{name}"] = getattr(block, name)
    timeseries = model.timeseries()
    arrays["records"] = timeseries.value.to_numpy()
    arrays["record_keys"] = timeseries[["step", "group", "metric"]].to_numpy().astype(str)
    arrays["survey"] = model.survey_table().to_numpy().astype(str)
    arrays["settings"] = model.contact_by_setting().to_numpy().astype(str)
    arrays["collected"] = model.datacollector.get_model_vars_dataframe().to_numpy()
    return arrays


@pytest.mark.parametrize("overrides", [("scenario=focus_approach",), ("scenario=co_creation", "seed=9")])
def test_a_whole_run_with_the_fused_kernels_is_the_numpy_run(mode, overrides):
    """Every scenario programme of the scenario on, turnover on (the default), weekly metrics and survey waves."""
    reference, compiled = whole_run("off", *overrides), whole_run("on", *overrides)
    from bridges.model.rules import (discrimination_compiled, encounters_compiled, people_compiled, settling_compiled,
                                     sums_compiled)

    for kernel in (sums_compiled.group_means, sums_compiled.setting_counts, people_compiled.livelihoods_before_exp,
                   people_compiled.find_work, people_compiled.wellbeing, encounters_compiled.public_pairs,
                   discrimination_compiled.feel_all, settling_compiled.add_encounters, settling_compiled.average_time,
                   settling_compiled.move, settling_compiled.cut):
        assert kernel.signatures  # the run went through it
    assert reference.keys() == compiled.keys()
    for name, values in reference.items():
        assert same_bits(values, compiled[name]), name


@pytest.mark.parametrize("n, opportunities, local_share, arriving_share", [
    (2_000, 4, 0.5, 0.05), (700, 3, 0.0, 0.3), (700, 3, 1.0, 0.3), (1, 4, 0.5, 1.0), (0, 4, 0.5, 0.0),
    (300, 0, 0.5, 0.2), (300, 2, 0.5, 0.0)])
def test_public_pairs_kernel_is_the_rule(n, opportunities, local_share, arriving_share):
    """Every city size down to none, no opportunities, only local or only city-wide picks, one group only (the
    uniforms' edges: tests/test_kernels_blocked_blk_c.py)."""
    from dataclasses import replace

    from bridges.model import streams_compiled
    from bridges.model.rules import encounters, encounters_compiled
    from bridges.model.streams import Streams

    rng = np.random.default_rng(n + opportunities)
    neighbourhood = rng.integers(0, 9, n)
    group = (rng.random(n) < arriving_share).astype(np.int64)
    i = replace(params_for().contact.incidental, opportunities=opportunities, local_share=local_share)
    streams = Streams(n)
    u_where, u_who = (streams.uniform(name, 1, n * opportunities) for name in ("where", "who"))
    index = encounters.passing_index(neighbourhood, group, i)
    expected = encounters.public_encounter_pairs(neighbourhood, group, i, u_where, u_who, index)
    actual = encounters_compiled.public_pairs(
        *(streams_compiled.words(streams.seeded_state(name, 1)) for name in ("where", "who")), neighbourhood, group,
        *encounters_compiled.place_index(neighbourhood, group), i.local_share, n, i.opportunities, 0, n)
    for wanted, got in zip(expected, actual):
        assert same_bits(wanted.astype(np.int64), got)


def test_the_settings_tally_kernel_counts_as_numpy(mode):
    """Every block of a week (the city's layers, public space, a programme's), and a block without ties."""
    from dataclasses import replace

    model = some_week("scenario=focus_approach")
    blocks = model.contact_blocks()
    empty = replace(blocks[-1], name="empty", source=np.zeros(0, dtype=np.int64), target=np.zeros(0, dtype=np.int64),
                    encounters=np.zeros(0, dtype=np.int64), layer=None,
                    positive={side: np.zeros(0, dtype=np.int64) for side in ("source", "target")},
                    negative={side: np.zeros(0, dtype=np.int64) for side in ("source", "target")})
    model.contact_blocks = lambda: [*blocks, empty]
    tallies = {}
    for mode_name in ("off", "on"):
        mode(mode_name)
        model.setting_counts = {}
        model.tally_settings()
        model.tally_settings()
        tallies[mode_name] = model.setting_counts
    assert len({kind for kind, _ in tallies["off"]}) == 3  # layers, public space, programmes
    assert tallies["off"].keys() == tallies["on"].keys()
    for key, values in tallies["off"].items():
        assert same_bits(values, tallies["on"][key]), key


@pytest.mark.parametrize("overrides", [("contact.settling.enabled=true",), ("scenario=focus_approach", "seed=4",
                                                                          "contact.settling.enabled=true")])
def test_settling_kernels_are_the_numpy_rules(mode, overrides):
    """Time together (every block but public space, newcomers reset) and moving house (newcomers in, others
    out, the city's ties cut), from the same state and draws; a week with newcomers."""
    from bridges.model.mechanisms.settling import change_housing, spend_time

    model = some_week(*overrides)
    state = model.state
    arriving = np.flatnonzero(state.group == 1)
    state.arrival_week[arriving[::5]] = model.steps  # this week's newcomers
    state.shared_housing[arriving[1::3]] = True
    state.recent_time_together[arriving[2:4]] = (np.nan, -0.0)
    live = model.ties.live.copy()
    results = {}
    for mode_name in ("off", "on"):
        results[mode_name] = run_phase(model, spend_time, mode_name, ("recent_time_together",))
        results[mode_name] |= run_phase(model, change_housing, mode_name, ("shared_housing",))
        model.ties.live, results[mode_name]["live"] = live.copy(), model.ties.live.copy()
    assert not results["off"]["live"].all() and results["off"]["shared_housing"].any()
    for name, values in results["off"].items():
        assert same_bits(values, results["on"][name]), name
