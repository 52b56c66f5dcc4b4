"""The virtual survey: sampling, item derivation, and reading real survey files in the same schema."""

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bridges.model.errors import InputError
from bridges.model.params import FrequencyCutoffs, ResponseNoise, SurveyParams, TimeCutoffs
from bridges.model.survey import DTYPES, SURVEY_COLUMNS, SURVEY_ITEMS, field_survey, read_survey
from tests.conftest import params_for

ROOT = Path(__file__).resolve().parents[1]
CUTS = FrequencyCutoffs(less_than_monthly=0.02, monthly=12 / 52, weekly=1.0, daily=5.0)
TIME_CUTS = TimeCutoffs(less_often=0.02, every_month=12 / 52, every_week=1.0, several_times_a_week=2.0, every_day=5.0)
NOISE = ResponseNoise(contact_quality=0.5, thermometer=5.0, likert=0.5, perceived=10.0)
NO_NOISE = ResponseNoise(contact_quality=0.0, thermometer=0.0, likert=0.0, perceived=0.0)


def survey_params(receiving=600, arriving=300, noise=NOISE) -> SurveyParams:
    return SurveyParams(weeks=[0, 52], respondents={"receiving": receiving, "arriving": arriving},
                        frequency_cutoffs=CUTS, time_cutoffs=TIME_CUTS, response_noise=noise)


