"""Compose the Hydra configuration from `conf/` plus command-line overrides, and validate it.

The configs are the package `bridges.conf` (conf/ in a checkout, package data in a wheel), found through
Hydra's `pkg://bridges.conf` search path, so an installed Bridges runs from any folder.

Hydra's compose API is used (not `@hydra.main`) so that every input problem becomes one
`InputError` naming the key, which run.py prints as a single line with exit code 2.
"""

import copy
from dataclasses import asdict, dataclass, field, fields, replace
import fnmatch
import functools
import hashlib
import importlib.resources
import os
import re
import tempfile
from pathlib import Path

from hydra import compose, initialize_config_dir, initialize_config_module
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf, open_dict

from bridges.invocation import command
from bridges.model import kernels
from bridges.model.custom_city import check_custom_overrides
from bridges.model.errors import InputError
from bridges.model.input_files import read_bytes
from bridges.model.interventions import build_interventions
from bridges.model.params import Params, build, check_cross_fields
from bridges.model.reference import SECTIONS, SITE_GROUPS

CONF_PACKAGE = "bridges.conf"
CONF_DIR = Path(str(importlib.resources.files(CONF_PACKAGE)))
"""Where the configs are on disk (listing options, naming files in messages); composition goes through
Hydra's pkg:// search path."""
PROGRESS_CHOICES = ("auto", "on", "off")
PROGRESS_DISABLE = {"auto": None, "on": False, "off": True}
"""tqdm's `disable` for each progress choice (None: show only on a terminal)."""


USER_DIRS: list[Path] = []
"""The user's own config folders (`--config-dir DIR`, `hydra.searchpath=[DIR]`, a scenario given as a file),
searched after conf/ for group options such as conf/scenario/'s: registered for the process by the first
composition that names them (`use_config_dirs`), so every later composition (each scenario of a
comparison, each point of a sweep) finds them."""
SEARCHPATH = "hydra.searchpath"
"""The override that carries user config folders, so it travels with the overrides into sweep workers."""


def config_groups(conf_dir: Path = CONF_DIR, with_user_dirs: bool = True) -> dict[str, list[str]]:
    """Config groups (sub-folders of conf/) and the options in each, with the user's own options in the
    folders of the same names (USER_DIRS) unless `with_user_dirs` is False."""
    groups = {folder.name: sorted(p.stem for p in folder.glob("*.yaml"))
              for folder in sorted(conf_dir.iterdir()) if folder.is_dir() and any(folder.glob("*.yaml"))}
    for user in USER_DIRS if conf_dir == CONF_DIR and with_user_dirs else ():
        for group in groups:
            if (user / group).is_dir():
                groups[group] = sorted({*groups[group], *(p.stem for p in (user / group).glob("*.yaml"))})
    return groups


def checked_config_dir(text: str, key: str) -> Path:
    """A user's config folder: an existing folder whose YAML files in folders named like conf/'s groups
    (scenario/, city/, ...: what Hydra may read) are regular files under the input size limit that call no
    resolvers (the guards of every input file and override); one line otherwise."""
    if "://" in text and not text.startswith("file://"):
        raise InputError(f"{key}: {text}: only local folders (file://DIR or DIR) can hold your configs")
    folder = Path(text.removeprefix("file://")).expanduser().resolve()
    if not folder.is_dir():
        raise InputError(f"{key}: {text}: no such folder")
    for group in config_groups(CONF_DIR, with_user_dirs=False):
        for path in sorted((folder / group).rglob("*.yaml")) if (folder / group).is_dir() else ():
            content = read_bytes(str(path)).decode("utf-8", errors="replace")
            if RESOLVER_CALL.search(content):
                raise InputError(f"{path}: interpolations that call resolvers (such as ${{oc.env:...}}) are not "
                                 "allowed in config files; refer to another key instead, e.g. ${city.n_agents}")
    return folder


