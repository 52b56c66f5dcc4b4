"""A scenario given as a file (issue 25): inside a comparison (`compare.scenarios=[baseline,mine.yaml]`, a
variant starting from one) through the same guards as `scenario=mine.yaml`, and in a sweep whose workers
run on other nodes, which cannot see this machine's temporary folder."""

import shutil

import pytest
import yaml

from bridges import config, sweep
from tests.conftest import ROOT
from tests.inprocess import assert_clean_rejection, run_main

TEMPLATE = (ROOT / "docs" / "scenario_template.yaml").read_text()
SMALL = ["city.n_agents=300", "city.n_neighbourhoods=3", "steps=4"]


@pytest.fixture(autouse=True)
def no_user_dirs():
    """Each test starts without the user config folders an earlier one registered for the process."""
    saved = config.USER_DIRS[:]
    config.USER_DIRS.clear()
    yield
    config.USER_DIRS[:] = saved


def scenario_file(folder, text=TEMPLATE, name="my_mix"):
    path = folder / f"{name}.yaml"
    path.write_text(text.replace("scenario_name: my_mix", f"scenario_name: {name}"))
    return path


def test_a_comparison_takes_a_scenario_file_among_its_scenarios(capsys, tmp_path):
    path = scenario_file(tmp_path)
    result = run_main(capsys, tmp_path, "--config-name", "compare", f"compare.scenarios=[baseline,{path}]", *SMALL,
                      "--cfg")
    assert result.code == 0, result.stderr
    assert "- my_mix" in result.stdout and str(path) not in result.stdout  # the scenario by its name


def test_a_variant_can_start_from_a_scenario_file(capsys, tmp_path):
    path = scenario_file(tmp_path)
    result = run_main(capsys, tmp_path, "--config-name", "compare", "compare.scenarios=[baseline]",
                      f"compare.variants.few_buddies=[{path},interventions.buddies.delivery.coverage=0.01]", *SMALL,
                      "--cfg")
    assert result.code == 0, result.stderr


@pytest.mark.parametrize(("text", "name", "message"), [
    (TEMPLATE.replace("      coverage: 0.05", "      covrage: 0.05"), "my_mix",
     "interventions.buddies.delivery.covrage: unknown config key"),  # checked like scenario=file.yaml
    (TEMPLATE.replace("scenario_name: my_mix", "scenario_name: my_mix\nseed: ${oc.env:HOME}"), "my_mix",
     "interpolations that call resolvers"),
    (TEMPLATE, "volunteering", "is the name of a shipped scenario"),  # Hydra would run the shipped one instead
    (TEMPLATE, "my-mix", "may use only letters, digits and _"),
])
def test_a_bad_scenario_file_in_a_comparison_is_one_line(capsys, tmp_path, text, name, message):
    path = scenario_file(tmp_path, text, name)
    result = run_main(capsys, tmp_path, "--config-name", "compare", f"compare.scenarios=[baseline,{path}]", *SMALL,
                      "--cfg")
    assert_clean_rejection(result, message, tmp_path, {path})


def test_a_missing_scenario_file_in_a_comparison_names_it(capsys, tmp_path):
    result = run_main(capsys, tmp_path, "--config-name", "compare", "compare.scenarios=[baseline,absent/mine.yaml]",
                      *SMALL)
    assert_clean_rejection(result, "absent/mine.yaml: file not found", tmp_path)


def test_a_shipped_scenarios_name_is_refused_for_a_single_run_too(capsys, tmp_path):
    path = scenario_file(tmp_path, name="baseline")
    assert_clean_rejection(run_main(capsys, tmp_path, f"scenario={path}", *SMALL),
                           f"scenario={path}: 'baseline' is the name of a shipped scenario", tmp_path, {path})


