"""Unit tests of the interventions' pure parts on hand-computed cases: each effect function, the
delivery helpers (targeting, places, pairs, groups, schedule), coordination and cost accounting.

Written to kill the mutants `make mutation` found surviving (docs/mutation.md): exact values and the
boundaries of every comparison, so a changed operator, constant or argument shows.
"""

from dataclasses import replace
from functools import cache
from types import SimpleNamespace

import numpy as np
import pytest

from bridges.model import BridgesModel
from bridges.model.errors import InputError
from bridges.model.interventions import build_interventions
from bridges.model.interventions.anti_discrimination import AntiDiscriminationParams, combine_cuts, negative_contact_cut, no_cut
from bridges.model.interventions.contact_setting import SettingParams, programme_block, set_live
from bridges.model.interventions.coordination import CoordinationParams, Partnership, boosted_support, coordinated
from bridges.model.interventions.cost import CostAccount
from bridges.model.interventions.delivery import (eligible, form_groups, had_outgroup_contact, in_draw_order, make_delivery,
                                          match_buddies, pick, target_count)
from bridges.model.interventions.distress_relief import DistressReliefParams, relieve_distress
from bridges.model.interventions.information import InformationParams, correct_beliefs, exposed_to_facts
from bridges.model.interventions.programme import Programme, make_effect
from bridges.model.interventions.structural import lift_barrier, needs_recognition
from bridges.model.params import EDUCATION_LEVELS, GROUPS, LAST_WEEK
from tests.conftest import params_for

SETTING = dict(equal_status=0.6, common_goal=0.5, cooperation=0.4, institutional_support=0.7,
               encounters_per_session=2.0, friends_keep_meeting=0.25)


# ---- effect functions -------------------------------------------------------------------------------
def test_relieve_distress_scales_only_the_treated():
    p = DistressReliefParams(distress_reduction=0.4)
    np.testing.assert_allclose(relieve_distress(np.array([0.5, 0.8]), np.array([True, False]), p), [0.3, 0.8])


def test_lift_barrier_frees_the_reached_with_u_below_the_hazard():
    facing = np.array([True, True, True, False])
    reached = np.array([True, True, False, True])
    u = np.array([0.1, 0.5, 0.1, 0.1])
    # freed; u == hazard stays (strict <); not reached stays; not facing stays free
    np.testing.assert_array_equal(lift_barrier(facing, reached, u, 0.5), [False, True, True, False])


