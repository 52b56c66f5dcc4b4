"""Global sensitivity analysis (bridges.scenarios.sensitivity): SALib's Morris and Sobol on toy functions
with known answers, the study file's checks, reproducibility on common random numbers, and the CLI."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from bridges.config import compose_config, to_plain
from bridges.scenarios.sensitivity import evaluate_and_write, prepare
from bridges.scenarios.sensitivity_indices import design, morris_indices, sobol_indices
from bridges.scenarios.sensitivity_options import sensitivity_options
from bridges.scenarios.sensitivity_report import sentences
from bridges.scenarios.sensitivity_runs import LAUNCHERS, apply_point, simulate
from bridges.scenarios.sensitivity_study import Outcome, Parameter, Study, load_study
from tests.inprocess import assert_clean_rejection, run_main

ROOT = Path(__file__).resolve().parents[1]
TINY = ["city.n_agents=300", "steps=4", "sensitivity.trajectories=2", "sensitivity.resamples=20",
        "sensitivity.launcher=serial", "run.progress=off"]
"""A sensitivity run of seconds: 300 residents, 4 weeks, 2 Morris trajectories, in this process."""


def toy_study(count: int) -> Study:
    parameters = tuple(Parameter(f"x{i}", f"toy.x{i}", 0.0, 1.0, unit="-", meaning="-", source="-")
                       for i in range(count))
    return Study("toy", "", parameters, (Outcome("y", "all", "toy", "final", None, "-", "-"),))


def options(plain_overrides: list[str]):
    return sensitivity_options(to_plain(compose_config(plain_overrides, "sensitivity")))


def test_morris_ranks_a_linear_function_by_its_coefficients():
    """y = sum c_i x_i on [0, 1]^k: every elementary effect of x_i is exactly c_i, so mu* = |c_i| and the
    ranking is the order of |c_i|, with no tolerance needed beyond rounding."""
    coefficients = np.array([0.5, -8.0, 3.0, 0.0, 1.5, -0.2])
    study = toy_study(len(coefficients))
    chosen = options(["sensitivity.trajectories=10"])
    unit = design(study, chosen, seed=1)
    outputs = (unit @ coefficients)[:, None]
    indices = morris_indices(study, unit, outputs, chosen, seed=1)
    mu_star = indices[indices["index"] == "mu_star"].set_index("parameter")
    np.testing.assert_allclose(mu_star.value.to_numpy(), np.abs(coefficients), atol=1e-9)
    expected_order = [f"x{i}" for i in np.argsort(-np.abs(coefficients), kind="stable")]
    assert mu_star.sort_values("rank").index.tolist() == expected_order


def test_morris_mu_and_the_sobol_slope_give_the_sign_of_a_linear_effect():
    """y = sum c_i x_i: Morris mu is exactly c_i (every elementary effect is c_i) and its sign the direction;
    the Sobol design's one-at-a-time pairs change y by exactly c_i dx, so the slope is c_i too, with no
    tolerance beyond rounding, and a parameter with c_i = 0 has no direction."""
    coefficients = np.array([0.5, -8.0, 3.0, 0.0, -0.2])
    study = toy_study(len(coefficients))
    chosen = options(["sensitivity.trajectories=10"])
    unit = design(study, chosen, seed=1)
    morris = morris_indices(study, unit, (unit @ coefficients)[:, None], chosen, seed=1)
    mu = morris[morris["index"] == "mu"].set_index("parameter").loc[[f"x{i}" for i in range(5)]]
    np.testing.assert_allclose(mu.value.to_numpy(), coefficients, atol=1e-9)
    assert mu.direction.tolist() == [1, -1, 1, 0, -1]
    assert mu.signed_effect.tolist() == mu.value.tolist()
    chosen = options(["sensitivity.method=sobol", "sensitivity.samples=256", "sensitivity.resamples=20"])
    unit = design(study, chosen, seed=2)
    sobol = sobol_indices(study, unit, (unit @ coefficients)[:, None], chosen, seed=2)
    first = sobol[sobol["index"] == "S1"].set_index("parameter").loc[[f"x{i}" for i in range(5)]]
    np.testing.assert_allclose(first.signed_effect.to_numpy(), coefficients, atol=1e-9)
    assert first.direction.tolist() == [1, -1, 1, 0, -1]


def test_a_morris_effect_that_goes_both_ways_has_no_direction():
    """y = |x0 - 1/2| + x1: on Morris's grid x0's elementary effects are +-1 (y falls toward the middle and
    rises beyond it), so mu is within its standard error of 0 and x0 has no direction; x1's are all +1."""
    study = toy_study(2)
    chosen = options(["sensitivity.trajectories=20"])
    unit = design(study, chosen, seed=4)
    indices = morris_indices(study, unit, (np.abs(unit[:, 0] - 0.5) + unit[:, 1])[:, None], chosen, seed=4)
    mu = indices[indices["index"] == "mu"].set_index("parameter")
    assert mu.direction.tolist() == [0, 1]


