"""The mechanisms of the model, found in this folder and put in the order their phases run each week
(model/mechanisms/base.py says what a module declares). Every module here except base.py declares
`MECHANISM = Mechanism(...)`; its `after` names the mechanism whose phases run just before its own, and
`before` one its phases must precede. model/step.py derives STEP_ORDER and ACCESS from MECHANISMS,
model/agents.py the agents engine's week, model/params.py the parameter sections mechanisms declare: to add
a mechanism, write its module (docs/contributing.md); no list names it."""

import importlib
import pkgutil

from bridges.model.errors import InputError

HELPERS = ("base",)
"""Modules of the folder that declare no mechanism (what the mechanisms share)."""


def week_order(mechanisms) -> tuple:
    """The mechanisms in the order of the week: each right after the one its `after` names, in the one order
    every `after` and `before` allows. Two that could each come next (both after the same mechanism, neither
    placed by a `before`) are refused rather than ordered by name, since a guessed order changes results."""
    by_name = {mechanism.name: mechanism for mechanism in mechanisms}
    if len(by_name) != len(mechanisms):
        raise InputError("model/mechanisms: two modules declare the same mechanism name")
    for mechanism in mechanisms:
        for key in ("after", "before"):
            other = getattr(mechanism, key)
            if other is not None and other not in by_name:
                raise InputError(f"model/mechanisms: {mechanism.name} declares {key}={other!r}, no such mechanism")
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


MECHANISMS = week_order(discover())
"""Every mechanism, in the order of the week."""

PHASES = tuple(phase for mechanism in MECHANISMS for phase in mechanism.phases)
"""Every phase of the week, in order."""