def test_a_sweep_stages_scenario_files_in_its_own_folder(tmp_path, monkeypatch):
    """Unit: the override naming this machine's staged folder is rewritten to a copy in the sweep's folder;
    other config folders and overrides are left as they are."""
    monkeypatch.setattr(config, "SCENARIO_FILES", tmp_path / "login_tmp")
    name, staged = config.scenario_file(str(scenario_file(tmp_path)))
    mine = tmp_path / "mine"
    mine.mkdir()
    shared = tmp_path / "sweep"
    out = config.shared_scenario_files([config.searchpath_override([mine, staged]), "seed=1"], shared)
    copy = shared / config.SHARED_SCENARIO_FILES / staged.name
    assert out == [config.searchpath_override([mine, copy]), "seed=1"]
    assert (copy / "scenario" / f"{name}.yaml").read_bytes() == (staged / "scenario" / f"{name}.yaml").read_bytes()
    assert config.shared_scenario_files(["seed=1", config.searchpath_override([mine])], shared) == \
        ["seed=1", config.searchpath_override([mine])]


@pytest.mark.slow  # a sweep through Hydra's joblib launcher: a worker process
def test_a_sweep_of_a_scenario_file_runs_where_this_machines_tmp_is_not_seen(capsys, tmp_path, monkeypatch):
    """`-m seed=0,1 scenario=mine.yaml`: the workers find the scenario in the sweep's folder. A worker on
    another node is simulated by removing this machine's staged copy before the launcher starts the jobs
    (the workers also name themselves another host)."""
    login_tmp = tmp_path / "login_tmp"
    monkeypatch.setattr(config, "SCENARIO_FILES", login_tmp)
    monkeypatch.setenv("BRIDGES_HOST", "node_b")
    real_launcher = sweep._launcher

    def launcher_on_other_nodes(*args):
        launcher = real_launcher(*args)
        launch = launcher.launch

        def without_login_tmp(*job_args, **job_kwargs):
            shutil.rmtree(login_tmp)
            return launch(*job_args, **job_kwargs)

        launcher.launch = without_login_tmp
        return launcher

    monkeypatch.setattr(sweep, "_launcher", launcher_on_other_nodes)
    path = scenario_file(tmp_path)
    result = run_main(capsys, tmp_path, "-m", "seed=0,1", f"scenario={path}", *SMALL, "hydra.launcher.n_jobs=1",
                      "run.output_dir=sweep")
    assert result.code == 0, result.stderr
    assert not login_tmp.exists()
    runs = sorted((tmp_path / "sweep" / "runs").iterdir())
    assert len(runs) == 2
    for run in runs:
        assert yaml.safe_load((run / "config.yaml").read_text())["scenario_name"] == "my_mix"
        searched = [o for o in yaml.safe_load((run / "overrides.yaml").read_text()) if o.startswith(config.SEARCHPATH)]
        assert searched and str(tmp_path / "sweep" / config.SHARED_SCENARIO_FILES) in searched[0]
        assert str(login_tmp) not in searched[0]


def test_scenario_files_in_a_sweep_and_a_list_are_named_by_their_scenarios(tmp_path, monkeypatch):
    """Unit: each file of a sweep's choices or a comparison's list becomes its scenario's name, with its
    staged folder on the search path; shipped names pass through."""
    monkeypatch.setattr(config, "SCENARIO_FILES", tmp_path / "staged")
    mine, yours = scenario_file(tmp_path), scenario_file(tmp_path, name="your_mix")
    out = config.user_overrides([f"scenario={mine},baseline,{yours}", "seed=1"])
    assert out[1:] == ["scenario=my_mix,baseline,your_mix", "seed=1"]
    assert out[0].startswith(config.SEARCHPATH) and out[0].count(str(tmp_path / "staged")) == 2
    assert config.user_overrides([f"compare.scenarios=[baseline,{mine}]"])[1] == "compare.scenarios=[baseline,my_mix]"
    assert config.user_overrides(["scenario=baseline,volunteering"]) == ["scenario=baseline,volunteering"]
    spaced = tmp_path / "a folder"
    spaced.mkdir()
    assert config.user_overrides([f"scenario={scenario_file(spaced)}"])[1] == "scenario=my_mix"
