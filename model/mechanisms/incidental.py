"""Incidental encounters: this week's intergroup co-presences in public space become a fresh contact block
(`model.public`) with public space's Allport conditions.

Parameters: `contact.incidental`; rules in model/rules/encounters.py.
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model import kernels, threads
from bridges.model.mechanisms.base import FRESH_BLOCK_FIELDS, Mechanism, PUBLIC, Phase, static_index
from bridges.model.ranges import NON_NEGATIVE, RATE, UNIT
from bridges.model.rules import encounters as encounter_rules
from bridges.model.ties import ContactBlock


@dataclass(frozen=True)
class IncidentalParams:
    """Brief encounters in shared public space, whose rate follows outgroup exposure (Blau 1977)."""

    enabled: bool
    opportunities: int = field(metadata=NON_NEGATIVE)
    local_share: float = field(metadata=UNIT)
    rate: float = field(metadata=RATE)
    equal_status: float = field(metadata=UNIT)
    common_goal: float = field(metadata=UNIT)
    cooperation: float = field(metadata=UNIT)
    institutional_support: float = field(metadata=UNIT)

    def conditions(self) -> np.ndarray:
        """Public space's Allport conditions, in ALLPORT_CONDITIONS order (model/city.py)."""
        return np.array([self.equal_status, self.common_goal, self.cooperation, self.institutional_support])


RESIDENT_BLOCK = 2**17
"""Most residents whose public encounters are drawn at once: at 4 opportunities a block's temporaries are
about 20 MB instead of 150 MB for a million residents' whole week (the compiled pairing's, 8 MB)."""


ENCOUNTERS_KERNEL = "bridges.model.rules.encounters_compiled"
"""The compiled pairing (model/kernels.py loads it when the kernels run; blocked, so a big city's too)."""


def gather_public_encounters(model) -> None:
    """Incidental encounters: this week's intergroup co-presences in public space become a fresh contact block
    (`model.public`) with public space's Allport conditions; none when `contact.incidental` is off. Last week's
    block is dropped before the new one is made, so the new one's arrays take its memory (already the process's)
    rather than new pages, which the system zeroes on first touch (1M residents: ~40 MB a week). Every pair has
    public space's rate and conditions, so the block's arrays of them are one value and one row seen by every pair
    (read-only views: 60 MB less at a million, written and zeroed each week; nothing writes them)."""
    i, state = model.params.contact.incidental, model.state
    model.public = None  # last week's block goes first: the new one reuses its memory
    if not i.enabled:
        return
    compiled = kernels.load(ENCOUNTERS_KERNEL, state.n * i.opportunities)
    if compiled is None:
        first_local, local_extra, resident, resident_group, own_group = static_index(
            model, "passing", lambda: encounter_rules.passing_index(state.neighbourhood, state.group, i))

        def pairs(start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
            """The pairs of residents start..end-1: their opportunities are a contiguous run of the draws, drawn
            here, so a block's temporaries are all that exist at once."""
            first, last = start * i.opportunities, end * i.opportunities
            source, target = encounter_rules.public_encounter_pairs(
                state.neighbourhood, state.group, i,
                model.streams.uniform_range(f"{PUBLIC}.where", model.steps, first, last),
                model.streams.uniform_range(f"{PUBLIC}.who", model.steps, first, last),
                (first_local[first:last], local_extra[first:last], resident, resident_group, own_group[first:last]))
            return source + start, target
    else:  # the compiled pairing over the same blocks (the GIL released), from per-neighbourhood tables
        places = static_index(model, "passing_places", lambda: compiled.place_index(state.neighbourhood, state.group))
        words = [model.streams.seeded_words(f"{PUBLIC}.{decision}", model.steps, compiled.streams_compiled)
                 for decision in ("where", "who")]

        def pairs(start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
            """The pairs of residents start..end-1, each stream advanced to their first opportunity."""
            first = start * i.opportunities
            return compiled.public_pairs(
                *(compiled.advanced_words(stream, first) if first else stream for stream in words),
                state.neighbourhood, state.group, *places, i.local_share, state.n, i.opportunities, start, end)

    if state.n <= RESIDENT_BLOCK and state.n < threads.SPLIT_FROM:  # one block: called directly (Threads.each_block)
        source, target = pairs(0, state.n)
    else:
        source, target = model.threads.over_blocks(pairs, state.n, most=RESIDENT_BLOCK)
    rate = np.broadcast_to(np.float64(i.rate), len(source))  # every pair's, stored once (read-only)
    conditions = np.broadcast_to(i.conditions(), (len(source), 4))  # every pair's row, stored once (read-only)
    model.public = ContactBlock.new(PUBLIC, source, target, rate, conditions)


MECHANISM = Mechanism(
    name="incidental",
    after="programmes",
    params=("contact.incidental",),
    parameters={"contact.incidental": IncidentalParams},
    attributes=("public",),
    phases=(
        Phase(
            gather_public_encounters,
            reads=("state.neighbourhood", "state.group", "model.static_index"),
            writes=("blocks", *FRESH_BLOCK_FIELDS, "model.public")),
    ),
)
