"""Calibration: summary statistics, free parameters, example data, and the ABC-SMC command end to end on
a tiny city (few particles: seconds, not minutes)."""

import numpy as np
import pandas as pd
import pytest

from bridges import cli
from bridges.calibration.make_example_data import degrade, site_config, synthetic_survey, true_values
from bridges.calibration.parameters import apply_parameters, check_keys, load_priors
from bridges.calibration.report import effective_sample_size, predictive_table, read_posterior_file, weighted_quantile
from bridges.calibration.statistics import summarise, true_shares
from bridges.config import compose_config, to_plain
from bridges.model.errors import InputError
from tests.conftest import ROOT


# ---- statistics ---------------------------------------------------------------------------------------
def table(**columns):
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"step": [0] * n, "community": ["receiving"] * n,
                         **{k: pd.array(v, dtype="Float64") if k == "weight" else pd.array(v, dtype="Int64")
                            for k, v in columns.items()}})


def test_weighted_mean_sd_and_shares_by_hand():
    stats = summarise(table(thermometer=[40, 80, None], contact_frequency=[1, 1, 4], weight=[3.0, 1.0, 2.0]))
    # weighted mean of 40 (w 3) and 80 (w 1) = 50; weighted sd = sqrt((3*100 + 1*900) / 4) = sqrt(300)
    assert stats["w0.receiving.thermometer_mean"] == pytest.approx(50.0)
    assert stats["w0.receiving.thermometer_sd"] == pytest.approx(np.sqrt(300.0))
    # frequency code 1 carries weight 4 of 6, code 4 weight 2 of 6
    assert stats["w0.receiving.frequency_1"] == pytest.approx(4 / 6)
    assert stats["w0.receiving.frequency_4"] == pytest.approx(2 / 6)
    assert stats["w0.receiving.frequency_5"] == 0.0


def test_unweighted_equals_unit_weights_and_correlation_sign():
    plain = table(thermometer=[20, 40, 60, 80], contact_frequency=[1, 2, 3, 5], contact_quality=[2, 3, 4, 5])
    ones = plain.assign(weight=pd.array([1.0] * 4, dtype="Float64"))
    pd.testing.assert_series_equal(summarise(plain), summarise(ones))
    stats = summarise(plain)
    assert stats["w0.receiving.contact_thermometer_corr"] == pytest.approx(np.corrcoef([1, 2, 3, 5], [20, 40, 60, 80])[0, 1])
    assert stats["w0.receiving.quality_thermometer_corr"] == pytest.approx(1.0)
    assert stats["w0.receiving.quality_mean"] == pytest.approx(3.5)


def test_misperception_gap_against_the_true_share():
    stats = summarise(table(perceived_employment=[20, 30], perceived_welfare=[90, 70]), {"employment": 46.0})
    assert stats["w0.receiving.gap_employment"] == pytest.approx(25.0 - 46.0)
    assert stats["w0.receiving.welfare_mean"] == pytest.approx(80.0)


def test_summarise_reads_the_virtual_survey():
    plain = site_config("germany", seed=1, overrides=("city.n_agents=300", "steps=8"))
    plain["survey"]["weeks"] = [8]
    survey = synthetic_survey(plain, np.random.default_rng(0))
    stats = summarise(survey, true_shares(plain["city"]))
    for community in ("receiving", "arriving"):
        assert 0 <= stats[f"w8.{community}.thermometer_mean"] <= 100
        shares = stats[[f"w8.{community}.frequency_{code}" for code in range(1, 6)]]
        assert shares.sum() == pytest.approx(1.0)
    assert "w8.receiving.gap_education" in stats and "w8.arriving.gap_education" not in stats


# ---- parameters and example data --------------------------------------------------------------------
def test_parameters_set_and_scale_config_keys():
    parameters = load_priors("default")
    plain = to_plain(compose_config(["city=germany"]))
    check_keys(plain, parameters)
    values = {**true_values(plain, parameters), "attitude_step": 0.02, "contact_rate_scale": 2.0}
    out = apply_parameters(plain, values, parameters)
    assert out["contact"]["update"]["attitude_step"] == 0.02
    for layer, spec in plain["city"]["layers"].items():
        assert out["city"]["layers"][layer]["contact_rate"] == pytest.approx(2 * spec["contact_rate"])
    assert plain["contact"]["update"]["attitude_step"] == 0.01  # the input is not changed


