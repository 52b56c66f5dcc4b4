"""Pattern-oriented validation (Grimm et al. 2005): run the default city and the site presets over several
seeds and report emergent patterns next to published figures. Nothing is fitted to these figures; the report
says where the model agrees and where it misses.

Per city and seed, all on common random numbers (same seed): a baseline year, the same year with a buddy
programme that ends half-way, with a co-creation project over the same weeks, with a buddy programme running all
year, with the information campaign, and a long baseline for drift.
"""

import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats

from bridges.model import run
from bridges.config import at_least, compose_config, config_groups, model_params, option_section, to_plain
from bridges.model.errors import InputError
from bridges.model.metrics import misperception_per_person
from bridges.model.params import GROUPS
from bridges.model.rules.generalisation import novelty
from bridges.model.simulation import build as build_model
from bridges.model.simulation import simulate, snapshots
from bridges.workers import exit_with_parent, interrupts_for_this_process_only, mark_driver

ALL_OFF = ("contact.incidental.enabled=false", "contact.partner.enabled=false", "contact.selection.enabled=false",
           "contact.generalisation.enabled=false", "contact.negativity.enabled=false",
           "dynamics.norms.enabled=false", "dynamics.threat.enabled=false",
           "dynamics.discrimination.enabled=false", "dynamics.variability.enabled=false",
           "dynamics.disposition.enabled=false", "dynamics.turnover.enabled=false")
"""Every switch added for issue 9, off: the model as it was before those mechanisms."""

SLOW_STATES = ("outgroup_friend_share", "positive_history", "discrimination", "distress", "belonging", "threat",
               "misperception", "tie_novelty")
"""States the drift run reads at week 0, after the first year and at its end: each should stay where the usual
contact holds it (docs/model.md 7.20); their changes show which one is formed out of equilibrium."""


