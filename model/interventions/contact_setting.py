"""Contact setting: the pairs a delivery brings together meet, in a setting of the programme's own.

Carried by `volunteering` (buddy pairs) and `co_creation` (mixed groups). The meetings have their own
Allport conditions, and a tie meets only in session weeks while both people are enrolled. Attendance
is set by the programme, not by willingness, so two programmes with the same participants and rate
produce the same encounters whatever their quality (co-creation against mere exposure).
"""

from dataclasses import dataclass, field

import numpy as np

from bridges.model.interventions.effect import Effect
from bridges.model.params import NON_NEGATIVE, UNIT
from bridges.model.ties import ContactBlock


@dataclass(frozen=True)
class SettingParams:
    """The Allport conditions of a programme's meetings [0-1] and encounters per tie per session."""

    equal_status: float = field(metadata=UNIT)
    common_goal: float = field(metadata=UNIT)
    cooperation: float = field(metadata=UNIT)
    institutional_support: float = field(metadata=UNIT)
    encounters_per_session: float = field(metadata=NON_NEGATIVE)


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


def set_live(block: ContactBlock, enrolled: np.ndarray, session: bool) -> None:
    """Programme ties meet in session weeks while both people are still enrolled."""
    block.live[:] = session & enrolled[block.source] & enrolled[block.target]


class ContactSetting(Effect):
    Params = SettingParams
    needs_pairs = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.block: ContactBlock | None = None

    def start(self, model, delivery) -> None:
        self.block = programme_block(self.name, delivery.pairs, self.params, delivery.support_boost)

    def apply(self, model, enrolled: np.ndarray, session: bool) -> None:
        set_live(self.block, enrolled, session)

    def contact_blocks(self) -> list[ContactBlock]:
        return [] if self.block is None else [self.block]
