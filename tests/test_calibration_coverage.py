"""The recovery and SBC study in small: two synthetic datasets from prior draws, each written to a file in
its own column names and codes and read back through a mapping, a tiny city, few particles. It checks the
study's bookkeeping (each dataset's truth against its 90% interval, its rank, the width against the
prior), not the coverage level or the ranks' uniformity, which need the full study (docs/calibration.md)."""

import pandas as pd
import pytest

from bridges.calibration.abc import AbcOptions
from bridges.calibration.coverage import run_study
from bridges.calibration.parameters import load_priors


@pytest.mark.slow  # the recovery study: two whole calibrations on synthetic data
def test_small_recovery_study(tmp_path):
    options = AbcOptions(population=5, training=10, generations=1, max_simulations=60, min_acceptance=0.0,
                         sampler="single", workers=1, dask_address=None)  # no fork of the threaded test runner
    # the regression fitted once to 130 shared prior simulations, as in the SBC study
    table, text = run_study("germany", 2, options, tmp_path, n_agents=300, steps=8, seed=1, shared_training=130)
    names = [p.name for p in load_priors("default")]
    assert list(table.parameter.unique()) == names and len(table) == 2 * len(names)
    assert (table.ci_low <= table.ci_high).all()
    assert (table.covered == ((table.ci_low <= table.truth) & (table.truth <= table.ci_high))).all()
    assert (table.simulations > 0).all()
    # the effective sample size of a weighted sample lies between 1 and the number of particles
    assert ((table.ess >= 1 - 1e-9) & (table.ess <= table.particles + 1e-9)).all()
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "coverage.csv"), table, check_dtype=False)
    assert (table.shared_training == 130).all() and "(130 of them the shared training sample;" in text
    assert "2 synthetic datasets" in text and all(f"| {name} |" in text for name in names)
    # the rank is the posterior's weight below the truth, a share; the width ratio is positive
    assert table["rank"].between(0, 1).all() and (table.width_ratio > 0).all()
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["survey_000.csv", "survey_000.yaml",
                                                                    "survey_001.csv", "survey_001.yaml"]
    written = pd.read_csv(tmp_path / "data" / "survey_000.csv")
    assert "GROUP" in written and set(written.GROUP) == {1, 2} and (written.Q3 == -9).any()


@pytest.mark.slow  # 130 prior simulations of a tiny city and two synthetic surveys
def test_small_study_with_the_regression_method(tmp_path):
    """The default method in the study: one seeded reference table shared by the datasets, each dataset's
    survey through a file and a mapping, no further simulation per dataset."""
    options = AbcOptions(population=40, training=0, generations=0, max_simulations=130, min_acceptance=0.0,
                         sampler="single", workers=1, dask_address=None)
    table, text = run_study("germany", 2, options, tmp_path, n_agents=300, steps=8, seed=1, method="regression")
    names = [p.name for p in load_priors("default")]
    assert list(table.parameter.unique()) == names and len(table) == 2 * len(names)
    assert (table.simulations == 0).all() and (table.particles == 40).all() and (table.method == "regression").all()
    assert "(130 of them the shared reference table;" in text and "method: regression" in text
    assert ((table.ess >= 1) & (table.ess <= 40 + 1e-9)).all() and table["rank"].between(0, 1).all()
    assert (table.covered == ((table.ci_low <= table.truth) & (table.truth <= table.ci_high))).all()
    # a truth inside the central 50% interval is inside the 90% one
    assert (table.covered | ~table.covered_50).all()
    assert "50% interval's coverage" in text


def test_rank_tests_flag_a_posterior_that_is_too_narrow():
    """Ranks piled at the ends (truths outside overconfident posteriors) fail both tests; uniform ranks pass."""
    import numpy as np

    from bridges.calibration.coverage import rank_tests

    rng = np.random.default_rng(0)
    counts, chi_p, ks_p = rank_tests(rng.uniform(size=200))
    assert counts.sum() == 200 and chi_p > 0.01 and ks_p > 0.01
    _, chi_p, ks_p = rank_tests(np.concatenate([rng.uniform(0, 0.1, 60), rng.uniform(0.9, 1, 60), rng.uniform(size=80)]))
    assert chi_p < 1e-6 and ks_p < 0.05


@pytest.mark.parametrize("arguments, message", [
    (["--site", "atlantis"], "error: city: must name an option in conf/city/"),
    (["--reference", "missing.parquet"], "error: --reference: missing.parquet does not exist"),
])
def test_study_command_refuses_bad_input_in_one_line(arguments, message, tmp_path, monkeypatch, capsys):
    """`make coverage`'s entry point: one line, exit 2, nothing written (it let the error out as a traceback)."""
    from bridges.calibration.coverage import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main([*arguments, "--datasets", "1", "--sampler", "single", "--workers", "1", "--out", str(tmp_path / "out")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "out").exists()
