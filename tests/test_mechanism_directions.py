"""Each mechanism of issue 9 moves the model in the direction the literature gives, over replicates on
common random numbers: replicate r runs both arms with seed r, so their difference is the mechanism's.

Tolerance: a direction holds when the one-sided 99% lower bound of the mean paired difference is above
zero, mean - t(0.99, R - 1) * sd / sqrt(R) > 0 (R = REPLICATES). With 5 replicates t = 3.75, so a chance
pass of a null mechanism happens less than 1% of the time; exact zeros are asserted exactly.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from bridges.model import BridgesModel
from tests.conftest import in_one_worker, params_for
from tests.paired import Replicates

pytestmark = in_one_worker(__name__)

REPLICATES = 5
T99 = stats.t.ppf(0.99, REPLICATES - 1)
CITY = ("city.n_agents=800", "city.n_neighbourhoods=5", "city.arriving_share=0.2", "steps=20")
"""Small, with enough arriving members (160) for per-group statistics, a fraction of a second per run."""


TWO_YEARS = (*CITY[:-1], "steps=104")


@dataclass
class Run:
    """A finished run (callers only read it) and everyone's attitude at its week 0."""

    model: BridgesModel
    start_attitude: np.ndarray


@pytest.fixture(scope="module")
def cities() -> dict[tuple[str, ...], Replicates]:
    """Runs of CITY and TWO_YEARS plus overrides, each made once for this file (several tests share the
    all-on arm); every arm of a seed runs on that seed's one built city, as scenario comparison does."""
    return {CITY: Replicates(*CITY), TWO_YEARS: Replicates(*TWO_YEARS)}


@pytest.fixture(scope="module")
def run(cities):
    """run(*overrides, seed=, city=CITY): the finished Run of the city plus the overrides on that seed."""
    def finished(*overrides: str, seed: int, city: tuple[str, ...] = CITY) -> Run:
        runs = cities[city]
        return Run(runs.model(overrides, seed), runs.start_attitude(overrides, seed))
    return finished


@pytest.fixture(scope="module")
def paired(run):
    """paired(measure, on, off, city=CITY): measure(Run with `on`) - measure(Run with `off`), one difference
    per replicate (same seed)."""
    def differences(measure, on: tuple[str, ...], off: tuple[str, ...], city: tuple[str, ...] = CITY) -> np.ndarray:
        return np.array([measure(run(*on, seed=seed, city=city)) - measure(run(*off, seed=seed, city=city))
                         for seed in range(REPLICATES)])
    return differences


def assert_positive(differences: np.ndarray) -> None:
    bound = differences.mean() - T99 * differences.std(ddof=1) / np.sqrt(len(differences))
    assert bound > 0, f"99% lower bound {bound:.4g} (differences {np.round(differences, 4)})"


def final(run: Run, group: str, metric: str) -> float:
    series = run.model.timeseries()
    return float(series[(series.group == group) & (series.metric == metric)].value.iloc[-1])


def members(model, group: int) -> np.ndarray:
    return model.state.group == group


def test_incidental_encounters_reach_receiving_members_beyond_their_ties(paired):
    """Blau: contact follows exposure, so public space brings contact to people without intergroup ties."""
    ever = lambda r: np.mean(r.model.state.intergroup_contacts[members(r.model, 0)] > 0)  # noqa: E731
    assert_positive(paired(ever, (), ("contact.incidental.enabled=false",)))


def test_a_prejudiced_partner_makes_negative_experiences_likelier(paired):
    def negative_share(run):
        arriving, state = members(run.model, 1), run.model.state
        return state.negative_contacts[arriving].sum() / state.intergroup_contacts[arriving].sum()
    assert_positive(paired(negative_share, (), ("contact.partner.enabled=false",)))


def test_selection_makes_warmer_people_meet_more(paired):
    """Attitude at the start predicts later contact more strongly when people choose whom they meet."""
    def link(run):
        receiving = members(run.model, 0)
        return stats.spearmanr(run.start_attitude[receiving], run.model.state.intergroup_contacts[receiving]).statistic
    assert_positive(paired(link, (), ("contact.selection.enabled=false",)))


def test_generalisation_shrinks_what_a_buddy_programme_does_to_group_attitudes(paired):
    """The same encounters with one buddy carry less to the group once salience and novelty count."""
    def programme_effect(generalisation: str):
        return paired(lambda r: final(r, "arriving", "attitude_mean"), ("scenario=volunteering", generalisation),
                      ("scenario=baseline", generalisation))
    assert_positive(programme_effect("contact.generalisation.enabled=false")
                    - programme_effect("contact.generalisation.enabled=true"))


def test_buffering_softens_negative_contact(paired):
    """With past positive contact buffering (Paolini et al. 2014) attitudes end warmer than without."""
    warmth = lambda r: final(r, "arriving", "attitude_mean")  # noqa: E731
    assert_positive(paired(warmth, (), ("contact.negativity.buffer_half=100",)))  # 100/week: practically unbuffered


def test_norms_hold_a_group_near_its_climate(paired):
    """Drift toward the group's norm keeps receiving members' mean closer to where it started (two years).
    Receiving members, because their contact moves them (+1.9 to +6.3 points in two years without norms);
    arriving members' felt contact is near balance since expected rejection (model/mechanisms/rejection.py)
    discounts its positive part, so without norms their mean moves by -2.4 to +1.3 and the norm's hold is not
    visible in five replicates."""
    drift = lambda r: abs(final(r, "receiving", "attitude_mean") - r.start_attitude[members(r.model, 0)].mean())  # noqa: E731
    assert_positive(-paired(drift, (), ("dynamics.norms.enabled=false",), city=TWO_YEARS))


def test_norms_keep_individual_differences(run):
    """Anchored to their own starting views, people keep their differences: the receiving members' spread
    of attitudes stays within 10% of where it started (it would collapse under pure averaging)."""
    for seed in range(REPLICATES):
        finished = run(seed=seed)
        receiving = members(finished.model, 0)
        start = finished.start_attitude[receiving].std()
        assert abs(finished.model.state.attitude[receiving].std() / start - 1.0) < 0.1


def test_information_warms_attitudes_only_through_threat(paired):
    effect = lambda r: final(r, "receiving", "attitude_mean")  # noqa: E731
    assert_positive(paired(effect, ("scenario=information",), ("scenario=baseline",)))
    without_threat = paired(effect, ("scenario=information", "dynamics.threat.enabled=false"),
                            ("scenario=baseline", "dynamics.threat.enabled=false"))
    np.testing.assert_array_equal(without_threat, 0.0)


def test_a_larger_local_arriving_share_raises_threat():
    """Group threat: receiving members who see more arriving neighbours feel more threatened (rank
    correlation between the neighbourhood's arriving share and threat at week 0, before any contact)."""
    def link(seed):
        model = BridgesModel(params_for(*CITY, f"seed={seed}"))
        receiving = members(model, 0)
        local = model.local_arriving_share[model.state.neighbourhood[receiving]]
        return stats.spearmanr(local, model.state.threat[receiving]).statistic
    assert_positive(np.array([link(seed) for seed in range(REPLICATES)]))


def test_discrimination_raises_arriving_members_distress(paired):
    distress = lambda r: final(r, "arriving", "distress_mean")  # noqa: E731
    assert_positive(paired(distress, (), ("dynamics.discrimination.enabled=false",)))


def test_more_distinct_partners_more_perceived_variability(paired):
    variability = lambda r: final(r, "receiving", "variability_mean")  # noqa: E731
    assert_positive(paired(variability, (), ("contact.incidental.enabled=false",)))
