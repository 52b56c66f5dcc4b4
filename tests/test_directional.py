"""Directional claims (an intervention or a mechanism moves an outcome one way), each tested as a
paired comparison over 8 replicates on common random numbers: both arms run seeds 0-7, the per-seed
difference is the paired statistic, and the mean difference must exceed 3 standard errors of those
differences (tests/paired.py: P(t_7 > 3) = 0.01 when there is no effect)."""

import numpy as np
import pytest

from tests.conftest import SHARED_CITY
from tests.paired import SEEDS, assert_paired_effect, paired_differences

pytestmark = SHARED_CITY


@pytest.fixture(scope="module")
def arm(city_runs):
    """arm(*overrides): runs of tests/paired.py's CITY plus the overrides on seeds 0-7, each run once per
    session (shared with the golden baseline)."""
    return city_runs.arm


def test_the_shared_city_reaches_the_xdist_scheduler_as_one_group(request):
    """Under --dist loadgroup the scheduler reads a test's group from the `@group` suffix of its node id
    (tests/conftest.py puts it there): without it these runs would be made again in the other worker."""
    grouped = bool(getattr(request.config.option, "loadgroup", False))
    assert request.node.nodeid.endswith("@city_runs") == grouped, request.node.nodeid


# ---- interventions against the baseline -----------------------------------------------------------
# Each row: scenario, group, metric, expected sign of (scenario - baseline) at week 30.
DIRECTIONS = [
    ("volunteering", "receiving", "attitude_mean", +1),
    ("volunteering", "arriving", "attitude_mean", +1),
    ("volunteering", "all", "outgroup_friendships", +1),
    ("co_creation", "receiving", "attitude_mean", +1),
    ("co_creation", "arriving", "attitude_mean", +1),
    ("mhpss", "all", "distress_mean", -1),
    ("mhpss", "arriving", "distress_mean", -1),
    ("information", "receiving", "misperception_mean", -1),
    ("information", "receiving", "attitude_mean", +1),
    ("structural", "arriving", "legal_pending_share", -1),
    ("structural", "arriving", "language_mean", +1),
    ("anti_discrimination", "arriving", "attitude_mean", +1),
]
MORE_SEEDS = {("anti_discrimination", "arriving", "attitude_mean"): 21}
"""Rows whose effect is real but small against the 8 seeds' noise, with the paired seeds they run instead, each
n = ((3 + 2.33) SD / effect)^2 for a 99% chance of clearing the 3 SE bar. Anti-discrimination on arriving
attitudes at week 30, with issue 24's second stage (measured over seeds 0-31): +0.037 points, per-seed SD 0.031
(t = 6.7 over 32; 2.7, 3.2, 4.6, 3.3 in blocks of 8), so n = 20.1 -> 21. With the wallpaper effect off it was
+0.035, SD 0.028 (3.9, 3.1, 3.7, 3.2): at the 8-seed bar before as well. (Branch minority2 chose 16 seeds,
t = 4.2 over 16: an expected t of 4.8 there, a 4% chance of failing; 21 gives 1%.)"""


@pytest.mark.parametrize("scenario, group, metric, sign", DIRECTIONS)
def test_intervention_moves_outcome_against_baseline(scenario, group, metric, sign, arm):
    more = MORE_SEEDS.get((scenario, group, metric))
    seeds = SEEDS if more is None else tuple(range(more))
    differences = paired_differences(arm(f"scenario={scenario}", seeds=seeds), arm(seeds=seeds),
                                     lambda run: run.final(group, metric))
    assert_paired_effect(differences, sign, f"{scenario} - baseline, {group} {metric}")  # > 3 SE


def test_structural_levers_raise_employment_over_a_year(arm):
    """Jobs follow the levers slowly (language, legal status, recognition): a year, and a city with enough
    arriving members (30%) that a few more in work is more than one person."""
    year = ("city.arriving_share=0.3", "steps=52")
    differences = paired_differences(arm(*year, "scenario=structural"), arm(*year),
                                     lambda run: run.final("arriving", "employed_share"))
    assert_paired_effect(differences, +1, "structural - baseline, arriving employed share")  # > 3 SE, 8 seeds


def test_anti_discrimination_cuts_negative_contact(arm):
    differences = paired_differences(arm("scenario=anti_discrimination"), arm(), lambda run: run.negative_contacts)
    assert_paired_effect(differences, -1, "negative encounters, trained - baseline")  # > 3 SE, 8 seeds


def test_coordination_raises_the_effect_of_what_it_joins(arm):
    """Coordinated minus plain volunteering (the baseline cancels in the difference of effects)."""
    coordinated, plain = arm("scenario=volunteering_coordinated"), arm("scenario=volunteering")
    for group, metric in (("arriving", "attitude_mean"), ("all", "outgroup_friendships")):
        differences = paired_differences(coordinated, plain, lambda run: run.final(group, metric))
        assert_paired_effect(differences, +1, f"coordinated - plain volunteering, {group} {metric}")  # > 3 SE
    for with_partner, alone in zip(coordinated, plain):  # wider reach: more volunteers on every seed
        reached = with_partner.costs.set_index("intervention").participants["volunteering"]
        assert reached > alone.costs.participants.iloc[0]