def make_people(n_receiving=40, n_arriving=20, seed=0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = n_receiving + n_arriving
    group = rng.permutation(np.r_[np.zeros(n_receiving), np.ones(n_arriving)]).astype(np.int8)
    people = {"group": group, "id": np.arange(1000, 1000 + n), "attitude": rng.uniform(0, 100, n),
              "recent_encounters": rng.exponential(1.0, n), "recent_time_together": rng.exponential(1.0, n),
              "positive_contacts": rng.integers(0, 20, n), "negative_contacts": rng.integers(0, 5, n),
              "outgroup_friends": rng.poisson(0.5, n), "extended_contacts": rng.poisson(2.0, n)}
    for key in ("anxiety", "trust", "distress", "belonging", "variability"):
        people[key] = rng.random(n)
    people["discrimination"] = np.where(group == 1, rng.random(n), 0.0)
    for key in ("belief_education", "belief_employment", "belief_welfare"):
        people[key] = np.where(group == 1, np.nan, rng.random(n))
    return people


def one_receiving(**state) -> dict[str, np.ndarray]:
    """Constructed receiving members: arrays from `state` (equal lengths), neutral defaults elsewhere."""
    n = len(next(iter(state.values())))
    people = {"group": np.zeros(n, np.int8), "id": np.arange(n), "attitude": np.full(n, 50.0),
              "recent_encounters": np.zeros(n), "recent_time_together": np.zeros(n),
              "positive_contacts": np.ones(n, int),
              "negative_contacts": np.zeros(n, int), "outgroup_friends": np.zeros(n, int),
              "extended_contacts": np.zeros(n, int)}
    for key in ("anxiety", "trust", "distress", "belonging", "belief_education", "belief_employment",
                "belief_welfare", "discrimination", "variability"):
        people[key] = np.full(n, 0.5)
    people.update({key: np.asarray(value) for key, value in state.items()})
    return people


def survey(people, params=None, seed=1, week=52):
    return field_survey(people, week, params or survey_params(), np.random.default_rng(seed))


# ---- fielding -------------------------------------------------------------------------------------
def test_columns_dtypes_and_sample_sizes():
    people = make_people(40, 20)
    frame = survey(people, survey_params(receiving=15, arriving=7))
    assert tuple(frame.columns) == SURVEY_COLUMNS
    assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES
    assert frame["community"].value_counts().to_dict() == {"receiving": 15, "arriving": 7}
    assert frame["respondent"].is_unique and (frame["step"] == 52).all()
    group_of = dict(zip(people["id"], people["group"]))
    codes = frame["respondent"].map(group_of)
    assert ((codes == 1) == (frame["community"] == "arriving")).all()


def test_everyone_answers_when_the_community_is_smaller_and_zero_means_none():
    frame = survey(make_people(40, 20), survey_params(receiving=0, arriving=500))
    assert frame["community"].value_counts().to_dict() == {"arriving": 20}


def test_seeded_rng_reproduces_the_survey():
    people = make_people()
    pd.testing.assert_frame_equal(survey(people, seed=3), survey(people, seed=3))
    small = survey_params(receiving=10, arriving=5)
    assert set(survey(people, small, seed=3)["respondent"]) != set(survey(people, small, seed=4)["respondent"])


def test_arriving_respondents_have_no_perceived_answers():
    frame = survey(make_people())
    arriving = frame["community"] == "arriving"
    for item in ("perceived_education", "perceived_employment", "perceived_welfare"):
        assert frame.loc[arriving, item].isna().all() and frame.loc[~arriving, item].notna().all()


@pytest.mark.parametrize("noise", [NO_NOISE, NOISE])
def test_contact_frequency_follows_the_cutoffs_exactly(noise):
    rates = [0.0, 0.019, 0.02, 0.2307, 12 / 52, 0.99, 1.0, 4.99, 5.0, 100.0]
    frame = survey(one_receiving(recent_encounters=rates), survey_params(noise=noise))
    assert frame["contact_frequency"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


@pytest.mark.parametrize("noise", [NO_NOISE, NOISE])
def test_friendship_items_band_the_counts_none_one_two_to_five_six_to_ten_more(noise):
    counts = [0, 1, 2, 5, 6, 10, 11, 40]
    frame = survey(one_receiving(outgroup_friends=counts, extended_contacts=counts[::-1]), survey_params(noise=noise))
    assert frame["outgroup_friends"].tolist() == [1, 2, 3, 3, 4, 4, 5, 5]
    assert frame["extended_contact"].tolist() == [5, 5, 4, 4, 3, 3, 2, 1]


def test_friendship_items_draw_nothing_so_earlier_answers_are_unchanged():
    people = make_people()
    frame = survey(people)
    other = survey(people | {"outgroup_friends": people["outgroup_friends"] + 3, "extended_contacts": people["extended_contacts"] * 0})
    kept = [c for c in frame.columns if c not in ("outgroup_friends", "extended_contact")]
    pd.testing.assert_frame_equal(frame[kept], other[kept])
    assert not frame["extended_contact"].equals(other["extended_contact"])


def test_contact_quality_is_missing_without_any_contact():
    frame = survey(one_receiving(positive_contacts=[0, 0, 3], negative_contacts=[0, 2, 0]))
    assert frame["contact_quality"].isna().tolist() == [True, False, False]


def test_zero_noise_maps_state_exactly():
    people = one_receiving(attitude=[37.4, 37.5, 0.0, 100.0], trust=[0.0, 0.25, 0.375, 1.0],
                           positive_contacts=[3, 1, 0, 5], negative_contacts=[1, 3, 4, 0],
                           belief_welfare=[0.334, 0.335, 0.0, 1.0])
    frame = survey(people, survey_params(noise=NO_NOISE))
    assert frame["thermometer"].tolist() == [37, 38, 0, 100]
    assert frame["trust"].tolist() == [1, 2, 3, 5]  # 1 + 4 * value, rounded half up
    assert frame["contact_quality"].tolist() == [4, 2, 1, 5]  # 1 + 4 * positive share
    assert frame["perceived_welfare"].tolist() == [33, 34, 0, 100]
    assert frame["anxiety"].tolist() == [3] * 4


def test_answers_stay_in_range_under_heavy_noise():
    heavy = ResponseNoise(contact_quality=5.0, thermometer=80.0, likert=5.0, perceived=80.0)
    frame = survey(make_people(300, 200), survey_params(noise=heavy))
    for item, spec in SURVEY_ITEMS.items():
        values = frame[item].dropna()
        assert values.between(spec.low, spec.high).all(), item
    assert frame["thermometer"].isin([0, 100]).any()  # clipping was exercised


# ---- parameters -----------------------------------------------------------------------------------
def test_default_survey_config_builds_and_last_week_resolves():
    params = params_for("steps=30")
    assert params.survey.weeks == [0, 30]
    assert params.survey.respondents == {"receiving": 600, "arriving": 300}
    assert params.survey.frequency_cutoffs.monthly == pytest.approx(12 / 52, abs=1e-4)


@pytest.mark.parametrize("override, message", [
    ("survey.weeks=[0,-2]", "survey.weeks[1]: must be in [-1, 5,200] weeks (-1 = the last week)"),
    ("survey.weeks=[0,1e20]", "survey.weeks[1]: must be an integer"),
    ("survey.weeks=[true]", "survey.weeks[0]: must be an integer"),
    ("survey.weeks=[2024-01-01]", "survey.weeks[0]: must be an integer"),
    ("survey.weeks=[5,5]", "survey.weeks: a week is listed twice"),
    ("survey.weeks=[60]", "survey.weeks: week 60 is after the last step (52)"),
    ("survey.weeks=52", "survey.weeks: must be a list"),
    ("survey.respondents.arriving=-1", "survey.respondents.arriving: must be in [0, 10,000,000] persons"),
    ("survey.respondents.arriving=nan", "survey.respondents.arriving: must be an integer"),
    ("survey.respondents={}", "survey.respondents: an empty mapping would change nothing"),
    ("survey.respondents.arriving=many", "survey.respondents.arriving: must be an integer"),
])
def test_survey_params_name_the_bad_key(override, message):
    with pytest.raises(InputError, match=re.escape(message)):
        params_for(override)


def test_cutoffs_must_increase():
    with pytest.raises(InputError, match=r"survey\.frequency_cutoffs: must increase"):
        FrequencyCutoffs(less_than_monthly=0.02, monthly=1.0, weekly=1.0, daily=5.0)


def test_docs_list_every_column():
    text = (ROOT / "docs" / "survey_schema.md").read_text()
    assert all(f"`{column}`" in text for column in SURVEY_COLUMNS)


# ---- reading real files ---------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_read_survey_round_trips_model_output(tmp_path, suffix):
    frame = survey(make_people(60, 30))
    frame.loc[0, "trust"] = pd.NA  # item non-response
    path = tmp_path / f"survey.{suffix}"
    frame.to_csv(path, index=False) if suffix == "csv" else frame.to_parquet(path, index=False)
    pd.testing.assert_frame_equal(read_survey(str(path)), frame)


def test_read_survey_keeps_only_the_columns_present(tmp_path):
    path = tmp_path / "real.csv"
    path.write_text("step,community,thermometer\n0,receiving,55\n0,arriving,\n")
    frame = read_survey(str(path))
    assert list(frame.columns) == ["step", "community", "thermometer"]
    assert frame["thermometer"].isna().tolist() == [False, True]


GOOD = "step,community,respondent,thermometer,perceived_welfare\n" + "52,receiving,1,50,30\n" * 5


@pytest.mark.parametrize("text, message", [
    (GOOD + "52,receiving,7,140,30\n", " row 6, column thermometer: 140 is out of range 0-100"),
    (GOOD + "52,refugee,7,40,30\n", " row 6, column community: 'refugee' is not one of receiving, arriving"),
    (GOOD + "52,,7,40,30\n", " row 6, column community: missing value is not one of"),
    (GOOD + "52,receiving,7,warm,30\n", " row 6, column thermometer: 'warm' is not a number"),
    (GOOD + "52,receiving,7,40.5,30\n", " row 6, column thermometer: 40.5 is not a whole number"),
    (GOOD + ",receiving,7,40,30\n", " row 6, column step: missing value"),
    (GOOD + "-1,receiving,7,40,30\n", " row 6, column step: -1 is out of range 0-5200"),
    (GOOD + "52,arriving,7,40,30\n", " row 6, column perceived_welfare: arriving respondents do not answer this item (only receiving"),
    ("step,community,thermometer,mood\n52,receiving,40,3\n", ", column mood: unknown column"),
    ("community,thermometer\nreceiving,40\n", ", column step: required column is missing"),
    ("step,community,respondent\n52,receiving,1\n", ": no item columns"),
    ("step,community,thermometer\n" + "52,receiving,1,50\n", " row 1: 4 fields, but the header has 3"),
    (GOOD + "True,receiving,7,40,30\n", " row 6, column step: 'True' is not a number"),
    (GOOD + "2024-01-01,receiving,7,40,30\n", " row 6, column step: '2024-01-01' is not a number"),
    (GOOD + "1e20,receiving,7,40,30\n", " row 6, column step: 100000000000000000000 is out of range 0-5200"),
    (GOOD + "52,receiving,1e300,40,30\n", " row 6, column respondent: "),
])
def test_read_survey_rejects_bad_csv_naming_file_row_and_column(tmp_path, text, message):
    path = tmp_path / "survey.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(str(path) + message)) as caught:
        read_survey(str(path))
    assert "\n" not in str(caught.value)


def test_read_survey_checks_parquet_values(tmp_path):
    path = tmp_path / "survey.parquet"
    pd.DataFrame({"step": [0, 0], "community": ["arriving", "receiving"], "trust": [3, 9]}).to_parquet(path)
    with pytest.raises(InputError, match=r"survey\.parquet row 2, column trust: 9 is out of range 1-5"):
        read_survey(str(path))


@pytest.mark.parametrize("step", [[True, False], pd.to_datetime(["2024-01-01", "2024-02-01"])])
def test_read_survey_refuses_boolean_and_date_weeks_in_parquet(tmp_path, step):
    path = tmp_path / "survey.parquet"
    pd.DataFrame({"step": step, "community": ["receiving", "receiving"], "trust": [3, 4]}).to_parquet(path)
    with pytest.raises(InputError, match=r"survey\.parquet, column step: holds (bool|datetime64\[.s\]) values"):
        read_survey(str(path))


def test_read_survey_refuses_special_files_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for path, reason in [(fifo, "not a regular file"), (tmp_path / "folder.csv", "is a folder")]:
        if reason == "is a folder":
            path.mkdir()
        with pytest.raises(InputError, match=re.escape(f"{path}: {reason}")):
            read_survey(str(path))


@pytest.mark.parametrize("name, message", [
    ("survey.sav", "needs pyreadstat"), ("survey.dta", "needs pyreadstat"),
    ("survey.xlsx", "unsupported survey file type .xlsx"), ("absent.csv", "no such file"),
])
def test_read_survey_rejects_other_files(tmp_path, name, message):
    path = tmp_path / name
    if name != "absent.csv":
        path.write_bytes(b"\x00")
    with pytest.raises(InputError, match=message):
        read_survey(str(path))
