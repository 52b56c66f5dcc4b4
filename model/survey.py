"""A virtual survey: sampled respondents answer FOCUS-style items from their state, and real survey files
in the same schema are read and checked, so model and data can be compared item by item.

The schema, the question wording and how each answer is derived are in docs/survey_schema.md.
"""

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bridges.model.errors import InputError
from bridges.model.input_files import csv_text, read_bytes
from bridges.model.params_survey import SurveyParams
from bridges.model.ranges import GROUPS, MAX_STEPS


# ---- the schema -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemSpec:
    """One survey item: FOCUS-style wording ({outgroup} = the other community), what it measures, its
    allowed integer range, answer labels of codes low..high (empty = numeric answer) and who answers."""

    question: str
    description: str
    low: int
    high: int
    labels: tuple[str, ...] = ()
    answered_by: tuple[str, ...] = GROUPS
    dtype: str = "Int64"


_AGREE = ("not at all", "a little", "somewhat", "quite a lot", "very much")
_PERCENT = "Out of every 100 refugees living in [country], how many do you think {}?"
SURVEY_ITEMS: dict[str, ItemSpec] = {
    "contact_frequency": ItemSpec(
        "How often do you have contact with {outgroup}, for example talking to them?",
        "recent intergroup encounters per week, cut at survey.frequency_cutoffs", 1, 5,
        ("never", "less than monthly", "monthly", "weekly", "daily")),
    "contact_quality": ItemSpec(
        "In general, how negative or positive is your contact with {outgroup}? (asked if any contact)",
        "1 + 4 x positive share of all intergroup encounters so far; missing if none", 1, 5,
        ("very negative", "somewhat negative", "neither", "somewhat positive", "very positive")),
    "thermometer": ItemSpec(
        "On a scale from 0 (very cold) to 100 (very warm), how do you feel towards {outgroup}?",
        "feeling thermometer: attitude toward the other community", 0, 100),
    "anxiety": ItemSpec("How anxious or uneasy would you feel when meeting {outgroup}?",
                        "intergroup anxiety", 1, 5, _AGREE),
    "trust": ItemSpec("How much do you trust {outgroup}?", "outgroup trust", 1, 5, _AGREE),
    "belonging": ItemSpec("How strongly do you feel you belong to the community where you live?",
                          "sense of belonging", 1, 5, _AGREE),
    "distress": ItemSpec(
        "During the past 30 days, how often did you feel nervous, hopeless or down?",
        "psychological distress", 1, 5,
        ("none of the time", "a little of the time", "some of the time", "most of the time", "all of the time")),
    "perceived_education": ItemSpec(_PERCENT.format("have a university or college education"),
                                    "perceived share of arriving members with higher education [%]", 0, 100,
                                    answered_by=("receiving",)),
    "perceived_employment": ItemSpec(_PERCENT.format("are employed"),
                                     "perceived share of arriving members in work [%]", 0, 100,
                                     answered_by=("receiving",)),
    "perceived_welfare": ItemSpec(_PERCENT.format("receive welfare benefits"),
                                  "perceived share of arriving members on welfare [%]", 0, 100,
                                  answered_by=("receiving",)),
    "experienced_discrimination": ItemSpec(
        "In the past 12 months, how often have you been treated unfairly because of your origin?",
        "1 + 4 x experienced discrimination (dynamics.discrimination)", 1, 5,
        ("never", "rarely", "sometimes", "often", "very often"), answered_by=("arriving",)),
    "perceived_variability": ItemSpec(
        "How different from one another are {outgroup}, in your view?",
        "1 + 4 x perceived outgroup variability (dynamics.variability)", 1, 5,
        ("all alike", "a little different", "somewhat different", "quite different", "very different")),
    "time_together": ItemSpec(
        "How often do you spend time with {outgroup}?",
        "the refugee panel's item (IAB-BAMF-SOEP; Siegert 2019): recent intergroup encounters on ties per week "
        "(public passing encounters left out), cut at survey.time_cutoffs", 1, 6,
        ("never", "less often", "every month", "every week", "several times a week", "every day"),
        answered_by=("arriving",)),
    "outgroup_friends": ItemSpec(
        "How many of your close friends are {outgroup}?",
        "cross-group friendships (dynamics.friendship), banded at FRIEND_BANDS", 1, 5,
        ("none", "one", "two to five", "six to ten", "more than ten")),
    "extended_contact": ItemSpec(
        "How many of your {ingroup} friends have friends who are {outgroup}?",
        "extended contact (Wright et al. 1997; Turner et al. 2008): ingroup friends with a cross-group friend, "
        "banded at FRIEND_BANDS", 1, 5,
        ("none", "one", "two to five", "six to ten", "more than ten")),
}
FRIEND_BANDS = (1, 2, 6, 11)
"""Lowest count of each answer above "none" to the friendship items (outgroup_friends, extended_contact): none, one,
two to five, six to ten, more than ten, the count format of Wright et al. 1997 and Turner et al. 2008."""
SURVEY_COLUMNS: tuple[str, ...] = ("step", "community", "respondent", *SURVEY_ITEMS)
DTYPES = {"step": "int64", "community": "str", "respondent": "Int64",
          **{name: spec.dtype for name, spec in SURVEY_ITEMS.items()}}
