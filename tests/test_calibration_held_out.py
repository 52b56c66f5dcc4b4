"""The held-out check (calibration/held_out.py) on small synthetic reference tables: its bookkeeping and its
one-line refusals. Whether the method is calibrated is measured on real tables (docs/calibration.md)."""

import numpy as np
import pandas as pd
import pytest

from bridges.calibration.held_out import held_out, main, pooled_tables
from bridges.calibration.parameters import load_priors
from bridges.calibration.regression import reference_draws, to_share, write_reference
from bridges.model.errors import InputError

PARAMETERS = load_priors("default")
NAMES = [p.name for p in PARAMETERS]


def synthetic_table(rows: int, seed: int) -> pd.DataFrame:
    """Prior draws and one noisy statistic per parameter (its share of the prior range plus noise)."""
    draws, _ = reference_draws(PARAMETERS, rows, seed)
    table = pd.DataFrame(draws)
    noise = np.random.default_rng(seed).normal(scale=0.1, size=(rows, len(PARAMETERS)))
    for j, p in enumerate(PARAMETERS):
        table[f"statistic_{j}"] = to_share(table[p.name].to_numpy(), p) + noise[:, j]
    return table


def test_held_out_check_pools_tables_and_scores_each_test(tmp_path, capsys):
    paths = []
    for seed in (1, 2):
        paths.append(str(tmp_path / f"table_{seed}.parquet"))
        write_reference(synthetic_table(150, seed), paths[-1], "same-design", seed)
    pool = pooled_tables(paths, NAMES)
    assert len(pool) == 300
    table = held_out(pool, budget=120, particles=60, tests=4, seed=3)
    assert len(table) == 4 * len(NAMES) and list(table.parameter.unique()) == NAMES
    assert (table.covered | ~table.covered_50).all()  # the 50% interval lies inside the 90% one
    assert table["rank"].between(0, 1).all() and (table.width_ratio > 0).all()
    assert ((table.ess >= 1) & (table.ess <= 60 + 1e-9)).all()
    # the statistics pin each share to ~0.1, a tenth of its range: the intervals are far narrower than the prior's
    assert table.width_ratio.median() < 0.6
    main([*paths, "--budget", "120", "--population", "60", "--tests", "2"])
    assert "| attitude_step |" in capsys.readouterr().out


def test_held_out_refusals_are_one_line(tmp_path, capsys):
    one, other = str(tmp_path / "one.parquet"), str(tmp_path / "other.parquet")
    write_reference(synthetic_table(50, 1), one, "design-a", 1)
    write_reference(synthetic_table(50, 2), other, "design-b", 2)
    with pytest.raises(InputError, match="was made for another city"):
        pooled_tables([one, other], NAMES)
    with pytest.raises(InputError, match="need population < budget < pooled rows"):
        held_out(pooled_tables([one], NAMES), budget=60, particles=20, tests=1, seed=0)
    with pytest.raises(SystemExit) as stop:
        main([one, str(tmp_path / "missing.parquet")])
    error = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and "missing.parquet does not exist" in error and "\n" not in error
