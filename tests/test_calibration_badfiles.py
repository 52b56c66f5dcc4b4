"""Survey files that once passed silently (issue 23), each through `python run.py --config-name calibrate`:
one line naming the file and column, exit code 2, no output folder and no ABC database; or, where a
researcher could mean it, a stated warning and a normal run. Also disclosure control (calibration.min_cell)
and priors the model refuses (issue 21, point 11)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bridges import cli
from bridges.calibration.cli import observed_statistics
from bridges.calibration.statistics import true_shares
from bridges.calibration.survey_io import load_survey
from bridges.config import compose_config, to_plain
from bridges.model.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[1] / "calibration" / "data" / "germany_synthetic.csv"


def example() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE, dtype={"site": str, "community": str})


def thermometer_0_10(frame):
    return frame.assign(thermometer=(frame.thermometer / 10).round())


def one_per_community(frame):
    """One receiving and one arriving respondent, each answering every item their community answers."""
    items = [c for c in frame.columns if c not in ("site", "step", "community", "weight")]
    rows = []
    for community in ("receiving", "arriving"):
        part = frame[frame.community == community]
        asked = [item for item in items if part[item].notna().any()]
        rows.append(part[part[asked].notna().all(axis=1)].head(1))
    return pd.concat(rows)


def duplicate_ids(frame):
    out = frame.assign(respondent=range(len(frame)))
    out.loc[5, "respondent"] = 2
    return out


def huge_weight(value):
    def change(frame):
        out = frame.copy()
        out.loc[0, "weight"] = value
        return out
    return change


CASES = {
    "thermometer_all_empty": (lambda f: f.assign(thermometer=np.nan), "column thermometer: no answer in any row"),
    "frequency_all_empty": (lambda f: f.assign(contact_frequency=np.nan), "column contact_frequency: no answer in any row"),
    "every_item_empty": (lambda f: f.assign(**{c: np.nan for c in f.columns if c not in ("site", "step", "community", "weight")}),
                         "no answer in any row"),
    "duplicate_respondent_ids": (duplicate_ids, "row 6, column respondent: respondent 2 appears twice in week 52"),
    "every_row_twice": (lambda f: pd.concat([f, f]), "650 of 1300 rows repeat an earlier row exactly"),
    "one_respondent_per_community": (one_per_community, "week 52, arriving respondents: 1, fewer than calibration.min_cell=10"),
    "thermometer_0_to_10": (thermometer_0_10, "column thermometer: every answer is between 0 and 10"),
    "weight_1e6": (huge_weight(1e6), "respondents worth 1.0 (Kish's effective size)"),
    "weight_1e308": (huge_weight(1e308), "respondents worth 1.0 (Kish's effective size)"),
    "only_items_without_statistics": (
        lambda f: f[["site", "step", "community", "experienced_discrimination", "perceived_variability", "weight"]]
        .assign(experienced_discrimination=lambda g: g.experienced_discrimination.where(g.community == "arriving", np.nan)
                .fillna(2).where(g.community == "arriving")),
        "no summary statistic can be computed from its items (experienced_discrimination, perceived_variability)"),
}


def calibrate(folder: Path, data: Path, *extra: str) -> int:
    return cli.main(["--config-name", "calibrate", f"calibration.data={data}", "calibration.site=germany",
                     f"calibration.database={folder / 'abc.db'}", f"run.output_dir={folder / 'out'}",
                     "calibration.sampler=single", "calibration.install=false", *extra])


def assert_refused(folder: Path, code: int, error: str, message: str) -> None:
    assert code == 2
    assert message in error and "\n" not in error.strip() and "Traceback" not in error
    assert not (folder / "out").exists() and not (folder / "abc.db").exists()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_survey_file_is_one_line_exit_2_nothing_written(tmp_path, capsys, case):
    change, message = CASES[case]
    data = tmp_path / "survey.csv"
    change(example()).to_csv(data, index=False)
    code = calibrate(tmp_path, data)
    assert_refused(tmp_path, code, capsys.readouterr().err, message)


def test_two_items_mapped_from_one_column(tmp_path, capsys):
    frame = example().rename(columns={"thermometer": "Q12"})
    frame.to_csv(tmp_path / "survey.csv", index=False)
    (tmp_path / "mapping.yaml").write_text("columns: {thermometer: Q12, perceived_welfare: Q12}\n")
    code = calibrate(tmp_path, tmp_path / "survey.csv", f"calibration.mapping={tmp_path / 'mapping.yaml'}")
    assert_refused(tmp_path, code, capsys.readouterr().err,
                   "key columns.perceived_welfare: column Q12 is already read as thermometer")


@pytest.mark.parametrize("prior, message", [
    ("{distribution: uniform, low: -0.5, high: 0.04}", "attitude_step: the prior's low end -0.5 is not a valid"),
    ("{distribution: uniform, low: 0.0, high: .inf}", "low and high must be finite numbers"),
])
def test_prior_the_model_refuses_is_one_line_before_abc(tmp_path, capsys, prior, message):
    """Issue 21, point 11: a prior reaching outside a key's valid range failed inside the ABC run, after
    its database was created."""
    (tmp_path / "priors.yaml").write_text(f"parameters:\n  attitude_step:\n    key: contact.update.attitude_step\n"
                                          f"    prior: {prior}\n")
    code = calibrate(tmp_path, EXAMPLE, f"calibration.priors={tmp_path / 'priors.yaml'}")
    assert_refused(tmp_path, code, capsys.readouterr().err, message)


# ---- what passes, stated -------------------------------------------------------------------------------
def truth():
    return true_shares(to_plain(compose_config(["city=germany"]))["city"])


def test_an_item_few_answered_is_left_out_with_a_warning(tmp_path, capsys):
    """A researcher may field an item to a few respondents only: its statistics are dropped, and said so."""
    frame = example()
    few = frame.community == "arriving"
    keep = np.flatnonzero(few.to_numpy())[:5]
    frame.loc[few, "distress"] = np.nan
    frame.loc[keep, "distress"] = 3
    frame.to_csv(tmp_path / "survey.csv", index=False)
    observed = observed_statistics(load_survey(str(tmp_path / "survey.csv"), None, "germany"), truth(), 10)
    assert "w52.arriving.distress_mean" not in observed and "w52.receiving.distress_mean" in observed
    assert "1 statistics left out: fewer than calibration.min_cell=10 respondents answered " \
           "(w52.arriving.distress_mean)" in capsys.readouterr().err


def test_disclosure_threshold_is_a_config_value(tmp_path):
    frame = example().groupby("community").head(12).drop(columns="weight")
    frame.to_csv(tmp_path / "survey.csv", index=False)
    survey = load_survey(str(tmp_path / "survey.csv"), None, "germany")
    assert len(observed_statistics(survey, truth(), 12)) > 20
    with pytest.raises(InputError, match="12, fewer than calibration.min_cell=13"):
        observed_statistics(survey, truth(), 13)


def test_weights_of_one_scale_change_nothing(tmp_path):
    """Weights are relative: multiplying all by 1e308 (each finite) gives the same statistics."""
    frame = example()
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.assign(weight=frame.weight / frame.weight.max() * 1e308).to_csv(tmp_path / "b.csv", index=False)
    a, b = (observed_statistics(load_survey(str(tmp_path / name), None, "germany"), truth(), 10) for name in ("a.csv", "b.csv"))
    pd.testing.assert_series_equal(a, b, rtol=1e-9)