"""pandas dtype of every column, for model output and files read alike."""

MAX_RESPONDENT_ID = 2**53 - 1
"""Largest respondent id read from a file: whole numbers beyond it are not exact as floats."""

PEOPLE_KEYS = ("group", "id", "attitude", "anxiety", "trust", "distress", "belonging", "recent_encounters",
               "positive_contacts", "negative_contacts", "belief_education", "belief_employment",
               "belief_welfare", "discrimination", "variability", "recent_time_together", "outgroup_friends",
               "extended_contacts")


# ---- fielding the survey --------------------------------------------------------------------------
def _answer(value: np.ndarray, sd: float, item: str, rng: np.random.Generator) -> pd.arrays.IntegerArray:
    """Value + normal noise, rounded half up and clipped to the item's range; NaN becomes missing.
    Noise is drawn for every respondent whatever `sd`, so the stream's use never depends on it."""
    spec = SURVEY_ITEMS[item]
    answer = np.floor(value + sd * rng.standard_normal(len(value)) + 0.5)
    return whole_numbers(np.clip(answer, spec.low, spec.high))


def whole_numbers(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole-number floats as pandas' nullable integers, NaN missing: what `pd.array(values, dtype="Int64")`
    makes, built directly (a survey wave makes thirteen; pandas' own conversion is most of the wave's cost)."""
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0.0, values).astype(np.int64), missing)


def time_answer(rate: np.ndarray, cuts: list[float]) -> np.ndarray:
    """The time-together answer code, 1 (never) .. 6 (every day): one plus the number of cut points at or
    below the recent rate of time spent together."""
    return 1.0 + np.searchsorted(cuts, rate, side="right")


def friend_count_answer(count: np.ndarray) -> np.ndarray:
    """A friendship count as the answer code 1 (none) .. 5 (more than ten): one plus the number of FRIEND_BANDS at
    or below it."""
    return 1.0 + np.searchsorted(FRIEND_BANDS, count, side="right")


def field_survey(people: Mapping[str, np.ndarray], week: int, params: SurveyParams,
                 rng: np.random.Generator) -> pd.DataFrame:
    """Sample up to `params.respondents[label]` members of each community without replacement (all if
    fewer) and return their answers: one row per respondent, columns SURVEY_COLUMNS, dtypes DTYPES."""
    missing = [key for key in PEOPLE_KEYS if key not in people]
    if missing:
        raise KeyError(f"field_survey: people lacks {', '.join(missing)}")
    group = np.asarray(people["group"])
    chosen = []
    for code, label in enumerate(GROUPS):
        members = np.flatnonzero(group == code)
        size = params.respondents.get(label, 0)
        if size < len(members):
            members = np.sort(rng.choice(members, size=size, replace=False))
        chosen.append(members)
    rows = np.concatenate(chosen).astype(np.int64)

    def state(key: str) -> np.ndarray:
        return np.asarray(people[key], dtype=np.float64)[rows]

    noise, cuts = params.response_noise, params.frequency_cutoffs
    rate = state("recent_encounters")
    frequency = 1.0 + np.searchsorted([cuts.less_than_monthly, cuts.monthly, cuts.weekly, cuts.daily],
                                      rate, side="right")
    positive, total = state("positive_contacts"), state("positive_contacts") + state("negative_contacts")
    share = np.divide(positive, total, out=np.full(len(rows), np.nan), where=total > 0)
    arriving = group[rows] == GROUPS.index("arriving")
    answers = {
        "contact_frequency": whole_numbers(np.where(np.isnan(rate), np.nan, frequency)),
        "contact_quality": _answer(1 + 4 * share, noise.contact_quality, "contact_quality", rng),
        "thermometer": _answer(state("attitude"), noise.thermometer, "thermometer", rng),
    }
    for item in ("anxiety", "trust", "belonging", "distress"):
        answers[item] = _answer(1 + 4 * state(item), noise.likert, item, rng)
    for topic in ("education", "employment", "welfare"):
        belief = np.where(arriving, np.nan, 100 * state(f"belief_{topic}"))
        answers[f"perceived_{topic}"] = _answer(belief, noise.perceived, f"perceived_{topic}", rng)
    discrimination = np.where(arriving, 1 + 4 * state("discrimination"), np.nan)
    answers["experienced_discrimination"] = _answer(discrimination, noise.likert, "experienced_discrimination", rng)
    answers["perceived_variability"] = _answer(1 + 4 * state("variability"), noise.likert, "perceived_variability", rng)
    answers["time_together"] = whole_numbers(np.where(arriving, time_answer(state("recent_time_together"),
                                                                            params.time_cutoffs.cuts()), np.nan))
    answers["outgroup_friends"] = whole_numbers(friend_count_answer(state("outgroup_friends")))
    answers["extended_contact"] = whole_numbers(friend_count_answer(state("extended_contacts")))
    columns = {
        "step": np.full(len(rows), int(week), dtype=np.int64),
        "community": pd.Series(np.asarray(GROUPS, dtype=object)[group[rows].astype(np.int64)], dtype="str"),
        "respondent": pd.arrays.IntegerArray(np.asarray(people["id"])[rows].astype(np.int64), np.zeros(len(rows), bool)),
        **answers,
    }
    return pd.DataFrame({column: columns[column] for column in SURVEY_COLUMNS})  # in order: no reindexing copy


# ---- reading real survey files --------------------------------------------------------------------
def _fail(name: str, row: int, column: str, text: str):
    raise InputError(f"{name} row {row + 1}, column {column}: {text}")


def _show(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _integers(raw: pd.Series, name: str, column: str, low, high, required: bool) -> np.ndarray:
    """Whole numbers in [low, high] as floats (NaN = missing), or InputError at the first bad row.
    True/false and date columns (possible in parquet) are refused, not read as 1/0 or nanoseconds."""
    if pd.api.types.is_bool_dtype(raw.dtype) or not (pd.api.types.is_numeric_dtype(raw.dtype)
                                                      or pd.api.types.is_string_dtype(raw.dtype)
                                                      or pd.api.types.is_object_dtype(raw.dtype)):
        raise InputError(f"{name}, column {column}: holds {raw.dtype} values, not whole numbers")
    kinds = {type(value) for value in raw.dropna()}
    if not kinds <= {str, int, float} and not pd.api.types.is_numeric_dtype(raw.dtype):
        raise InputError(f"{name}, column {column}: holds {', '.join(sorted(k.__name__ for k in kinds))} values, "
                         "not whole numbers")
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    present = raw.notna().to_numpy()
    limits = f"range {low}-{high}" if high is not None else f"range (must be {low} or more)"
    for row in np.flatnonzero(present & np.isnan(values)):
        _fail(name, row, column, f"{raw.iloc[row]!r} is not a number")
    for row in np.flatnonzero(~present) if required else ():
        _fail(name, row, column, "missing value (this column is required)")
    for row in np.flatnonzero(present):
        value = values[row]
        if not float(value).is_integer():
            _fail(name, row, column, f"{_show(value)} is not a whole number")
        if (low is not None and value < low) or (high is not None and value > high):
            _fail(name, row, column, f"{_show(value)} is out of {limits}")
    return values


def read_survey(path: str) -> pd.DataFrame:
    """Read a real survey file in this schema (.csv or .parquet) and check it; rows are numbered from 1
    at the first data row. Returns the file's schema columns in SURVEY_COLUMNS order, dtypes DTYPES."""
    name = str(path)
    suffix = Path(name).suffix.lower()
    if suffix in (".sav", ".dta"):
        raise InputError(f"{name}: reading {suffix} files needs pyreadstat, which Bridges does not install; "
                         "export the file to .csv or .parquet")
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"{name}: unsupported survey file type {suffix or '(none)'}; use .csv or .parquet")
    if not Path(name).exists() and not Path(name).is_symlink():
        raise InputError(f"{name}: no such file")
    content = read_bytes(name)
    try:
        if suffix == ".csv":
            raw = pd.read_csv(io.StringIO(csv_text(name, content), newline=""), dtype=str, skipinitialspace=True,
                              index_col=False)
        else:
            raw = pd.read_parquet(io.BytesIO(content))
    except InputError:
        raise
    except Exception as error:  # parser messages vary; keep their first line
        raise InputError(f"{name}: cannot read as {suffix[1:]}: {' '.join(str(error).split())}") from None
    return check_survey(raw, name)


