"""Summary statistics of a survey table, the same for real data and the model's virtual survey.

One function, `summarise`, turns a table in the survey schema (docs/survey_schema.md; optional `weight`
column) into named aggregates per wave and community. Calibration compares these, never microdata, and
only these reach an output folder.
"""

import numpy as np
import pandas as pd

from bridges.model.survey import SURVEY_ITEMS

FREQUENCY_CODES = range(SURVEY_ITEMS["contact_frequency"].low, SURVEY_ITEMS["contact_frequency"].high + 1)
LEVEL_ITEMS = ("contact_quality", "anxiety", "trust", "belonging", "distress")
"""Items summarised by their (weighted) mean."""
TRUTH_TOPICS = ("education", "employment")
"""Perceived shares whose gap to the true share is a statistic (the true share comes from the city)."""


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    return float(np.sum(weights * values) / np.sum(weights)) if np.sum(weights) > 0 else np.nan


def _weighted_sd(values: np.ndarray, weights: np.ndarray) -> float:
    mean = _weighted_mean(values, weights)
    return float(np.sqrt(_weighted_mean((values - mean) ** 2, weights))) if np.isfinite(mean) else np.nan


def _weighted_corr(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    """Weighted Pearson correlation over rows where both are present; 0 when either does not vary
    (no association can be seen), NaN with fewer than 3 such rows."""
    both = ~(np.isnan(x) | np.isnan(y))
    if both.sum() < 3:
        return np.nan
    x, y, w = x[both], y[both], weights[both]
    sx, sy = _weighted_sd(x, w), _weighted_sd(y, w)
    if sx == 0 or sy == 0:
        return 0.0
    covariance = _weighted_mean((x - _weighted_mean(x, w)) * (y - _weighted_mean(y, w)), w)
    return float(covariance / (sx * sy))


def _column(table: pd.DataFrame, item: str) -> np.ndarray:
    if item not in table:
        return np.full(len(table), np.nan)
    return table[item].to_numpy(dtype=np.float64, na_value=np.nan)


def _statistics(table: pd.DataFrame, truth: dict[str, float]) -> dict[str, tuple[float, int]]:
    """Every statistic of `summarise` with the number of respondents it is computed from."""
    statistics = {}
    for (step, community), part in table.groupby(["step", "community"], sort=True):
        prefix = f"w{int(step)}.{community}."
        weights = part["weight"].to_numpy(dtype=np.float64) if "weight" in part else np.ones(len(part))

        def mean_of(item: str) -> tuple[float, int]:
            values = _column(part, item)
            present = ~np.isnan(values)
            n = int(present.sum())
            return (_weighted_mean(values[present], weights[present]) if n else np.nan), n

        if "thermometer" in part:
            thermometer = _column(part, "thermometer")
            present = ~np.isnan(thermometer)
            n = int(present.sum())
            statistics[prefix + "thermometer_mean"] = mean_of("thermometer")
            statistics[prefix + "thermometer_sd"] = (_weighted_sd(thermometer[present], weights[present])
                                                     if n else np.nan), n
        if "contact_frequency" in part:
            frequency = _column(part, "contact_frequency")
            present = ~np.isnan(frequency)
            n = int(present.sum())
            for code in FREQUENCY_CODES:
                statistics[prefix + f"frequency_{code}"] = (
                    _weighted_mean((frequency[present] == code).astype(float), weights[present]) if n else np.nan), n
        for item in LEVEL_ITEMS:
            if item in part:
                statistics[prefix + f"{item.removeprefix('contact_')}_mean"] = mean_of(item)
        for item, name in (("contact_frequency", "contact_thermometer_corr"),
                           ("contact_quality", "quality_thermometer_corr")):
            if item in part and "thermometer" in part:
                x, y = _column(part, item), _column(part, "thermometer")
                statistics[prefix + name] = (_weighted_corr(x, y, weights), int((~(np.isnan(x) | np.isnan(y))).sum()))
        if community == "receiving":
            for topic in TRUTH_TOPICS:
                if f"perceived_{topic}" in part and topic in truth:
                    value, n = mean_of(f"perceived_{topic}")
                    statistics[prefix + f"gap_{topic}"] = value - truth[topic], n
            if "perceived_welfare" in part:
                statistics[prefix + "welfare_mean"] = mean_of("perceived_welfare")
    return statistics


def summarise(table: pd.DataFrame, truth: dict[str, float] | None = None) -> pd.Series:
    """Named statistics `w<step>.<community>.<statistic>` of a survey table, weighted by its `weight`
    column if any. Per wave and community, where the items are present:
    thermometer_mean/_sd; frequency_<code> = share answering each contact-frequency code 1-5;
    <item>_mean for contact quality, anxiety, trust, belonging, distress; contact_thermometer_corr and
    quality_thermometer_corr (weighted Pearson); for receiving respondents gap_<topic> = mean perceived
    share minus `truth[topic]` (percent) and welfare_mean. A statistic without any answers is NaN."""
    return pd.Series({name: value for name, (value, _) in _statistics(table, truth or {}).items()}, dtype=np.float64)


def respondent_counts(table: pd.DataFrame, truth: dict[str, float] | None = None) -> pd.Series:
    """How many respondents each statistic of `summarise` is computed from (both items answered, for a
    correlation): the disclosure check's counts."""
    return pd.Series({name: n for name, (_, n) in _statistics(table, truth or {}).items()}, dtype=np.int64)


def true_shares(city: dict) -> dict[str, float]:
    """The arriving community's true shares [%] from a plain city config: the reference of the
    misperception gaps."""
    arriving = city["groups"]["arriving"]
    return {"education": 100.0 * arriving["education"]["higher"], "employment": 100.0 * arriving["employed"]}