@pytest.mark.parametrize("slope, flagged", [(+1.0, True), (-1.0, False)])
def test_a_direction_against_the_directions_table_is_flagged(slope, flagged):
    """The table says raising the negativity weight lowers receiving members' attitudes: an outcome that rises
    with it is flagged "direction differs from the table", one that falls is not; a parameter the table lacks
    has no table sign and is never flagged."""
    parameters = (Parameter("negativity", "contact.update.negativity_weight", 1.0, 5.0),
                  Parameter("toy", "toy.x", 0.0, 1.0))
    study = Study("toy", "", parameters, (Outcome("attitude", "receiving", "attitude_mean", "final"),))
    chosen = options(["sensitivity.trajectories=6"])
    unit = design(study, chosen, seed=1)
    indices = morris_indices(study, unit, (unit @ np.array([slope, 1.0]))[:, None], chosen, seed=1)
    rows = indices[indices["index"] == "mu_star"].set_index("parameter")
    assert rows.table_direction["negativity"] == -1 and rows.table_direction.isna()["toy"]
    assert bool(rows.differs_from_table["negativity"]) is flagged and not rows.differs_from_table["toy"]
    (line,) = sentences(indices, study, "morris")
    assert ("Direction differs from the table: negativity (table lowers, here raises)" in line) is flagged
    assert ("mu -1: raising it lowers it" in line) is not flagged


def test_sobol_total_indices_rank_the_g_function_by_its_importance():
    """Sobol's G function, g = prod (|4x - 2| + a_i) / (1 + a_i): the smaller a_i, the more important x_i
    (analytic first-order shares for a = 0, 1, 4.5, 9, 99: 0.717, 0.179, 0.024, 0.007, 0.000). With N = 1,024
    the bootstrap half-widths are below 0.05, well under the gaps between neighbouring analytic values
    except the last two (0.007 vs 0.000), so only the first three ranks are asserted, and each S1 within
    0.05 of its analytic value."""
    a = np.array([0.0, 1.0, 4.5, 9.0, 99.0])
    study = toy_study(len(a))
    chosen = options(["sensitivity.method=sobol", "sensitivity.samples=1024", "sensitivity.resamples=200"])
    unit = design(study, chosen, seed=3)
    outputs = np.prod((np.abs(4 * unit - 2) + a) / (1 + a), axis=1)[:, None]
    indices = sobol_indices(study, unit, outputs, chosen, seed=3)
    total = indices[indices["index"] == "ST"].sort_values("rank")
    assert total.parameter.tolist()[:3] == ["x0", "x1", "x2"]
    first = indices[indices["index"] == "S1"].set_index("parameter").value
    partial = 1 / (3 * (1 + a) ** 2)
    analytic = partial / (np.prod(1 + partial) - 1)
    np.testing.assert_allclose(first.to_numpy(), analytic, atol=0.05)
    assert (indices.ci_low <= indices.value).all() and (indices.value <= indices.ci_high).all()


def test_parameters_map_the_unit_interval_onto_their_range():
    linear = Parameter("a", "k", 2.0, 6.0)
    logged = Parameter("b", "k", 0.1, 10.0, log=True)
    assert (linear.value(0), linear.value(0.5), linear.value(1)) == (2.0, 4.0, 6.0)
    assert logged.value(0.5) == pytest.approx(1.0) and logged.value(1) == pytest.approx(10.0)
    assert Parameter("c", "k", 25, 200, integer=True).value(0.5) == 112


