"""Held-out check of the regression method on stored prior simulations, with no new simulation: pool the
rows of reference tables written by calibration runs of one city and survey design, and for each test take
one row as the data (its parameters the truth) and a table of `budget` other rows drawn at random, and
record whether the 90% and 50% credible intervals contain the truth, the 90% width against the prior's and
the truth's rank. How `calibration.max_simulations` and `population` were chosen (docs/calibration.md, "Why
attitude_step's median moved").

    python -m bridges.calibration.held_out outputs/a/reference_table.parquet outputs/b/reference_table.parquet \
        --budget 800 --population 360 --tests 200
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import stats

from bridges.calibration.parameters import load_priors
from bridges.calibration.regression import METADATA_KEY, posterior
from bridges.calibration.report import INNER, INTERVAL, effective_sample_size, prior_width, weighted_quantile
from bridges.model.errors import InputError


def pooled_tables(paths: list[str], names: list[str]) -> pd.DataFrame:
    """The distinct rows of reference tables that share one fingerprint (same city, survey design, priors
    and statistics; any seeds). A table of another fingerprint is refused in one line."""
    tables, stamps = [], set()
    for path in paths:
        where = f"held-out tables: {path}"
        if not Path(path).is_file():
            raise InputError(f"{where} does not exist")
        try:
            meta = json.loads((pq.read_schema(path).metadata or {}).get(METADATA_KEY, b"{}"))
            tables.append(pd.read_parquet(path))
        except (pa.ArrowException, OSError, ValueError):
            raise InputError(f"{where} is not a reference table written by a calibration") from None
        if "fingerprint" not in meta:
            raise InputError(f"{where} is not a reference table written by a calibration")
        stamps.add(meta["fingerprint"])
        if len(stamps) > 1:
            raise InputError(f"{where} was made for another city, survey design, priors or statistics than "
                             f"{paths[0]}")
    return pd.concat(tables).drop_duplicates(subset=names).reset_index(drop=True)


def held_out(pool: pd.DataFrame, budget: int, particles: int, tests: int, seed: int) -> pd.DataFrame:
    """One row per test and parameter: the truth's coverage by the 90% and 50% intervals, the width ratio,
    the rank (posterior weight below the truth) and the posterior's effective sample size."""
    parameters = load_priors("default")
    names = [p.name for p in parameters]
    statistics = [c for c in pool.columns if c not in names]
    if not 0 < particles < budget < len(pool):
        raise InputError(f"held-out: need population < budget < pooled rows ({len(pool)}), got population="
                         f"{particles}, budget={budget}")
    rng = np.random.default_rng(seed)
    rows = []
    for test in range(tests):
        order = rng.permutation(len(pool))
        data, table = pool.iloc[order[0]], pool.iloc[order[1:budget + 1]].reset_index(drop=True)
        result = posterior(table, parameters, data[statistics].astype(float), particles, seed * 1000 + test)
        w = result.sample.weight.to_numpy()
        for p in parameters:
            x, truth = result.sample[p.name].to_numpy(), float(data[p.name])
            low, high = (weighted_quantile(x, w, (1 + s * INTERVAL) / 2) for s in (-1, 1))
            low50, high50 = (weighted_quantile(x, w, (1 + s * INNER) / 2) for s in (-1, 1))
            rows.append({"test": test, "parameter": p.name, "covered": low <= truth <= high,
                         "covered_50": low50 <= truth <= high50, "width_ratio": (high - low) / prior_width(p),
                         "rank": float(np.sum(w[x < truth])), "ess": effective_sample_size(w)})
    return pd.DataFrame(rows)


def summary_text(table: pd.DataFrame, budget: int, particles: int, rows: int) -> str:
    tests = table.test.nunique()
    lines = [f"Held-out check: {tests} tests, tables of {budget} rows drawn from {rows} pooled prior simulations, "
             f"{particles} kept. Effective sample size median {table.ess.median():.0f}, least {table.ess.min():.0f}.",
             "", f"| parameter | {INTERVAL:.0%} coverage | {INNER:.0%} coverage | median width / prior's | KS p of ranks |",
             "|---|---|---|---|---|"]
    for name, part in table.groupby("parameter", sort=False):
        lines.append(f"| {name} | {part.covered.mean():.1%} | {part.covered_50.mean():.1%} | "
                     f"{part.width_ratio.median():.2f} | {stats.kstest(part['rank'], 'uniform').pvalue:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tables", nargs="+", help="reference_table.parquet files of one city and survey design")
    parser.add_argument("--budget", type=int, default=800)
    parser.add_argument("--population", type=int, default=360)
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    try:
        pool = pooled_tables(args.tables, [p.name for p in load_priors("default")])
        table = held_out(pool, args.budget, args.population, args.tests, args.seed)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(summary_text(table, args.budget, args.population, len(pool)))


if __name__ == "__main__":
    main()
