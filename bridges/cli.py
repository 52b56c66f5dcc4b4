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
    python run.py scenario=my_mix.yaml --cfg         # your own scenario file: check it, print the config
    python run.py --config-dir my_configs scenario=my_mix   # your own folder of configs (my_configs/scenario/)
    python run.py dashboard                         # the browser dashboard (Mesa SolaraViz)
    python run.py examples                          # copy the example surveys and the scenario template here
    python run.py --help                            # config groups and options

Bad input (unknown key, out-of-range or non-numeric value, malformed file) prints one line naming the
key, file, row or column and exits with code 2, leaving no run folder behind (a sweep checks every
point before it launches any). Ctrl-C prints one line
and exits with code 130 (SIGTERM: 143), also leaving nothing behind.
"""

import importlib.resources
import shutil
import signal
import sys
from pathlib import Path

from bridges.calibration.calibrated_file import PREFIXES as CALIBRATED_PREFIXES
from bridges.calibration.calibrated_file import expand_calibrated_files, names_a_file, other_site_warning
from bridges.extras import require
from bridges.config import (CONF_DIR, NOT_PARAMETERS, compose_config,
                                  config_groups, model_params, run_options, to_plain, user_overrides)
from bridges.model.errors import InputError
from bridges.model.input_files import read_yaml
from bridges.outputs import OUTPUTS_ROOT, StagedFolder, default_run_dir, write_config
from bridges.model.params import MAX_SEED
from bridges.model.resources import check_resources, estimate
from bridges.run_folder import note, output_folder, run_one
from bridges.scenarios.compare_options import VARIANT_PREFIX, compare_options, parse_variant
from bridges.invocation import command

USAGE = __doc__.split("\n\n")[1]


def help_text() -> str:
    available = config_groups()
    types = available.pop("intervention", [])
    groups = "\n".join(f"  {group}: {', '.join(options)}" for group, options in available.items())
    usage = USAGE.replace("python run.py", command())
    return (f"Bridges: intergroup contact between arriving and receiving communities.\n\n{usage}\n\n"
            f"Config groups (choose with group=option):\n{groups}\n\n"
            f"Intervention types (listed by scenarios; tune with interventions.<name>.<key>=value):\n"
            f"  {', '.join(types)}\n\n"
            "Any key can be overridden as key=value (e.g. city.arriving_share=0.1, "
            "contact.update.negativity_weight=3).\nCheck and print the composed config with --cfg (a bad key or value "
            "stops with one line). Every key is documented in conf/ with its unit and source.\n\n"
            "Your own configs: --config-dir DIR adds DIR/scenario/*.yaml, DIR/city/*.yaml, ... as options "
            "(scenario=NAME);\na scenario file can also be given as a path: scenario=path/to/my_mix.yaml "
            f"(template: docs/scenario_template.yaml; {command()} examples copies it here).\n"
            f"The browser dashboard: {command()} dashboard [--host HOST] [--port PORT] (pip install 'bridges[dashboard]').")


def parse_args(argv: list[str]) -> tuple[str, list[str], bool, dict[str, list[str]]]:
    """(config name, overrides, print-config flag, comparison variants) from the command line. Your own
    config folders (`--config-dir DIR`) and a scenario given as a file become a `hydra.searchpath` override."""
    config_name, overrides, show, variants, config_dirs = "config", [], False, {}, []
    args = iter(argv)
    for arg in args:
        if arg == "--config-name":
            config_name = next(args, "")
        elif arg.startswith("--config-name="):
            config_name = arg.split("=", 1)[1]
        elif arg in ("--config-dir", "-cd"):
            config_dirs.append(next(args, ""))
        elif arg.startswith("--config-dir="):
            config_dirs.append(arg.split("=", 1)[1])
        elif arg == "--cfg":
            show = True
        elif arg.startswith("-"):
            raise InputError(f"{arg}: unknown option (see {command()} --help)")
        elif arg.startswith(VARIANT_PREFIX):
            name, items = parse_variant(arg)
            variants[name] = items
        else:
            overrides.append(arg)
    if not config_name:
        raise InputError("--config-name: needs a name")
    if "" in config_dirs:
        raise InputError("--config-dir: needs a folder")
    overrides = user_overrides(overrides, config_dirs, variants)
    if variants and config_name != "compare":
        raise InputError(f"{VARIANT_PREFIX}{next(iter(variants))}: variants need --config-name compare")
    return config_name, overrides, show, variants


def compare(plain: dict, overrides: list[str], variants: dict[str, list[str]] | None = None) -> tuple[Path, list[str]]:
    """Validate and run a scenario comparison into its own folder; returns it and its five-line headline."""
    from bridges.scenarios.compare import run_comparison, scenario_configs  # with its plots and statistics

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


def guard_calibrated_files(overrides: list[str]) -> None:
    """Every `+calibrated=PATH` file read through the guarded YAML loader first (no alias bombs, UTF-8,
    unambiguous numbers), and refused if it sets a key that is not a model parameter (NOT_PARAMETERS)."""
    for override in overrides:
        prefix = next((p for p in CALIBRATED_PREFIXES if override.startswith(p)), None)
        if not prefix or not names_a_file(override[len(prefix):]):
            continue
        path = Path(override[len(prefix):]).expanduser()
        content = read_yaml(path)
        for key in _leaf_keys(content):
            if any(key == name or key.startswith(f"{name}.") for name in NOT_PARAMETERS):
                raise InputError(f"{path}: {key}: a calibrated file sets model parameters only, not the seed, the "
                                 "run's length or the people; give it on the command line")


def _leaf_keys(content, prefix: str = "") -> list[str]:
    if not isinstance(content, dict):
        return [prefix.rstrip(".")] if prefix else []
    return [key for name, value in content.items() for key in _leaf_keys(value, f"{prefix}{name}.")]


def guard_calibration_files(plain: dict) -> None:
    """A calibration's priors and answer-mapping files read through the guarded YAML loader before the
    calibration's own reader sees them."""
    from bridges.config import group_file

    section = plain.get("calibration") or {}
    priors = section.get("priors")
    if isinstance(priors, str) and priors:
        read_yaml(group_file("calibration", priors, "calibration.priors"))
    mapping = section.get("mapping")
    if isinstance(mapping, str) and mapping:
        read_yaml(mapping)