def use_config_dirs(overrides: list[str]) -> list[str]:
    """The overrides without `hydra.searchpath=[DIR, ...]`, whose folders are checked and added to USER_DIRS."""
    rest = []
    for text in overrides:
        if text.partition("=")[0].lstrip("+") != SEARCHPATH:
            rest.append(text)
            continue
        try:
            (override,) = OverridesParser.create().parse_overrides([text])
        except HydraException:
            raise InputError(f"{text}: not a key=value override") from None
        value = override.value()
        for item in value if isinstance(value, list) else [value]:
            folder = checked_config_dir(str(item), SEARCHPATH)
            if folder not in USER_DIRS:
                USER_DIRS.append(folder)
    return rest


def searchpath_override(folders: list[Path]) -> str:
    """The override naming `folders` as config folders."""
    return f"{SEARCHPATH}=[{','.join(f'file://{folder.resolve()}' for folder in folders)}]"


SCENARIO_FILES = Path(tempfile.gettempdir()) / f"bridges-scenarios-{os.getuid()}"
"""Where a scenario given as a file is placed as conf/scenario/<name>.yaml would be: one folder per content.
This machine's own: a sweep copies the folders it names into its shared folder (`shared_scenario_files`),
so its workers on other nodes find them."""
SHARED_SCENARIO_FILES = "scenario_files"
"""The sub-folder of a sweep's folder that holds the scenario files its runs name."""


def is_yaml_path(value) -> bool:
    """A value naming a YAML file (a scenario given as a file) rather than an option of conf/."""
    return isinstance(value, str) and value.endswith((".yaml", ".yml"))


def scenario_file(path: str, key: str = "scenario") -> tuple[str, Path]:
    """A scenario given as a file (`scenario=my_mix.yaml`, an item of `compare.scenarios`): its name and a
    config folder holding it as scenario/<name>.yaml (named after its content, so sweep workers find the
    same folder). Its name may not be a shipped scenario's, which Hydra would take instead of the file."""
    content = read_bytes(path)
    name = Path(path).stem
    if not CONFIG_NAME.fullmatch(name):
        raise InputError(f"{key}={path}: a scenario's file name may use only letters, digits and _")
    if name in config_groups(CONF_DIR, with_user_dirs=False).get("scenario", []):
        raise InputError(f"{key}={path}: {name!r} is the name of a shipped scenario (conf/scenario/{name}.yaml), "
                         "which would be run instead of your file; rename the file")
    folder = SCENARIO_FILES / hashlib.sha256(content + name.encode()).hexdigest()[:16]
    (folder / "scenario").mkdir(parents=True, exist_ok=True)
    target = folder / "scenario" / f"{name}.yaml"
    if not target.is_file():
        target.write_bytes(content)
    return name, folder


def scenario_names(text: str, folders: list[Path]) -> str:
    """`scenario=path/mine.yaml`, a sweep `scenario=mine.yaml,baseline` or `compare.scenarios=[baseline,
    path/mine.yaml]` with each file named by its scenario's name (its config folder added to `folders`);
    any other value unchanged (later checks say what is wrong with it)."""
    key, _, value = text.partition("=")
    if key == "scenario" and is_yaml_path(value) and "," not in value:
        items = [value]  # one file, its path as written (spaces and all)
    else:
        try:
            (override,) = OverridesParser.create().parse_overrides([text])
        except HydraException:
            return text  # screen_overrides says what is wrong with it
        sweep = override.is_sweep_override()
        if sweep and not override.is_discrete_sweep():
            return text
        items = list(override.sweep_string_iterator()) if sweep else override.value()
        items = items if isinstance(items, list) else [items]
    if not any(is_yaml_path(item) for item in items):
        return text
    names = []
    for item in items:
        if is_yaml_path(item):
            item, folder = scenario_file(item, key)
            folders.append(folder)
        names.append(str(item))
    if key == "scenario":
        return f"scenario={','.join(names)}"
    return f"{key}=[{','.join(names)}]"


