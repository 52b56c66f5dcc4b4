"""The second half of standing threat (standing_threat.py): after the norm, put back the part of the attitude
that perceived threat explains. Its own module only because a mechanism's phases run together and this one
must follow the norm while the first half precedes it."""

from bridges.model.mechanisms.base import Mechanism, Phase
from bridges.model.mechanisms.standing_threat import READS, restore_threat

MECHANISM = Mechanism(
    name="standing_threat_restore",
    after="norms",
    before="beliefs",
    params=("dynamics.standing_threat",),
    phases=(Phase(restore_threat, reads=READS, writes=("state.attitude",), history=False),),
)
