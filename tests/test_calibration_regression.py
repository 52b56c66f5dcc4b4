"""The regression method's pieces (calibration/regression.py) on problems whose answer is known, and the
default calibration end to end at a tiny budget."""

import numpy as np
import pandas as pd
import pytest

from bridges import cli
from bridges.calibration.parameters import FreeParameter, load_priors
from bridges.calibration.regression import (PENALTIES, from_unbounded, learned_summary, read_reference,
                                            reference_draws, regression_adjust, to_unbounded, write_reference)
from bridges.calibration.report import effective_sample_size
from bridges.model.errors import InputError

STEP = FreeParameter("step", "contact.update.attitude_step", "uniform", 0.0, 0.04)
RATE = FreeParameter("rate", "city.layers.*.contact_rate", "loguniform", 0.33, 3.0, scale=True)


@pytest.mark.parametrize("parameter", [STEP, RATE])
def test_transform_round_trip_and_range(parameter):
    values = parameter.frozen().rvs(size=1000, random_state=np.random.default_rng(1))
    assert np.allclose(from_unbounded(to_unbounded(values, parameter), parameter), values, rtol=1e-9, atol=1e-12)
    # any real number maps back inside the prior: an adjusted particle cannot leave the support
    back = from_unbounded(np.array([-50.0, 0.0, 50.0]), parameter)
    assert (back >= parameter.low).all() and (back <= parameter.high).all()


def test_adjustment_recovers_a_linear_gaussian_posterior():
    """theta ~ N(0, 1), summary s = theta + N(0, 0.5²): the posterior at s = 0.8 is N(0.8 / 1.25, 0.25 / 1.25)
    = N(0.64, 0.447²). theta - 0.8 s is independent of s, so Beaumont's adjustment is exact whatever the
    window; only Monte Carlo error remains. With 4,000 kept rows the Epanechnikov weights are worth ~3,300
    draws (ESS / kept = 5/6 for a flat density in one dimension): the sd of the weighted mean is
    0.447 / sqrt(3300) = 0.008 and of the sd about 0.447 / sqrt(2 x 3300) = 0.0055, the slope's error adds
    less; the tolerances are about 5 of them (0.04 and 0.03)."""
    rng = np.random.default_rng(7)
    theta = rng.normal(size=(20_000, 1))
    summary = theta + rng.normal(scale=0.5, size=theta.shape)
    adjusted = regression_adjust(summary, theta, np.array([0.8]), particles=4000)
    weights, values = adjusted.weights, adjusted.values[:, 0]
    mean = np.sum(weights * values)
    sd = np.sqrt(np.sum(weights * (values - mean) ** 2))
    assert effective_sample_size(weights) == pytest.approx(4000 * 5 / 6, rel=0.05)
    assert mean == pytest.approx(0.64, abs=0.04)
    assert sd == pytest.approx(np.sqrt(0.2), abs=0.03)
    assert adjusted.slopes[0, 0] == pytest.approx(0.8, abs=0.05)
    # without the adjustment the kept rows are wider than the posterior (the window's own spread adds)
    kept = theta[adjusted.rows, 0]
    unadjusted_sd = np.sqrt(np.sum(weights * (kept - np.sum(weights * kept)) ** 2))
    assert unadjusted_sd > sd + 0.01  # measured 0.462 against 0.442: the kept s span about ±0.25