def user_overrides(overrides: list[str], config_dirs: list[str] = (),
                   variants: dict[str, list[str]] | None = None) -> list[str]:
    """Overrides with the user's own configs made composable: each `--config-dir` folder, and a scenario
    given as a file (`scenario=path/my_mix.yaml`, in a sweep's `scenario=a.yaml,b.yaml`, an item of
    `compare.scenarios=[...]`, the scenario a comparison's variant starts from), become one
    `hydra.searchpath` override at the front; `variants` are changed in place to name the scenario."""
    folders = [checked_config_dir(text, "--config-dir") for text in config_dirs]
    rest = [scenario_names(text, folders) if text.partition("=")[0] in ("scenario", "compare.scenarios") else text
            for text in overrides]
    for name, items in (variants or {}).items():
        if items and is_yaml_path(items[0]):
            scenario, folder = scenario_file(items[0], f"compare.variants.{name}")
            folders.append(folder)
            items[0] = scenario
    return [searchpath_override(folders), *rest] if folders else rest


def shared_scenario_files(overrides: list[str], shared: Path) -> list[str]:
    """The overrides with each scenario-file folder (under SCENARIO_FILES, on this machine only) copied into
    `shared`/scenario_files and named there: a sweep's workers on other nodes read the sweep's folder, not
    this machine's temporary one. Other overrides and config folders are unchanged."""
    staged, out = SCENARIO_FILES.resolve(), []
    for text in overrides:
        if text.partition("=")[0] != SEARCHPATH:
            out.append(text)
            continue
        (override,) = OverridesParser.create().parse_overrides([text])
        value = override.value()
        folders = [Path(str(item).removeprefix("file://")) for item in (value if isinstance(value, list) else [value])]
        if not any(folder.parent == staged for folder in folders):
            out.append(text)
            continue
        for folder in (f for f in folders if f.parent == staged):
            for path in folder.rglob("*.yaml"):
                target = shared / SHARED_SCENARIO_FILES / folder.name / path.relative_to(folder)
                if not target.is_file():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(path.read_bytes())
        out.append(searchpath_override([shared / SHARED_SCENARIO_FILES / f.name if f.parent == staged else f
                                        for f in folders]))
    return out


def _explain(error: Exception, overrides: list[str], conf_dir: Path) -> str:
    """Turn a Hydra composition error into one line that names the key."""
    text = " ".join(str(error).split())
    match = re.search(r"Could not override '([^']+)'", text)
    if match:
        return f"{match.group(1)}: unknown config key ({command()} --help lists the groups)"
    match = re.search(r"Could not find '([^'/]+)/([^']+)'", text)
    if match:
        group, option = match.groups()
        options = ", ".join(config_groups(conf_dir).get(group, [])) or "none"
        return f"{group}={option}: no such option in conf/{group}/ (available: {options})"
    match = re.search(r"Key '([^']+)' is not in struct", text)
    if match:
        return f"{match.group(1)}: unknown config key"
    return text.split(". ")[0]


CONFIG_NAME = re.compile(r"[A-Za-z0-9_]+")
"""A --config-name is a bare name of a file in conf/: no folders, no paths climbing out of conf/."""
RESOLVER_CALL = re.compile(r"\$\{\s*[A-Za-z_][\w.]*\s*:")
"""An interpolation that calls a resolver, e.g. ${oc.env:HOME}: it could read the environment."""


def _nested_strings(value):
    """Every string inside an override value (lists and mappings included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nested_strings(key)
            yield from _nested_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _nested_strings(item)


MAX_OVERRIDE_CHARS = 100_000
"""Longest override: room for any path or name, not for a file pasted onto the command line."""
MAX_OVERRIDE_ITEMS = 1_000
"""Most commas in one override: Hydra's parser takes quadratic time in a list's length (2,000 items 0.5 s,
20,000 items about a minute), and no key needs more (survey weeks, sweeps of values)."""
MAX_OVERRIDE_DEPTH = 32
"""Deepest nesting of brackets in an override: deeper overflows the parser's recursion."""
QUOTE_HINT = ("; a value with spaces, non-ASCII letters or characters such as ~ ( ) needs quotes, e.g. "
              "'city.name=\"Zürich 2\"'")