def one_line(text: str) -> str:
    """`text` with line breaks and other unprintable characters (echoed from a bad file or value) escaped,
    so an error is always exactly one line (terminal control sequences are shown, never obeyed); a line
    over MAX_LINE characters (a huge value echoed) keeps its start and end."""
    line = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    if len(line) <= MAX_LINE:
        return line
    return f"{line[:MAX_LINE // 2]} [... {len(line) - MAX_LINE * 3 // 4:,} characters ...] {line[-MAX_LINE // 4:]}"


MAX_LINE = 800
"""Longest message line printed: room for a key, a path and a reason, not for a megabyte value."""


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C so staging folders are removed."""


def _terminate(signum, frame):
    raise Terminated


def validate(plain: dict, overrides: list[str]) -> Path:
    """Run the pattern-oriented validation (scenarios/validate.py) into its own folder."""
    from bridges.scenarios.validate import run_validation

    options = run_options(plain)
    folder, unique = output_folder(options, default_run_dir(plain["seed"], OUTPUTS_ROOT / "validate"))
    with StagedFolder(folder, unique) as staged:
        write_config(staged.path, plain, overrides)
        run_validation(plain, overrides, staged.path)
    return staged.final


MULTIRUN_FLAGS = ("-m", "--multirun")


EXAMPLES = {Path(str(importlib.resources.files("bridges.calibration"))) / "data": Path("calibration") / "data",
            Path(__file__).with_name("scenario_template.yaml"): Path("scenario_template.yaml")}
"""What `bridges examples` copies (from the package) and where to (under the folder given): the example
surveys docs/calibration.md's commands read, and the template of a scenario (docs/scenarios.md)."""


def copy_examples(args: list[str]) -> tuple[Path, list[str]]:
    """Copy the example surveys and the scenario template into a folder (default: here), keeping any file
    already there; so an installed wheel can follow docs/calibration.md and docs/scenarios.md."""
    if len(args) > 1 or any(arg.startswith("-") for arg in args):
        raise InputError(f"examples: takes one folder at most, got {' '.join(args)}")
    folder = Path(args[0] if args else ".")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"examples: {folder} is not a folder")
    sources = {}
    for source, target in EXAMPLES.items():
        sources |= ({path: folder / target / path.name for path in sorted(source.iterdir()) if path.is_file()}
                    if source.is_dir() else {source: folder / target})
    written = []
    for source, target in sources.items():
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(str(target))
    kept = len(sources) - len(written)
    return folder, [f"copied {len(written)} example files" + (f" ({kept} already there, kept)" if kept else "") + ":",
                    *(f"  {path}" for path in written)]


def variant_hint(message: str, overrides: list[str], config_name: str) -> str:
    """In a comparison, an unknown `interventions.NAME.*` key is usually a programme of one scenario tuned for
    all of them (the baseline has none): `message` with the variant to write instead (docs/scenarios.md)."""
    key = message.split(":", 1)[0]
    parts = key.split(".")
    if config_name != "compare" or parts[0] != "interventions" or len(parts) < 3:
        return message
    value = next((o.split("=", 1)[1] for o in overrides if o.split("=", 1)[0] == key), "VALUE")
    return (f"{message}; in a comparison a plain override applies to every scenario, and not every one has "
            f"'{parts[1]}': tune it in one scenario with a variant, "
            f"compare.variants.{parts[1]}_tuned=[SCENARIO,{key}={value}] (docs/scenarios.md)")


