"""Named random streams from one SeedSequence tree.

Every random decision draws from a stream named after what it decides ("init.attitude", "meet",
"co_creation.meet", "intervention.mhpss.select", ...). A stream's generator is derived from the run seed, the stream's name and
the week, never from the order in which streams are used. Two scenarios that share a decision therefore
share its random numbers exactly (common random numbers), and adding an intervention with its own
streams leaves every other draw untouched.
"""

import zlib

import numpy as np

from bridges.model.threads import SERIAL, Threads


def _name_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32 is fixed across Python runs, unlike hash())."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of reproducible generators keyed by (seed, name, week)."""

    def __init__(self, seed: int, threads: Threads = SERIAL):
        self.seed = int(seed)
        self.threads = threads
        """Worker threads that draw a large `uniform` in blocks (model/threads.py)."""

    def generator(self, name: str, week: int = 0) -> np.random.Generator:
        """The generator for decision `name` at `week` (week 0 = initialisation)."""
        sequence = np.random.SeedSequence(self.seed, spawn_key=(_name_key(name), int(week)))
        return np.random.Generator(np.random.PCG64(sequence))

    def uniform(self, name: str, week: int, size: int) -> np.ndarray:
        """`size` uniforms in [0, 1) for decision `name` at `week`. A large draw is taken in blocks on the
        worker threads (`uniform_range`), the same numbers as one `random(size)`."""
        blocks = self.threads.blocks(size)
        if len(blocks) == 1:
            return self.generator(name, week).random(size)
        state = self.generator(name, week).bit_generator.state
        return self.threads.over_blocks(lambda start, end: _draws(state, start, end), size)

    def uniform_range(self, name: str, week: int, start: int, end: int) -> np.ndarray:
        """Uniforms number start..end-1 of decision `name` at `week`: `uniform(name, week, size)[start:end]`
        without drawing the rest, so a block of residents draws its own share on its own thread."""
        return _draws(self.generator(name, week).bit_generator.state, start, end)


def _draws(state: dict, start: int, end: int) -> np.ndarray:
    """Draws start..end-1 of the PCG64 stream in `state`: the generator advanced to its start-th output (PCG64
    turns one 64-bit output into one double, so the k-th uniform is the k-th output)."""
    bits = np.random.PCG64()
    bits.state = state
    return np.random.Generator(bits.advance(start)).random(end - start)
