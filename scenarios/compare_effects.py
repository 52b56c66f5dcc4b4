"""The comparison's outcomes and its statistics: the per-resident outcomes and each programme's goal, paired
effects with t-intervals over replicates, effects for participants, non-participants and everyone with
their size in baseline SDs, in words."""

import numpy as np
import pandas as pd

from bridges.model.metrics import misperception_per_person

BASELINE = "baseline"
CONFIDENCE = 0.95
HEADLINE = "attitude_receiving"
"""The outcome scenarios are ranked on: receiving members' attitude, FOCUS's main concern."""


PERSON_OUTCOMES = {
    "attitude_receiving": ("receiving", lambda s: s.attitude, +1, "points (0-100)"),
    "attitude_arriving": ("arriving", lambda s: s.attitude, +1, "points (0-100)"),
    "outgroup_friends": (None, lambda s: s.outgroup_friends.astype(float), +1, "friendships per person"),
    "misperception": ("receiving", misperception_per_person, -1, "misperception (0-1)"),
    "distress": (None, lambda s: s.distress, -1, "distress (0-1)"),
    "distress_arriving": ("arriving", lambda s: s.distress, -1, "distress (0-1)"),
    "belonging": (None, lambda s: s.belonging, +1, "belonging (0-1)"),
    "employment_arriving": ("arriving", lambda s: 100.0 * s.employed, +1, "percentage points"),
    "legal_status_arriving": ("arriving", lambda s: 100.0 * ~s.legal_pending, +1, "percentage points"),
}
"""Per-resident outcomes: name -> (group, or None for everyone; value per resident; +1 if higher is
better, -1 if lower; unit). Each quantity keeps the one scale it has everywhere else (run reports,
timeseries, plots, the dashboard, the delivery's `eligible.distress`; README "Scales"): attitude in
thermometer points (0-100); misperception, distress and belonging on 0-1, so a 'point' of them is the
whole scale; employment and legal status as shares of 100 (percentage points), as run reports show them."""

def signed(value: float, unit: str) -> str:
    """An effect with its sign, to a precision that suits its unit: three decimals on a 0-1 scale (where a
    tenth of a point is a large change), two on 0-100 points and counts."""
    return f"{value:+.3f}" if unit.endswith("(0-1)") else f"{value:+.2f}"


def amount(value: float, unit: str) -> str:
    """A sum of points (person-points) to a precision that suits its unit: two decimals on a 0-1 scale, where
    a few hundred residents gain a few whole-scale points, none on 0-100 points."""
    return f"{value:,.2f}" if unit.endswith("(0-1)") else f"{value:,.0f}"


GOALS = {
    "mhpss": ["distress"],
    "information": ["misperception"],
    "structural": ["employment_arriving", "legal_status_arriving"],
    "volunteering": ["attitude_receiving", "attitude_arriving"],
    "co_creation": ["attitude_receiving", "attitude_arriving"],
    "anti_discrimination": ["attitude_arriving", "attitude_receiving"],
}
"""Each programme type's own aim, the outcome its value for money is judged on (FOCUS pillars)."""

WHO = ("participants", "non_participants", "population")

SIZE_WORDS = ("negligible", "small", "moderate", "large")


def t_interval(values: pd.Series) -> tuple[float, float, float]:
    """Mean and 95% t-interval of replicate values (NaN dropped)."""
    from scipy import stats  # here, not at import: a plain run reads this module's names only (bridges/cli.py)

    values = values.dropna()
    mean = float(values.mean()) if len(values) else np.nan
    if len(values) < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(values) - 1) * values.std() / np.sqrt(len(values)))
    return mean, mean - half, mean + half


def size_word(d: float, thresholds) -> str:
    """negligible / small / moderate / large for an effect of |d| baseline SDs."""
    if not np.isfinite(d):
        return "-"
    return SIZE_WORDS[int(np.searchsorted(np.asarray(thresholds), abs(d), side="right"))]


def certainty_word(low: float, high: float) -> str:
    """Whether the interval excludes zero, in words."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "-"
    return "interval excludes zero" if low > 0 or high < 0 else "interval includes zero"


def intervals_sentence(parameter_uncertainty: bool) -> str:
    """What the intervals cover, in one plain sentence."""
    if parameter_uncertainty:
        return (f"The {CONFIDENCE:.0%} intervals cover chance and parameter uncertainty: each replicate draws its "
                "parameters from the calibration posterior (the same draw for every scenario).")
    return (f"The {CONFIDENCE:.0%} intervals cover chance only (which residents meet, who takes part): the "
            "parameters are fixed, and most programme magnitudes are assumptions, so the true uncertainty is larger.")


def group_effects(groups: pd.DataFrame, thresholds) -> pd.DataFrame:
    """Per scenario, time point, outcome and group: n, effect with interval, baseline level and SD,
    effect in baseline SDs (d), relative change, size word and whether the interval excludes zero."""
    records = []
    for key, rows in groups.groupby(["scenario", "when", "step", "outcome", "who"], sort=False):
        estimate, low, high = t_interval(rows.effect)
        level, sd = float(rows.baseline_mean.mean()), float(rows.baseline_sd.mean())
        d = estimate / sd if sd > 0 else np.nan
        records.append(dict(zip(["scenario", "when", "step", "outcome", "who"], key)) | {
            "unit": PERSON_OUTCOMES[key[3]][3], "n": float(rows.n.mean()), "estimate": estimate, "ci_low": low,
            "ci_high": high, "baseline_mean": level, "baseline_sd": sd, "d": d,
            "d_low": low / sd if sd > 0 else np.nan, "d_high": high / sd if sd > 0 else np.nan,
            "relative_change": estimate / level if level else np.nan,
            "size": size_word(d, thresholds), "certainty": certainty_word(low, high)})
    return pd.DataFrame(records)


def paired_effects(replicates: pd.DataFrame) -> pd.DataFrame:
    """Scenario minus baseline per replicate and step, with mean and 95% t-interval."""
    from scipy import stats  # here, not at import: a plain run reads this module's names only (bridges/cli.py)

    wide = replicates.pivot_table(index=["outcome", "step", "replicate"], columns="scenario", values="value")
    differences = wide.sub(wide[BASELINE], axis=0).stack().rename("difference").reset_index()
    grouped = differences.groupby(["scenario", "outcome", "step"]).difference
    summary = grouped.agg(estimate="mean", sd="std", n="count").reset_index()
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, summary.n - 1) * summary.sd.fillna(0.0) / np.sqrt(summary.n)
    summary["ci_low"], summary["ci_high"] = summary.estimate - half, summary.estimate + half
    return summary
