"""Survey files in for calibration: formats, the mapping file, weights, and one test per malformed case."""

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from bridges.calibration.survey_io import load_mapping, load_survey
from bridges.model.errors import InputError

GOOD = ("step,community,contact_frequency,thermometer,perceived_employment,weight\n"
        "52,receiving,4,60,30,1.5\n"
        "52,receiving,,40,,0.5\n"
        "52,arriving,5,80,,1\n")


def write(tmp_path, text, name="survey.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_csv_in_schema_reads_with_weights(tmp_path):
    survey = load_survey(write(tmp_path, GOOD))
    assert survey.weighted
    assert survey.table.weight.tolist() == [1.5, 0.5, 1.0]
    assert survey.table.thermometer.tolist() == [60, 40, 80]
    assert survey.table.contact_frequency.isna().tolist() == [False, True, False]


def test_without_weight_column_every_respondent_weighs_one(tmp_path):
    survey = load_survey(write(tmp_path, "step,community,thermometer\n0,receiving,50\n0,arriving,70\n"))
    assert not survey.weighted and survey.table.weight.tolist() == [1.0, 1.0]


def test_parquet_round_trip(tmp_path):
    table = load_survey(write(tmp_path, GOOD)).table
    path = tmp_path / "survey.parquet"
    table.to_parquet(path)
    again = load_survey(str(path)).table
    pd.testing.assert_frame_equal(again, table)


SPSS_MAPPING = """
site: germany
step: 52
columns: {community: grp, contact_frequency: Q7, thermometer: Q12, weight: wgt}
codes:
  community: {1: receiving, 2: arriving}
  contact_frequency: {never: 1, less than monthly: 2, monthly: 3, several times a week: 4, daily: 5}
missing: {contact_frequency: ["don't know"], thermometer: [999]}
"""


def spss_frame():
    frame = pd.DataFrame({"grp": [1.0, 1.0, 2.0], "Q7": [4.0, 9.0, 5.0], "Q12": [60.0, 999.0, 80.0],
                          "wgt": [1.2, 0.8, 1.0], "other": [1.0, 2.0, 3.0]})
    labels = {"Q7": {1.0: "never", 2.0: "less than monthly", 3.0: "monthly", 4.0: "several times a week",
                     5.0: "daily", 9.0: "don't know"}}
    return frame, labels


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_spss_and_stata_value_labels_map_onto_the_schema(tmp_path, suffix):
    frame, labels = spss_frame()
    path = str(tmp_path / f"survey{suffix}")
    writer = pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta
    writer(frame, path, variable_value_labels=labels)
    survey = load_survey(path, write(tmp_path, SPSS_MAPPING, "mapping.yaml"), site="germany")
    table = survey.table
    assert survey.site == "germany" and survey.weighted
    assert table.community.tolist() == ["receiving", "receiving", "arriving"]
    assert table.step.tolist() == [52, 52, 52]
    assert table.contact_frequency.tolist()[0] == 4 and pd.isna(table.contact_frequency[1])
    assert pd.isna(table.thermometer[1]) and table.thermometer[2] == 80
    assert np.allclose(table.weight, [1.2, 0.8, 1.0])


def test_site_column_keeps_the_chosen_site(tmp_path):
    text = "site,step,community,thermometer\ngermany,0,receiving,50\nsweden,0,receiving,60\n" \
           "germany,0,arriving,70\nsweden,0,arriving,80\n"
    survey = load_survey(write(tmp_path, text), site="sweden")
    assert survey.table.thermometer.tolist() == [60, 80]


# ---- malformed files: one line naming file, row and column --------------------------------------
BAD = [
    ("step,community,thermometer\n0,receiving,50\n", "survey.csv, column community: no arriving respondents"),
    ("step,community\n0,receiving\n", "survey.csv: no item columns"),
    ("step,thermometer\n0,50\n", "survey.csv, column community: required column is missing"),
    ("step,community,thermometer\n0,receiving,50\n0,arriving,140\n",
     "survey.csv row 2, column thermometer: 140 is out of range 0-100"),
    ("step,community,thermometer\n0,receiving,warm\n0,arriving,40\n",
     "survey.csv row 1, column thermometer: 'warm' is not a number"),
    ("step,community,thermometer\n0,receiving,50\n0,,40\n",
     "survey.csv row 2, column community: missing value is not one of"),
    ("step,community,thermometer,weight\n0,receiving,50,1\n0,arriving,40,\n",
     "survey.csv row 2, column weight: missing weight"),
    ("step,community,thermometer,weight\n0,receiving,50,-1\n0,arriving,40,1\n",
     "survey.csv row 1, column weight: weight -1 must be positive"),
    ("step,community,thermometer,weight\n0,receiving,50,heavy\n0,arriving,40,1\n",
     "survey.csv row 1, column weight: 'heavy' is not a number"),
    ("step,community,thermometer,colour\n0,receiving,50,red\n0,arriving,40,blue\n",
     "survey.csv, column colour: unknown column"),
    ("step,community,thermometer\n0,receiving,50,7\n0,arriving,40\n",
     "survey.csv row 1: 4 fields, but the header has 3"),
    ("step,community,thermometer\n0,receiving\n0,arriving,40\n", "survey.csv row 1: 2 fields, but the header has 3"),
    ("site,step,community,thermometer\ngermany,0,receiving,50\n,0,arriving,40\n",
     "survey.csv row 2, column site: missing site"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_malformed_csv_names_file_row_and_column(tmp_path, text, message):
    with pytest.raises(InputError, match=None) as caught:
        load_survey(write(tmp_path, text))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_unknown_code_names_row_and_the_users_column(tmp_path):
    mapping = write(tmp_path, "columns: {community: grp, contact_frequency: Q7}\n"
                    "codes: {community: {1: receiving, 2: arriving}, contact_frequency: {never: 1, daily: 5}}\n",
                    "mapping.yaml")
    data = write(tmp_path, "grp,Q7,step\n1,never,0\n2,sometimes,0\n")
    with pytest.raises(InputError) as caught:
        load_survey(data, mapping)
    assert "survey.csv row 2, column Q7 (contact_frequency): unknown code 'sometimes'" in str(caught.value)


def test_out_of_range_after_mapping_names_the_users_column(tmp_path):
    mapping = write(tmp_path, "columns: {community: grp, thermometer: Q12}\nstep: 0\n", "mapping.yaml")
    data = write(tmp_path, "grp,Q12\nreceiving,50\narriving,101\n")
    with pytest.raises(InputError, match=r"row 2, column Q12 \(thermometer\): 101 is out of range 0-100"):
        load_survey(data, mapping)


def test_mapped_column_absent_from_the_file(tmp_path):
    mapping = write(tmp_path, "columns: {thermometer: Q12}\n", "mapping.yaml")
    with pytest.raises(InputError, match=r"survey.csv, column Q12: missing \(the mapping reads thermometer"):
        load_survey(write(tmp_path, GOOD), mapping)


def test_no_rows_for_the_site(tmp_path):
    text = "site,step,community,thermometer\ngermany,0,receiving,50\ngermany,0,arriving,70\n"
    with pytest.raises(InputError, match="column site: no rows for site 'jordan'"):
        load_survey(write(tmp_path, text), site="jordan")


@pytest.mark.parametrize("text, message", [
    ("colour: red\n", "mapping.yaml, key colour: unknown key"),
    ("columns: {temperature: Q1}\n", "mapping.yaml, key columns.temperature: not a schema column"),
    ("step: -3\n", "mapping.yaml, key step: must be the wave's week"),
    ("codes: [1, 2]\n", "mapping.yaml, key codes: must map"),
    ("- a\n- b\n", "mapping.yaml: must be a mapping of keys"),
    ("columns: {thermometer: [\n", "mapping.yaml: not valid YAML"),
    ("missing: [\"don't know\", 98, 99]\n", "key missing: 98 is a valid answer of thermometer (0-100); list missing "
     "codes per column"),
])
def test_malformed_mapping_names_file_and_key(tmp_path, text, message):
    with pytest.raises(InputError) as caught:
        load_mapping(write(tmp_path, text, "mapping.yaml"))
    assert message in str(caught.value)


def test_file_checks(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="nowhere.csv: file not found"):
        load_survey(str(tmp_path / "nowhere.csv"))
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(InputError, match="folder.csv: is a folder, not a file"):
        load_survey(str(tmp_path / "folder.csv"))
    with pytest.raises(InputError, match="file is empty"):
        load_survey(write(tmp_path, ""))
    with pytest.raises(InputError, match="unsupported survey file type .xlsx"):
        load_survey(write(tmp_path, "x", "survey.xlsx"))
    monkeypatch.setattr("bridges.model.input_files.MAX_FILE_BYTES", 10)
    with pytest.raises(InputError, match="larger than the"):
        load_survey(write(tmp_path, GOOD))


def test_unreadable_parquet_and_sav(tmp_path):
    for name in ("survey.parquet", "survey.sav", "survey.dta"):
        with pytest.raises(InputError, match=f"{name}: cannot read as"):
            load_survey(write(tmp_path, "not really binary", name))


# ---- one survey in five formats (issue 23) ------------------------------------------------------------
def test_five_formats_of_one_survey_give_identical_statistics(tmp_path):
    """The schema CSV, labelled .sav and .dta in the schema's codes (no mapping), a messy CSV with missing
    codes 98/99 on the labelled 1-5 and 1-6 items only, and a messy .sav whose 0-100 thermometer is labelled
    only at its ends (no 101 codes listed): every statistic equal, to the last bit, and every answer read."""
    from pathlib import Path

    from bridges.calibration.format_variants import variants
    from bridges.calibration.statistics import summarise

    source = Path(__file__).resolve().parents[1] / "calibration" / "data" / "germany_synthetic.csv"
    files = variants(source, tmp_path)
    assert sorted(files) == ["csv", "dta", "messy_csv", "messy_sav", "sav"]
    table = load_survey(str(source), None, "germany").table
    reference = summarise(table)
    assert len(reference) == 29  # every statistic but the two gaps, which need the city's true shares
    for name, (data, mapping) in files.items():
        survey = load_survey(str(data), str(mapping) if mapping else None, "germany")
        assert len(survey.table) == 650, name
        pd.testing.assert_series_equal(summarise(survey.table), reference, rtol=0, atol=0, obj=name)
        pd.testing.assert_frame_equal(survey.table, table, obj=name)  # items no statistic uses too (time_together)


def test_labelled_sav_in_schema_codes_needs_no_mapping(tmp_path):
    """Value labels no longer replace codes: a labelled 1-5 item in the schema's codes reads as its codes."""
    frame = pd.DataFrame({"step": [0, 0], "community": ["receiving", "arriving"], "contact_frequency": [1.0, 5.0],
                          "thermometer": [0.0, 100.0]})
    path = str(tmp_path / "survey.sav")
    pyreadstat.write_sav(frame, path, variable_value_labels={"contact_frequency": {1: "never", 5: "daily"},
                                                             "thermometer": {0: "very cold", 100: "very warm"}})
    table = load_survey(path).table
    assert table.contact_frequency.tolist() == [1, 5] and table.thermometer.tolist() == [0, 100]


def test_a_label_not_in_the_mapping_names_code_and_label(tmp_path):
    frame = pd.DataFrame({"step": [0, 0], "grp": [1.0, 3.0], "thermometer": [50.0, 60.0]})
    path = str(tmp_path / "survey.sav")
    pyreadstat.write_sav(frame, path, variable_value_labels={"grp": {1: "natives", 3: "visitors"}})
    mapping = write(tmp_path, "columns: {community: grp}\ncodes: {community: {natives: receiving, 2: arriving}}\n",
                    "mapping.yaml")
    with pytest.raises(InputError, match=r"row 2, column grp \(community\): unknown code 3.0 \('visitors'\)"):
        load_survey(path, mapping)
