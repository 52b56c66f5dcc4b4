"""Bridges command line (`bridges ARGS`, or `python run.py ARGS` in a checkout): run one simulation,
compare scenarios, or sweep parameters, and write a run folder.

    python run.py                                   # default scenario: ~5,000 residents, 52 weeks
    python run.py city.n_agents=20000 seed=3 steps=104
    python run.py scenario=co_creation              # one scenario (conf/scenario/*.yaml)
    python run.py --config-name compare compare.scenarios=[baseline,co_creation] compare.replicates=20
    python run.py --config-name compare compare.scenarios=[baseline,volunteering] \\
        compare.variants.vol_low=[volunteering,interventions.volunteering.delivery.coverage=0.01]
    python run.py --config-name calibrate calibration.data=survey.csv calibration.site=germany
    python run.py --config-name sensitivity sensitivity.study=default   # Morris screening (conf/sensitivity/)
    python run.py --config-name design design.study=germany_three_levers  # design search (conf/design/)
    python run.py -m city.arriving_share=0.02,0.1 scenario=baseline,volunteering   # a sweep (Hydra multirun)
    python run.py aggregate outputs/sweeps/<id>     # a sweep's runs in one table, with plots
    python run.py --help                            # config groups and options

Bad input (unknown key, out-of-range or non-numeric value, malformed file) prints one line naming the
key, file, row or column and exits with code 2, leaving no run folder behind (a sweep checks every
point before it launches any). Ctrl-C prints one line
and exits with code 130 (SIGTERM: 143), also leaving nothing behind.
"""

import signal
import sys
import time
from pathlib import Path

from tqdm import tqdm

from bridges.calibration.calibrated_file import expand_calibrated_files
from bridges.model import BridgesModel
from bridges.model.config import PROGRESS_DISABLE, compose_config, config_groups, model_params, run_options, to_plain
from bridges.model.errors import InputError
from bridges.model.outputs import (
    OUTPUTS_ROOT,
    StagedFolder,
    check_output_folder,
    default_run_dir,
    headline,
    headline_lines,
    remove_stale_staging,
    run_label,
    write_config,
    write_json,
    write_plots,
    write_report,
    write_table,
)
from bridges.model.params import MAX_SEED
from bridges.model.resources import check_resources, estimate
from bridges.scenarios.compare import (
    VARIANT_PREFIX,
    compare_options,
    parse_variant,
    programme_weeks,
    run_comparison,
    scenario_configs,
)
from bridges.scenarios.validate import run_validation

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


def build_model(params) -> tuple[BridgesModel, float]:
    """The model (its city read or generated, so file errors come before any folder); with build seconds."""
    start = time.perf_counter()
    return BridgesModel(params), time.perf_counter() - start


def simulate(model: BridgesModel, steps: int, progress: str = "auto") -> float:
    """Run the model for `steps` weeks; returns the seconds taken."""
    start = time.perf_counter()
    for _ in tqdm(range(steps), desc="weeks", unit="wk", disable=PROGRESS_DISABLE[progress], leave=False):
        model.step()
    return time.perf_counter() - start


def output_folder(options: dict, default: Path) -> tuple[Path, bool]:
    """The run folder asked for and whether its name may get a suffix (default folders only); refused
    before any work if it cannot be a fresh folder. Stale staging folders of killed runs are removed."""
    if options["output_dir"]:
        folder, unique = Path(options["output_dir"]), False
    else:
        folder, unique = default, True
    check_output_folder(folder, taken_is_fine=unique)
    if unique and OUTPUTS_ROOT.is_dir() and not OUTPUTS_ROOT.is_symlink():
        for day in OUTPUTS_ROOT.iterdir():
            if day.is_dir() and not day.is_symlink():
                remove_stale_staging(day)
    return folder, unique


def note(line: str | None) -> None:
    if line:
        print(line, file=sys.stderr)


def run_one(plain: dict, overrides: list[str], marker: tuple[str, dict] | None = None) -> tuple[Path, list[str]]:
    """Validate, simulate and write one run folder; returns its path and a five-line headline. A sweep's
    `marker` (file name, content) is written last, with the headline figures, before the folder is renamed
    into place: a folder holding it is complete."""
    params = model_params(plain)
    options = run_options(plain)
    folder, unique = output_folder(options, default_run_dir(params.seed))
    note(check_resources(estimate(params.city.n_agents, params.steps), "this run"))
    model, build_seconds = build_model(params)
    with StagedFolder(folder, unique) as staged:
        staging = staged.path
        run_seconds = simulate(model, params.steps, options["progress"])
        timeseries, agents = model.timeseries(), model.agent_table()
        write_config(staging, plain, overrides)
        write_table(timeseries, staging, "timeseries", csv=True)
        write_table(agents, staging, "agents")
        write_table(model.survey_table(), staging, "survey")
        model.intervention_costs().to_csv(staging / "costs.csv", index=False)
        settings = model.contact_by_setting()
        settings.to_csv(staging / "contact_by_setting.csv", index=False)
        write_json(staging / "city.json", {"requested": model.city.requested, "measured": model.city.measured})
        label = run_label(params.scenario_name, overrides)
        write_plots(timeseries, staging, label, programme_weeks(params))
        run_info = {"seed": params.seed, "steps": params.steps, "n_agents": model.state.n, "city": params.city.name,
                    "build_seconds": build_seconds, "run_seconds": run_seconds, "label": label}
        figures = headline(timeseries, agents)
        write_report(staging, figures, model.city.measured, model.city.requested, run_info,
                     model.intervention_costs(), settings)
        if marker:
            write_json(staging / marker[0], {**marker[1], "outcomes": figures})
    return staged.final, headline_lines(figures, run_info, model.intervention_costs())