def test_heteroscedastic_adjustment_recovers_a_posterior_whose_spread_changes():
    """s ~ U(-2, 2), theta | s ~ N(1 + 0.5 s, (0.3 e^s)²): the posterior at s = 1.8 is N(1.9, 1.815²) exactly.
    The data sit near the table's edge, so the kept rows (s from about 1.2 to 2) mostly have a smaller
    spread than at the data: Beaumont's homoscedastic adjustment gives their average, about 1.67 (measured
    1.66-1.68 over four seeds), the heteroscedastic one the spread at 1.8 (1.80-1.84). Tolerances from the
    effective sample size (~17,300 of 20,000 kept rows): the weighted mean's sd is 1.815 / sqrt(17300) =
    0.014, tolerance 0.06 (4 of them); the sd's own sampling sd is 1.815 / sqrt(2 x 17300) = 0.010 and the
    log-variance slope's error (sd sqrt(var(log chi²_1) / (ESS x var(s in window))) = sqrt(4.93 / (17300 x
    0.05)) = 0.075) moves it by about 0.5 x 0.075 x 0.25 (mean |offset|) = 0.9%, 0.017: together 0.02,
    tolerance 0.06 (3 of them); the homoscedastic value misses by more than twice that."""
    rng = np.random.default_rng(7)
    summary = rng.uniform(-2, 2, size=(100_000, 1))
    theta = 1 + 0.5 * summary + 0.3 * np.exp(summary) * rng.normal(size=summary.shape)
    at_data = np.array([1.8])
    adjusted = regression_adjust(summary, theta, at_data, particles=20_000)
    weights, values = adjusted.weights, adjusted.values[:, 0]
    mean = np.sum(weights * values)
    sd = np.sqrt(np.sum(weights * (values - mean) ** 2))
    true_sd = 0.3 * np.exp(1.8)
    assert mean == pytest.approx(1.9, abs=0.06)
    assert sd == pytest.approx(true_sd, abs=0.06)
    assert adjusted.spread_slopes[0, 0] == pytest.approx(2.0, abs=0.3)  # log variance 2 s: 4 of its 0.075
    # Beaumont's homoscedastic adjustment of the same rows: the window's average spread, too small
    offset = summary[adjusted.rows] - at_data
    homoscedastic = (theta[adjusted.rows] - offset @ adjusted.slopes)[:, 0]
    homoscedastic_sd = np.sqrt(np.sum(weights * (homoscedastic - np.sum(weights * homoscedastic)) ** 2))
    assert true_sd - homoscedastic_sd > 0.12


def test_penalised_summary_of_a_weak_parameter_does_not_move_with_the_table():
    """The stability fix of issue 23: a weakly identified parameter (here R² ~0.15, like attitude_step's)
    among 30 statistics, 28 of them noise. Least squares on the 60 features (statistics and squares) of a
    400-row table fits the noise, so the summary at the data moves from table to table: its sd is about
    sqrt(residual variance x (1 + features) / rows per fit) = sqrt(0.072 x 61 / 320) = 0.12 for one fold's fit,
    ~0.08 as the mean of five (measured 0.086 over these 60 tables). The penalty chosen by generalised
    cross-validation shrinks the noise coefficients, leaving close to the one-statistic fit's sd
    (sqrt(0.072 x 2 / 320) = 0.02; measured 0.045). Over 60 tables each sd is known to ~9% (1 / sqrt(2 x
    59)), their ratio's log to ~0.13: the measured ratio 0.52 is held below 0.7, 2.6 of those errors away.
    The identified parameter's summary is left as sharp as least squares makes it (within 10%)."""
    weak_coefficient, statistics_count, rows = 2.0, 30, 400
    observed = np.r_[5.0, 0.3 * weak_coefficient, np.random.default_rng(99).normal(size=statistics_count - 2)]
    spread = {}
    for name, penalties in (("penalised", PENALTIES), ("least_squares", np.array([1e-6]))):
        at_data = []
        for seed in range(60):
            rng = np.random.default_rng(seed)
            theta = rng.random((rows, 2))
            statistics = rng.normal(size=(rows, statistics_count))
            statistics[:, 0] += 10 * theta[:, 0]
            statistics[:, 1] += weak_coefficient * theta[:, 1]
            at_data.append(learned_summary(statistics, theta, observed, np.random.default_rng([seed, 3]),
                                           penalties=penalties)[1])
        spread[name] = np.std(at_data, axis=0, ddof=1)
    assert spread["penalised"][1] < 0.7 * spread["least_squares"][1]
    assert spread["penalised"][0] == pytest.approx(spread["least_squares"][0], rel=0.1)


def test_learned_summary_is_cross_fitted():
    """Targets unrelated to the statistics: a fit that saw its own rows would explain ~features / rows of
    their variance (80 / 300 here); the out-of-fold summary explains nothing (R² <= 0 up to noise: its sd
    over folds is about sqrt(2 x 80) / 300 = 0.04, so 0.1 is 2.5 of them). A real linear relation is found."""
    rng = np.random.default_rng(3)
    statistics = rng.normal(size=(300, 40))
    noise_only = rng.normal(size=(300, 1))
    _, _, r2 = learned_summary(statistics, noise_only, statistics[0], rng)
    assert r2[0] < 0.1
    signal = 2 * statistics[:, :1] - statistics[:, 1:2] + rng.normal(scale=0.5, size=(300, 1))
    summary, at_data, r2 = learned_summary(statistics, signal, statistics[0], rng)
    # explained share 5 / 5.25 = 0.95 at best; 80 features on 240 rows per fit cost some of it
    assert 0.8 < r2[0] < 0.96
    assert at_data[0] == pytest.approx(2 * statistics[0, 0] - statistics[0, 1], abs=0.5)


