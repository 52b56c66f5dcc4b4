"""Which survey statistics constrain which free parameters: a quick one-at-a-time sensitivity on a
site's city, written as a Markdown table (docs/calibration.md quotes it).

    python -m bridges.calibration.sensitivity --site germany --replicates 3 --out outputs/sensitivity.md
"""

import argparse
from pathlib import Path

from bridges.calibration.make_example_data import RESPONDENTS
from bridges.calibration.parameters import load_priors
from bridges.calibration.simulate import Simulator, sensitivity
from bridges.calibration.statistics import summarise, true_shares
from bridges.config import compose_config, to_plain

CLEAR = 2.0
"""|standardised effect| from which a statistic counts as constraining a parameter (beyond 2 noise sd)."""


def markdown(effects) -> str:
    header = "| statistic | " + " | ".join(effects.columns) + " |"
    lines = [header, "|---" * (len(effects.columns) + 1) + "|"]
    for name, row in effects.iterrows():
        cells = [f"**{v:+.1f}**" if abs(v) >= CLEAR else f"{v:+.1f}" for v in row]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", default="germany")
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--n-agents", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("outputs/sensitivity.md"))
    args = parser.parse_args(argv)
    plain = to_plain(compose_config([f"city={args.site}", f"city.n_agents={args.n_agents}"]))
    plain["survey"]["weeks"] = [plain["steps"]]
    plain["survey"]["respondents"] = dict(RESPONDENTS)
    truth = true_shares(plain["city"])
    parameters = load_priors("default")
    from bridges.model import run
    from bridges.config import model_params

    names = tuple(summarise(run(model_params(plain)).survey, truth).dropna().index)
    effects = sensitivity(Simulator(plain, tuple(parameters), names, truth), args.replicates, args.jobs)
    text = (f"Standardised effect of moving each parameter from its prior's 10% to 90% quantile (others at "
            f"their medians) on each statistic, in replicate sd; {args.site}, {args.n_agents} residents, "
            f"{args.replicates} replicates per setting; bold = |effect| >= {CLEAR:g}.\n\n" + markdown(effects) + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