PUBLISHED = {
    "contact_attitude_r": ("r about +0.21 (contact-prejudice r = -0.21); weaker for minorities (-0.18 vs -0.23)",
                           "Pettigrew & Tropp 2006; Tropp & Pettigrew 2005"),
    "positive_to_negative": ("about 3 : 1 (positive contact reported three times as often)",
                             "Graf, Paolini & Rubin 2014; Barlow et al. 2012"),
    "share_without_contact": ("no survey counterpart: no encounter of any kind over the run, brief passing ones "
                              "in public space included (compare share_never_in_survey)", "definition"),
    "share_never_in_survey": ("about half of residents have no contact with refugees (a survey answer)",
                              "Irastorza et al. (FOCUS-related survey, 16,000 people in 4 countries)"),
    "encounters_per_person": ("minority members have more contact per head; totals balance (Blau)",
                              "Blau 1977; FOCUS: arriving members report more contact"),
    "per_capita_ratio_vs_size_ratio": ("per-capita ratio arriving/receiving = receiving/arriving size ratio",
                                       "Blau 1977 (accounting identity for intergroup ties)"),
    "extended_contact_partial_r": ("positive, smaller than direct: r about 0.25 overall, holds with direct "
                                   "contact controlled", "Zhou et al. 2019 meta-analysis; Wright et al. 1997"),
    "programme_effect_sd_end": ("about 0.1 SD (preregistered trials); d about 0.4 (older RCTs)",
                                "preregistered contact meta-analysis 2025; Paluck, Green & Green 2019"),
    "programme_effect_sd_later": ("persists a month or more, with decay", "Lemmer & Wagner 2015"),
    "programme_effect_sd_year_after": ("smaller than at the end, still above 0 at follow-ups of months to a year",
                                       "Lemmer & Wagner 2015"),
    "information_belief_sd": ("beliefs move markedly", "Grigorieff, Roth & Ubfal 2020; Hopkins, Sides & Citrin 2019"),
    "information_attitude_sd": ("attitudes move far less than beliefs: near 0 for corrected group size (Hopkins et "
                                "al.); attitudes toward current immigrants improve after corrected characteristics, "
                                "lasting a month (Grigorieff et al.)",
                                "Hopkins, Sides & Citrin 2019; Grigorieff, Roth & Ubfal 2020"),
    "drift_points": ("near 0: a city without change should be near a steady state", "issue 9 (design requirement)"),
    "drift_points_se": ("(standard error of the drift over seeds' people: its sampling noise)", ""),
    "drift_points_first_year": ("near 0, as drift_points (its first 52 weeks)", "issue 9 (design requirement)"),
    **{f"{name}_{when}": (figure, "steady state of the usual contact (docs/model.md 7.20; issue 24)")
       for name in SLOW_STATES
       for when, figure in (("at_start", "(level at week 0)"),
                            ("change_first_year", "near 0 if formed at the steady state of the usual contact"),
                            ("change_run", "near 0 if formed at the steady state of the usual contact"))},
    "co_creation_effect_sd_end": ("as programme_effect_sd_end", "Paluck, Green & Green 2019; Lemmer & Wagner 2015"),
    "co_creation_effect_sd_later": ("persists with decay at follow-ups of a month or more; persists where contact "
                                    "continues", "Lemmer & Wagner 2015; Paluck, Green & Green 2019"),
    "co_creation_effect_sd_year_after": ("as programme_effect_sd_year_after", "Lemmer & Wagner 2015"),
    "programme_effect_kept_while_meeting": ("about 1: effects hold while the contact goes on (share of the largest "
                                            "weekly effect still there at the end of a year-long programme)",
                                            "Paluck, Green & Green 2019 (delayed outcomes); Pettigrew & Tropp 2006"),
    "extended_contact_survey_r": ("r = .25 [.22, .27]: cross-sectional correlation of a reported extended-contact "
                                  "measure with attitudes", "Zhou, Page-Gould, Aron, Moyer & Hewstone 2019 (248 "
                                  "effect sizes); measure as Wright et al. 1997, Turner et al. 2008"),
    "extended_contact_survey_partial_r": ("r = .17 [.14, .19] with direct friendship's contribution removed; larger "
                                          "for perceived than for actual extended contact", "Zhou et al. 2019"),
    "information_spillover_ratio": ("well below 1: attitudes spread 'inconsistently, and only to close friends' "
                                    "(behaviour spread further)", "Paluck 2011 (peer trainers' friends); Paluck, "
                                    "Shepherd & Aronow 2016 (norms spread through frequent interaction)"),
    "information_spillover_ratio_midway": ("as information_spillover_ratio, half-way through the campaign (week "
                                           "`programme_end`): peer studies read outcomes within the programme year",
                                           "Paluck 2011; Paluck, Shepherd & Aronow 2016"),
    "information_attitude_sd_friends": ("(effect on unreached friends of reached members: the ratio's numerator)",
                                        "Paluck 2011"),
    "information_attitude_sd_others": ("(effect on unreached members without a reached ingroup friend: what reaches "
                                       "them through neighbours and the group, not friends)", "Paluck 2011"),
    "contact_attitude_r_survey": ("r about +0.21 overall; weaker for minority (0.18) than majority members (0.23)",
                                  "Tropp & Pettigrew 2005; Pettigrew & Tropp 2006"),
    "share_never_time_together": ("about a fifth of refugees never spend time with Germans (2017; more in 2016)",
                                  "Siegert 2019 (BAMF Brief Analysis 4|2019, IAB-BAMF-SOEP refugee panel)"),
    "never_time_together_shared_housing": ("higher in shared accommodation than in private housing",
                                           "Siegert 2019; Brücker et al. 2016 (IAB-BAMF-SOEP)"),
    "never_time_together_private_housing": ("lower than in shared accommodation", "Siegert 2019 (IAB-BAMF-SOEP)"),
    "never_time_together_employed": ("lower with work: the workplace is the main place of contact",
                                     "Siegert 2019 (IAB-BAMF-SOEP)"),
    "never_time_together_not_employed": ("higher without work", "Siegert 2019 (IAB-BAMF-SOEP)"),
}
"""Pattern -> (published figure, source)."""
YEAR_FIELDS = ("group", "attitude", "intergroup_contacts", "positive_contacts", "negative_contacts",
               "extended_contacts", "outgroup_friends", "shared_housing", "employed")