def compare(plain: dict, overrides: list[str], variants: dict[str, list[str]] | None = None) -> tuple[Path, list[str]]:
    """Validate and run a scenario comparison into its own folder; returns it and its five-line headline."""
    options = run_options(plain)
    choice = compare_options(plain, variants)
    note(choice.note)
    configs = scenario_configs(overrides, choice.scenarios, choice.variants)
    if plain["seed"] + choice.replicates - 1 > MAX_SEED:
        raise InputError(f"seed: replicates use seeds {plain['seed']} to {plain['seed'] + choice.replicates - 1} "
                         f"(compare.replicates={choice.replicates}), past the largest seed {MAX_SEED:,}")
    folder, unique = output_folder(options, default_run_dir(plain["seed"], OUTPUTS_ROOT / "compare"))
    largest = max(configs.values(), key=lambda c: c["city"]["n_agents"] * c["steps"])
    cost = estimate(largest["city"]["n_agents"], largest["steps"], choice.replicates * len(configs), choice.jobs)
    note(check_resources(cost, "this comparison", "compare.jobs"))
    plain = {**plain, "compare": {**plain["compare"], "variants": choice.variants}}
    with StagedFolder(folder, unique) as staged:
        write_config(staged.path, plain, [*overrides, *(f"{VARIANT_PREFIX}{name}=[{','.join(items)}]"
                                                       for name, items in choice.variants.items())])
        summary = run_comparison(choice, configs, staged.path, options["progress"])
    return staged.final, summary


def one_line(text: str) -> str:
    """`text` with line breaks and other unprintable characters (echoed from a bad file or value) escaped,
    so an error is always exactly one line."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C so staging folders are removed."""


def _terminate(signum, frame):
    raise Terminated


def validate(plain: dict, overrides: list[str]) -> Path:
    """Run the pattern-oriented validation (scenarios/validate.py) into its own folder."""
    options = run_options(plain)
    folder, unique = output_folder(options, default_run_dir(plain["seed"], OUTPUTS_ROOT / "validate"))
    with StagedFolder(folder, unique) as staged:
        write_config(staged.path, plain, overrides)
        run_validation(plain, overrides, staged.path)
    return staged.final


MULTIRUN_FLAGS = ("-m", "--multirun")


def dispatch(argv: list[str]) -> tuple[Path, list[str]] | None:
    """Do what the command line asks: the folder written and its summary lines (None: config printed)."""
    if argv[:1] == ["aggregate"]:
        from bridges.sweep import aggregate_command

        return aggregate_command(argv[1:])
    multirun = [arg for arg in argv if arg in MULTIRUN_FLAGS]
    config_name, overrides, show, variants = parse_args([arg for arg in argv if arg not in MULTIRUN_FLAGS])
    overrides = expand_calibrated_files(overrides)  # +calibrated=PATH: a calibrated.yaml anywhere
    if multirun:
        from bridges.sweep import sweep_command

        if show or variants:
            raise InputError(f"{multirun[0]}: a sweep takes key=value overrides only (no --cfg, no variants)")
        return sweep_command(overrides, config_name)
    plain = to_plain(compose_config(overrides, config_name))
    if show:
        import yaml

        print(yaml.safe_dump(plain, sort_keys=False))
        return None
    if "validate" in plain:
        return validate(plain, overrides), []
    if "sensitivity" in plain:
        from bridges.scenarios.sensitivity import sensitivity_cli

        return sensitivity_cli(plain, overrides)
    if "design" in plain:
        from bridges.scenarios.design_report import design_cli

        return design_cli(plain, overrides)
    if "calibration" in plain:
        from bridges.calibration.cli import calibrate

        folder, text = calibrate(plain, overrides)
        return folder, [text.split("## Progress")[0].strip()]
    if "compare" in plain:
        return compare(plain, overrides, variants)
    return run_one(plain, overrides)


def stopped_note(argv: list[str]) -> str:
    """What a stopped command leaves: a sweep keeps its complete runs (rerunning it finishes the rest)."""
    if any(arg in MULTIRUN_FLAGS for arg in argv):
        return "complete runs of the sweep are kept; rerun the same command to finish it"
    if "design" in argv or "--config-name=design" in argv:
        return "the design study's complete evaluations and runs are kept; rerun the same command to resume it"
    return "nothing written"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(arg in ("-h", "--help") for arg in argv):
        print(help_text())
        return 0
    from bridges.sweep import SweepError

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        done = dispatch(argv)
    except InputError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return 2
    except SweepError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"interrupted: stopped, {stopped_note(argv)}", file=sys.stderr)
        return 130
    except Terminated:
        print(f"terminated: stopped, {stopped_note(argv)}", file=sys.stderr)
        return 143
    finally:
        signal.signal(signal.SIGTERM, previous)
    if done is None:
        return 0
    folder, summary = done
    if summary:
        print("\n".join(summary))
    if (folder / "report.md").exists():
        print(f"report: {folder / 'report.md'}")
    print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