@pytest.mark.parametrize("text, message", [
    ("parameters: {}\n", "key parameters: must map"),
    ("parameters: {a: {key: x.y, prior: {distribution: normal, low: 0, high: 1}}}\n", "prior.distribution"),
    ("parameters: {a: {key: x.y, prior: {distribution: uniform, low: 2, high: 1}}}\n", "low < high"),
    ("parameters: {a: {key: x.y, prior: {distribution: uniform, low: 0, high: 1}, colour: red}}\n", "a.colour: unknown key"),
])
def test_malformed_priors_file(tmp_path, text, message):
    path = tmp_path / "priors.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_priors(str(path))


def test_prior_key_must_exist_in_the_config(tmp_path):
    path = tmp_path / "priors.yaml"
    path.write_text("parameters: {a: {key: contact.update.no_such_step, prior: {distribution: uniform, low: 0, high: 1}}}\n")
    with pytest.raises(InputError, match="parameter a: contact.update.no_such_step is not a numeric key"):
        check_keys(to_plain(compose_config([])), load_priors(str(path)))


def test_example_data_have_missingness_weights_and_no_agent_ids():
    survey = pd.DataFrame({"respondent": range(2000), "step": 52, "community": "receiving",
                           "thermometer": pd.array([50] * 2000, dtype="Int64"),
                           **{item: pd.array([3] * 2000, dtype="Int64") for item in
                              ("contact_frequency", "contact_quality", "anxiety", "trust", "belonging", "distress",
                               "perceived_education", "perceived_employment", "perceived_welfare")}})
    out = degrade(survey, "germany", np.random.default_rng(0))
    assert "respondent" not in out and (out.site == "germany").all()
    # 15% nonresponse on 2,000 rows: sd of the share = sqrt(.15 * .85 / 2000) = 0.008; allow 4 sd
    assert abs(out.perceived_education.isna().mean() - 0.15) < 4 * 0.008
    assert out.weight.mean() == pytest.approx(1.0, abs=1e-3) and (out.weight > 0).all()


def test_effective_sample_size_of_equal_and_uneven_weights():
    assert effective_sample_size(np.full(40, 0.025)) == pytest.approx(40.0)
    # one particle carrying half the weight, 10 sharing the rest: 1 / (0.5^2 + 10 * 0.05^2) = 1 / 0.275
    assert effective_sample_size(np.array([0.5] + [0.05] * 10)) == pytest.approx(1 / 0.275)
    assert effective_sample_size(np.array([2.0, 2.0])) == pytest.approx(2.0)  # unnormalised weights alike


def test_weighted_quantile_and_predictive_percentile():
    assert weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.1, 0.8]), 0.5) == 3.0
    simulated = pd.DataFrame({"s": np.arange(100.0)})
    row = predictive_table({"s": 24.5}, simulated).iloc[0]
    assert row.data_percentile == pytest.approx(25.0) and row.predictive_mean == pytest.approx(49.5)


def test_calibrated_config_loads_with_plus_calibrated(tmp_path):
    import shutil

    from bridges.calibration.report import calibrated_config
    from bridges.config import CONF_DIR

    parameters = load_priors("default")
    plain = to_plain(compose_config(["city=germany"]))
    summary = pd.DataFrame({"parameter": [p.name for p in parameters], "median": [0.02, 3.0, 1.0, 60.0, 2.0]})
    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    (conf / "calibrated").mkdir(exist_ok=True)
    (conf / "calibrated" / "germany.yaml").write_text(calibrated_config(plain, summary, parameters, "germany", "x.csv"))
    loaded = to_plain(compose_config(["city=germany", "+calibrated=germany"], conf_dir=conf))
    assert loaded["contact"]["update"]["attitude_step"] == 0.02
    assert loaded["city"]["groups"]["receiving"]["attitude"]["mean"] == 60.0
    rate = plain["city"]["layers"]["workplace"]["contact_rate"]
    assert loaded["city"]["layers"]["workplace"]["contact_rate"] == pytest.approx(2 * rate)
    assert loaded["city"]["groups"]["arriving"] == plain["city"]["groups"]["arriving"]


# ---- the command end to end ------------------------------------------------------------------------
TINY = ["calibration.method=smc", "city.n_agents=300", "steps=8", "calibration.population=6", "calibration.training=130", "calibration.generations=1",
        "calibration.predictive=3", "calibration.install=false"]


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    plain = site_config("germany", seed=5, overrides=("city.n_agents=300", "steps=8"))
    plain["survey"]["weeks"] = [8]
    survey = synthetic_survey(plain, np.random.default_rng(5))
    survey.to_csv(folder / "survey.csv", index=False)
    return folder, len(survey)


