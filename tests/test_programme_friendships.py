"""Friendships formed in a contact programme outlive it (conf/intervention/*.yaml
`effect.friends_keep_meeting`; model/interventions/contact_setting.py): after the programme, pairs who became
friends keep meeting, so participants keep more cross-group friends, and warmer views, than the same
people in the same run with programme ties stopping at the end (common random numbers)."""

import numpy as np
import pytest

from bridges.model import BridgesModel
from tests.conftest import params_for

SEEDS = (0, 1, 2)
END, LATER = 26, 52
PROGRAMME = ("city.n_agents=600", "city.n_neighbourhoods=6", "city.arriving_share=0.2", f"steps={LATER}",
             "scenario=volunteering", "interventions.volunteering.delivery.coverage=0.3",
             f"interventions.volunteering.delivery.end_week={END}")


def participants_after(keep_meeting: float, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Participants' attitudes and cross-group friendship counts 26 weeks after the programme, and the
    programme ties' encounters in those weeks."""
    model = BridgesModel(params_for(*PROGRAMME, f"seed={seed}",
                                    f"interventions.volunteering.effect.friends_keep_meeting={keep_meeting}"))
    after = 0.0
    for week in range(1, LATER + 1):
        model.step()
        if week > END + 1:
            after += model.interventions[0].effect.block.encounters.sum()
    took_part = model.interventions[0].ever_enrolled
    return model.state.attitude[took_part], model.state.outgroup_friends[took_part], after


@pytest.fixture(scope="module")
def arms():
    return [(participants_after(0.25, seed), participants_after(0.0, seed)) for seed in SEEDS]


def test_programme_friends_keep_meeting_after_the_end(arms):
    for kept, stopped in arms:
        assert kept[2] > 0 and stopped[2] == 0


def test_participants_keep_friends_and_warmer_views(arms):
    friends = np.concatenate([kept[1] - stopped[1] for kept, stopped in arms])
    attitude = np.concatenate([kept[0] - stopped[0] for kept, stopped in arms])
    # Tolerance: each paired mean difference must exceed 3 standard errors of the participants' paired
    # differences (a one-sided 0.1% false alarm rate if friendships carried nothing over).
    for difference in (friends, attitude):
        assert difference.mean() > 3.0 * difference.std(ddof=1) / np.sqrt(difference.size), (difference.mean(), difference.size)