def test_apply_point_sets_or_multiplies_every_matched_key_and_skips_absent_ones():
    plain = {"city": {"layers": {"a": {"contact_rate": 2.0}, "b": {"contact_rate": 0.5}}, "share": 0.1}}
    parameters = (Parameter("scale", "city.layers.*.contact_rate", 0.5, 2, multiply=True),
                  Parameter("share", "city.share", 0, 1),
                  Parameter("coverage", "interventions.volunteering.delivery.coverage", 0, 1))
    out = apply_point(plain, parameters, {"scale": 3.0, "share": 0.4, "coverage": 0.1})
    assert out == {"city": {"layers": {"a": {"contact_rate": 6.0}, "b": {"contact_rate": 1.5}}, "share": 0.4}}
    assert plain["city"]["share"] == 0.1  # the input is not changed


def test_the_shipped_studies_declare_every_range_with_meaning_unit_and_source():
    for path in sorted((ROOT / "conf" / "sensitivity").glob("*.yaml")):
        study = load_study(str(path))
        assert all(p.unit and p.meaning and p.source for p in study.parameters)
    assert len(load_study("default").parameters) >= 12


def small_study(tmp_path: Path, keep: tuple[str, ...] = ("quality_intercept", "contact_rate_scale", "arriving_share",
                                                         "attitude_step")) -> Path:
    """Four parameters (or those in `keep`) and two outcomes of the default study: 10 simulations per
    Morris run of r = 2 (k + 1 per trajectory)."""
    content = yaml.safe_load((ROOT / "conf" / "sensitivity" / "default.yaml").read_text())
    content["parameters"] = {name: content["parameters"][name] for name in keep}
    content["outcomes"] = {name: content["outcomes"][name] for name in ("attitude_change_receiving", "contact_arriving")}
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


def sensitivity_run(tmp_path: Path, name: str, extra: list[str]) -> tuple[Path, list[str]]:
    overrides = [*TINY, *extra]
    prepared = prepare(to_plain(compose_config(overrides, "sensitivity")), overrides)
    folder = tmp_path / name
    folder.mkdir()
    return folder, evaluate_and_write(prepared, folder, "off", LAUNCHERS["serial"])


