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

from bridges.model import kept, kernels
from bridges.model.threads import SERIAL, SPLIT_FROM, Threads

KEPT_STATES = 20_000
"""Seeded generator states `Streams.uniform` keeps (about 20 runs' weekly draws; a few MB)."""
_states: OrderedDict[tuple[int, str, int], dict] = kept.table()
_words: OrderedDict[tuple[int, str, int], np.ndarray] = kept.table()
"""The same states as the compiled draws take them (model/streams_compiled.py `words`), kept likewise."""
_drawing = threading.local()
"""Each thread's generator that `Streams.uniform` sets a kept state on and draws from."""


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

    def seeded_state(self, name: str, week: int) -> dict:
        """The state of `generator(name, week)` before its first draw. Seeding costs about 20 us, several times
        the draws of a small city's week, so it is kept per (seed, name, week): later runs of the seed (a
        comparison's arms, a sweep's points, repeats) reuse it."""
        key = (self.seed, name, int(week))
        state = kept.find(_states, key)
        if state is None:
            state = kept.keep(_states, key, self.generator(name, week).bit_generator.state, KEPT_STATES)
        return state

    def seeded_words(self, name: str, week: int, compiled, start: int = 0) -> np.ndarray:
        """`seeded_state` as the compiled draws (`compiled`: model/streams_compiled.py) take it, kept likewise;
        with `start`, the state advanced to the stream's start-th draw (a block of ties drawing its own share on
        its own thread; numpy's `advance`, not kept: a block's start changes with the city)."""
        if start:
            return compiled.words(_advanced(self.seeded_state(name, week), start))
        key = (self.seed, name, int(week))
        words = kept.find(_words, key)
        if words is None:
            words = kept.keep(_words, key, compiled.words(self.seeded_state(name, week)), KEPT_STATES)
        return words

    def uniform(self, name: str, week: int, size: int | tuple[int, ...]) -> np.ndarray:
        """Uniforms in [0, 1) of `size` (a count or a shape) for decision `name` at `week`: the first draws of
        `generator(name, week)`, drawn by this thread's generator set to its `seeded_state`, or with the kernels
        on by the compiled generator from the same state (model/streams_compiled.py: the same numbers). A large
        count is drawn in blocks on the worker threads (`uniform_range`), the same numbers as one draw."""
        if isinstance(size, (int, np.integer)):
            if size >= SPLIT_FROM and len(self.threads.blocks(int(size))) > 1:
                state = self.seeded_state(name, week)
                return self.threads.over_blocks(lambda start, end: _draws(state, start, end - start), int(size))
            return self.uniform_range(name, week, 0, int(size))
        return _draws(self.seeded_state(name, week), 0, size)

    def uniform_range(self, name: str, week: int, start: int, end: int) -> np.ndarray:
        """Uniforms number start..end-1 of decision `name` at `week`: `uniform(name, week, size)[start:end]`
        without drawing the rest, so a block of residents draws its own share on its own thread."""
        compiled = kernels.load("bridges.model.streams_compiled", end) if start == 0 else None
        if compiled is not None:
            return compiled.uniforms(self.seeded_words(name, week, compiled), end)
        return _draws(self.seeded_state(name, week), start, end - start)


def _draws(state: dict, start: int, size: int | tuple[int, ...]) -> np.ndarray:
    """Uniforms of `size` from the PCG64 stream in `state`, starting at its start-th output (PCG64 turns one
    64-bit output into one double, so the k-th uniform is the k-th output), drawn by this thread's generator."""
    return _generator_at(state, start).random(size)


def _advanced(state: dict, start: int) -> dict:
    """The PCG64 state in `state` advanced past its first `start` outputs (its next draw is number `start`)."""
    return _generator_at(state, start).bit_generator.state


def _generator_at(state: dict, start: int) -> np.random.Generator:
    """This thread's generator set to `state` and advanced by `start` outputs."""
    drawing = getattr(_drawing, "generator", None)
    if drawing is None:
        drawing = _drawing.generator = np.random.Generator(np.random.PCG64(0))
    drawing.bit_generator.state = state
    if start:
        drawing.bit_generator.advance(start)
    return drawing