"""Baseline states the year's patterns read at the end of the year (both runs then go on to a one-year follow-up
of the programme)."""


@dataclass(frozen=True)
class ValidateOptions:
    """The `validate:` section (conf/validate.yaml), checked by the schema's `build` (model/params.py)."""

    cities: list[str]
    seeds: int = field(metadata=at_least(1))
    weeks: int = field(metadata=at_least(2))
    programme_end: int = field(metadata=at_least(1))
    drift_weeks: int = field(metadata=at_least(1))
    include_all_off: bool
    jobs: int = field(metadata={"check": lambda value: None if value != 0 else "must be a non-zero integer "
                                                                             "(-1 = all cores)"})

    def __post_init__(self):
        available = config_groups().get("city", [])
        if not self.cities or any(city not in available for city in self.cities):
            raise InputError(f"validate.cities: must list cities from conf/city ({', '.join(available)}), "
                             f"got {self.cities!r}")
        if self.programme_end >= self.weeks:
            raise InputError(f"validate.programme_end: must be before validate.weeks ({self.weeks})")


def validate_options(plain: dict) -> ValidateOptions:
    """Validated `validate:` section: one line naming the first bad key."""
    return option_section(ValidateOptions, plain, "validate")


def city_params(overrides: list[str], city: str, variant: tuple[str, ...], *extra: str):
    """Validated parameters for one city and variant (the user's overrides, not validate.*, apply)."""
    base = [o for o in overrides if not o.lstrip("+~").startswith("validate.")]
    return model_params(to_plain(compose_config([*base, f"city={city}", *variant, *extra])))


def attitudes(model) -> np.ndarray:
    """Every resident's attitude now (a copy: the model goes on)."""
    return model.state.attitude.copy()


def standardised(values: np.ndarray, sd: float) -> float:
    return float(np.mean(values) / sd) if sd > 0 and len(values) else float("nan")


def partial_r(y: np.ndarray, x: np.ndarray, control: np.ndarray) -> float:
    """Correlation of y and x with `control` partialled out of both (least squares residuals)."""
    design = np.column_stack([np.ones(len(y)), control])
    if len(y) < 4 or np.std(x) == 0:
        return float("nan")
    resid = lambda v: v - design @ np.linalg.lstsq(design, v, rcond=None)[0]  # noqa: E731
    rx, ry = resid(x.astype(float)), resid(y.astype(float))
    return float(np.corrcoef(rx, ry)[0, 1]) if np.std(rx) > 0 and np.std(ry) > 0 else float("nan")


def extended_contact_survey(wave: pd.DataFrame) -> tuple[float, float]:
    """Extended contact measured as the meta-analysed studies measure it (Zhou et al. 2019), on one community's
    respondents in one wave (a cross-section): Pearson r of the answer to "How many of your [ingroup] friends
    have friends who are [outgroup]?" (extended_contact) with the thermometer answer, and its partial r with the
    answer to "How many of your close friends are [outgroup]?" (outgroup_friends, direct friendship) removed
    from both. Respondents who left any of the three unanswered are left out; NaN without variation."""
    answers = wave[["extended_contact", "outgroup_friends", "thermometer"]].dropna().astype(float)
    extended, direct, thermometer = (answers[item].to_numpy() for item in answers.columns)
    if len(answers) < 4 or np.std(extended) == 0 or np.std(thermometer) == 0:
        return float("nan"), float("nan")
    return float(np.corrcoef(extended, thermometer)[0, 1]), partial_r(thermometer, extended, direct)


def kept_share(weekly_effects: list[np.ndarray]) -> float:
    """The mean effect at the last week over the largest weekly mean effect: the share of a programme's lift still
    there at its end while its pairs keep meeting (1 = none lost; NaN without a positive effect)."""
    means = np.array([np.mean(effect) if effect.size else np.nan for effect in weekly_effects])
    peak = np.nanmax(means) if np.isfinite(means).any() else np.nan
    return float(means[-1] / peak) if peak > 0 else float("nan")


