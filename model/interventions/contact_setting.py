"""Contact setting: the pairs a delivery brings together meet, in a setting of the programme's own.

Carried by `volunteering` (buddy pairs) and `co_creation` (mixed groups). The meetings have their own
Allport conditions, and a tie meets in session weeks while both people are enrolled. Attendance is set
by the programme, not by willingness, so two programmes with the same participants and rate produce the
same encounters whatever their quality (co-creation against mere exposure). A tie that has become a
friendship outlives the programme: outside the programme's sessions (after a drop-out or the end) friends
keep meeting at `friends_keep_meeting` a week, as long as they stay friends (the friendship then needs
enough positive meetings to last: model/rules/friendship.py).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.interventions.effect import Effect
from bridges.model.ranges import NON_NEGATIVE, RATE, UNIT
from bridges.model.ties import ContactBlock


@dataclass(frozen=True)
class SettingParams:
    """The Allport conditions of a programme's meetings [0-1] and encounters per tie per session."""

    equal_status: float = field(metadata=UNIT)
    common_goal: float = field(metadata=UNIT)
    cooperation: float = field(metadata=UNIT)
    institutional_support: float = field(metadata=UNIT)
    encounters_per_session: float = field(metadata=NON_NEGATIVE)
    friends_keep_meeting: float = field(metadata=RATE)


def programme_block(name: str, pairs: np.ndarray, setting: SettingParams, support_boost: float) -> ContactBlock:
    """A contact block for programme pairs, with the setting's conditions (plus any coordination boost)."""
    conditions = np.array([setting.equal_status, setting.common_goal, setting.cooperation,
                           min(1.0, setting.institutional_support + support_boost)])
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    block = ContactBlock.new(name, pairs[:, 0], pairs[:, 1], np.full(len(pairs), setting.encounters_per_session),
                             np.tile(conditions, (len(pairs), 1)))
    block.voluntary = False
    block.live[:] = False
    return block


def set_live(block: ContactBlock, enrolled: np.ndarray, session: bool, setting: SettingParams) -> None:
    """Programme ties meet in session weeks while both people are still enrolled, at `encounters_per_session`;
    outside that, ties that are friendships meet at `friends_keep_meeting` (0: not at all)."""
    in_session = session & enrolled[block.source] & enrolled[block.target]
    block.live[:] = in_session | (block.friend & (setting.friends_keep_meeting > 0.0))
    block.rate[:] = np.where(in_session, setting.encounters_per_session, setting.friends_keep_meeting)


class ContactSetting(Effect):
    kind = "contact_setting"
    Params = SettingParams
    levers = ("blocks", "block.live", "block.rate")  # its own block's (set_live), not the city's ties
    needs_pairs = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.block: ContactBlock | None = None

    def start(self, model, delivery) -> None:
        self.block = programme_block(self.name, delivery.pairs, self.params, delivery.support_boost)

    def apply(self, model, enrolled: np.ndarray, session: bool) -> None:
        set_live(self.block, enrolled, session, self.params)

    def after_end(self, model) -> None:
        set_live(self.block, np.zeros(model.state.n, dtype=bool), False, self.params)

    def contact_blocks(self) -> list[ContactBlock]:
        return [] if self.block is None else [self.block]
