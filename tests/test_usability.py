"""What got in the way of researchers, students and wheel users (issue 25), each tried as they would:
your own scenario file or config folder, --cfg that checks, the hints, `bridges examples`, a missing
extra, a run folder's pictures and JSON that is JSON."""

import json
import math
import sys

import pytest

from bridges import extras
from bridges.dashboard import solara_command
from bridges import config
from bridges.outputs import PICTURES, write_json
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


def test_a_scenario_file_given_as_a_path_is_checked_and_printed_by_cfg(capsys, tmp_path):
    result = run_main(capsys, tmp_path, f"scenario={scenario_file(tmp_path)}", "--cfg")
    assert result.code == 0, result.stderr
    assert "buddies:" in result.stdout and "counselling:" in result.stdout


def test_cfg_stops_at_a_misspelt_key_in_a_scenario_file(capsys, tmp_path):
    path = scenario_file(tmp_path, TEMPLATE.replace("      coverage: 0.05", "      covrage: 0.05"))
    result = run_main(capsys, tmp_path, f"scenario={path}", "--cfg")
    assert_clean_rejection(result, "interventions.buddies.delivery.covrage: unknown config key", tmp_path,
                           {path})
    assert result.stdout == ""


def test_cfg_checks_values_and_every_scenario_of_a_comparison(capsys, tmp_path):
    assert_clean_rejection(run_main(capsys, tmp_path, "city.n_agents=-4", "--cfg"), "city.n_agents: must be in",
                           tmp_path)
    result = run_main(capsys, tmp_path, "--config-name", "compare", "compare.scenarios=[baseline,mhpss]",
                      "compare.variants.short=[mhpss,interventions.mhpss.delivery.coverage=2]", "--cfg")
    assert_clean_rejection(result, "interventions.mhpss.delivery.coverage: must be in [0, 1]", tmp_path)
    for name in ("calibrate", "sensitivity", "validate"):  # their own sections are not model keys
        assert run_main(capsys, tmp_path, "--config-name", name, "--cfg").code == 0
    assert_clean_rejection(run_main(capsys, tmp_path, "--config-name", "calibrate", "steps=0", "--cfg"),
                           "steps: must be in", tmp_path)


def test_a_scenario_without_its_package_line_says_what_is_missing(capsys, tmp_path):
    path = scenario_file(tmp_path, TEMPLATE.replace("# @package _global_\n", ""))
    result = run_main(capsys, tmp_path, f"scenario={path}", *SMALL)
    assert_clean_rejection(result, "does not start with the line '# @package _global_'", tmp_path, {path})


def test_a_plain_override_in_a_comparison_suggests_a_variant(capsys, tmp_path):
    result = run_main(capsys, tmp_path, "--config-name", "compare", "compare.scenarios=[baseline,volunteering]",
                      "interventions.volunteering.delivery.coverage=0.5")
    assert_clean_rejection(result, "compare.variants.volunteering_tuned=[SCENARIO,"
                           "interventions.volunteering.delivery.coverage=0.5]", tmp_path)


def test_a_config_folder_adds_its_options(capsys, tmp_path):
    (tmp_path / "mine" / "scenario").mkdir(parents=True)
    scenario_file(tmp_path / "mine" / "scenario")
    result = run_main(capsys, tmp_path, "--config-dir", "mine", "scenario=my_mix", "--cfg")
    assert result.code == 0, result.stderr
    assert "scenario_name: my_mix" in result.stdout
    assert "my_mix" in config.config_groups()["scenario"]


def test_a_config_folder_is_guarded_like_every_input(capsys, tmp_path):
    assert_clean_rejection(run_main(capsys, tmp_path, "--config-dir", "absent", "--cfg"),
                           "--config-dir: absent: no such folder", tmp_path)
    (tmp_path / "mine" / "city").mkdir(parents=True)
    (tmp_path / "mine" / "city" / "home.yaml").write_text("# @package _global_\nseed: ${oc.env:HOME}\n")
    before = set(tmp_path.rglob("*"))
    assert_clean_rejection(run_main(capsys, tmp_path, "--config-dir", "mine", "--cfg"),
                           "interpolations that call resolvers", tmp_path, before)


