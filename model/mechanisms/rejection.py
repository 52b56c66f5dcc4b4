"""Expected rejection (issue 24, minority members): with `contact.rejection` on, people who have met
discrimination expect more of it, so a positive intergroup encounter counts for less toward their view of
the outgroup and a negative one for more.

Why: the contact-attitude link is weaker for members of minority and lower-status groups (Tropp &
Pettigrew 2005), and among them weaker the more they perceive discrimination and expect rejection (Tropp
2006). A member who expects prejudice attributes friendly treatment to the person or the situation rather
than to the group (attributional ambiguity, Crocker & Major 1989) and reads negative encounters as
rejection of their group (rejection sensitivity, Mendoza-Denton et al. 2002; negative contact weighs more,
Barlow et al. 2012). The expectation is the state the model already keeps, experienced discrimination
(model/mechanisms/discrimination.py, 0-1), which only arriving members build up from negative encounters:
no per-group multiplier. Receiving members' discrimination stays 0, so their contact counts as before.

Parameters: `contact.rejection` (conf/contact/default.yaml). Runs after the week's contact is tallied and
before attitudes move (model/mechanisms/__init__.py).
"""

import numpy as np

from bridges.model.mechanisms.base import ALL, Mechanism, Phase
from bridges.model.params_contact import RejectionParams


def felt_contact(positive: np.ndarray, negative: np.ndarray, expectation: np.ndarray,
                 r: RejectionParams) -> tuple[np.ndarray, np.ndarray]:
    """The week's weighted positive P and negative N encounters as felt by people expecting rejection e in
    [0, 1], with discount d and amplification a:
        P' = P (1 - d e),  N' = N (1 + a e).
    e = 0 leaves both unchanged (to the bit: x * 1.0 == x)."""
    return positive * (1.0 - r.discount * expectation), negative * (1.0 + r.amplify * expectation)


def expect_rejection(model, who=ALL) -> None:
    """With `contact.rejection` on: the week's weighted encounters of the residents `who` (everyone, or one
    resident in the agents engine) as felt by people expecting rejection (`felt_contact`), expectation =
    experienced discrimination."""
    r, week = model.params.contact.rejection, model.week
    if not r.enabled:
        return
    week.positive_weighted[who], week.negative_weighted[who] = felt_contact(
        week.positive_weighted[who], week.negative_weighted[who], model.state.discrimination[who], r)


MECHANISM = Mechanism(
    name="rejection",
    after="partners",
    before="attitudes",
    params=("contact.rejection",),
    phases=(
        Phase(
            expect_rejection,
            reads=("state.discrimination", "week.positive_weighted", "week.negative_weighted"),
            writes=("week.positive_weighted", "week.negative_weighted")),
    ),
)
