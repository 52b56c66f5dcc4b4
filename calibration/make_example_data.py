"""Make the SYNTHETIC example survey files in calibration/data/: one per FOCUS site, fielded by the model
from known parameters (the site preset's own values, recorded in truth.yaml), with sampling noise (a
random sample of respondents), response noise (survey.response_noise), item nonresponse and design
weights. They are not FOCUS data: FOCUS microdata are not public.

    python -m bridges.calibration.make_example_data            # all sites into calibration/data/
    python -m bridges.calibration.make_example_data --sites germany --out /tmp/x --seed 3
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from bridges.calibration.parameters import FreeParameter, _get, load_priors
from bridges.calibration.simulate import own_world_params
from bridges.config import matching_paths
from bridges.model import run
from bridges.config import compose_config, to_plain

SITES = ("germany", "sweden", "croatia", "jordan")
DATA_DIR = Path(__file__).resolve().parent / "data"
WEEK = 52
"""The survey wave: one cross-section after a year, as FOCUS fielded (cross-sectional surveys)."""
RESPONDENTS = {"receiving": 400, "arriving": 250}
"""Target respondents per community [persons]; all members answer when a community is smaller."""
LARGEST_CITY = 30_000
"""Residents simulated at most [persons]: Croatia's tiny arriving share gives 150 arriving members here."""
NONRESPONSE = {"contact_frequency": 0.02, "contact_quality": 0.05, "thermometer": 0.04, "anxiety": 0.04,
               "trust": 0.04, "belonging": 0.03, "distress": 0.06, "perceived_education": 0.15,
               "perceived_employment": 0.12, "perceived_welfare": 0.12}
"""Share of respondents leaving each item blank (don't know / refused) [0-1]; assumption, higher for the
perceived shares, which many respondents cannot estimate."""
WEIGHT_SD = 0.3
"""sd of log design weights (weights normalised to mean 1); assumption, a moderately unequal design."""


def true_values(plain: dict, parameters: list[FreeParameter]) -> dict[str, float]:
    """Each free parameter's value in a plain config: the truth the example data are made from
    (a scaled parameter's truth is 1, the config's own rates)."""
    return {p.name: 1.0 if p.scale else float(_get(plain, matching_paths(plain, p.key.split("."))[0])) for p in parameters}


def site_config(site: str, seed: int, overrides: tuple[str, ...] = ()) -> dict:
    """The plain config fielding the example survey of a site."""
    plain = to_plain(compose_config([f"city={site}", f"seed={seed}", f"steps={WEEK}", *overrides]))
    share = plain["city"]["arriving_share"]
    plain["city"]["n_agents"] = int(min(LARGEST_CITY, max(plain["city"]["n_agents"],
                                                          np.ceil(RESPONDENTS["arriving"] / share))))
    plain["survey"]["weeks"] = [WEEK]
    plain["survey"]["respondents"] = dict(RESPONDENTS)
    return plain


def degrade(survey: pd.DataFrame, site: str, rng: np.random.Generator) -> pd.DataFrame:
    """Item nonresponse, a site column and design weights; agent ids are dropped."""
    out = survey.drop(columns=["respondent"]).copy()
    for item, share in NONRESPONSE.items():
        blank = rng.random(len(out)) < share
        out.loc[blank, item] = pd.NA
    weights = np.exp(WEIGHT_SD * rng.standard_normal(len(out)))
    out.insert(0, "site", site)
    out["weight"] = np.round(weights / weights.mean(), 4)
    return out


def synthetic_survey(plain: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Run the model the config describes and field its survey, degraded like real data (`degrade`)."""
    return degrade(run(own_world_params(plain)).survey, plain["city"]["name"], rng)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", nargs="+", default=list(SITES), choices=SITES)
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    parameters = load_priors("default")
    truth = {}
    for offset, site in enumerate(args.sites):
        plain = site_config(site, args.seed + offset)
        survey = synthetic_survey(plain, np.random.default_rng(args.seed + offset))
        survey.to_csv(args.out / f"{site}_synthetic.csv", index=False)
        truth[site] = {"seed": args.seed + offset, "n_agents": plain["city"]["n_agents"], "week": WEEK,
                       "parameters": true_values(plain, parameters)}
        print(f"{site}: {len(survey)} respondents from {plain['city']['n_agents']} residents")
    (args.out / "truth.yaml").write_text(
        "# SYNTHETIC example data: the known parameters each file was generated from "
        "(calibration/make_example_data.py)\n" + yaml.safe_dump(truth, sort_keys=False))


if __name__ == "__main__":
    main()