COMMAND_SECTIONS = ("calibration", "sensitivity", "validate", "design")
"""Sections of --config-name calibrate, sensitivity, validate and design: each command's own options, not the model's."""


def check(plain: dict, overrides: list[str], variants: dict[str, list[str]]) -> None:
    """Everything a command checks before it runs (`--cfg` stops at the first problem, in one line, as the
    command would): the run options and model parameters, and for a comparison every scenario and variant.
    The options of calibration, sensitivity, validation and design studies are checked when those commands
    start."""
    run_options(plain)
    if "compare" in plain:
        from bridges.scenarios.compare_runs import scenario_configs

        choice = compare_options(plain, variants)
        scenario_configs(overrides, choice.scenarios, choice.variants)
    else:
        model_params({key: value for key, value in plain.items() if key not in COMMAND_SECTIONS})


def dispatch(argv: list[str]) -> tuple[Path, list[str]] | None:
    """Do what the command line asks: the folder written and its summary lines (None: config printed)."""
    if argv[:1] == ["aggregate"]:
        from bridges.sweep import aggregate_command

        return aggregate_command(argv[1:])
    if argv[:1] == ["dashboard"]:
        from bridges.dashboard import serve

        serve(argv[1:])
        return None
    if argv[:1] == ["examples"]:
        return copy_examples(argv[1:])
    multirun = [arg for arg in argv if arg in MULTIRUN_FLAGS]
    config_name, overrides, show, variants = parse_args([arg for arg in argv if arg not in MULTIRUN_FLAGS])
    guard_calibrated_files(overrides)
    if warning := other_site_warning(overrides, CONF_DIR):
        print(warning, file=sys.stderr, flush=True)
    overrides = expand_calibrated_files(overrides)  # +calibrated=PATH: a calibrated.yaml anywhere
    if multirun:
        from bridges.sweep import sweep_command

        if show or variants:
            raise InputError(f"{multirun[0]}: a sweep takes key=value overrides only (no --cfg, no variants)")
        if any(o.startswith("hydra/launcher=submitit") for o in overrides):
            require("cluster", "a submitit launcher")
        return sweep_command(overrides, config_name)
    try:
        plain = to_plain(compose_config(overrides, config_name))
    except InputError as error:
        raise InputError(variant_hint(str(error), overrides, config_name)) from None
    if show:
        import yaml

        check(plain, overrides, variants)
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
        require("calibration", "calibration")
        from bridges.calibration.cli import calibrate

        guard_calibration_files(plain)
        folder, text = calibrate(plain, overrides)
        return folder, calibration_summary(text)
    if "compare" in plain:
        return compare(plain, overrides, variants)
    return run_one(plain, overrides)


def calibration_summary(report: str) -> list[str]:
    """The terminal's summary of a calibration: its report.md up to the progress table, line by line (given
    whole, the lines were escaped into one line of literal \\n and cut in the middle)."""
    return report.split("## Progress")[0].strip().splitlines()


def stopped_note(argv: list[str]) -> str:
    """What a stopped command leaves: a sweep keeps its complete runs (rerunning it finishes the rest)."""
    if any(arg in MULTIRUN_FLAGS for arg in argv):
        return "complete runs of the sweep are kept; rerun the same command to finish it"
    if "design" in argv or "--config-name=design" in argv:
        return "the design study's complete evaluations and runs are kept; rerun the same command to resume it"
    if "calibrate" in argv or "--config-name=calibrate" in argv:
        return "generations that finished stay in the calibration database (calibration.resume=true continues)"
    return "nothing written"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(arg in ("-h", "--help") for arg in argv):
        print(help_text())
        return 0
    from bridges.sweep import SweepError

    ignored = {signum for signum in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(signum) is signal.SIG_IGN}
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN if signal.SIGTERM in ignored else _terminate)
    previous_interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN if signal.SIGINT in ignored
                                       else signal.default_int_handler)
    try:
        try:
            done = dispatch(argv)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # done and renamed into place: say so before any stop
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
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
        if done is not None:
            folder, summary = done
            if summary:
                print("\n".join(one_line(line) for line in summary))
            if (folder / "report.md").exists():
                print(f"report: {one_line(str(folder / 'report.md'))}")
            print(f"wrote {one_line(str(folder))}", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_interrupt)


if __name__ == "__main__":
    sys.exit(main())