@pytest.mark.slow  # two whole sensitivity studies, end to end
def test_the_same_sensitivity_run_twice_gives_identical_indices(tmp_path):
    """Seeded design and seeded simulations (the same seeds at every point): byte-identical tables."""
    study = small_study(tmp_path)
    first, lines = sensitivity_run(tmp_path, "a", ["seed=5", f"sensitivity.study={study}"])
    second, _ = sensitivity_run(tmp_path, "b", ["seed=5", f"sensitivity.study={study}"])
    for table in ("indices.parquet", "design.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(first / table), pd.read_parquet(second / table))
    assert (first / "indices.csv").read_bytes() == (second / "indices.csv").read_bytes()
    indices = pd.read_parquet(first / "indices.parquet")
    assert set(indices.outcome) == {"attitude_change_receiving", "contact_arriving"}
    assert len(indices) == 2 * 4 * 3  # outcomes x parameters x (mu_star, mu, sigma)
    assert len(lines) == 2 and all("depends most on" in line for line in lines)
    other, _ = sensitivity_run(tmp_path, "c", ["seed=6", f"sensitivity.study={study}"])
    assert not pd.read_parquet(other / "design.parquet").equals(pd.read_parquet(first / "design.parquet"))


def test_an_effect_outcome_is_the_scenario_minus_baseline_on_the_same_seeds():
    """At a design point, the effect is the volunteering run minus the baseline run of the same config
    and seed, averaged over the seeds: recomputed here from two independent simulations."""
    overrides = [*TINY, "sensitivity.study=volunteering_effect", "steps=8", "sensitivity.replicates=2"]
    prepared = prepare(to_plain(compose_config(overrides, "sensitivity")), overrides)
    evaluator = prepared.evaluator
    assert sorted(evaluator.configs) == ["baseline", "volunteering"] and evaluator.seeds == (0, 1)
    point = [0.5] * len(evaluator.parameters)
    values = {p.name: p.value(0.5) for p in evaluator.parameters}
    by_hand = []
    for seed in (0, 1):
        runs = {name: simulate({**apply_point(plain, evaluator.parameters, values), "seed": seed})
                for name, plain in evaluator.configs.items()}
        by_hand.append([o.read(runs["volunteering"]) - o.read(runs["baseline"]) for o in evaluator.outcomes])
    result = evaluator(point)
    np.testing.assert_array_equal(result["outcomes"], np.mean(by_hand, axis=0))
    assert any(value != 0 for value in result["outcomes"])  # 8 weeks of buddy pairs move someone


def test_a_points_overrides_compose_to_the_config_it_simulates():
    """A sweep launcher runs command lines: composing a point's overrides (user overrides, scenario,
    every matched key, seed) must give exactly the config the evaluator simulates in-process."""
    overrides = [*TINY, "sensitivity.study=volunteering_effect", "city.n_agents=400"]
    evaluator = prepare(to_plain(compose_config(overrides, "sensitivity")), overrides).evaluator
    point = [0.3, 0.8, 0.1, 0.55, 0.9, 0.2, 0.7, 0.45]
    values = evaluator.values(point)
    for (scenario, seed), items in evaluator.overrides(point).items():
        composed = to_plain(compose_config(items))
        expected = {**apply_point(evaluator.configs[scenario], evaluator.parameters, values), "seed": seed}
        assert {k: v for k, v in composed.items() if k != "run"} == {k: v for k, v in expected.items() if k != "run"}


def write_study(tmp_path: Path, change) -> Path:
    content = yaml.safe_load((ROOT / "conf" / "sensitivity" / "default.yaml").read_text())
    change(content)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


BAD_STUDIES = {
    "source": lambda c: c["parameters"]["attitude_step"].pop("source"),
    "low": lambda c: c["parameters"]["segregation"].update(low=2.0),
    "threat_attitude": lambda c: c["parameters"]["threat_attitude"].update(key="dynamics.threat.nothing"),
    "arriving_share": lambda c: c["parameters"]["arriving_share"].update(high=1.5),
    "metric": lambda c: c["outcomes"]["contact_arriving"].update(metric="contact_rate"),
    "effect_of": lambda c: c["outcomes"]["contact_arriving"].update(effect_of="nowhere"),
}
"""What a study file can get wrong -> a word the one-line error must contain."""


@pytest.mark.parametrize("word", sorted(BAD_STUDIES))
def test_a_bad_study_is_refused_in_one_line_before_anything_is_written(tmp_path, capsys, word):
    study = write_study(tmp_path, BAD_STUDIES[word])
    out = tmp_path / "out"
    result = run_main(capsys, tmp_path, "--config-name", "sensitivity", f"sensitivity.study={study}",
                      f"run.output_dir={out}", *TINY)
    assert_clean_rejection(result, word, tmp_path, {study})
    assert not out.exists()


@pytest.mark.parametrize("override, word", [("sensitivity.method=fast", "sensitivity.method"),
                                            ("sensitivity.samples=100", "power of two"),
                                            ("sensitivity.levels=3", "sensitivity.levels"),
                                            ("sensitivity.study=nothing", "sensitivity.study"),
                                            ("sensitivity.trajectories=1", "sensitivity.trajectories"),
                                            ("sensitivity.sweep_launcher=slurm", "sensitivity.sweep_launcher"),
                                            ("sensitivity.sweep_settings=[a]", "sensitivity.sweep_settings")])
def test_bad_options_are_refused_in_one_line(tmp_path, capsys, override, word):
    result = run_main(capsys, tmp_path, "--config-name", "sensitivity", *TINY, override)
    assert_clean_rejection(result, word, tmp_path)


@pytest.mark.slow  # a real run.py process with two joblib worker processes
def test_a_small_sensitivity_run_through_the_command_line(tmp_path):
    out = tmp_path / "screening"
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "--config-name", "sensitivity", *TINY,
                           f"sensitivity.study={small_study(tmp_path)}", "sensitivity.launcher=joblib",
                           "sensitivity.jobs=2", f"run.output_dir={out}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "depends most on" in done.stdout and f"wrote {out}" in done.stdout
    for name in ("indices.parquet", "indices.csv", "design.parquet", "convergence.csv", "report.md",
                 "config.yaml", "indices_attitude_change_receiving.png", "indices_contact_arriving.png"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "indices.csv")
    assert {"method", "outcome", "parameter", "index", "value", "ci_low", "ci_high", "confidence", "rank"} <= set(table)


def test_a_sobol_run_writes_first_order_and_total_indices_with_intervals(tmp_path):
    study = small_study(tmp_path)
    folder, lines = sensitivity_run(tmp_path, "sobol", [f"sensitivity.study={study}", "sensitivity.method=sobol",
                                                        "sensitivity.samples=4"])
    indices = pd.read_parquet(folder / "indices.parquet")
    assert len(pd.read_parquet(folder / "design.parquet")) == 4 * (4 + 2)
    assert set(indices["index"]) == {"S1", "ST"} and len(indices) == 2 * 4 * 2
    assert (indices.ci_low <= indices.ci_high).all() and not (folder / "convergence.csv").exists()
    assert all("ST" in line for line in lines)


SWEEP = ["sensitivity.launcher=sweep", "sensitivity.sweep_launcher=basic"]
"""The sweep path with the sweep's in-process launcher (the sweep's own tests cover joblib and submitit)."""


@pytest.mark.slow  # a sensitivity study through the sweep launcher, twice, end to end
def test_the_sweep_launcher_gives_the_in_process_indices_and_a_rerun_reuses_every_run(tmp_path, capsys):
    """Every simulation as a run of a resumable sweep (run folders read back from timeseries.parquet):
    the same design and seeds give exactly the in-process indices. The runs outlive the analysis, so a
    second analysis over the same sweep folder launches nothing and gives the same indices again."""
    study = small_study(tmp_path, keep=("quality_intercept", "contact_rate_scale"))  # 6 points at r = 2
    extra = ["seed=3", f"sensitivity.study={study}"]
    in_process, _ = sensitivity_run(tmp_path, "in_process", extra)
    sweep_dir = tmp_path / "pool"
    outputs = []
    for name in ("swept", "again"):
        outputs.append(tmp_path / name)
        result = run_main(capsys, tmp_path, "--config-name", "sensitivity", *TINY, *extra, *SWEEP,
                          f"sensitivity.sweep_dir={sweep_dir}", f"run.output_dir={outputs[-1]}")
        assert result.code == 0, result.stderr
        for table in ("indices.parquet", "design.parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(outputs[-1] / table), pd.read_parquet(in_process / table))
    first, second = (pd.read_csv(folder / "runs.csv") for folder in outputs)
    assert len(first) == 6 and first.folder.map(lambda f: Path(f).parent.parent == sweep_dir).all()
    pd.testing.assert_frame_equal(first, second)
    distinct = sorted(set(first.config_hash))  # Morris trajectories may share a point: that runs once
    assert f"{len(distinct)} distinct runs, {len(distinct)} already complete; launching 0" in result.stdout
    assert sorted(p.name for p in (sweep_dir / "runs").iterdir()) == distinct


@pytest.mark.parametrize("override, word", [("sensitivity.sweep_settings={no_such_setting:1}", "no_such_setting"),
                                            ("sensitivity.sweep_dir=taken", "sensitivity.sweep_dir"),
                                            ("sensitivity.sweep_dir=out/runs", "sensitivity.sweep_dir")])
def test_a_bad_sweep_set_up_is_refused_in_one_line_before_anything_is_written(tmp_path, capsys, override, word):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("a user's folder, not a sweep's")
    before = set(tmp_path.rglob("*"))
    result = run_main(capsys, tmp_path, "--config-name", "sensitivity", *TINY, *SWEEP, override,
                      f"sensitivity.study={small_study(tmp_path, keep=('quality_intercept', 'attitude_step'))}",
                      f"run.output_dir={tmp_path / 'out'}")
    assert_clean_rejection(result, word, tmp_path, before | {tmp_path / "small.yaml"})