def calibrate(folder, name, *extra, sampler="single"):
    """A tiny calibration in this process; pyabc's single-core sampler unless told otherwise (None: the
    configured default)."""
    chosen = [f"calibration.sampler={sampler}"] if sampler else []
    return cli.main(["--config-name", "calibrate", f"calibration.data={folder / 'survey.csv'}",
                     "calibration.site=germany", f"calibration.database={folder / 'abc.db'}",
                     f"run.output_dir={folder / name}", *chosen, *TINY, *extra])


@pytest.mark.slow  # three whole ABC-SMC calibrations, predictive checks on loky worker processes
def test_calibrate_resume_and_reanalyse(tiny_data, capsys):
    import pyabc

    folder, rows = tiny_data
    assert calibrate(folder, "first") == 0
    out = folder / "first"
    sample, parameters = read_posterior_file(str(out / "posterior.parquet"))
    assert list(sample.columns) == [p.name for p in load_priors("default")] + ["weight"]
    assert sample.weight.sum() == pytest.approx(1.0) and len(sample) == 6
    assert {p.key for p in parameters} >= {"contact.update.attitude_step", "city.layers.*.contact_rate"}
    for name in ("marginals.png", "pairs.png", "predictive_check.png", "predictive_check.csv", "progress.csv",
                 "progress.png", "calibrated.yaml", "report.md"):
        assert (out / name).is_file(), name
    # calibration.install=false: nothing tells the user to load the committed file as if it were this run's
    report = (out / "report.md").read_text()
    assert "+calibrated=<this folder>/calibrated.yaml" in report and "is not this run's set" in report
    assert "+calibrated=germany`" not in report.replace("`+calibrated=germany` is not", "")
    assert "+calibrated=<this folder>/calibrated.yaml" in (out / "calibrated.yaml").read_text()
    check = pd.read_csv(out / "predictive_check.csv")
    assert check.data_percentile.between(0, 100).all() and len(check) > 20
    assert "eps" in capsys.readouterr().err  # the progress display shows each generation's tolerance
    # only aggregates: no written table has one row per respondent
    for path in out.glob("*.csv"):
        assert len(pd.read_csv(path)) != rows
    history = pyabc.History(f"sqlite:///{folder / 'abc.db'}")
    simulations = history.total_nr_simulations
    assert calibrate(folder, "again", "calibration.analyse=true") == 0
    assert pyabc.History(f"sqlite:///{folder / 'abc.db'}").total_nr_simulations == simulations
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "again" / "posterior.parquet"), sample)
    assert calibrate(folder, "more", "calibration.resume=true", "calibration.generations=1") == 0
    resumed = pd.read_csv(folder / "more" / "progress.csv")
    assert list(resumed.generation) == [0, 1]


@pytest.mark.slow  # a local Dask cluster of spawned worker processes
def test_default_sampler_runs_inside_the_threaded_test_runner(tiny_data):
    """The default sampler (a local Dask cluster of spawned workers) calibrates from a process that runs
    threads, here the test runner plus a thread kept busy with a lock, as pytest, Dask, BLAS or tqdm
    threads can be: a forked worker could inherit that lock held and deadlock. Hang guard, not a timing
    assertion: faulthandler dumps every thread's stack and ends the test process after 15 minutes."""
    import faulthandler
    import threading

    assert to_plain(compose_config([], "calibrate"))["calibration"]["sampler"] == "dask"
    folder, _ = tiny_data
    stop, lock = threading.Event(), threading.Lock()

    def busy():
        while not stop.is_set():
            with lock:
                stop.wait(0.001)

    thread = threading.Thread(target=busy, daemon=True)
    thread.start()
    faulthandler.dump_traceback_later(900, exit=True)
    try:
        assert calibrate(folder, "default", "calibration.workers=2", f"calibration.database={folder / 'dask.db'}",
                         sampler=None) == 0
    finally:
        faulthandler.cancel_dump_traceback_later()
        stop.set()
        thread.join()
    assert len(pd.read_parquet(folder / "default" / "posterior.parquet")) == 6


@pytest.mark.parametrize("extra, message", [
    (["calibration.site=atlantis"], "calibration.site: must be one of"),
    (["calibration.data=nowhere.csv"], "nowhere.csv: file not found"),
    (["calibration.population=1"], "calibration.population: must be a whole number 2 or more"),
    (["calibration.sampler=ray"], "calibration.sampler: must be one of dask, multicore, single"),
    (["calibration.analyse=true", "calibration.database=none.db"], "none.db does not exist"),
    (["calibration.training=20"], "calibration.training: must be at least"),
    (["calibration.max_simulations=140"], "calibration.max_simulations: must be at least training + 2 x population = 142"),
])
def test_bad_calibration_input_is_one_line_and_writes_nothing(tiny_data, capsys, extra, message):
    folder, _ = tiny_data
    assert calibrate(folder, "bad", *extra) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error
    assert not (folder / "bad").exists()