def check_override_text(text: str) -> None:
    """Refuse, before Hydra's parser sees it, an override too long, too long a list or nested too deep
    for the parser to handle in reasonable time and memory."""
    if len(text) > MAX_OVERRIDE_CHARS:
        raise InputError(f"{text[:60]}...: override is {len(text):,} characters, over the "
                         f"{MAX_OVERRIDE_CHARS:,} allowed")
    if text.count(",") >= MAX_OVERRIDE_ITEMS:
        raise InputError(f"{text.split('=', 1)[0][:200]}: more than {MAX_OVERRIDE_ITEMS:,} items in one override")
    depth = deepest = 0
    for char in text:
        depth += (char in "[{(") - (char in "]})")
        deepest = max(deepest, depth)
    if deepest > MAX_OVERRIDE_DEPTH:
        raise InputError(f"{text.split('=', 1)[0][:200]}: nested more than {MAX_OVERRIDE_DEPTH} levels deep")


def parse_override(text: str, parser=None):
    """One override parsed by Hydra's grammar, or one line saying what is wrong with it."""
    check_override_text(text)
    try:
        (override,) = (parser or OverridesParser.create()).parse_overrides([text])
    except HydraException:
        hint = QUOTE_HINT if not text.isascii() or "~" in text.partition("=")[2] else ""
        raise InputError(f"{text}: not a key=value override{hint}") from None
    except RecursionError:
        raise InputError(f"{text.split('=', 1)[0][:200]}: nested too deeply") from None
    return override


def screen_overrides(overrides: list[str], conf_dir: Path = CONF_DIR) -> None:
    """Refuse, with one line, overrides that Hydra would reject with a traceback, ignore silently, or
    resolve from the environment."""
    parser = OverridesParser.create()
    groups = config_groups(conf_dir)
    for text in overrides:
        override = parse_override(text, parser)
        key = override.key_or_group
        if not key:
            raise InputError(f"{text}: not a key=value override (the key is missing)")
        if key == "hydra" or key.startswith(("hydra.", "hydra/")):
            raise InputError(f"{key}: Hydra's own settings cannot be changed here (the run folder is run.output_dir; "
                             "your own config folder: --config-dir DIR or hydra.searchpath=[DIR])")
        if override.package is not None and key not in groups:
            raise InputError(f"{text}: package overrides (@) are not supported; override keys instead")
        if override.is_sweep_override():
            raise InputError(f"{text}: sweeps are not supported; run one value at a time")
        if key in groups and not override.is_delete():
            value = override.value()
            if not isinstance(value, str) or value not in groups[key]:
                raise InputError(f"{key}: must name an option in conf/{key}/ (available: {', '.join(groups[key])}), "
                                 f"got {value!r}")
        if override.is_delete() and (key in groups or key in SECTIONS or "." not in key):
            raise InputError(f"{text}: a whole section or config group cannot be deleted")
        value = override.value()
        if value == {}:
            raise InputError(f"{key}: an empty mapping would change nothing; set keys as {key}.NAME=VALUE")
        if key in SECTIONS and not isinstance(value, dict):
            raise InputError(f"{key}: must be a mapping, got {value!r}")
        if any(RESOLVER_CALL.search(item) for item in _nested_strings(value)):
            raise InputError(f"{key}: interpolations that call resolvers (such as ${{oc.env:...}}) are not "
                             "allowed in overrides; refer to another key instead, e.g. ${city.n_agents}")