def test_reference_draws_are_seeded_and_a_smaller_table_is_a_prefix():
    parameters = load_priors("default")
    draws, seeds = reference_draws(parameters, 50, seed=4)
    fewer, fewer_seeds = reference_draws(parameters, 20, seed=4)
    assert fewer == draws[:20] and (fewer_seeds == seeds[:20]).all()
    other, _ = reference_draws(parameters, 20, seed=5)
    assert other != fewer
    for p in parameters:
        values = np.array([d[p.name] for d in draws])
        assert ((values >= p.low) & (values <= p.high)).all()


def test_a_stored_table_is_reused_only_with_its_fingerprint_and_seed(tmp_path):
    path = tmp_path / "reference_table.parquet"
    table = pd.DataFrame({"step": [0.01, 0.02], "w52.receiving.thermometer_mean": [50.0, 60.0]})
    write_reference(table, path, "abc", seed=3)
    pd.testing.assert_frame_equal(read_reference(str(path), "abc", 3), table)
    for stamp, seed, message in (("xyz", 3, "was made for another city"), ("abc", 4, "was made with seed=3")):
        with pytest.raises(InputError, match=message):
            read_reference(str(path), stamp, seed)
    (tmp_path / "other.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="is not a reference table"):
        read_reference(str(tmp_path / "other.parquet"), "abc", 3)


# ---- the default method through the command line ------------------------------------------------------
TINY = ["city.n_agents=300", "steps=8", "calibration.max_simulations=160", "calibration.population=20",
        "calibration.predictive=3", "calibration.install=false", "calibration.sampler=single"]


@pytest.fixture(scope="module")
def tiny_survey(tmp_path_factory):
    from bridges.calibration.make_example_data import site_config, synthetic_survey

    folder = tmp_path_factory.mktemp("regression")
    plain = site_config("germany", seed=5, overrides=("city.n_agents=300", "steps=8"))
    plain["survey"]["weeks"] = [8]
    synthetic_survey(plain, np.random.default_rng(5)).to_csv(folder / "survey.csv", index=False)
    return folder


def calibrate(folder, name, *extra):
    return cli.main(["--config-name", "calibrate", f"calibration.data={folder / 'survey.csv'}",
                     "calibration.site=germany", f"run.output_dir={folder / name}", *TINY, *extra])


@pytest.mark.parametrize("extra, message", [
    (["calibration.method=mcmc"], "calibration.method: must be one of regression, smc"),
    (["calibration.resume=true"], "calibration.resume: only for calibration.method=smc"),
    (["calibration.max_simulations=100"], "calibration.max_simulations: must be at least"),
    (["calibration.reference=missing.parquet"], "calibration.reference: missing.parquet does not exist"),
])
def test_bad_regression_options_are_one_line(tiny_survey, capsys, extra, message):
    assert calibrate(tiny_survey, "bad", *extra) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error
    assert not (tiny_survey / "bad").exists()


@pytest.mark.slow  # a tiny calibration (160 simulations of a 300-resident city), then two reuses of its table
def test_default_method_end_to_end_reuses_its_table(tiny_survey, capsys):
    assert calibrate(tiny_survey, "first") == 0
    first = tiny_survey / "first"
    report = (first / "report.md").read_text()
    assert "160 prior simulations (seed=0; 160 simulated by this command" in report
    assert "| attitude_step |" in report and "R²" in report
    sample = pd.read_parquet(first / "posterior.parquet")
    assert len(sample) == 20 and sample.weight.sum() == pytest.approx(1.0)
    table = pd.read_parquet(first / "reference_table.parquet")
    assert len(table) == 160
    # the same seed with the stored table: no new simulation, the same posterior to the bit
    assert calibrate(tiny_survey, "again", f"calibration.reference={first / 'reference_table.parquet'}") == 0
    assert "0 simulated by this command" in (tiny_survey / "again" / "report.md").read_text()
    pd.testing.assert_frame_equal(pd.read_parquet(tiny_survey / "again" / "posterior.parquet"), sample)
    # a larger budget simulates only the missing rows; its first 160 rows are the stored ones
    assert calibrate(tiny_survey, "more", f"calibration.reference={first / 'reference_table.parquet'}",
                     "calibration.max_simulations=170") == 0
    assert "10 simulated by this command" in (tiny_survey / "more" / "report.md").read_text()
    pd.testing.assert_frame_equal(pd.read_parquet(tiny_survey / "more" / "reference_table.parquet").iloc[:160], table)
    # another seed cannot reuse it
    assert calibrate(tiny_survey, "seed", f"calibration.reference={first / 'reference_table.parquet'}", "seed=1") == 2
    assert "was made with seed=0, not seed=1" in capsys.readouterr().err