def test_calibration_simulates_each_draw_as_its_own_reference_world():
    """A calibration draw is a candidate for the world that produced the survey, so its people formed their
    views in it (`dynamics.reference: self`), even where the config says `site`: the statistics equal those
    of an explicit `self` run and differ from the `site` run of the same draw (a harsher world at week 0)."""
    from bridges.calibration.simulate import survey_statistics
    from bridges.model import BridgesModel
    from bridges.config import model_params

    plain = to_plain(compose_config(["city.n_agents=400", "steps=6", "survey.weeks=[6]",
                                     "contact.update.negativity_weight=6"]))
    names = ["w6.receiving.thermometer_mean", "w6.arriving.thermometer_mean"]
    truth = true_shares(plain["city"])

    def statistics(reference: str) -> dict[str, float]:
        model = BridgesModel(model_params({**plain, "dynamics": {**plain["dynamics"], "reference": reference}}))
        for _ in range(6):
            model.step()
        return summarise(model.survey_table(), truth).reindex(names).to_dict()

    assert plain["dynamics"]["reference"] == "site"
    assert survey_statistics(plain, names, truth) == statistics("self") != statistics("site")


def test_every_calibration_config_is_its_own_reference_world():
    """calibration.cli.base_config, where every calibration simulation and the recovery study's data start,
    sets `dynamics.reference: self`, even when the user's overrides ask for `site`."""
    from bridges.calibration.cli import base_config

    assert base_config("germany", [])["dynamics"]["reference"] == "self"
    assert base_config("germany", ["dynamics.reference=site"])["dynamics"]["reference"] == "self"


def test_the_example_surveys_truth_is_known_and_no_other_files():
    from bridges.calibration.report import synthetic_truth

    data = ROOT / "calibration" / "data"
    truth = synthetic_truth(str(data / "germany_synthetic.csv"), "germany")
    assert truth == {"attitude_step": 0.01, "negativity_weight": 2.0, "quality_intercept": 0.5,
                     "receiving_attitude": 55.0, "contact_rate_scale": 1.0}
    assert synthetic_truth(str(data / "germany_synthetic.csv"), "sweden") is None  # another site's file
    assert synthetic_truth("my_survey.csv", "germany") is None


def test_marginals_draw_the_prior_and_the_truth(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from bridges.calibration import report

    parameters = load_priors("default")
    rng = np.random.default_rng(1)
    sample = pd.DataFrame({p.name: rng.uniform(p.low, p.high, 50) for p in parameters} | {"weight": 1 / 50})
    truth = {p.name: (p.low + p.high) / 2 for p in parameters}
    figures = []
    monkeypatch.setattr(report.plt, "close", figures.append)  # keep the figures to look at them
    report.plot_posterior(sample, parameters, tmp_path, truth)
    marginals = figures[0]
    for axis, p in zip(marginals.axes, parameters):
        prior, true = axis.get_lines()
        grid = prior.get_xdata()
        assert prior.get_ydata() == pytest.approx(p.frozen().pdf(grid))  # the prior's density over its range
        assert true.get_xdata()[0] == truth[p.name]
    plt.close("all")
    assert (tmp_path / "marginals.png").is_file() and (tmp_path / "pairs.png").is_file()


def test_the_generation_bar_shows_each_generations_acceptance_rate(capsys):
    import logging

    from bridges.calibration.abc import GenerationBar

    bar = GenerationBar(3)
    for message in ("t: 0, eps: 1.50000000e+00.", "Accepted: 6 / 24 = 2.5000e-01, ESS: 6.0000e+00.",
                    "t: 1, eps: 9.00000000e-01.", "Accepted: 6 / 60 = 1.0000e-01, ESS: 5.0000e+00."):
        bar.emit(logging.LogRecord("ABC", logging.INFO, "", 0, message, None, None))
    assert bar.bar.n == 2 and bar.bar.postfix == "last: 6 of 60 accepted (10.0%)"
    bar.emit(logging.LogRecord("ABC", logging.INFO, "", 0, "Stop: Maximum number of generations.", None, None))
    assert "calibration Stop: Maximum number of generations." in capsys.readouterr().err