@functools.lru_cache(maxsize=32)
def _composed(config_name: str, choices: tuple[str, ...], conf_dir: str, user_dirs: tuple[Path, ...] = ()) -> DictConfig:
    """The config composed with these group choices (city=..., scenario=...), before value overrides.
    Composition reads every YAML file (~0.1-0.3 s), so it is done once per choice of options."""
    if Path(conf_dir) == CONF_DIR:
        searched = [searchpath_override(list(user_dirs))] if user_dirs else []
        with initialize_config_module(config_module=CONF_PACKAGE, version_base=None):
            return compose(config_name=config_name, overrides=[*searched, *choices])
    with initialize_config_dir(config_dir=conf_dir, version_base=None):  # a copy of conf/ (tests, planners)
        return compose(config_name=config_name, overrides=list(choices))


def compose_config(overrides: list[str] | None = None, config_name: str = "config",
                   conf_dir: Path = CONF_DIR) -> DictConfig:
    """The composed configuration, or InputError for a malformed override or unknown key/option.

    As Hydra does: options of config groups choose the files composed, then value overrides are applied
    in order (Hydra's own override code, with struct mode on); the composition per choice is cached."""
    overrides = use_config_dirs(list(overrides or []))
    if not CONFIG_NAME.fullmatch(config_name) or not (conf_dir / f"{config_name}.yaml").is_file():
        available = ", ".join(sorted(p.stem for p in conf_dir.glob("*.yaml")))
        raise InputError(f"--config-name {config_name}: not a config in conf/ (available: {available})")
    screen_overrides(overrides, conf_dir)
    parsed = OverridesParser.create().parse_overrides(overrides)
    groups = config_groups(conf_dir)
    choices = tuple(o.input_line for o in parsed if o.key_or_group in groups)
    values = [o for o in parsed if o.key_or_group not in groups]
    try:
        cfg = copy.deepcopy(_composed(config_name, choices, str(conf_dir), tuple(USER_DIRS)))
    except HydraException as error:
        raise InputError(_explain(error, overrides, conf_dir)) from None
    except (ValueError, TypeError) as error:
        raise InputError(f"{' '.join(overrides)}: {' '.join(str(error).split())}") from None
    misplaced_scenario(cfg)
    try:
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
    except HydraException as error:
        raise InputError(_explain(error, overrides, conf_dir)) from None
    except (ValueError, TypeError) as error:  # e.g. a value Hydra cannot merge into a node
        raise InputError(f"{' '.join(overrides)}: {' '.join(str(error).split())}") from None
    check_custom_overrides(cfg, [o.key_or_group for o in values])
    site = {group: None for group in SITE_GROUPS} | {o.key_or_group: o.value() for o in parsed
                                                      if o.key_or_group in SITE_GROUPS and not o.is_delete()}
    with open_dict(cfg):
        cfg.site = site if conf_dir == CONF_DIR else site | {"conf_dir": str(conf_dir)}
    return cfg


def misplaced_scenario(cfg: DictConfig) -> None:
    """A scenario file without `# @package _global_` composes under a `scenario:` key, where nothing reads
    it: say which line is missing rather than calling `scenario` an unknown key."""
    if isinstance(cfg.get("scenario"), DictConfig):
        name = cfg.scenario.get("scenario_name", "your scenario")
        raise InputError(f"scenario {name}: the scenario file does not start with the line '# @package _global_', "
                         "so its keys land under 'scenario:'; add that line at the top, as "
                         f"scenario_template.yaml has it (docs/ in a checkout; {command()} examples copies it)")


def _resolver_calls(node, trail: str = ""):
    """Dotted keys of the unresolved config whose value calls a resolver (`${oc.env:...}`, ...)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _resolver_calls(value, f"{trail}.{key}" if trail else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _resolver_calls(value, f"{trail}[{index}]")
    elif isinstance(node, str) and RESOLVER_CALL.search(node):
        yield trail


NOT_PARAMETERS = ("seed", "steps", "warmup_weeks", "run", "compare", "scenario", "interventions", "survey",
                  "city.name", "city.n_agents", "city.arriving_share", "city.n_neighbourhoods", "city.custom")
"""Keys a calibrated set or a posterior may not set: the seed, the run's length, the people and what is run
and written are chosen on the command line; calibrated values are the model's parameters only."""


