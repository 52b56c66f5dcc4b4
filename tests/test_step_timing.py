"""The per-phase profile (`model.phase_seconds`) accounts time spent in each phase: it only grows, and
a week adds no more than the week took. Consistency of the accounting, not a speed requirement."""

import time

from bridges.model import BridgesModel
from tests.conftest import SMALL_CITY, params_for


def test_phase_seconds_add_up_to_at_most_the_week():
    model = BridgesModel(params_for(*SMALL_CITY))
    started = time.perf_counter()
    model.step()
    elapsed = time.perf_counter() - started
    assert all(seconds >= 0.0 for seconds in model.phase_seconds.values())
    assert 0.0 < sum(model.phase_seconds.values()) <= elapsed