def unreached_friends(information, exposed: np.ndarray, group: int) -> np.ndarray:
    """Members of `group` the campaign never reached who have an ingroup friend it reached: where peer-influence
    studies look for spillover (Paluck 2011: the trained students' friends)."""
    reached = exposed & (information.state.group == group)
    has_reached_friend = np.asarray(information.ingroup_friends @ reached.astype(float)).ravel() > 0
    return has_reached_friend & ~exposed & (information.state.group == group)


def survey_contact_r(wave: pd.DataFrame) -> float:
    """Pearson r of the contact-frequency answer (1-5) with the thermometer answer among one wave's
    respondents who gave both, as a survey measures the contact-attitude link."""
    both = wave[["contact_frequency", "thermometer"]].dropna().astype(float)
    if len(both) < 3 or both.contact_frequency.std() == 0 or both.thermometer.std() == 0:
        return float("nan")
    return float(stats.pearsonr(both.contact_frequency, both.thermometer).statistic)


def time_together_patterns(wave: pd.DataFrame, year_end: SimpleNamespace) -> dict[str, float]:
    """Issue 24's 'who never meets': the share of arriving respondents answering "never" to the refugee
    panel's item (time_together) in one wave, overall and by their housing and work at the time of the wave
    (year_end: the state then, indexed by respondent id)."""
    answers = wave[wave.community == "arriving"].dropna(subset=["time_together"])
    ids = answers.respondent.to_numpy(dtype=np.int64)
    never = (answers.time_together == 1).to_numpy()

    def share(where: np.ndarray) -> float:
        return float(np.mean(never[where])) if where.any() else float("nan")

    housed, employed = year_end.shared_housing[ids], year_end.employed[ids]
    return {"share_never_time_together": share(np.ones(len(ids), dtype=bool)),
            "never_time_together_shared_housing": share(housed),
            "never_time_together_private_housing": share(~housed),
            "never_time_together_employed": share(employed),
            "never_time_together_not_employed": share(~employed)}