def to_plain(cfg: DictConfig) -> dict:
    """A resolved plain-dict copy of a config. Interpolations that call resolvers are refused wherever
    they come from (an override, a scenario or city file): the environment never reaches a value."""
    called = next(_resolver_calls(OmegaConf.to_container(cfg, resolve=False)), None)
    if called:
        raise InputError(f"{called}: calls a resolver (such as ${{oc.env:...}}), which Bridges does not allow in "
                         "configs; write the value, or refer to another key as ${city.n_agents}")
    try:
        return OmegaConf.to_container(cfg, resolve=True)
    except Exception as error:  # interpolation errors name their key in the message
        raise InputError(" ".join(str(error).split())) from None


def model_params(plain: dict) -> Params:
    """Validated model parameters from a plain config (the `run`, `compare` and `site` sections are not the
    model's); cross-field rules are checked and interventions against their types' effect parameters. With
    `dynamics.reference: site` and the site recorded (`compose_config`), the site's parameters come along
    for the reference world (model/reference.py)."""
    params = build(Params, {key: value for key, value in plain.items() if key not in SECTIONS})
    check_cross_fields(params)
    build_interventions(params, 0)
    site = plain.get("site")
    if params.dynamics.reference == "site" and isinstance(site, dict):
        params = replace(params, site=site_params(site.get("city"), site.get("calibrated"),
                                                  site.get("conf_dir", str(CONF_DIR))))
    return params


@functools.lru_cache(maxsize=16)
def site_params(city: str | None, calibrated: str | None, conf_dir: str) -> Params:
    """The surveyed site's parameters: its city preset and calibrated set (when chosen), every other key at
    its default, no programme (`city` None: the default preset)."""
    choices = [f"city={city}"] * (city is not None) + [f"+calibrated={calibrated}"] * (calibrated is not None)
    plain = to_plain(compose_config(choices, conf_dir=Path(conf_dir)))
    return build(Params, {key: value for key, value in plain.items() if key not in SECTIONS})


@dataclass(frozen=True)
class RunOptions:
    """The `run:` section: where the run folder goes, whether a progress bar shows and whether the folder gets
    its pictures (none of them the model's)."""

    output_dir: str | None = None  # the run folder (None: outputs/<date>/<time>-seed<seed>)
    progress: str = field(default="auto", metadata={
        "check": lambda value: None if value in PROGRESS_CHOICES else f"must be one of {', '.join(PROGRESS_CHOICES)}"})
    plots: str = field(default="auto", metadata={
        "check": lambda value: None if value in PROGRESS_CHOICES else f"must be one of {', '.join(PROGRESS_CHOICES)}"})
    threads: int | None = field(default=None, metadata={
        "check": lambda value: None if 1 <= value <= MAX_JOBS else
        f"must be null (the cores available) or a whole number from 1 to {MAX_JOBS:,}"})
    """Worker threads of a big city's week (None: the cores this process may use); the numbers do not depend on it."""
    kernels: str = field(default="auto", metadata={
        "check": lambda value: None if value in kernels.MODES else f"must be one of {', '.join(kernels.MODES)}"})


def run_options(plain: dict) -> dict:
    """Validated run options, by the schema's `build`: output_dir (str or None), progress and plots
    and kernels (auto/on/off; YAML's `on`/`off` arrive as true/false), threads (int or None). Every command reads
    them before it runs a model, so this also sets the process's engine switch (model/kernels.py) from `kernels`."""
    section = plain.get("run", {})
    if isinstance(section, dict):
        section = {**section, **{key: "on" if section[key] else "off" for key in ("progress", "plots", "kernels")
                                 if isinstance(section.get(key), bool)}}
    options = asdict(build(RunOptions, section, "run"))
    kernels.use(options["kernels"])
    return options


