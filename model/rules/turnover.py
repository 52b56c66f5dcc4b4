"""Turnover of the arriving community: newcomers take the places of members who move on.

A single cohort of refugees integrates for years (decisions come, courses end, language and employment
rise), so a city that kept one cohort would drift by construction. The arriving community of a city is a
flow: people move on and newcomers arrive (new asylum seekers, family members, secondary movers). Each
week an arriving member leaves with the turnover rate r and a newcomer takes their place in the city
(household, neighbourhood, potential workplace, ties). Assumption of the model, like the dispositions'
one: the surveyed city is at the steady state of its usual dynamics. So newcomers arrive with the
livelihood state that keeps each surveyed group mean s steady against its usual weekly change d:
r (v - s) + d = 0, i.e. v = s - d / r. The newcomer takes over the leaver's views and contact history (a
simplification: views are dispositions anchored in the place's networks, and Bridges has no data on
newcomers' views).
"""

from typing import TYPE_CHECKING

import numpy as np

from bridges.model.rules.people import improve_language

if TYPE_CHECKING:  # annotations only: the mechanism modules that declare these classes import this one
    from bridges.model.mechanisms.turnover import TurnoverParams
    from bridges.model.params import DynamicsParams

FLAGS = ("legal_pending", "family_pending", "studying", "employed")
"""The yes/no states a newcomer brings anew, each drawn with the newcomers' share."""
LIVELIHOODS = (*FLAGS, "language")
"""Every state a newcomer brings anew; all in [0, 1] (flags as 0/1, language as proficiency)."""


def expected_change(legal_pending: np.ndarray, family_pending: np.ndarray, studying: np.ndarray,
                    employed: np.ndarray, language: np.ndarray, encounters: np.ndarray,
                    finding_hazard: np.ndarray, d: "DynamicsParams") -> dict[str, np.ndarray]:
    """Each person's expected change of every livelihood state in one week of people.py's rules: a pending
    state (decision, reunification, course) ends with its hazard, the employed lose work with the loss rate
    and job seekers find it with `finding_hazard`, language closes its headroom at `encounters` a week."""
    return {
        "legal_pending": -d.legal_determination_hazard * legal_pending,
        "family_pending": -d.family_reunification_hazard * family_pending,
        "studying": -d.course_exit_hazard * studying,
        "employed": np.where(employed, -d.employment.loss_rate, finding_hazard),
        "language": improve_language(language, studying, encounters, d) - language,
    }


def steady_rate(share: np.ndarray, change: np.ndarray) -> float:
    """The slowest weekly turnover at which newcomers can hold every mean `share` against its weekly `change`:
    v = s - d / r must lie in [0, 1], so r >= d / s for a rising mean and r >= -d / (1 - s) for a falling
    one. At most 1 (every member replaced each week); 0 when nothing changes."""
    share, change = np.asarray(share), np.asarray(change)
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = np.where(change > 0, change / share, 0.0)
        falling = np.where(change < 0, -change / (1.0 - share), 0.0)
    return float(min(np.maximum(rising, falling).max(), 1.0))  # a share at 0 or 1 that must move: inf, so 1


def newcomer_value(share: np.ndarray, change: np.ndarray, rate: float) -> np.ndarray:
    """The value newcomers bring so that the mean stays at `share`: v = s - d / r, clipped to [0, 1] (where it
    is clipped the rate is too slow to hold that mean, and it drifts)."""
    if rate <= 0.0:
        return np.asarray(share)
    return np.clip(np.asarray(share) - np.asarray(change) / rate, 0.0, 1.0)


def turnover_rate(t: "TurnoverParams", share: np.ndarray, change: np.ndarray) -> float:
    """The configured weekly rate, or (rate null) the slowest one that holds every mean (`steady_rate`)."""
    return steady_rate(share, change) if t.rate is None else t.rate


def leaving(u: np.ndarray, rate: float) -> np.ndarray:
    """Which arriving members move on this week (one uniform each): u < r."""
    return u < rate


def newcomer_flags(u: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Newcomers' flags, a row per newcomer and a column per flag (one uniform each): u < that flag's
    newcomer share."""
    return u < shares
