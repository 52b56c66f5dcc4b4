"""Golden baseline: stored reference results that pin the model's behaviour exactly.

For a small city (tests/paired.py's CITY, 1,000 residents, 30 weeks: every programme enrols people and
runs from start to end), the baseline and one scenario per intervention type are run on two seeds; the full
timeseries, a summary of the virtual survey and the cost table must equal the files in tests/golden/
bit for bit (runs are byte-reproducible, so no tolerance is needed). When a timeseries differs, the
failure names the first week, group and metric that moved.

The runs come from the session's `city_runs` (tests/conftest.py), shared with the mechanisms-off and
directional tests: the city of a seed is built once and every arm runs on it, as scenario comparison
does. Each test computes its table from the finished model itself (mutmut credits a test only with the
code it calls, not with what a shared fixture computed for it).

A deliberate behaviour change regenerates the files (`make baseline`) in the same commit, and the
commit message says why. Files are stored and compared by pytest-regressions.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bridges.model.survey import SURVEY_ITEMS
from tests.conftest import SHARED_CITY

pytestmark = SHARED_CITY
GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = ("baseline", "volunteering", "co_creation", "mhpss", "information", "structural",
             "anti_discrimination", "volunteering_coordinated")
"""The baseline and one scenario per intervention type (coordination rides on volunteering)."""
SEEDS = (0, 1)
EXACT = {"rtol": 0.0, "atol": 0.0}


def golden_overrides(scenario: str) -> tuple[str, ...]:
    """The overrides of a golden case on top of tests/paired.py's CITY (the baseline is the default
    scenario: no override, so the case is the directional tests' baseline arm)."""
    return () if scenario == "baseline" else (f"scenario={scenario}",)


def survey_summary(survey: pd.DataFrame) -> pd.DataFrame:
    """Per wave and community: respondents, and each item's answered count, mean and spread."""
    rows = []
    for (step, community), answers in survey.groupby(["step", "community"], sort=True):
        row = {"step": step, "community": community, "respondents": len(answers)}
        for item in SURVEY_ITEMS:
            values = answers[item].dropna().astype(float)
            row |= {f"{item}_n": len(values), f"{item}_mean": values.mean() if len(values) else np.nan,
                    f"{item}_sd": values.std(ddof=0) if len(values) else np.nan}
        rows.append(row)
    return pd.DataFrame(rows)


def first_divergence(expected: pd.DataFrame, obtained: pd.DataFrame) -> str | None:
    """Where two tidy timeseries first part: the earliest week, then group and metric, or None."""
    key = ["step", "group", "metric"]
    both = expected.merge(obtained, on=key, how="outer", suffixes=("_expected", "_obtained"), indicator=True)
    moved = both[(both["_merge"] != "both")
                 | ~np.isclose(both.value_expected, both.value_obtained, equal_nan=True, **EXACT)]
    if moved.empty:
        return None
    first = moved.sort_values("step", kind="stable").iloc[0]
    if first["_merge"] != "both":
        where = "only in the stored file" if first["_merge"] == "left_only" else "new, not in the stored file"
        return f"week {first.step}, group {first.group}, metric {first.metric}: {where}"
    return (f"week {first.step}, group {first.group}, metric {first.metric} moved first: "
            f"expected {float(first.value_expected)!r}, got {float(first.value_obtained)!r} "
            f"({len(moved)} values differ in all)")


@pytest.fixture(scope="module", params=[(s, seed) for s in SCENARIOS for seed in SEEDS],
                ids=lambda case: f"{case[0]}-seed{case[1]}")
def golden_case(request, city_runs):
    scenario, seed = request.param
    return f"{scenario}-seed{seed}", city_runs.model(golden_overrides(scenario), seed)


def test_timeseries_matches_the_golden_baseline(golden_case, dataframe_regression, request):
    name, model = golden_case
    obtained = model.timeseries()
    stored = GOLDEN / f"{name}-timeseries.csv"
    if stored.exists() and not request.config.getoption("force_regen") and not request.config.getoption("regen_all"):
        moved = first_divergence(pd.read_csv(stored, index_col=0), obtained)
        assert moved is None, f"{name}: {moved} (a deliberate change regenerates tests/golden with `make baseline`)"
    dataframe_regression.check(obtained, fullpath=stored, default_tolerance=EXACT)


def test_survey_summary_matches_the_golden_baseline(golden_case, dataframe_regression):
    name, model = golden_case
    dataframe_regression.check(survey_summary(model.survey_table()), fullpath=GOLDEN / f"{name}-survey.csv",
                               default_tolerance=EXACT)


def test_costs_match_the_golden_baseline(golden_case, dataframe_regression):
    name, model = golden_case
    costs = model.intervention_costs()
    if costs.empty:  # the baseline has no programme: pin that as one explicit row
        costs = pd.DataFrame({"intervention": ["none"], "total_cost": [0.0]})
    dataframe_regression.check(costs, fullpath=GOLDEN / f"{name}-costs.csv", default_tolerance=EXACT)


def test_every_programme_in_the_golden_cases_enrols_people(city_runs):
    """Guard the golden cases themselves: a programme nobody joins would pin nothing."""
    for scenario in SCENARIOS[1:]:
        costs = city_runs.model(golden_overrides(scenario), SEEDS[0]).intervention_costs()
        reached = costs[costs.type != "coordination"]
        assert (reached.participants > 0).all(), f"{scenario}: a programme enrolled nobody in the golden city"


def test_first_divergence_names_week_group_and_metric():
    expected = pd.DataFrame({"step": [0, 0, 1, 1], "group": ["arriving", "receiving"] * 2,
                             "metric": ["attitude_mean"] * 4, "value": [1.0, 2.0, 3.0, 4.0]})
    obtained = expected.copy()
    assert first_divergence(expected, obtained) is None
    obtained.loc[3, "value"] = 4.0000000001
    obtained.loc[1, "value"] = 2.5
    assert first_divergence(expected, obtained).startswith("week 0, group receiving, metric attitude_mean moved first")
    assert "only in the stored file" in first_divergence(expected, expected.iloc[:3])
    assert "new, not in the stored file" in first_divergence(expected.iloc[:3], expected)
