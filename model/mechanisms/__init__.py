"""The mechanisms of the model, found in this folder and put in the order their phases run each week
(model/mechanisms/base.py says what a module declares). Every module here except base.py declares
`MECHANISM = Mechanism(...)`; its `after` names the mechanism whose phases run just before its own, and
`before` one its phases must precede. A phase that runs elsewhere in the week than its mechanism's others
names its own place the same way (`Phase(after=..., before=...)`), so one module may act at several places
(`positions`). model/step.py derives STEP_ORDER and ACCESS from PHASES, model/agents.py the agents engine's
week, model/params.py the parameters mechanisms declare: to add a mechanism, write its module
(docs/contributing.md); no list names it."""

import importlib
import pkgutil
from typing import NamedTuple

from bridges.model.errors import InputError

HELPERS = ("base",)
"""Modules of the folder that declare no mechanism (what the mechanisms share)."""


class Position(NamedTuple):
    """A place in the week where one mechanism's phases run: named after the mechanism (its phases without a
    place of their own) or after the phase that names its own place; `after`/`before` as declared."""

    name: str
    mechanism: object
    phases: tuple
    after: str | None
    before: str | None


def positions(mechanism) -> list[Position]:
    """The places in the week of a mechanism's phases: its own (`after`/`before` of the mechanism, with every
    phase that names no place; a mechanism without such phases still has it, for its order among the
    mechanisms: its state, start and metrics) and one per phase that names its place. A phase that gives
    `before` without `after` is refused: `after` is what places it."""
    placed = [phase for phase in mechanism.phases if phase.after is not None or phase.before is not None]
    for phase in placed:
        if phase.after is None:
            raise InputError(f"model/mechanisms/{mechanism.name}.py: phase {phase.name} declares before= without "
                             "after=; after= names its place in the week")
    own = tuple(phase for phase in mechanism.phases if phase.after is None and phase.before is None)
    return [Position(mechanism.name, mechanism, own, mechanism.after, mechanism.before),
            *(Position(phase.name, mechanism, (phase,), phase.after, phase.before) for phase in placed)]


def week_order(mechanisms) -> tuple:
    """The mechanisms (or positions) in the order of the week: each right after the one its `after` names, in
    the one order every `after` and `before` allows. Two that could each come next (both after the same one,
    neither placed by a `before`) are refused rather than ordered by name, since a guessed order changes
    results."""
    by_name = {mechanism.name: mechanism for mechanism in mechanisms}
    if len(by_name) != len(mechanisms):
        raise InputError("model/mechanisms: two modules declare the same mechanism name (or a placed phase is "
                         "named as a mechanism)")
    for mechanism in mechanisms:
        for key in ("after", "before"):
            other = getattr(mechanism, key)
            if other is not None and other not in by_name:
                raise InputError(f"model/mechanisms: {mechanism.name} declares {key}={other!r}, no such mechanism "
                                 "(or placed phase)")
    must_follow = {name: set() for name in by_name}  # name -> the mechanisms that must run before it
    for mechanism in mechanisms:
        if mechanism.after is not None:
            must_follow[mechanism.name].add(mechanism.after)
        if mechanism.before is not None:
            must_follow[mechanism.before].add(mechanism.name)
    ordered, placed = [], set()
    while len(ordered) < len(mechanisms):
        last = ordered[-1].name if ordered else None
        ready = sorted(name for name in by_name if name not in placed and must_follow[name] <= placed)
        if not ready:
            raise InputError("model/mechanisms: the after/before declarations of "
                             f"{', '.join(sorted(set(by_name) - placed))} form a loop")
        following = [name for name in ready if by_name[name].after == last] or ready
        if len(following) > 1:
            raise InputError(f"model/mechanisms: {' and '.join(following)} could each run next; declare "
                             f"before= on one of them")
        ordered.append(by_name[following[0]])
        placed.add(following[0])
    return tuple(ordered)


def discover(folder=__path__, package: str = __name__) -> tuple:
    """Every module of the package (this one: model/mechanisms/) but HELPERS, imported, as its MECHANISM
    (named after its module, so a mechanism's name says where it is written)."""
    found = []
    for name in sorted(info.name for info in pkgutil.iter_modules(folder) if info.name not in HELPERS):
        mechanism = getattr(importlib.import_module(f"{package}.{name}"), "MECHANISM", None)
        if mechanism is None:
            raise InputError(f"model/mechanisms/{name}.py: declares no MECHANISM (a module of shared helpers "
                             "belongs in HELPERS, model/mechanisms/__init__.py)")
        if mechanism.name != name:
            raise InputError(f"model/mechanisms/{name}.py: declares the mechanism {mechanism.name!r}; name it {name!r}")
        found.append(mechanism)
    return tuple(found)


PLAN = week_order([position for mechanism in discover() for position in positions(mechanism)])
"""Every place in the week, in order: each mechanism's own and each placed phase's."""

MECHANISMS = tuple(position.mechanism for position in PLAN if position.name == position.mechanism.name)
"""Every mechanism, in the order of the week (of its own place)."""

PHASES = tuple(phase for position in PLAN for phase in position.phases)
"""Every phase of the week, in order."""