def city_patterns(overrides: list[str], city: str, variant_name: str, variant: tuple[str, ...], seed: int,
                  options: ValidateOptions) -> list[dict]:
    """Every pattern for one city, variant and seed: one row per (pattern, group)."""
    seed_key = f"seed={seed}"
    weeks = f"steps={options.weeks}"
    baseline, _ = build_model(city_params(overrides, city, variant, seed_key, weeks, "scenario=baseline"))
    state0 = baseline.state
    start_attitude = state0.attitude.copy()
    start_beliefs = misperception_per_person(state0)
    sd_start = {code: float(start_attitude[state0.group == code].std()) for code in range(len(GROUPS))}
    belief_sd = float(np.nanstd(start_beliefs))
    every_week = range(1, options.weeks + 1)
    on_week, baseline_at = snapshots(every_week, attitudes)
    simulate(baseline, on_week=on_week)
    on_week, programme_at = snapshots([options.programme_end], attitudes)
    programme = run(city_params(overrides, city, variant, seed_key, weeks, "scenario=volunteering",
                                f"interventions.volunteering.delivery.end_week={options.programme_end}"),
                    on_week=on_week).model
    on_week, information_at = snapshots([options.programme_end], attitudes)
    information = run(city_params(overrides, city, variant, seed_key, weeks, "scenario=information"),
                      on_week=on_week).model
    on_week, co_creation_at = snapshots([options.programme_end], attitudes)
    co_creation = run(city_params(overrides, city, variant, seed_key, weeks, "scenario=co_creation",
                                  "interventions.co_creation.delivery.start_week=1",
                                  f"interventions.co_creation.delivery.end_week={options.programme_end}"),
                      on_week=on_week).model
    on_week, year_long_at = snapshots(every_week, attitudes)  # a buddy programme over the whole run
    year_long = run(city_params(overrides, city, variant, seed_key, weeks, "scenario=volunteering",
                                f"interventions.volunteering.delivery.end_week={options.weeks}"),
                    on_week=on_week).model
    effect_end = programme_at[options.programme_end] - baseline_at[options.programme_end]
    co_creation_end = co_creation_at[options.programme_end] - baseline_at[options.programme_end]
    weekly_year_long = [year_long_at[week] - baseline_at[week] for week in every_week]
    effect_later = programme.state.attitude - baseline.state.attitude
    co_creation_later = co_creation.state.attitude - baseline.state.attitude
    participants = programme.interventions[0].ever_enrolled
    baseline_state_at_end = {name: getattr(baseline.state, name).copy() for name in YEAR_FIELDS}
    exposed = information.interventions[0].ever_enrolled

    rows = []

    def add(pattern, group, value):
        rows.append({"city": city, "variant": variant_name, "seed": seed, "pattern": pattern, "group": group,
                     "value": float(value)})

    s = SimpleNamespace(**baseline_state_at_end, misperception=misperception_per_person(baseline.state))
    year_after = options.programme_end + 52 - options.weeks  # weeks still to run for the one-year follow-up
    baseline.follow_up(year_after)  # past the configured weeks, as a follow-up
    programme.follow_up(year_after)
    co_creation.follow_up(year_after)
    effect_year_after = programme.state.attitude - baseline.state.attitude
    co_creation_year_after = co_creation.state.attitude - baseline.state.attitude
    sizes = {code: int(np.sum(s.group == code)) for code in range(len(GROUPS))}
    survey = baseline.survey_table()
    last_wave = survey[survey.step == options.weeks]
    per_capita = {}
    for code, label in enumerate(GROUPS):
        members = s.group == code
        contacts = s.intergroup_contacts[members]
        add("contact_attitude_r", label, stats.pearsonr(np.log1p(contacts), s.attitude[members]).statistic
            if np.std(contacts) > 0 else np.nan)
        negative = s.negative_contacts[members].sum()
        add("positive_to_negative", label, s.positive_contacts[members].sum() / negative if negative else np.nan)
        add("share_without_contact", label, np.mean(contacts == 0))
        answers = last_wave.contact_frequency[last_wave.community == label].dropna()
        add("share_never_in_survey", label, np.mean(answers == 1) if len(answers) else np.nan)
        per_capita[code] = contacts.mean() / options.weeks
        add("encounters_per_person", label, per_capita[code])
        add("extended_contact_partial_r", label,
            partial_r(s.attitude[members] - start_attitude[members], (s.extended_contacts[members] > 0).astype(float),
                      (s.outgroup_friends[members] > 0).astype(float)))
        took_part = participants & members
        add("programme_participants", label, took_part.sum())
        add("programme_effect_sd_end", label, standardised(effect_end[took_part], sd_start[code]))
        add("programme_effect_sd_later", label, standardised(effect_later[took_part], sd_start[code]))
        add("programme_effect_sd_year_after", label, standardised(effect_year_after[took_part], sd_start[code]))
        co_created = co_creation.interventions[0].ever_enrolled & members
        for name, effect in (("end", co_creation_end), ("later", co_creation_later),
                             ("year_after", co_creation_year_after)):
            add(f"co_creation_effect_sd_{name}", label, standardised(effect[co_created], sd_start[code]))
        add("programme_effect_kept_while_meeting", label,
            kept_share([effect[year_long.interventions[0].ever_enrolled & members] for effect in weekly_year_long]))
        survey_r, survey_partial_r = extended_contact_survey(last_wave[last_wave.community == label])
        add("extended_contact_survey_r", label, survey_r)
        add("extended_contact_survey_partial_r", label, survey_partial_r)
    receiving, arriving = GROUPS.index("receiving"), GROUPS.index("arriving")
    add("per_capita_ratio_vs_size_ratio", "arriving/receiving",
        (per_capita[arriving] / per_capita[receiving]) / (sizes[receiving] / sizes[arriving])
        if per_capita[receiving] > 0 and sizes[arriving] else np.nan)
    reached = exposed & (information.state.group == receiving)
    belief_change = misperception_per_person(information.state) - s.misperception
    add("information_belief_sd", "receiving", standardised(-belief_change[reached], belief_sd))
    add("information_attitude_sd", "receiving",
        standardised(information.state.attitude[reached] - s.attitude[reached], sd_start[receiving]))
    friends_reached = unreached_friends(information, exposed, receiving)
    on_friends = standardised(information.state.attitude[friends_reached] - s.attitude[friends_reached],
                              sd_start[receiving])
    add("information_attitude_sd_friends", "receiving", on_friends)
    others = ~exposed & ~friends_reached & (information.state.group == receiving)
    add("information_attitude_sd_others", "receiving",
        standardised(information.state.attitude[others] - s.attitude[others], sd_start[receiving]))
    on_reached = standardised(information.state.attitude[reached] - s.attitude[reached], sd_start[receiving])
    add("information_spillover_ratio", "receiving", on_friends / on_reached if on_reached else np.nan)
    midway = information_at[options.programme_end] - baseline_at[options.programme_end]
    on_reached_midway = standardised(midway[reached], sd_start[receiving])
    add("information_spillover_ratio_midway", "receiving",
        standardised(midway[friends_reached], sd_start[receiving]) / on_reached_midway if on_reached_midway else np.nan)

    drift, _ = build_model(city_params(overrides, city, variant, seed_key, f"steps={options.drift_weeks}",
                                       "scenario=baseline"))
    start_views, start_states = drift.state.attitude.copy(), slow_states(drift)
    first_year = min(52, options.drift_weeks)
    on_week, year_states = snapshots([first_year], lambda model: (model.state.attitude.copy(), slow_states(model)))
    simulate(drift, on_week=on_week)
    year_views, year_slow = year_states[first_year]
    for code, label in enumerate(GROUPS):
        members = drift.state.group == code
        change = drift.state.attitude[members] - start_views[members]
        add("drift_points", label, change.mean())
        add("drift_points_se", label, change.std(ddof=1) / np.sqrt(change.size))
        add("drift_points_first_year", label, np.mean(year_views[members] - start_views[members]))
    end_states = slow_states(drift)
    for (name, label), start in start_states.items():
        add(f"{name}_at_start", label, start)
        add(f"{name}_change_first_year", label, year_slow[name, label] - start)
        add(f"{name}_change_run", label, end_states[name, label] - start)
    for label in GROUPS:
        add("contact_attitude_r_survey", label, survey_contact_r(last_wave[last_wave.community == label]))
    for pattern, value in time_together_patterns(last_wave, s).items():
        add(pattern, "arriving", value)
    return rows


