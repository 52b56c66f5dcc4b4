"""The recovery study in small: two synthetic datasets from prior draws, a tiny city, few particles.
It checks the study's bookkeeping (each dataset's truth against its 90% interval), not the coverage
level, which needs the full study (`make coverage`)."""

import pandas as pd
import pytest

from bridges.calibration.abc import AbcOptions
from bridges.calibration.coverage import run_study
from bridges.calibration.parameters import load_priors


@pytest.mark.slow  # the recovery study: two whole calibrations on synthetic data
def test_small_recovery_study(tmp_path):
    options = AbcOptions(population=5, training=10, generations=1, max_simulations=100, min_acceptance=0.0,
                         sampler="single", workers=1, dask_address=None)  # no fork of the threaded test runner
    table, text = run_study("germany", 2, options, tmp_path, n_agents=300, steps=8, seed=1)
    names = [p.name for p in load_priors("default")]
    assert list(table.parameter.unique()) == names and len(table) == 2 * len(names)
    assert (table.ci_low <= table.ci_high).all()
    assert (table.covered == ((table.ci_low <= table.truth) & (table.truth <= table.ci_high))).all()
    assert (table.simulations > 0).all()
    # the effective sample size of a weighted sample lies between 1 and the number of particles
    assert ((table.ess >= 1 - 1e-9) & (table.ess <= table.particles + 1e-9)).all()
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "coverage.csv"), table, check_dtype=False)
    assert "2 synthetic datasets" in text and all(f"| {name} |" in text for name in names)
