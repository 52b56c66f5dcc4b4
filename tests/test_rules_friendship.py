"""Unit tests, one group per rule in model/rules/friendship.py (tie strength, friendship, extended contact)."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from bridges.model.rules.friendship import (
    extended_contact_update,
    contact_weight,
    extended_contacts,
    extended_contacts_change,
    friend_counts,
    friendship_matrix,
    friendship_matrix_of,
    is_friendship,
    meeting_factor,
    ties_per_person,
    update_tie_strength,
)

from tests.conftest import params_for

DYNAMICS = params_for().dynamics  # the defaults; each test sets the values it checks
unit = st.floats(0, 1)


def friendship(**values):
    return replace(DYNAMICS.friendship, **values)


def extended_step(step: float):
    return replace(DYNAMICS, extended_contact_step=step)


def strength(s=0.5, positive=0.0, negative=0.0, gain=0.1, loss=0.15, decay=0.02):
    return update_tie_strength(np.array([s]), np.array([positive]), np.array([negative]),
                               friendship(gain=gain, loss=loss, decay=decay))[0]


# ---- update_tie_strength --------------------------------------------------------------------------
def test_tie_strength_equation_and_clipping():
    assert strength(0.5, 2, 1) == pytest.approx(0.49 + 0.2 - 0.15)
    assert strength(0.9, 5, 0) == 1.0
    assert strength(0.1, 0, 5) == 0.0


def test_tie_strength_decays_without_contact_grows_with_positive_falls_with_negative():
    assert strength(0.5) == pytest.approx(0.5 * 0.98)
    assert strength(0.5, positive=1.5) > strength(0.5, positive=0.5) > strength(0.5)
    assert strength(0.5, negative=1.5) < strength(0.5, negative=0.5) < strength(0.5)
    assert strength(0.0) == 0.0


@settings(max_examples=150, deadline=None)
@given(s=unit, positive=st.integers(0, 400).map(lambda k: k / 2), negative=st.integers(0, 400).map(lambda k: k / 2),
       gain=unit, loss=unit, decay=unit)
def test_tie_strength_stays_in_unit_interval(s, positive, negative, gain, loss, decay):
    # the counts are half-integers: the mean of both sides' counts
    assert 0.0 <= strength(s, positive, negative, gain, loss, decay) <= 1.0


# ---- is_friendship --------------------------------------------------------------------------------
def test_is_friendship_at_threshold_boundary():
    np.testing.assert_array_equal(is_friendship(np.array([0.0, 0.4999, 0.5, 0.6, 1.0]), friendship(threshold=0.5)),
                                  [False, False, True, True, True])


# ---- ties_per_person ------------------------------------------------------------------------------
def test_friends_meet_more_often_and_their_encounters_count_more():
    friend = np.array([True, False, True])
    f = friendship(rate_multiplier=2.5, weight=3.0)
    np.testing.assert_array_equal(meeting_factor(friend, f), [2.5, 1.0, 2.5])
    np.testing.assert_array_equal(contact_weight(friend, f), [3.0, 1.0, 3.0])


def test_ties_per_person_counts_both_endpoints_of_chosen_ties():
    source, target = np.array([0, 1, 2, 0]), np.array([3, 3, 4, 4])
    chosen = np.array([True, False, True, True])
    np.testing.assert_array_equal(ties_per_person(6, source, target, chosen), [2, 0, 1, 1, 2, 0])
    np.testing.assert_array_equal(ties_per_person(6, source, target, np.zeros(4, bool)), np.zeros(6))


@settings(max_examples=100, deadline=None)
@given(n=st.integers(2, 20), seed=st.integers(0, 2**32 - 1), m=st.integers(0, 40))
def test_ties_per_person_total_is_twice_the_chosen_ties(n, seed, m):
    rng = np.random.default_rng(seed)
    source, target, chosen = rng.integers(0, n, m), rng.integers(0, n, m), rng.random(m) < 0.5
    counts = ties_per_person(n, source, target, chosen)
    assert counts.shape == (n,) and counts.sum() == 2 * chosen.sum()


# ---- friendship_matrix ----------------------------------------------------------------------------
def test_friendship_matrix_is_symmetric_zero_one_with_duplicate_pairs():
    # (0, 1) three times, once reversed
    m = friendship_matrix(5, np.array([0, 1, 0, 2]), np.array([1, 0, 1, 3]))
    dense = m.toarray()
    assert sparse.issparse(m) and m.shape == (5, 5)
    np.testing.assert_array_equal(dense, dense.T)
    expected = np.zeros((5, 5))
    expected[0, 1] = expected[1, 0] = expected[2, 3] = expected[3, 2] = 1.0
    np.testing.assert_array_equal(dense, expected)
    np.testing.assert_array_equal(np.asarray(m.sum(axis=1)).ravel(), [1, 1, 1, 1, 0])


def test_friendship_matrix_without_friendships_is_empty():
    m = friendship_matrix(3, np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    assert m.shape == (3, 3) and m.nnz == 0


@settings(max_examples=100, deadline=None)
@given(n=st.integers(2, 15), seed=st.integers(0, 2**32 - 1), m=st.integers(0, 60))
def test_friendship_matrix_symmetric_zero_one_for_random_pairs(n, seed, m):
    rng = np.random.default_rng(seed)
    source = rng.integers(0, n, m)
    target = (source + rng.integers(1, n, m)) % n  # no self-ties
    dense = friendship_matrix(n, source, target).toarray()
    np.testing.assert_array_equal(dense, dense.T)
    assert set(np.unique(dense)) <= {0.0, 1.0}
    assert dense.sum() == 2 * len({frozenset(p) for p in zip(source.tolist(), target.tolist())})


# ---- extended_contacts ----------------------------------------------------------------------------
def test_extended_contacts_counts_ingroup_friends_with_outgroup_friends():
    # 0-3 receiving, 4 arriving. Ingroup friendships: 0-1 (listed twice), 0-2, 0-3, 1-3.
    # 1 and 2 have an outgroup friend (with 4); 4 has outgroup friends but no ingroup friends.
    ingroup = friendship_matrix(5, np.array([0, 1, 0, 0, 1]), np.array([1, 0, 2, 3, 3]))
    has_outgroup = np.array([False, True, True, False, True])
    result = extended_contacts(ingroup, has_outgroup)
    # 0: friends 1, 2, 3 -> 1 and 2 count; 1: friends 0, 3 -> none; 2: friend 0 -> none; 3: friends 0, 1 -> 1
    np.testing.assert_array_equal(result, [2, 0, 0, 1, 0])
    assert result.dtype == np.int64
    np.testing.assert_array_equal(extended_contacts(ingroup, np.zeros(5, bool)), np.zeros(5))
    np.testing.assert_array_equal(extended_contacts(ingroup, np.array([0, 2, 1, 0, 3])), result)  # counts of friends


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_extended_contacts_change_is_the_difference_of_the_counts(n, seed):
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, n, size=(2, 3 * n))
    ingroup = friendship_matrix(n, pairs[0], pairs[1])
    before, after = rng.random(n) < 0.5, rng.random(n) < 0.5
    change = extended_contacts_change(ingroup, before, after)
    np.testing.assert_array_equal(change, extended_contacts(ingroup, after) - extended_contacts(ingroup, before))
    assert change.dtype == np.int64


# ---- extended_contact_update ----------------------------------------------------------------------
def test_extended_contact_update_no_change_without_friends_who_have_outgroup_friends():
    attitude = np.array([40.0, 60.0, 10.0])
    after = extended_contact_update(attitude, np.array([0, 0, 0]), np.array([0, 3, 1]), np.ones(3), extended_step(0.2), 100.0)
    np.testing.assert_array_equal(after, attitude)  # also: no friends at all divides by max(0, 1)


def test_extended_contact_update_moves_toward_top_in_proportion_to_the_share():
    attitude = np.full(3, 40.0)
    after = extended_contact_update(attitude, np.array([1, 2, 4]), np.array([4, 4, 4]), np.ones(3), extended_step(0.2), 100.0)
    np.testing.assert_allclose(after, [40 + 0.2 * 0.25 * 60, 40 + 0.2 * 0.5 * 60, 40 + 0.2 * 60])
    gains = after - 40.0
    assert gains[1] == pytest.approx(2 * gains[0]) and gains[2] == pytest.approx(4 * gains[0])


@settings(max_examples=150, deadline=None)
@given(attitude=st.floats(0, 100), friends=st.integers(0, 50), frac=unit, step=unit)
def test_extended_contact_update_never_exceeds_top(attitude, friends, frac, step):
    extended = int(np.floor(frac * friends))
    after = extended_contact_update(np.array([attitude]), np.array([extended]), np.array([friends]), np.ones(1), extended_step(step), 100.0)[0]
    assert attitude <= after <= 100.0


def test_extended_contact_update_scales_the_step_by_susceptibility():
    attitude = np.full(2, 40.0)
    after = extended_contact_update(attitude, np.array([2, 2]), np.array([4, 4]), np.array([1.0, 0.5]),
                                    extended_step(0.2), 100.0)
    np.testing.assert_allclose(after - 40.0, [0.2 * 0.5 * 60, 0.1 * 0.5 * 60])


def test_friend_counts_are_the_rows_sums_with_pairs_given_twice():
    m = friendship_matrix(5, np.array([0, 2, 0, 3]), np.array([1, 3, 1, 0]))  # 0-1 twice (two layers)
    assert friend_counts(m).dtype == np.int64
    np.testing.assert_array_equal(friend_counts(m), np.asarray(m.sum(axis=1)).ravel())
    np.testing.assert_array_equal(friend_counts(m), [2, 1, 1, 2, 0])


def test_friendship_matrix_of_parts_is_the_matrix_of_all_of_them():
    rng = np.random.default_rng(3)
    source, target = rng.integers(0, 40, 300).astype(np.int32), rng.integers(0, 40, 300).astype(np.int32)
    whole = friendship_matrix(40, source, target)
    parts = friendship_matrix_of(40, [(source[:0], target[:0]), (source[:120], target[:120]),
                                      (source[120:], target[120:])])
    for name in ("indptr", "indices", "data"):
        assert getattr(parts, name).dtype == getattr(whole, name).dtype
        assert getattr(parts, name).tobytes() == getattr(whole, name).tobytes()