def check_survey(raw: pd.DataFrame, name: str, shown: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Check a table in this schema read from file `name` (rows numbered from 1 at the first data row);
    `shown` names a schema column as the user's file calls it in messages. Returns the schema columns in
    SURVEY_COLUMNS order, dtypes DTYPES, or raises InputError at the first problem."""
    shown = dict(shown or {})

    def label(column: str) -> str:
        return shown.get(column, column)

    raw = raw.reset_index(drop=True)
    for column in map(str, raw.columns):
        if column not in SURVEY_COLUMNS:
            raise InputError(f"{name}, column {column}: unknown column (allowed: {', '.join(SURVEY_COLUMNS)})")
    for column in ("step", "community"):
        if column not in raw.columns:
            raise InputError(f"{name}, column {label(column)}: required column is missing")
    items = [item for item in SURVEY_ITEMS if item in raw.columns]
    if not items:
        raise InputError(f"{name}: no item columns; need at least one of {', '.join(SURVEY_ITEMS)}")

    community = raw["community"]
    for row in np.flatnonzero(~community.isin(GROUPS).to_numpy()):
        value = "missing value" if pd.isna(community.iloc[row]) else f"{community.iloc[row]!r}"
        _fail(name, row, label("community"), f"{value} is not one of {', '.join(GROUPS)}")
    out = {"step": _integers(raw["step"], name, label("step"), 0, MAX_STEPS, True).astype(np.int64),
           "community": community.astype("str")}
    if "respondent" in raw.columns:
        out["respondent"] = pd.array(_integers(raw["respondent"], name, label("respondent"), 0, MAX_RESPONDENT_ID, False),
                                     dtype="Int64")
    for item in items:
        spec = SURVEY_ITEMS[item]
        values = _integers(raw[item], name, label(item), spec.low, spec.high, False)
        wrong = ~community.isin(spec.answered_by).to_numpy() & ~np.isnan(values)
        for row in np.flatnonzero(wrong):
            _fail(name, row, label(item), f"{community.iloc[row]} respondents do not answer this item "
                                   f"(only {' and '.join(spec.answered_by)} respondents do)")
        out[item] = pd.array(values, dtype="Int64")
    return pd.DataFrame(out)[[c for c in SURVEY_COLUMNS if c in out]]
