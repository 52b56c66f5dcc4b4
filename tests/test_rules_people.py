"""Unit tests, one group per rule in model/rules/people.py (livelihoods and wellbeing)."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridges.model.rules.people import (
    improve_language,
    job_finding_hazard,
    resolve_pending,
    running_average,
    update_belonging,
    update_distress,
    update_employment,
)
from tests.conftest import params_for

DYNAMICS = params_for().dynamics  # the defaults; each test sets the values it checks

unit = st.floats(0, 1)
counts = st.integers(0, 500)


def gains(course: float, contact: float):
    return replace(DYNAMICS, language_course_gain=course, language_contact_gain=contact)


def employment(weight=2.0, f_pending=0.2, f_unrec=0.6, loss_rate=0.005):
    return replace(DYNAMICS.employment, language_weight=weight, pending_factor=f_pending,
                   unrecognised_factor=f_unrec, loss_rate=loss_rate)


def hazard(language=1.0, pending=False, unrecognised=False, base=0.1, weight=2.0, f_pending=0.2, f_unrec=0.6):
    return job_finding_hazard(np.array([language]), np.array([pending]), np.array([unrecognised]),
                              base, employment(weight, f_pending, f_unrec))[0]


def distress(d=0.4, legal=False, family=False, negative=0, rises=(0.1, 0.2, 0.05), recovery=0.1, baseline=0.3,
             group=0):
    params = replace(DYNAMICS.distress, legal_uncertainty=rises[0], family_separation=rises[1],
                     negative_contact=rises[2], recovery=recovery, baseline={"receiving": baseline, "arriving": baseline})
    return update_distress(np.array([d]), np.array([group]), np.array([legal]), np.array([family]),
                           np.array([negative]), params)[0]


def belonging(b=0.4, positive=0, employed=False, gains=(0.1, 0.05), decay=0.02, baseline=0.5):
    params = replace(DYNAMICS.belonging, positive_contact=gains[0], work=gains[1], decay=decay,
                     baseline={"receiving": baseline, "arriving": baseline})
    return update_belonging(np.array([b]), np.array([0]), np.array([positive]), np.array([employed]), params)[0]


# ---- resolve_pending ------------------------------------------------------------------------------
def test_resolve_pending_ends_pending_ones_with_u_below_hazard():
    pending = np.array([True, True, False, False])
    u = np.array([0.1, 0.9, 0.1, 0.9])
    np.testing.assert_array_equal(resolve_pending(pending, u, 0.5), [False, True, False, False])
    # per-person hazards work too; u == hazard does not resolve (strict <)
    np.testing.assert_array_equal(resolve_pending(pending, u, np.array([0.05, 0.95, 1.0, 1.0])),
                                  [True, False, False, False])
    np.testing.assert_array_equal(resolve_pending(pending, np.array([0.5, 0.5, 0.5, 0.5]), 0.5), pending)


@settings(max_examples=100, deadline=None)
@given(pending=st.lists(st.booleans(), min_size=1, max_size=30), seed=st.integers(0, 2**32 - 1), h=unit)
def test_resolve_pending_never_re_pends(pending, seed, h):
    pending = np.array(pending)
    after = resolve_pending(pending, np.random.default_rng(seed).random(pending.size), h)
    assert not np.any(after & ~pending)
    assert resolve_pending(pending, np.zeros(pending.size), 0.0).tolist() == pending.tolist()


def test_resolve_pending_share_matches_hazard():
    u = np.random.default_rng(11).random(100_000)
    share = 1.0 - resolve_pending(np.ones(u.size, dtype=bool), u, 0.03).mean()
    assert abs(share - 0.03) < 0.003  # sd of the share ~0.0005


# ---- improve_language -----------------------------------------------------------------------------
def test_improve_language_equation():
    language = np.array([0.5, 0.0, 0.2, 1.0, 0.3])
    studying = np.array([True, True, False, True, False])
    encounters = np.array([2, 0, 0, 5, 1])
    # kept = 0.9^s 0.8^n: [0.576, 0.9, 1, 0.9*0.8^5, 0.8]
    expected = [0.5 + 0.5 * 0.424, 0.1, 0.2, 1.0, 0.3 + 0.7 * 0.2]
    np.testing.assert_allclose(improve_language(language, studying, encounters, gains(0.1, 0.2)), expected)


def test_improve_language_unchanged_without_course_or_contact_and_rises_with_each():
    language = np.full(3, 0.4)
    same = improve_language(language, np.zeros(3, dtype=bool), np.zeros(3, dtype=np.int64), gains(0.3, 0.3))
    np.testing.assert_array_equal(same, language)
    course, one, two = improve_language(language, np.array([True, False, False]), np.array([0, 1, 2]), gains(0.1, 0.05))
    assert course > 0.4 and two > one > 0.4


@settings(max_examples=150, deadline=None)
@given(language=unit, studying=st.booleans(), encounters=counts, c=unit, k=unit)
def test_improve_language_stays_between_old_value_and_one(language, studying, encounters, c, k):
    after = improve_language(np.array([language]), np.array([studying]), np.array([encounters]), gains(c, k))[0]
    assert language <= after <= 1.0


# ---- job_finding_hazard ---------------------------------------------------------------------------
def test_job_finding_hazard_equation():
    assert hazard(language=1.0) == pytest.approx(0.1)
    assert hazard(language=0.5) == pytest.approx(0.1 * np.exp(-1.0))
    assert hazard(language=0.5, pending=True) == pytest.approx(0.1 * np.exp(-1.0) * 0.2)
    assert hazard(language=0.5, unrecognised=True) == pytest.approx(0.1 * np.exp(-1.0) * 0.6)
    assert hazard(language=0.0, pending=True, unrecognised=True) == pytest.approx(0.1 * np.exp(-2.0) * 0.2 * 0.6)


def test_job_finding_hazard_rises_with_language_and_barriers_lower_it():
    languages = np.linspace(0, 1, 11)
    h = job_finding_hazard(languages, np.zeros(11, bool), np.zeros(11, bool), 0.1, employment())
    assert np.all(np.diff(h) > 0)
    assert hazard(pending=True) < hazard() and hazard(unrecognised=True) < hazard()
    assert hazard(weight=0.0, language=0.0) == pytest.approx(0.1)  # no language effect without the weight


def test_job_finding_hazard_is_capped_at_one():
    assert hazard(base=3.0) == 1.0
    assert hazard(base=0.8, pending=True, f_pending=5.0) == 1.0


@settings(max_examples=150, deadline=None)
@given(language=unit, pending=st.booleans(), unrecognised=st.booleans(), base=st.floats(0, 10),
       weight=st.floats(0, 20), f_pending=st.floats(0, 10), f_unrec=st.floats(0, 10))
def test_job_finding_hazard_is_a_probability(language, pending, unrecognised, base, weight, f_pending, f_unrec):
    assert 0.0 <= hazard(language, pending, unrecognised, base, weight, f_pending, f_unrec) <= 1.0


# ---- update_employment ----------------------------------------------------------------------------
def test_update_employment_uses_one_uniform_each():
    employed = np.array([True, True, True, False, False, False])
    u = np.array([0.004, 0.005, 0.9, 0.1, 0.2, 0.3])
    h = np.array([0.0, 0.0, 0.0, 0.2, 0.2, 0.2])
    # employed: lose iff u < loss_rate (u == loss_rate keeps the job); others: find iff u < hazard
    np.testing.assert_array_equal(update_employment(employed, u, h, employment(loss_rate=0.005)), [False, True, True, True, False, False])


def test_update_employment_rates_match_loss_rate_and_hazard():
    rng = np.random.default_rng(5)
    n = 200_000
    employed = np.arange(n) % 2 == 0
    h = np.where(np.arange(n) % 4 == 1, 0.1, 0.3)  # two hazards among the non-employed
    after = update_employment(employed, rng.random(n), h, employment(loss_rate=0.05))
    # 100k employed: sd of the loss share ~0.0007; 50k per hazard: sd ~0.0013 / 0.002
    assert abs(1.0 - after[employed].mean() - 0.05) < 0.004
    assert abs(after[~employed & (h == 0.1)].mean() - 0.1) < 0.008
    assert abs(after[~employed & (h == 0.3)].mean() - 0.3) < 0.01


# ---- update_distress ------------------------------------------------------------------------------
def test_update_distress_equation():
    # kept = 0.9 * 0.95^2 = 0.81225; rise = 0.8 * 0.18775 = 0.1502; recovery = -0.1 (0.2 - 0.3) = +0.01
    assert distress(d=0.2, legal=True, negative=2) == pytest.approx(0.3602)
    # family: kept = 0.8, rise = 0.6 * 0.2 = 0.12; recovery -0.1 * 0.1
    assert distress(family=True) == pytest.approx(0.4 + 0.12 - 0.01)


def test_distress_rises_with_legal_family_and_negative_contact():
    calm = distress()
    assert distress(legal=True) > calm
    assert distress(family=True) > calm
    assert distress(negative=3) > distress(negative=1) > calm
    assert distress(legal=True, family=True, negative=2) > max(distress(legal=True), distress(family=True))


@pytest.mark.parametrize("start", [0.05, 0.3, 0.9])
def test_distress_recovers_toward_baseline_from_above_and_below(start):
    # without stressors D' - D0 = (1 - r)(D - D0)
    assert distress(d=start, recovery=0.1, baseline=0.3) - 0.3 == pytest.approx(0.9 * (start - 0.3))
    assert distress(d=start, recovery=0.0) == start


@settings(max_examples=150, deadline=None)
@given(d=unit, legal=st.booleans(), family=st.booleans(), negative=counts, l=unit, f=unit, n=unit, r=unit, d0=unit)
def test_distress_stays_in_unit_interval(d, legal, family, negative, l, f, n, r, d0):
    assert 0.0 <= distress(d, legal, family, negative, (l, f, n), r, d0) <= 1.0


# ---- update_belonging -----------------------------------------------------------------------------
def test_update_belonging_equation():
    # kept = 0.9^3 * 0.95 = 0.69255; gain = 0.6 * 0.30745 = 0.18447; decay = -0.02 (0.4 - 0.5) = +0.002
    assert belonging(b=0.4, positive=3, employed=True) == pytest.approx(0.58647)


def test_belonging_grows_with_positive_contact_and_work_and_returns_to_baseline():
    idle = belonging()
    assert belonging(positive=2) > belonging(positive=1) > idle
    assert belonging(employed=True) > idle
    for start in (0.1, 0.9):  # toward the baseline from below and above
        assert belonging(b=start, decay=0.2) - 0.5 == pytest.approx(0.8 * (start - 0.5))


@settings(max_examples=150, deadline=None)
@given(b=unit, positive=counts, employed=st.booleans(), c=unit, w=unit, d=unit, b0=unit)
def test_belonging_stays_in_unit_interval(b, positive, employed, c, w, d, b0):
    assert 0.0 <= belonging(b, positive, employed, (c, w), d, b0) <= 1.0


# ---- running_average ------------------------------------------------------------------------------
def test_running_average_weights():
    previous, current = np.array([4.0, 0.0]), np.array([10.0, 8.0])
    np.testing.assert_allclose(running_average(previous, current, 0.25), [5.5, 2.0])
    np.testing.assert_array_equal(running_average(previous, current, 0.0), previous)
    np.testing.assert_array_equal(running_average(previous, current, 1.0), current)


def test_running_average_converges_to_a_constant_input():
    x = np.array([0.0])
    for _ in range(200):
        x = running_average(x, np.array([3.0]), 0.1)
    assert x[0] == pytest.approx(3.0, abs=1e-6)  # gap shrinks by 0.9^200 ~ 7e-10
