"""Expected rejection (issue 24, minority members): with `contact.rejection` on, people who have met
discrimination expect more of it, so each intergroup encounter, positive or negative, tells them less about
the outgroup as a whole: contact's effect on their views is weaker, never reversed.

Why: the contact-attitude link is weaker for members of minority and lower-status groups, though contact
still reduces their prejudice (Tropp & Pettigrew 2005: mean r -0.18 against -0.23), and among them weaker
the more they perceive discrimination and expect rejection (Tropp 2006). A member who expects prejudice
attributes friendly treatment to the person or the situation rather than to the group (attributional
ambiguity, Crocker & Major 1989; an exception is subtyped, not generalised: Weber & Crocker 1983), and a
rejection they expected confirms rather than informs. The expectation is the state the model already keeps,
experienced discrimination (model/mechanisms/discrimination.py, 0-1), which only arriving members build up
from negative encounters: no per-group multiplier. Receiving members' discrimination stays 0, so their
contact counts as before. Negative encounters already weigh more for everyone (`contact.update.
negativity_weight`, Barlow et al. 2012) and discrimination already lowers belonging and raises distress
(`dynamics.discrimination`); amplifying negative encounters here as well counted both twice and made contact
harmful on balance for half of the arriving members (docs/model.md 7.23).

Parameters: `contact.rejection` (conf/contact/default.yaml). Runs after the week's contact is tallied and
before attitudes move (model/mechanisms/__init__.py).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model import kernels
from bridges.model.mechanisms.base import ALL, Mechanism, Phase
from bridges.model.ranges import UNIT


@dataclass(frozen=True)
class RejectionParams:
    """Expected rejection: experienced discrimination discounts what each encounter says about the outgroup."""

    enabled: bool
    discount: float = field(metadata=UNIT)


COMPILED = "bridges.model.rules.rejection_compiled"
"""The module of this mechanism's compiled kernel (model/kernels.py)."""


def felt_contact(positive: np.ndarray, negative: np.ndarray, expectation: np.ndarray,
                 r: RejectionParams) -> tuple[np.ndarray, np.ndarray]:
    """The week's weighted positive P and negative N encounters as felt by people expecting rejection e in
    [0, 1], with discount d:
        P' = P (1 - d e),  N' = N (1 - d e).
    Both shrink by the same factor, so the balance P - k N keeps its sign for any negativity weight k:
    contact moves the person less, the same way. e = 0 leaves both unchanged (to the bit: x * 1.0 == x)."""
    generalised = 1.0 - r.discount * expectation
    return positive * generalised, negative * generalised


def expect_rejection(model, who=ALL) -> None:
    """With `contact.rejection` on: the week's weighted encounters of the residents `who` (everyone, or one
    resident in the agents engine) as felt by people expecting rejection (`felt_contact`), expectation =
    experienced discrimination."""
    r, week = model.params.contact.rejection, model.week
    if not r.enabled:
        return
    compiled = kernels.load(COMPILED, week.positive_weighted.size) if who is ALL else None
    if compiled is not None:  # the same rule compiled, in place, over ranges of people on the worker threads
        model.threads.each_block(lambda first, last: compiled.felt_all(
            week.positive_weighted[first:last], week.negative_weighted[first:last],
            model.state.discrimination[first:last], r.discount), week.positive_weighted.size)
        return
    week.positive_weighted[who], week.negative_weighted[who] = felt_contact(
        week.positive_weighted[who], week.negative_weighted[who], model.state.discrimination[who], r)


MECHANISM = Mechanism(
    name="rejection",
    after="partners",
    before="attitudes",
    params=("contact.rejection",),
    parameters={"contact.rejection": RejectionParams},
    phases=(
        Phase(
            expect_rejection,
            reads=("state.discrimination", "week.positive_weighted", "week.negative_weighted"),
            writes=("week.positive_weighted", "week.negative_weighted")),
    ),
)