def slow_states(model) -> dict[tuple[str, str], float]:
    """Group means of the states in SLOW_STATES now: the share with a cross-group friend, the running weekly
    positive encounters, experienced discrimination (arriving), distress, belonging, perceived threat
    (receiving), belief misperception (receiving), and (group "ties") the mean novelty of a further meeting on a
    city tie, 1 / (1 + meetings / half_familiar) (model/rules/generalisation.py): how far it carries to the group."""
    state = model.state
    values = {}
    for code, label in enumerate(GROUPS):
        members = state.group == code
        if not members.any():
            continue
        values["outgroup_friend_share", label] = float(np.mean(state.outgroup_friends[members] > 0))
        for name in ("positive_history", "distress", "belonging", "threat"):
            held = getattr(state, name)[members]
            if np.isfinite(held).any():  # threat is receiving members' only (NaN for arriving members)
                values[name, label] = float(np.nanmean(held))
    arriving = state.group == GROUPS.index("arriving")
    if arriving.any():
        values["discrimination", "arriving"] = float(np.mean(state.discrimination[arriving]))
    gaps = misperception_per_person(state)
    if np.isfinite(gaps).any():
        values["misperception", "receiving"] = float(np.nanmean(gaps))
    if len(model.ties.met):
        values["tie_novelty", "ties"] = float(np.mean(novelty(model.ties.met, model.params.contact.generalisation)))
    return values


def summary_table(patterns: pd.DataFrame) -> pd.DataFrame:
    """Mean, min and max over seeds per city, variant, pattern and group."""
    return (patterns.groupby(["city", "variant", "pattern", "group"], sort=False).value
            .agg(mean="mean", low="min", high="max").reset_index())