def matching_paths(plain: dict, pattern: list[str], trail: tuple = ()) -> list[tuple]:
    """Paths in the nested config matching the dotted pattern (`*` = any one key): the keys a calibration
    prior or a sensitivity range like `city.layers.*.contact_rate` sets."""
    if not pattern:
        return [trail]
    head, rest = pattern[0], pattern[1:]
    if not isinstance(plain, dict):
        return []
    keys = [k for k in plain if fnmatch.fnmatchcase(str(k), head)] if "*" in head else [head] if head in plain else []
    return [path for k in keys for path in matching_paths(plain[k], rest, (*trail, k))]


def at_least(low: int) -> dict:
    """Field metadata for an option section's dataclass built by `params.build` (RunOptions, ValidateOptions):
    a whole number `low` or more."""
    return {"check": lambda value: None if value >= low else f"must be an integer {low} or more"}


def whole(least: int, most: int | None = None, why: str = "") -> dict:
    """Field metadata for an option section built by `params.build`: a whole number from `least` to `most`
    (no upper end when None); `why` says where the upper end comes from."""
    span = f"{least} or more" if most is None else f"from {least} to {most:,}"
    return {"check": lambda value: None if value >= least and (most is None or value <= most)
            else f"must be a whole number {span}{f' ({why})' if why else ''}"}


def one_of(choices) -> dict:
    """Field metadata for an option section built by `params.build`: one of `choices`, a tuple or a function
    returning one (read when checked: conf/'s options with the user's own folders)."""
    def check(value):
        options = choices() if callable(choices) else choices
        return None if value in options else f"must be one of {', '.join(options)}"

    return {"check": check}


MAX_JOBS = 4_096
"""Most workers an analysis may ask for (more are capped at the available cores)."""
JOBS = {"check": lambda value: None if value == -1 or 1 <= value <= MAX_JOBS else
        f"must be -1 (all cores) or a whole number from 1 to {MAX_JOBS:,} (more is beyond any machine's cores)"}
"""Field metadata of an analysis's `jobs` option, built by `params.build`."""


def build_section(cls, section, where: str):
    """`section` (a mapping of options) built into `cls` by the schema's `build`: types, ranges and unknown
    keys checked, one line naming the first bad key; an unknown key's line lists the known ones."""
    known = [f.name for f in fields(cls) if not f.metadata.get("internal")]
    unknown = sorted(map(str, set(section) - set(known))) if isinstance(section, dict) else []
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: unknown config key (known: {', '.join(known)})")
    return build(cls, section, where)


def option_section(cls, plain: dict, name: str):
    """The `name:` section of a composed configuration (compare:, sensitivity:, ...) built by `build_section`."""
    return build_section(cls, plain.get(name) or {}, name)


def whole_number(value, key: str, least: int, most: int | None = None) -> int:
    """`value` if it is a whole number from `least` to `most` (no upper end when None); otherwise one line naming
    `key`. For the numbers of a design study's file (scenarios/design.py)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < least or (most is not None and value > most):
        span = f"{least} or more" if most is None else f"from {least} to {most:,}"
        raise InputError(f"{key}: must be a whole number {span}, got {value!r}")
    return value


def group_file(group: str, choice: str, key: str) -> Path:
    """conf/<group>/<choice>.yaml, or `choice` itself if it is a path to a .yaml file (calibration priors,
    sensitivity studies); one line naming `key` and the available names when there is no such file."""
    folder = CONF_DIR / group
    path = Path(choice) if choice.endswith((".yaml", ".yml")) else folder / f"{choice}.yaml"
    if not path.is_file():
        options = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
        raise InputError(f"{key}: no file {path} (available: {options})")
    return path
