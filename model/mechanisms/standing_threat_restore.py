"""The second half of standing threat (standing_threat.py): after the norm, weigh everyone's threat again (the
norm has moved anxiety) and put back the part of the attitude that it explains. Its own module only because a
mechanism's phases run together and this one must follow the norm while the first half precedes it."""

from bridges.model.mechanisms.base import Mechanism, Phase, Rows
from bridges.model.mechanisms.standing_threat import READS, WRITES, restore_threat, weigh_threat

MECHANISM = Mechanism(
    name="standing_threat_restore",
    after="norms",
    before="beliefs",
    params=("dynamics.standing_threat",),
    phases=(Phase(restore_threat, reads=READS, writes=WRITES, steps=(weigh_threat, Rows(restore_threat)),
                  history=False),),
)