def test_co_creation_beats_mere_exposure_with_the_same_encounters(arm):
    """Quality alone: programme friendships are not kept beyond the sessions in either arm (kept, the better
    setting's extra friendships would also add encounters, and the arms would no longer meet equally)."""
    sessions_only = "interventions.co_creation.effect.friends_keep_meeting=0"
    co_creation, exposure = arm("scenario=co_creation", sessions_only), arm("scenario=mere_exposure", sessions_only)
    for with_goal, without in zip(co_creation, exposure):  # same programme encounters on every seed, exactly
        assert with_goal.programme_encounters == without.programme_encounters > 0
    for group in ("receiving", "arriving"):
        differences = paired_differences(co_creation, exposure, lambda run: run.final(group, "attitude_mean"))
        assert_paired_effect(differences, +1, f"co-creation - mere exposure, {group} attitude")  # > 3 SE


# ---- contact mechanisms ---------------------------------------------------------------------------
LAYERS = ("household", "neighbourhood", "workplace", "school", "sports_club", "religious_centre", "community_centre")
HIGH_QUALITY = tuple(f"city.layers.{layer}.{c}=1.0" for layer in LAYERS
                     for c in ("equal_status", "common_goal", "cooperation", "institutional_support"))
COIN_FLIP = ("contact.quality.intercept=0", "contact.quality.equal_status=0", "contact.quality.common_goal=0",
             "contact.quality.cooperation=0", "contact.quality.institutional_support=0",
             "contact.quality.shared_language=0", "contact.quality.anxiety=0", "contact.quality.distress=0",
             "contact.valence_offset.arriving=0", "contact.partner.enabled=false")
WITHOUT_SOCIAL_INFLUENCES = ("contact.incidental.enabled=false", "dynamics.norms.enabled=false",
                             "dynamics.threat.enabled=false", "contact.generalisation.enabled=false")
"""Switches that leave direct contact along ties as the only influence on attitudes."""
EVEN_CITY = ("city.segregation=0", "contact.valence_offset.arriving=0", "contact.susceptibility.arriving=1",
             *[f"city.layers.{layer}.homophily=0" for layer in LAYERS if layer != "household"],
             *[f"city.layers.{layer}.segregation=0" for layer in ("sports_club", "religious_centre", "community_centre")],
             *[f"city.layers.workplace.sectors.{s}.segregation=0" for s in ("services", "industry", "professional")])


@pytest.mark.parametrize("group", ["receiving", "arriving"])
def test_high_quality_settings_raise_attitudes_above_default_settings(group, arm):
    """The same city and draws with every setting's Allport conditions at 1: warmer attitudes. Dispositions are
    off in both arms: on, each city's views would be anchored where its own settings hold them (docs/model.md
    7.20), while the question here is what better settings do to the same people."""
    same_people = "dynamics.disposition.enabled=false"
    differences = paired_differences(arm(*HIGH_QUALITY, same_people), arm(same_people),
                                     lambda run: run.final(group, "attitude_mean"))
    assert_paired_effect(differences, +1, f"high quality - default, {group} attitude")  # > 3 SE, 8 seeds


@pytest.mark.parametrize("group", ["receiving", "arriving"])
def test_high_quality_contact_raises_attitudes_over_the_run(group, arm):
    """Within each run, week 30 minus week 0 (the run is paired with its own start)."""
    runs = arm(*HIGH_QUALITY)
    differences = np.array([run.final(group, "attitude_mean") - run.start(group, "attitude_mean") for run in runs])
    assert_paired_effect(differences, +1, f"high quality, {group} attitude week 30 - week 0")  # > 3 SE, 8 seeds


@pytest.mark.parametrize("group", ["receiving", "arriving"])
def test_equal_positive_and_negative_contact_lowers_attitudes(group, arm):
    """Coin-flip valence (quality 0.5, no offset): negative contact weighs more, so attitudes fall."""
    runs = arm(*COIN_FLIP, *WITHOUT_SOCIAL_INFLUENCES)
    for run in runs:  # the premise, p = 0.5: as many meet positively as negatively, averaged over the weeks
        # (within 0.05 on every seed; ~50 arriving members over 30 weeks, seeds 0-7: |gap| at most 0.025)
        assert run.weekly_mean("arriving", "positive_contact_share") == pytest.approx(
            run.weekly_mean("arriving", "negative_contact_share"), abs=0.05)
    differences = np.array([run.final(group, "attitude_mean") - run.start(group, "attitude_mean") for run in runs])
    assert_paired_effect(differences, -1, f"coin-flip contact, {group} attitude week 30 - week 0")  # > 3 SE


def test_group_size_alone_gives_arriving_members_more_contact(arm):
    """With no homophily or segregation, arriving members (a minority) have most of their ties across
    groups: per seed, arriving share minus 3 x receiving share of people with intergroup contact."""
    runs = arm(*EVEN_CITY, "steps=10")
    differences = np.array([run.weekly_mean("arriving", "intergroup_contact_share")
                            - 3 * run.weekly_mean("receiving", "intergroup_contact_share") for run in runs])
    assert_paired_effect(differences, +1, "arriving - 3 x receiving intergroup contact share")  # > 3 SE