def test_help_shows_the_command_as_it_was_called(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/venv/bin/bridges"])
    text = run_main(capsys, tmp_path, "--help").stdout
    assert "bridges scenario=co_creation" in text and "python run.py" not in text
    monkeypatch.setattr(sys, "argv", ["run.py"])
    assert "python run.py scenario=co_creation" in run_main(capsys, tmp_path, "--help").stdout


def test_examples_copies_the_surveys_and_the_template_and_keeps_yours(capsys, tmp_path):
    result = run_main(capsys, tmp_path, "examples", "here")
    assert result.code == 0, result.stderr
    surveys = tmp_path / "here" / "calibration" / "data"
    assert (surveys / "germany_synthetic.csv").read_bytes() == (ROOT / "calibration/data/germany_synthetic.csv").read_bytes()
    template = tmp_path / "here" / "scenario_template.yaml"
    template.write_text("mine")
    again = run_main(capsys, tmp_path, "examples", "here")
    assert again.code == 0 and "copied 0 example files" in again.stdout and template.read_text() == "mine"


@pytest.mark.parametrize(("argv", "extra"), [
    (["dashboard"], "dashboard"),
    (["--config-name", "calibrate", "calibration.data=calibration/data/germany_synthetic.csv"], "calibration"),
    (["-m", "seed=0,1", "hydra/launcher=submitit_local"], "cluster"),
])
def test_a_missing_extra_is_one_line_naming_it(capsys, tmp_path, monkeypatch, argv, extra):
    monkeypatch.setattr(extras, "installed", lambda module: False)
    assert_clean_rejection(run_main(capsys, tmp_path, *argv), f"pip install 'bridges[{extra}]'", tmp_path)


def test_dashboard_options_become_solara_options():
    command = solara_command(["--host", "0.0.0.0", "--port=9000"])
    assert command[3:] == ["run", str(ROOT / "bridges" / "app.py"), "--host", "0.0.0.0", "--port", "9000",
                           "--production", "--no-open", "--no-check-version"]
    assert (ROOT / "bridges" / "app.py").resolve() == ROOT / "app.py"


def test_json_files_write_null_for_a_missing_figure(tmp_path):
    write_json(tmp_path / "complete.json", {"outcomes": {"arriving": {"weekly_contact_share": math.nan}},
                                            "seed": 3, "spread": [1.5, math.inf]})
    text = (tmp_path / "complete.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    loaded = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert loaded == {"outcomes": {"arriving": {"weekly_contact_share": None}}, "seed": 3, "spread": [1.5, None]}


def test_a_run_folder_has_every_picture(capsys, tmp_path):
    result = run_main(capsys, tmp_path, *SMALL, "scenario=volunteering", "run.output_dir=out")
    assert result.code == 0, result.stderr
    pictures = {path.name for path in (tmp_path / "out").glob("*.png")}
    assert pictures == set(PICTURES)
    for name in pictures:
        assert (tmp_path / "out" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert name in (tmp_path / "out" / "report.md").read_text()


def test_a_scenario_has_one_colour_whatever_else_is_in_the_figure():
    from bridges.plots import SCENARIOS, scenario_colours

    alone = scenario_colours(["mhpss"])
    crowded = scenario_colours(["baseline", "volunteering", "my_mix", "vol_low", "mhpss"])
    assert alone["mhpss"] == crowded["mhpss"]
    assert scenario_colours(["vol_low"])["vol_low"] == crowded["vol_low"]
    assert len(set(crowded.values())) == len(crowded)  # no two scenarios of one figure share a colour
    assert len(set(scenario_colours(["baseline", *SCENARIOS]).values())) == len(SCENARIOS) + 1
    assert (ROOT / "conf" / "scenario").is_dir() and {p.stem for p in (ROOT / "conf" / "scenario").glob("*.yaml")} \
        == {"baseline", *SCENARIOS}  # every shipped scenario has its fixed colour


def test_distress_is_on_its_0_1_scale_in_the_comparison_as_everywhere(small_params):
    from bridges.model import BridgesModel
    from bridges.scenarios.compare import PERSON_OUTCOMES, person_values

    model = BridgesModel(small_params)
    values = person_values(model.state)
    assert (values["distress"] == model.state.distress).all() and values["distress"].max() <= 1.0
    assert PERSON_OUTCOMES["distress"][3] == PERSON_OUTCOMES["distress_arriving"][3] == "distress (0-1)"


@pytest.mark.slow  # a sweep through Hydra's joblib launcher: a worker process
def test_a_config_folder_reaches_the_workers_of_a_sweep(capsys, tmp_path):
    (tmp_path / "mine" / "scenario").mkdir(parents=True)
    scenario_file(tmp_path / "mine" / "scenario")
    result = run_main(capsys, tmp_path, "-m", "--config-dir", "mine", "scenario=my_mix,baseline", *SMALL,
                      "hydra.launcher.n_jobs=1", "run.output_dir=sweep")
    assert result.code == 0, result.stderr
    table = (tmp_path / "sweep" / "aggregate.csv").read_text()
    assert ",my_mix," in table and ",baseline," in table and "searchpath" not in table


@pytest.mark.parametrize("argv0, shown", [("/home/me/venv/bin/bridges", "bridges"), ("run.py", "python run.py")])
def test_hints_name_the_command_the_user_ran(capsys, tmp_path, monkeypatch, argv0, shown):
    """A wheel user typed `bridges`: the one-line errors' hints say `bridges ...`, never `python run.py`,
    which a wheel does not have (issue 25); a checkout's run.py keeps `python run.py`."""
    monkeypatch.setattr(sys, "argv", [argv0])
    result = run_main(capsys, tmp_path, "interventions.mhpss.delivery.covrage=0.5", "scenario=mhpss", "--cfg")
    assert_clean_rejection(result, f"covrage: unknown config key ({shown} --help lists the groups)", tmp_path)
    path = scenario_file(tmp_path, TEMPLATE.replace("# @package _global_\n", ""))
    result = run_main(capsys, tmp_path, f"scenario={path}", *SMALL)
    assert_clean_rejection(result, f"(docs/ in a checkout; {shown} examples copies it)", tmp_path, {path})


def test_the_dashboard_names_the_command_by_where_its_page_sits(tmp_path):
    """app.py beside run.py (a checkout, also through bridges/app.py's link) says `python run.py`; the wheel's
    copy in site-packages/bridges/ says `bridges`."""
    from bridges.invocation import command_beside

    assert command_beside(str(ROOT / "app.py")) == command_beside(str(ROOT / "bridges" / "app.py")) == "python run.py"
    (tmp_path / "bridges").mkdir()
    (tmp_path / "bridges" / "app.py").write_text("")
    assert command_beside(str(tmp_path / "bridges" / "app.py")) == "bridges"


def test_run_plots_draws_pictures_for_single_runs_and_not_for_sweep_points_unless_asked():
    from bridges.run_folder import draws_pictures

    assert [draws_pictures(plots, sweep_point=False) for plots in ("auto", "on", "off")] == [True, True, False]
    assert [draws_pictures(plots, sweep_point=True) for plots in ("auto", "on", "off")] == [False, True, False]


def test_run_plots_off_writes_no_picture_and_the_report_says_so(capsys, tmp_path):
    result = run_main(capsys, tmp_path, *SMALL, "run.plots=off", "run.output_dir=out")
    assert result.code == 0, result.stderr
    assert not list((tmp_path / "out").glob("*.png"))
    report = (tmp_path / "out" / "report.md").read_text()
    assert "- no pictures: `run.plots=off`" in report and not any(name in report for name in PICTURES)
    before = set(tmp_path.rglob("*"))
    assert_clean_rejection(run_main(capsys, tmp_path, *SMALL, "run.plots=maybe"), "run.plots: must be one of auto, "
                           "on, off", tmp_path, before)


@pytest.mark.slow  # two sweeps end to end (draws_pictures' unit test above stays in the fast tier)
def test_a_sweep_point_has_no_pictures_by_default_and_has_them_with_run_plots_on(capsys, tmp_path):
    """One point each through the in-process launcher: the sweep's own plots replace ten pictures a point."""
    for plots, expected in (("auto", set()), ("on", set(PICTURES))):
        result = run_main(capsys, tmp_path, "-m", *SMALL, f"run.plots={plots}", "hydra/launcher=basic",
                          f"run.output_dir=sweep_{plots}")
        assert result.code == 0, result.stderr
        (run,) = (tmp_path / f"sweep_{plots}" / "runs").iterdir()
        assert {path.name for path in run.glob("*.png")} == expected


def test_a_calibration_summary_prints_as_lines_not_one_escaped_line():
    """The terminal printed the calibration's summary as one line of literal '\\n' cut after 800 characters."""
    from bridges.cli import calibration_summary, one_line

    report = ("# Calibration: germany\n\nData: `germany_synthetic.csv`.\n\n## Posterior\n\n"
              + "".join(f"| p{i} | `contact.key_{i}` | uniform(0, 1) | 0.5 |\n" for i in range(40))
              + "\n## Progress\n\n| generation |\n")
    lines = calibration_summary(report)
    assert lines[0] == "# Calibration: germany" and lines[-1].startswith("| p39 |") and len(lines) == 46
    assert [one_line(line) for line in lines] == lines  # nothing escaped or cut when printed


def test_a_sweep_plot_stops_at_the_outcome_scale_however_wide_the_interval():
    """Two seeds (t = 12.7) stretched the attitude axis to 120 and a share's past 1; seeds tick as whole numbers."""
    import pandas as pd

    from bridges.sweep import PLOTTED, sweep_figure

    table = pd.DataFrame([{"run": f"r{seed}", "seed": seed, "group": group, "outcome": outcome, "value": value}
                          for seed, attitude, share in ((0, 78.0, 0.95), (1, 71.0, 0.55))
                          for group in ("arriving", "receiving")
                          for outcome, value in (("attitude_end", attitude), ("weekly_contact_share", share))])
    for outcome in ("attitude_end", "weekly_contact_share"):
        for axis in sweep_figure(table, ["seed"], outcome).axes:
            low, high = axis.get_ylim()
            assert PLOTTED[outcome][0] <= low < high <= PLOTTED[outcome][1], (outcome, low, high)
            assert all(float(tick).is_integer() for tick in axis.get_xticks())