def report(summary: pd.DataFrame, options: ValidateOptions, seconds: float) -> str:
    lines = ["# Bridges pattern-oriented validation", "",
             f"Cities {', '.join(options.cities)}; {options.seeds} seeds each; {options.weeks}-week runs (buddy "
             f"programme weeks 1-{options.programme_end}, read at week {options.programme_end} and week "
             f"{options.weeks}); drift over {options.drift_weeks} weeks without any programme. "
             f"{seconds:.0f} s.", "",
             "Model values are means over seeds (min-max in brackets). The published column gives the figure the "
             "literature reports and its source; nothing in the model was fitted to it (Grimm et al. 2005). "
             "Contact-attitude r: Pearson r of log(1 + encounters over the run) with the final thermometer. "
             "Share never in survey: respondents of the last survey wave answering 'never' to the contact item "
             "(recent encounters below the lowest cut point, as a survey asks); share without contact: no "
             "encounter at all over the run. "
             "Extended contact: partial r of attitude change with having an ingroup friend who has an outgroup "
             "friend, direct cross-group friendship partialled out. Programme and information effects: paired "
             "differences from the same seed without the programme, on participants, in SD of the group's "
             "initial attitude (beliefs: reduction of misperception in SD of initial misperception). "
             "Co-creation: the same, for the co-creation project over the buddy programme's weeks. Kept while "
             "meeting: a buddy programme running the whole run, its participants' mean effect at the end over the "
             "largest weekly mean effect. Extended contact (survey): in the last week, r of the banded answer to "
             "'How many of your [ingroup] friends have [outgroup] friends?' (none, one, 2-5, 6-10, more) with the "
             "thermometer, and its partial r with the banded number of one's own cross-group friends removed. "
             "Information spillover: the campaign's attitude effect on receiving members it never reached who have "
             "an ingroup friend it reached, over its effect on those reached, at the end of the run and half-way "
             "(week programme_end); 'others': its effect on unreached members without a reached friend. "
             "Contact-attitude r (survey): Pearson r of the last wave's contact-frequency answer with its "
             "thermometer answer. Never time together: arriving respondents of the last wave answering 'never' to "
             "the refugee panel's item 'How often do you spend time with {outgroup}?' (encounters on ties, not "
             "passing ones in public space), overall and by their housing and work then. Slow states (drift run): "
             "group means at week 0 (`_at_start`) and their change over the first 52 weeks and the whole run of a "
             "city with no programme; a state formed at the steady state of the usual contact stays put. "
             "tie_novelty: mean over city ties of how far a further meeting carries to the group, "
             "1 / (1 + meetings / half_familiar).", ""]
    for (city, variant), table in summary.groupby(["city", "variant"], sort=False):
        lines += [f"## {city} ({variant})", "", "| pattern | group | model | published | source |", "|---|---|---|---|---|"]
        for row in table.itertuples():
            figure, source = PUBLISHED.get(row.pattern, ("", ""))
            value = f"{row.mean:.3g} [{row.low:.3g}, {row.high:.3g}]" if np.isfinite(row.mean) else "-"
            lines.append(f"| {row.pattern} | {row.group} | {value} | {figure} | {source} |")
        lines.append("")
    return "\n".join(lines)


def run_validation(plain: dict, overrides: list[str], folder: Path) -> str:
    """Run every city, seed and variant; write patterns.csv, summary.csv and report.md; return the report."""
    options = validate_options(plain)
    variants = {"mechanisms on": ()} | ({"all issue-9 mechanisms off": ALL_OFF} if options.include_all_off else {})
    for city in options.cities:  # validate every configuration before any work
        for variant in variants.values():
            city_params(overrides, city, variant)
    seed = int(plain["seed"])
    started = time.perf_counter()
    tasks = [(city, name, variant, seed + r) for city in options.cities for name, variant in variants.items()
             for r in range(options.seeds)]
    mark_driver()
    with interrupts_for_this_process_only():
        results = Parallel(n_jobs=options.jobs, initializer=exit_with_parent)(
            delayed(city_patterns)(overrides, city, name, variant, s, options) for city, name, variant, s in tasks)
    patterns = pd.DataFrame([row for rows in results for row in rows])
    summary = summary_table(patterns)
    patterns.to_csv(folder / "patterns.csv", index=False)
    summary.to_csv(folder / "summary.csv", index=False)
    text = report(summary, options, time.perf_counter() - started)
    (folder / "report.md").write_text(text)
    return text
