"""Named random streams from one SeedSequence tree.

Every random decision draws from a stream named after what it decides ("init.attitude", "meet",
"co_creation.meet", "intervention.mhpss.select", ...). A stream's generator is derived from the run seed, the stream's name and
the week, never from the order in which streams are used. Two scenarios that share a decision therefore
share its random numbers exactly (common random numbers), and adding an intervention with its own
streams leaves every other draw untouched.
"""

import threading
import zlib
from collections import OrderedDict

import numpy as np

from bridges.model import kept

KEPT_STATES = 20_000
"""Seeded generator states `Streams.uniform` keeps (about 20 runs' weekly draws; a few MB)."""
_states: OrderedDict[tuple[int, str, int], dict] = kept.table()
_drawing = threading.local()
"""Each thread's generator that `Streams.uniform` sets a kept state on and draws from."""


def _name_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32 is fixed across Python runs, unlike hash())."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of reproducible generators keyed by (seed, name, week)."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def generator(self, name: str, week: int = 0) -> np.random.Generator:
        """The generator for decision `name` at `week` (week 0 = initialisation)."""
        sequence = np.random.SeedSequence(self.seed, spawn_key=(_name_key(name), int(week)))
        return np.random.Generator(np.random.PCG64(sequence))

    def seeded_state(self, name: str, week: int) -> dict:
        """The state of `generator(name, week)` before its first draw. Seeding costs about 20 us, several times
        the draws of a small city's week, so it is kept per (seed, name, week): later runs of the seed (a
        comparison's arms, a sweep's points, repeats) reuse it."""
        key = (self.seed, name, int(week))
        state = kept.find(_states, key)
        if state is None:
            state = kept.keep(_states, key, self.generator(name, week).bit_generator.state, KEPT_STATES)
        return state

    def uniform(self, name: str, week: int, size: int | tuple[int, ...]) -> np.ndarray:
        """Uniforms in [0, 1) of `size` (a count or a shape) for decision `name` at `week`: the first draws of
        `generator(name, week)`, drawn by this thread's generator set to its `seeded_state`."""
        drawing = getattr(_drawing, "generator", None)
        if drawing is None:
            drawing = _drawing.generator = np.random.Generator(np.random.PCG64(0))
        drawing.bit_generator.state = self.seeded_state(name, week)
        return drawing.random(size)
