"""Bridges command line: run one simulation, or compare scenarios, and write a run folder.

    python run.py                                   # default scenario: ~5,000 residents, 52 weeks
    python run.py city.n_agents=20000 seed=3 steps=104
    python run.py scenario=co_creation              # one scenario (scenarios/*.yaml)
    python run.py --config-name compare compare.scenarios=[baseline,co_creation] compare.replicates=20
    python run.py --config-name compare compare.scenarios=[baseline,volunteering] \\
        compare.variants.vol_low=[volunteering,interventions.volunteering.delivery.coverage=0.01]
    python run.py --help                            # config groups and options

Bad input (unknown key, out-of-range or non-numeric value) prints one line naming the key and exits
with code 2, leaving no run folder behind.
"""

import sys
import time
from pathlib import Path

from tqdm import tqdm

from model import BridgesModel
from model.config import PROGRESS_DISABLE, compose_config, config_groups, model_params, run_options, to_plain
from model.errors import InputError
from model.outputs import (
    OUTPUTS_ROOT,
    default_run_dir,
    headline,
    headline_lines,
    run_label,
    staged_folder,
    write_config,
    write_json,
    write_plots,
    write_report,
    write_table,
)
from scenarios.compare import VARIANT_PREFIX, compare_options, parse_variant, run_comparison, scenario_configs
from scenarios.validate import run_validation

USAGE = __doc__.split("\n\n")[1]


def help_text() -> str:
    available = config_groups()
    types = available.pop("intervention", [])
    groups = "\n".join(f"  {group}: {', '.join(options)}" for group, options in available.items())
    return (f"Bridges: intergroup contact between arriving and receiving communities.\n\n{USAGE}\n\n"
            f"Config groups (choose with group=option):\n{groups}\n\n"
            f"Intervention types (listed by scenarios; tune with interventions.<name>.<key>=value):\n"
            f"  {', '.join(types)}\n\n"
            "Any key can be overridden as key=value (e.g. city.arriving_share=0.1, "
            "contact.update.negativity_weight=3).\nPrint the composed config with --cfg. "
            "Every key is documented in conf/ with its unit and source.")


def parse_args(argv: list[str]) -> tuple[str, list[str], bool, dict[str, list[str]]]:
    """(config name, overrides, print-config flag, comparison variants) from the command line."""
    config_name, overrides, show, variants = "config", [], False, {}
    args = iter(argv)
    for arg in args:
        if arg == "--config-name":
            config_name = next(args, "")
        elif arg.startswith("--config-name="):
            config_name = arg.split("=", 1)[1]
        elif arg == "--cfg":
            show = True
        elif arg.startswith("-"):
            raise InputError(f"{arg}: unknown option (see python run.py --help)")
        elif arg.startswith(VARIANT_PREFIX):
            name, items = parse_variant(arg)
            variants[name] = items
        else:
            overrides.append(arg)
    if not config_name:
        raise InputError("--config-name: needs a name")
    if variants and config_name != "compare":
        raise InputError(f"{VARIANT_PREFIX}{next(iter(variants))}: variants need --config-name compare")
    return config_name, overrides, show, variants


def simulate(params, progress: str = "auto") -> tuple[BridgesModel, float, float]:
    """Build and run a model; returns it with build and run seconds."""
    start = time.perf_counter()
    model = BridgesModel(params)
    built = time.perf_counter()
    for _ in tqdm(range(params.steps), desc="weeks", unit="wk", disable=PROGRESS_DISABLE[progress], leave=False):
        model.step()
    return model, built - start, time.perf_counter() - built


def run_one(plain: dict, overrides: list[str]) -> tuple[Path, list[str]]:
    """Validate, simulate and write one run folder; returns its path and a five-line headline."""
    params = model_params(plain)
    options = run_options(plain)
    folder = Path(options["output_dir"]) if options["output_dir"] else default_run_dir(params.seed)
    if folder.exists() and any(folder.iterdir()):
        raise InputError(f"run.output_dir: {folder} exists and is not empty")
    model, build_seconds, run_seconds = simulate(params, options["progress"])
    timeseries, agents = model.timeseries(), model.agent_table()
    with staged_folder(folder) as staging:
        write_config(staging, plain, overrides)
        write_table(timeseries, staging, "timeseries", csv=True)
        write_table(agents, staging, "agents")
        write_table(model.survey_table(), staging, "survey")
        model.intervention_costs().to_csv(staging / "costs.csv", index=False)
        settings = model.contact_by_setting()
        settings.to_csv(staging / "contact_by_setting.csv", index=False)
        write_json(staging / "city.json", {"requested": model.city.requested, "measured": model.city.measured})
        label = run_label(params.scenario_name, overrides)
        write_plots(timeseries, staging, label)
        run_info = {"seed": params.seed, "steps": params.steps, "n_agents": model.state.n, "city": params.city.name,
                    "build_seconds": build_seconds, "run_seconds": run_seconds, "label": label}
        figures = headline(timeseries, agents)
        write_report(staging, figures, model.city.measured, model.city.requested, run_info,
                     model.intervention_costs(), settings)
    return folder, headline_lines(figures, run_info, model.intervention_costs())


def compare(plain: dict, overrides: list[str], variants: dict[str, list[str]] | None = None) -> tuple[Path, list[str]]:
    """Validate and run a scenario comparison into its own folder; returns it and its five-line headline."""
    options = run_options(plain)
    choice = compare_options(plain, variants)
    folder = Path(options["output_dir"]) if options["output_dir"] else default_run_dir(plain["seed"], OUTPUTS_ROOT / "compare")
    if folder.exists() and any(folder.iterdir()):
        raise InputError(f"run.output_dir: {folder} exists and is not empty")
    configs = scenario_configs(overrides, choice.scenarios, choice.variants)
    plain = {**plain, "compare": {**plain["compare"], "variants": choice.variants}}
    with staged_folder(folder) as staging:
        write_config(staging, plain, [*overrides, *(f"{VARIANT_PREFIX}{name}=[{','.join(items)}]"
                                                    for name, items in choice.variants.items())])
        summary = run_comparison(choice, configs, staging, options["progress"])
    return folder, summary


def validate(plain: dict, overrides: list[str]) -> Path:
    """Run the pattern-oriented validation (scenarios/validate.py) into its own folder."""
    options = run_options(plain)
    folder = Path(options["output_dir"]) if options["output_dir"] else default_run_dir(plain["seed"], OUTPUTS_ROOT / "validate")
    if folder.exists() and any(folder.iterdir()):
        raise InputError(f"run.output_dir: {folder} exists and is not empty")
    with staged_folder(folder) as staging:
        write_config(staging, plain, overrides)
        run_validation(plain, overrides, staging)
    return folder


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(arg in ("-h", "--help") for arg in argv):
        print(help_text())
        return 0
    try:
        config_name, overrides, show, variants = parse_args(argv)
        plain = to_plain(compose_config(overrides, config_name))
        if show:
            import yaml

            print(yaml.safe_dump(plain, sort_keys=False))
            return 0
        if "validate" in plain:
            folder, summary = validate(plain, overrides), []
        elif "compare" in plain:
            folder, summary = compare(plain, overrides, variants)
        else:
            folder, summary = run_one(plain, overrides)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if summary:
        print("\n".join(summary))
    if (folder / "report.md").exists():
        print(f"report: {folder / 'report.md'}")
    print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
