"""End-to-end: run.py as a user runs it, its run folder, reproducibility and bad input. One run and
--help go through a real process; the rest call bridges.cli.main in-process (same code path, no start-up cost)."""

import pandas as pd
import pytest
import yaml

from bridges import cli
from bridges.outputs import PICTURES
from tests.conftest import SMALL_CITY, in_one_worker, run_cli
from tests.inprocess import assert_clean_rejection, run_main

pytestmark = in_one_worker(__name__)

AGENT_COLUMNS = {"id", "group", "neighbourhood", "attitude", "anxiety", "trust", "distress", "language",
                 "employed", "intergroup_contacts", "outgroup_friends", "misperception", "education",
                 "qualification_recognised", "legal_status", "family_pending", "belonging", "responsibility",
                 "belief_education", "belief_employment", "belief_welfare", "household", "workplace"}
RUN_FILES = {"config.yaml", "overrides.yaml", "timeseries.parquet", "timeseries.csv", "agents.parquet", "survey.parquet", "costs.csv",
             "contact_by_setting.csv", "city.json", *PICTURES, "report.md"}


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "small"
    result = run_cli(*SMALL_CITY, f"run.output_dir={folder}")
    assert result.returncode == 0, result.stderr
    return folder


def test_run_writes_every_file(run_folder):
    assert {p.name for p in run_folder.iterdir()} == RUN_FILES
    for png in PICTURES:
        assert (run_folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_timeseries_is_tidy_and_complete(run_folder):
    table = pd.read_parquet(run_folder / "timeseries.parquet")
    assert list(table.columns) == ["step", "group", "metric", "value"]
    assert set(table.group) == {"arriving", "receiving", "all"}
    assert {"attitude_mean", "intergroup_contact_share", "positive_contact_share", "negative_contact_share",
            "anxiety_mean", "trust_mean"} <= set(table.metric)
    assert table.step.max() == 8
    pd.testing.assert_frame_equal(table, pd.read_csv(run_folder / "timeseries.csv"), check_dtype=False)


def test_agents_table_has_one_row_per_resident(run_folder):
    agents = pd.read_parquet(run_folder / "agents.parquet")
    assert AGENT_COLUMNS <= set(agents.columns)
    assert len(agents) == 600 and agents.id.is_unique
    assert set(agents.group) == {"arriving", "receiving"}
    assert agents.attitude.between(0, 100).all() and agents.anxiety.between(0, 1).all()
    assert (agents.intergroup_contacts >= 0).all()


def test_config_and_report_describe_the_run(run_folder):
    config = yaml.safe_load((run_folder / "config.yaml").read_text())
    assert config["city"]["n_agents"] == 600 and config["steps"] == 8
    report = (run_folder / "report.md").read_text()
    assert "mean attitude, last week" in report and "dissimilarity_neighbourhood" in report


def test_same_seed_is_byte_identical_and_other_seed_differs(run_folder, tmp_path, capsys):
    again, other = tmp_path / "again", tmp_path / "other"
    assert run_main(capsys, tmp_path, *SMALL_CITY, f"run.output_dir={again}").code == 0
    assert run_main(capsys, tmp_path, *SMALL_CITY, "seed=1", f"run.output_dir={other}").code == 0
    original = (run_folder / "timeseries.parquet").read_bytes()
    assert (again / "timeseries.parquet").read_bytes() == original
    assert (other / "timeseries.parquet").read_bytes() != original


@pytest.mark.parametrize("override, names", [
    ("city.foo=1", "city.foo"),
    ("city.n_agents=-5", "city.n_agents"),
    ("city.n_agents=0", "city.n_agents"),
    ("city.arriving_share=1.5", "city.arriving_share"),
    ("city.arriving_share=-0.1", "city.arriving_share"),
    ("city.layers.neighbourhood.contact_rate=often", "city.layers.neighbourhood.contact_rate"),
    ("steps=abc", "steps"),
    ("city=atlantis", "city"),
])
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(capsys, tmp_path, override, names):
    assert_clean_rejection(run_main(capsys, tmp_path, *SMALL_CITY, override), names, tmp_path)


def test_bad_input_through_the_real_command_line(tmp_path):
    result = run_cli(*SMALL_CITY, "city.n_agents=nan", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: city.n_agents") and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_lists_config_groups(capsys, tmp_path):
    result = run_main(capsys, tmp_path, "--help")
    assert result.code == 0
    assert "city:" in result.stdout and "contact:" in result.stdout


def write_custom_city(folder, bad_group=False):
    """A 40-person city: 10 arriving, 30 receiving, neighbourhood and workplace ties."""
    rng = __import__("numpy").random.default_rng(0)
    nodes = ["id,group,neighbourhood,employed"]
    for i in range(40):
        group = "arriving" if i < 10 else "receiving"
        nodes.append(f"p{i},{'refugee' if bad_group and i == 3 else group},{i % 2},{'yes' if i % 3 else 'no'}")
    edges = ["source,target,layer"]
    for _ in range(120):
        i, j = rng.choice(40, size=2, replace=False)
        edges.append(f"p{i},p{j},{'workplace' if i % 2 else 'neighbourhood'}")
    (folder / "nodes.csv").write_text("\n".join(nodes) + "\n")
    (folder / "edges.csv").write_text("\n".join(edges) + "\n")
    return [f"city.custom.nodes_csv={folder / 'nodes.csv'}", f"city.custom.edges_csv={folder / 'edges.csv'}"]


def test_custom_city_from_csv_runs_end_to_end(tmp_path, capsys):
    out = tmp_path / "run"
    result = run_main(capsys, tmp_path, *write_custom_city(tmp_path), "steps=5", "run.progress=off",
                      f"run.output_dir={out}")
    assert result.code == 0, result.stderr
    agents = pd.read_parquet(out / "agents.parquet")
    assert len(agents) == 40 and (agents.group == "arriving").sum() == 10
    assert set(agents.neighbourhood) == {0, 1}


def test_custom_city_attributes_set_the_initial_state(tmp_path):
    from bridges.model import BridgesModel
    from tests.conftest import params_for

    model = BridgesModel(params_for(*write_custom_city(tmp_path)))
    assert model.state.employed.tolist() == [bool(i % 3) for i in range(40)]
    assert model.city.to_networkx().number_of_nodes() == 40
    assert model.ties.size > 0


def test_bad_custom_city_names_file_row_and_column(tmp_path, capsys):
    overrides = write_custom_city(tmp_path, bad_group=True)
    before = set(tmp_path.rglob("*"))
    result = run_main(capsys, tmp_path, *overrides, "steps=5")
    assert_clean_rejection(result, "nodes.csv row 4, column group", tmp_path, before)


def test_scenario_run_prints_a_five_line_headline_and_names_scenario_and_overrides(tmp_path, capsys):
    folder = tmp_path / "co"
    assert cli.main([*SMALL_CITY, "scenario=co_creation", "run.progress=off", f"run.output_dir={folder}"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 7 and lines[0].startswith("Bridges run: scenario co_creation (")
    assert lines[5] == f"report: {folder / 'report.md'}"
    assert "Run: scenario co_creation (" in (folder / "report.md").read_text()
    agents = pd.read_parquet(folder / "agents.parquet")
    assert agents.took_part_co_creation.dtype == bool and 0 < agents.took_part_co_creation.sum() < len(agents)


def test_contact_by_setting_adds_up_to_the_residents_encounters(tmp_path):
    """Every intergroup encounter happens in one setting, so the settings' encounters sum to the run's
    total; the residents' positive and negative counts sum to the settings' (both sides counted)."""
    folder = tmp_path / "vol"
    assert cli.main([*SMALL_CITY, "scenario=volunteering", "run.progress=off", f"run.output_dir={folder}"]) == 0
    settings = pd.read_csv(folder / "contact_by_setting.csv")
    agents = pd.read_parquet(folder / "agents.parquet")
    assert "volunteering" in set(settings.setting[settings.kind == "programme"])
    assert settings.positive.sum() == agents.positive_contacts.sum()
    assert settings.negative.sum() == agents.negative_contacts.sum()
    assert 2 * settings.encounters.sum() == agents.intergroup_contacts.sum()
    assert "## Contact by setting" in (folder / "report.md").read_text()


def test_public_encounters_are_filed_as_public_not_as_a_programme(tmp_path):
    """A baseline run has no programme: its incidental encounters in public space appear under kind "public"
    (issue 24, point 6: they were filed under "programme")."""
    folder = tmp_path / "base"
    assert cli.main([*SMALL_CITY, "run.progress=off", f"run.output_dir={folder}"]) == 0
    settings = pd.read_csv(folder / "contact_by_setting.csv")
    assert set(settings.kind) == {"layer", "public"}
    assert settings.loc[settings.kind == "public", "encounters"].sum() > 0