def test_negative_contact_cut_needs_a_covered_setting_and_a_trained_end():
    trained = np.array([True, False, False])
    source, target = np.array([0, 1, 1, 2, 0]), np.array([1, 0, 2, 1, 2])
    in_setting = np.array([True, True, True, True, False])
    cut = negative_contact_cut(trained, source, target, in_setting,
                               AntiDiscriminationParams(negative_reduction=0.3, layers=["workplace"]))
    np.testing.assert_allclose(cut, [0.3, 0.3, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(no_cut(3), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(combine_cuts(np.array([0.2, 0.5, 0.0]), np.array([0.3, 0.1, 0.0])), [0.3, 0.5, 0.0])


def test_correct_beliefs_moves_only_the_exposed_by_the_shift_with_contact_bonus():
    beliefs = np.array([[0.2, 0.4, 0.8], [0.2, 0.4, 0.8], [0.2, 0.4, 0.8]])
    truth = np.array([0.6, 0.6, 0.4])
    exposed = np.array([True, True, False])
    has_contact = np.array([False, True, True])
    corrected = correct_beliefs(beliefs, truth, exposed, has_contact, information(belief_shift=0.25))
    np.testing.assert_allclose(corrected[0], beliefs[0] + 0.25 * (truth - beliefs[0]))
    np.testing.assert_allclose(corrected[1], beliefs[1] + 0.5 * (truth - beliefs[1]))  # shift (1 + bonus)
    np.testing.assert_array_equal(corrected[2], beliefs[2])  # not exposed: unchanged, finite


def test_correct_beliefs_closes_at_most_the_whole_gap():
    beliefs = np.array([[0.2, 0.4, 0.8]])
    truth = np.array([0.6, 0.6, 0.4])
    corrected = correct_beliefs(beliefs, truth, np.array([True]), np.array([True]), information(belief_shift=0.8))
    np.testing.assert_allclose(corrected[0], truth)  # 0.8 (1 + 1) capped at 1


def test_only_enrolled_receiving_members_are_exposed_to_facts():
    exposed = exposed_to_facts(np.array([True, True, False]), np.array([GROUPS.index("receiving"),
                                                                         GROUPS.index("arriving"),
                                                                         GROUPS.index("receiving")]))
    np.testing.assert_array_equal(exposed, [True, False, False])


def test_recognition_is_needed_above_basic_education_only():
    np.testing.assert_array_equal(needs_recognition(np.arange(len(EDUCATION_LEVELS))), [False, True, True])


def test_match_buddies_pairs_in_order_up_to_the_shorter_list():
    pairs = match_buddies(np.array([5, 6, 7]), np.array([1, 2]))
    np.testing.assert_array_equal(pairs, [[5, 1], [6, 2]])
    assert pairs.dtype == np.int64
    np.testing.assert_array_equal(match_buddies(np.array([5]), np.array([1, 2])), [[5, 1]])


def test_form_groups_fills_whole_groups_in_order_and_pairs_across_groups():
    members, pairs = form_groups(np.array([10, 11, 12, 13, 14]), np.array([20, 21, 22, 23, 24, 25, 26]), 2, 3)
    np.testing.assert_array_equal(members, [10, 11, 12, 13, 20, 21, 22, 23, 24, 25])
    expected = [(a, r) for group in range(2) for a in (10 + 2 * group, 11 + 2 * group)
                for r in range(20 + 3 * group, 23 + 3 * group)]
    np.testing.assert_array_equal(pairs, expected)
    assert members.dtype == np.int64 and pairs.dtype == np.int64


def test_form_groups_limited_by_the_scarcer_group():
    members, pairs = form_groups(np.array([10, 11, 12, 13]), np.array([20, 21, 22]), 1, 2)
    np.testing.assert_array_equal(members, [10, 20, 21])  # 3 receiving members fill one group of 2
    np.testing.assert_array_equal(pairs, [[10, 20], [10, 21]])


def test_programme_block_carries_the_setting_and_starts_switched_off():
    block = programme_block("buddies", np.array([[0, 5], [1, 6]]), SettingParams(**SETTING), 0.2)
    np.testing.assert_allclose(block.conditions, [[0.6, 0.5, 0.4, 0.9]] * 2)
    np.testing.assert_allclose(block.rate, [2.0, 2.0])
    np.testing.assert_array_equal(block.source, [0, 1])
    np.testing.assert_array_equal(block.target, [5, 6])
    assert block.name == "buddies" and block.voluntary is False and not block.live.any()
    capped = programme_block("buddies", np.array([[0, 5]]), SettingParams(**SETTING), 0.5)
    assert capped.conditions[0, 3] == 1.0  # institutional support 0.7 + 0.5 capped at 1


def test_set_live_needs_a_session_and_both_people_enrolled():
    setting = SettingParams(**SETTING)
    block = programme_block("p", np.array([[0, 1], [0, 2], [3, 1]]), setting, 0.0)
    enrolled = np.array([True, True, False, True])
    set_live(block, enrolled, True, setting)
    np.testing.assert_array_equal(block.live, [True, False, True])
    np.testing.assert_allclose(block.rate, [2.0, 0.25, 2.0])  # session rate; the idle tie would meet as friends
    set_live(block, enrolled, False, setting)
    assert not block.live.any()


def test_friends_keep_meeting_outside_the_sessions():
    setting = SettingParams(**SETTING)
    block = programme_block("p", np.array([[0, 1], [0, 2], [3, 1]]), setting, 0.0)
    block.friend[:] = [True, True, False]
    enrolled = np.array([True, True, False, True])
    set_live(block, enrolled, True, setting)  # in session: enrolled pairs at the session rate, friends at theirs
    np.testing.assert_array_equal(block.live, [True, True, True])
    np.testing.assert_allclose(block.rate, [2.0, 0.25, 2.0])
    set_live(block, np.zeros(4, dtype=bool), False, setting)  # after the programme: friends only
    np.testing.assert_array_equal(block.live, [True, True, False])
    np.testing.assert_allclose(block.rate, [0.25, 0.25, 0.25])
    stopped = SettingParams(**{**SETTING, "friends_keep_meeting": 0.0})
    set_live(block, np.zeros(4, dtype=bool), False, stopped)  # 0: programme ties stop with the programme
    assert not block.live.any()


def information(**values) -> InformationParams:
    return InformationParams(**{**dict(belief_shift=0.25, contact_bonus=1.0), **values})


def test_mixed_groups_need_fewer_arriving_than_the_group_holds():
    groups = delivery(method="mixed_groups", buddy_targeting=None, group_size=4, arriving_per_group=4)
    with pytest.raises(InputError, match=r"\.delivery\.arriving_per_group: must be below group_size \(4\), got 4"):
        make_delivery("p", groups, 10, 20)
    make_delivery("p", replace(groups, arriving_per_group=3), 10, 20)
    with pytest.raises(InputError, match=r"\.delivery\.buddy_targeting: must be one of random, .*got 'loudest'"):
        make_delivery("p", delivery(buddy_targeting="loudest"), 10, 20)


# ---- delivery helpers -------------------------------------------------------------------------------
def people(**columns):
    return SimpleNamespace(**{name: np.array(values) for name, values in columns.items()})


def test_pick_random_takes_the_lowest_uniforms_among_candidates():
    candidates = np.array([True, True, False, True, True])
    u = np.array([0.9, 0.2, 0.0, 0.5, 0.1])
    np.testing.assert_array_equal(pick(candidates, 2, "random", None, u), [False, True, False, False, True])


@pytest.mark.parametrize("targeting, expected", [
    ("lowest_attitude", [True, False, False, True]),
    ("highest_attitude", [False, True, True, False]),
    ("highest_distress", [True, True, False, False]),
    ("lowest_language", [False, False, True, True]),
    ("highest_responsibility", [True, False, True, False]),
])
def test_pick_orders_by_the_targeting_key(targeting, expected):
    state = people(attitude=[10.0, 90.0, 50.0, 20.0], distress=[0.9, 0.8, 0.1, 0.2],
                   language=[0.9, 0.8, 0.1, 0.2], responsibility=[0.9, 0.1, 0.8, 0.2])
    chosen = pick(np.ones(4, dtype=bool), 2, targeting, state, np.array([0.1, 0.2, 0.3, 0.4]))
    np.testing.assert_array_equal(chosen, expected)


def test_no_outgroup_contact_picks_residents_without_any_contact_first_in_random_order():
    """Contact of any kind (an encounter this run, a contact history, a cross-group friend) puts a resident
    behind everyone without; among those without, the uniforms decide."""
    state = people(intergroup_contacts=[0, 3, 0, 0, 0], recent_encounters=[0.0, 0.0, 0.2, 0.0, 0.0],
                   outgroup_friends=[0, 0, 0, 1, 0])
    np.testing.assert_array_equal(had_outgroup_contact(state), [False, True, True, True, False])
    u = np.array([0.9, 0.0, 0.1, 0.2, 0.5])
    np.testing.assert_array_equal(pick(np.ones(5, dtype=bool), 2, "no_outgroup_contact", state, u),
                                  [True, False, False, False, True])
    np.testing.assert_array_equal(pick(np.ones(5, dtype=bool), 3, "no_outgroup_contact", state, u),
                                  [True, True, False, False, True])


def test_pick_breaks_key_ties_by_the_uniforms_and_caps_at_the_pool():
    state = people(attitude=[50.0, 50.0, 50.0])
    np.testing.assert_array_equal(pick(np.ones(3, dtype=bool), 1, "lowest_attitude", state, np.array([0.5, 0.1, 0.3])),
                                  [False, True, False])
    np.testing.assert_array_equal(pick(np.array([True, False, True]), 5, "random", state, np.zeros(3)),
                                  [True, False, True])
    assert not pick(np.ones(3, dtype=bool), 0, "random", state, np.zeros(3)).any()


@cache
def volunteering_params():
    """Composed once per process: configuration is not under mutation, so reusing it hides nothing."""
    return params_for("scenario=volunteering", "steps=20")


def delivery(**changes):
    return replace(volunteering_params().interventions["volunteering"].delivery, **changes)


def test_in_draw_order_orders_the_chosen_by_their_uniforms():
    chosen = np.array([True, False, True, True])
    np.testing.assert_array_equal(in_draw_order(chosen, np.array([0.5, 0.0, 0.9, 0.1])), [3, 0, 2])


def test_target_count_rounds_coverage_and_caps_by_capacity():
    assert target_count(90, delivery(coverage=0.25, capacity=None)) == 22  # round(22.5) to even
    assert target_count(90, delivery(coverage=0.3, capacity=None)) == 27
    assert target_count(90, delivery(coverage=0.3, capacity=27)) == 27
    assert target_count(90, delivery(coverage=0.3, capacity=10)) == 10


def test_coordination_widens_reach_cuts_dropout_and_adds_support():
    partnership = CoordinationParams(reach=0.5, retention=0.4, institutional_support=0.2)
    widened = coordinated(delivery(coverage=0.2, capacity=100, dropout=0.05), partnership)
    assert widened.coverage == pytest.approx(0.3)
    assert widened.capacity == 150
    assert widened.dropout == pytest.approx(0.03)
    assert boosted_support(0.0, partnership) == pytest.approx(0.2)
    assert boosted_support(0.9, partnership) == 1.0  # 0.9 + 0.2 capped at 1


def test_coordination_caps_coverage_and_keeps_no_capacity_unlimited():
    partnership = CoordinationParams(reach=0.5, retention=0.5, institutional_support=0.0)
    widened = coordinated(delivery(coverage=0.8, capacity=None, dropout=0.0), partnership)
    assert widened.coverage == 1.0
    assert widened.capacity is None
    rounded = coordinated(delivery(coverage=0.1, capacity=3), partnership)
    assert rounded.capacity == 4 and isinstance(rounded.capacity, int)  # round(4.5) to even


def test_build_interventions_applies_the_partnership_to_the_others_only():
    params = params_for("scenario=volunteering_coordinated")
    built = {i.name: i for i in build_interventions(params, 100)}
    programme = built["volunteering"]
    partnership = next(i for name, i in built.items() if name != "volunteering")
    plain = params.interventions["volunteering"].delivery
    assert programme.delivery.params == coordinated(plain, partnership.params)
    assert programme.delivery.support_boost == pytest.approx(partnership.params.institutional_support)


def test_active_and_session_weeks_follow_start_end_and_interval():
    programme = make_delivery("p", delivery(start_week=3, end_week=9, every_weeks=3), 10, 20)
    assert [week for week in range(1, 12) if programme.active(week)] == [3, 4, 5, 6, 7, 8, 9]
    assert [week for week in range(1, 12) if programme.session(week)] == [3, 6, 9]
    assert make_delivery("p", delivery(start_week=2, end_week=-1), 10, 20).end_week == 20  # -1: the last week


def test_cost_account_adds_fixed_weekly_and_participant_week_parts():
    c = volunteering_params().interventions["volunteering"].cost
    account = CostAccount(c)
    for participants in (10, 12, 8):
        account.count_week(participants)
    total = c.fixed + 3 * c.per_week + 30 * c.per_participant_week
    assert account.row("buddies", "volunteering", 3) == {
        "intervention": "buddies", "type": "volunteering", "currency": c.currency, "participants": 3,
        "participant_weeks": 30, "weeks_run": 3, "total_cost": total, "cost_per_participant": total / 3}
    assert np.isnan(CostAccount(c).row("buddies", "volunteering", 0)["cost_per_participant"])  # nobody reached


# ---- who a programme picks --------------------------------------------------------------------------
def test_co_creation_fills_each_side_of_its_groups_by_the_targeting_rule():
    """With targeting by lowest attitude, the arriving and the receiving members of the groups are the
    lowest-attitude eligible members of each group, as many as the groups hold."""
    model = BridgesModel(params_for("city.n_agents=1000", "city.n_neighbourhoods=8", "steps=6", "scenario=co_creation",
                                    "interventions.co_creation.delivery.targeting=lowest_attitude"))
    programme = model.interventions[0]
    groups = programme.delivery.params
    for _ in range(groups.start_week - 1):
        model.step()
    candidates = eligible(model.state, groups)  # the state the programme enrols from next week
    attitude = model.state.attitude.copy()
    model.step()
    n_groups = target_count(int(candidates.sum()), groups) // groups.group_size
    assert n_groups > 0
    for label, per_group in (("arriving", groups.arriving_per_group),
                             ("receiving", groups.group_size - groups.arriving_per_group)):
        members = candidates & (model.state.group == GROUPS.index(label))
        pool = np.flatnonzero(members)
        expected = pool[np.argsort(attitude[pool], kind="stable")][: n_groups * per_group]
        enrolled = np.flatnonzero(programme.ever_enrolled & (model.state.group == GROUPS.index(label)))
        np.testing.assert_array_equal(enrolled, np.sort(expected))


# ---- effects inside a running model -----------------------------------------------------------------
SMALL = ("city.n_agents=600", "city.n_neighbourhoods=6")


def test_structural_recognition_at_hazard_one_recognises_every_reached_qualified_member():
    model = BridgesModel(params_for(*SMALL, "steps=2", "scenario=structural",
                                    "interventions.structural.effect.recognition_hazard=1.0"))
    state = model.state
    facing = (state.education > EDUCATION_LEVELS.index("basic")) & ~state.qualification_recognised
    model.step()  # week 1: the policy reaches every arriving member and meets
    reached = model.interventions[0].enrolled
    assert (facing & reached).any()
    assert state.qualification_recognised[reached].all()


def test_unknown_anti_discrimination_layer_lists_the_known_ones():
    params = params_for("scenario=anti_discrimination")
    known = ", ".join(params.city.layers)
    with pytest.raises(InputError) as error:
        params_for("scenario=anti_discrimination", "interventions.anti_discrimination.effect.layers=[gym]")
    assert str(error.value) == (f"interventions.anti_discrimination.effect.layers: 'gym' is not a city layer "
                                f"(known: {known})")


def test_bad_partnership_effect_key_is_named_in_full():
    with pytest.raises(InputError) as error:
        params_for("scenario=volunteering_coordinated", "+interventions.coordination.effect.dose=2")
    assert str(error.value) == "interventions.coordination.effect.dose: unknown config key"


def test_eligibility_bounds_are_inclusive_on_both_ends():
    rules = replace(delivery().eligible, groups=["receiving"], neighbourhoods=[], attitude=[20.0, 50.0],
                    distress=[0.2, 0.6], employment="any")
    state = people(group=[0, 0, 0, 0, 0, 0], neighbourhood=[0] * 6, employed=[True] * 6,
                   attitude=[20.0, 50.0, 50.5, 19.5, 30.0, 30.0], distress=[0.3, 0.3, 0.3, 0.3, 0.2, 0.6])
    np.testing.assert_array_equal(eligible(state, delivery(eligible=rules)), [True, True, False, False, True, True])


def test_missing_delivery_option_is_named_with_its_method():
    groups = delivery(method="mixed_groups", buddy_targeting=None, group_size=None, arriving_per_group=2)
    with pytest.raises(InputError) as error:
        make_delivery("p", groups, 10, 20)
    assert str(error.value) == "interventions.p.delivery.group_size: missing value (needed by delivery method 'mixed_groups')"


def test_partnership_runs_from_its_start_week_to_its_end_week_inclusive():
    """A partnership ending before the run does (weeks 3-6 of 10) is active in exactly those weeks, ends
    included; its weeks run count them."""
    params = params_for("city.n_agents=300", "steps=10", "scenario=volunteering_coordinated",
                        "interventions.coordination.delivery.start_week=3", "interventions.coordination.delivery.end_week=6")
    partnership = next(i for i in build_interventions(params, 300) if isinstance(i, Partnership))
    assert [week for week in range(12) if partnership.active(week)] == [3, 4, 5, 6]
    for week in range(1, 11):
        partnership.deliver(SimpleNamespace(steps=week))
    assert partnership.costs()["weeks_run"] == 4


def test_missing_buddy_option_is_named_with_its_key():
    pairs = delivery(method="buddy_pairs", buddy_targeting=None, group_size=None, arriving_per_group=None)
    with pytest.raises(InputError) as error:
        make_delivery("p", pairs, 10, 20)
    assert str(error.value) == "interventions.p.delivery.buddy_targeting: missing value (needed by delivery method 'buddy_pairs')"


def test_partnership_refuses_an_entry_of_another_effect_kind():
    params = params_for("city.n_agents=300", "scenario=volunteering")
    with pytest.raises(InputError) as error:
        Partnership("volunteering", params.interventions["volunteering"], 10)
    assert str(error.value) == "interventions.volunteering.effect.kind: a partnership's effect kind is 'coordination'"


# ---- survivors of the full mutation run (docs/mutation.md, "revisited") --------------------------------
def entry(**changes):
    """The volunteering scenario's entry with these changes (the delivery's through `delivery(...)`)."""
    return replace(volunteering_params().interventions["volunteering"], **changes)


def test_partnership_with_the_last_week_as_its_end_runs_to_the_end_of_the_run():
    config = entry(type="coordination", delivery=delivery(start_week=3, end_week=LAST_WEEK),
                   effect={"kind": "coordination", "reach": 0.5, "retention": 0.5, "institutional_support": 0.1})
    partnership = Partnership("coordination", config, 10)
    assert partnership.end_week == 10
    assert [week for week in range(12) if partnership.active(week)] == [3, 4, 5, 6, 7, 8, 9, 10]


@pytest.mark.parametrize("employment, expected", [
    ("employed", [True, False, True, False]),
    ("not_employed", [False, True, False, True]),
    ("any", [True, True, True, True]),
])
def test_eligibility_by_employment(employment, expected):
    rules = replace(delivery().eligible, groups=["receiving"], neighbourhoods=[], attitude=[0.0, 100.0],
                    distress=[0.0, 1.0], employment=employment)
    state = people(group=[0, 0, 0, 0], neighbourhood=[0] * 4, employed=[True, False, True, False],
                   attitude=[50.0] * 4, distress=[0.5] * 4)
    np.testing.assert_array_equal(eligible(state, delivery(eligible=rules)), expected)


def test_a_delivery_before_its_start_has_nobody_enrolled_and_individual_enrolment_no_pairs():
    individual = make_delivery("p", delivery(method="individual", buddy_targeting=None), 5, 20)
    assert individual.enrolled.dtype == bool and individual.enrolled.shape == (5,) and not individual.enrolled.any()
    assert individual.pairs.dtype == np.int64 and individual.pairs.shape == (0, 2)


def test_unknown_delivery_method_lists_the_known_ones():
    with pytest.raises(InputError) as error:
        make_delivery("p", delivery(method="by_post"), 10, 20)
    assert str(error.value) == ("interventions.p.delivery.method: unknown delivery method 'by_post' "
                                "(known: individual, buddy_pairs, mixed_groups)")


def test_effect_kind_missing_or_unknown_is_named_with_the_known_ones():
    with pytest.raises(InputError) as error:
        make_effect("p", {"belief_shift": 0.2})
    assert str(error.value) == "interventions.p.effect.kind: missing value"
    with pytest.raises(InputError) as error:
        make_effect("p", {"kind": "magic"})
    assert str(error.value) == ("interventions.p.effect.kind: unknown effect 'magic' (known: contact_setting, "
                                "distress_relief, information, structural, anti_discrimination, coordination)")


def test_the_week_after_its_end_a_programme_applies_its_effect_to_nobody():
    """Anti-discrimination training ending in week 3: in week 4 everyone has left and the effect runs once more
    on the model with nobody enrolled, so no tie's negative encounters are cut."""
    config = entry(type="anti_discrimination", delivery=delivery(method="individual", buddy_targeting=None, end_week=3),
                   effect={"kind": "anti_discrimination", "negative_reduction": 0.3, "layers": ["workplace"]})
    programme = Programme("anti_discrimination", config, 3, 10)
    programme.delivery.enrolled = np.array([True, True, False])
    layers = list(volunteering_params().city.layers)
    ties = SimpleNamespace(layer=np.array([layers.index("workplace")] * 2), source=np.array([0, 2]), target=np.array([2, 1]),
                           negative_reduction=np.zeros(2))
    model = SimpleNamespace(steps=4, ties=ties, city=SimpleNamespace(network=SimpleNamespace(layer_names=layers)))
    programme.deliver(model)
    assert not programme.enrolled.any()
    np.testing.assert_array_equal(ties.negative_reduction, [0.0, 0.0])
