"""Sweeps: many single runs through Hydra's launchers, resumable, one folder per distinct configuration.

    bridges -m city.arriving_share=0.02,0.1,0.2 scenario=baseline,volunteering      # joblib, local cores
    bridges -m seed=0,1,2 hydra/launcher=submitit_slurm hydra.launcher.partition=short  # a Slurm cluster
    bridges aggregate outputs/sweeps/<id>                                            # one tidy table + plots

Every point of the sweep is composed and validated before anything is launched, so bad input is one line
and nothing is written. A run goes to `SWEEP/runs/<config hash>`: written in a staging folder and renamed
when complete, with `complete.json` (its hash, overrides and headline figures) inside. Rerunning a sweep
skips complete runs and redoes the others; identical configurations share one folder, computed once.
"""

import contextlib
import fcntl
import hashlib
import json
import math
import os
import re
import shutil
import socket
import sys
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.plugins import Plugins
from hydra.core.utils import JobStatus
from hydra.errors import HydraException
from hydra.types import HydraContext, RunMode

from bridges.config import (
    CONF_DIR,
    CONF_PACKAGE,
    PROGRESS_DISABLE,
    SEARCHPATH,
    _explain,
    compose_config,
    config_groups,
    model_params,
    parse_override,
    run_options,
    shared_scenario_files,
    to_plain,
)
from bridges.model.custom_city import read_custom_city
from bridges.model.errors import InputError
from bridges.model.input_files import read_bytes
from bridges.outputs import OUTPUTS_ROOT
from bridges.model.resources import check_resources, estimate
from bridges.workers import exit_with_parent, interrupts_for_this_process_only, mark_driver

RUNS = "runs"
MARKER = "complete.json"
MANIFEST = "sweep.json"
TABLE = "aggregate.csv"
SWEEPS_ROOT = OUTPUTS_ROOT / "sweeps"
LAUNCHERS = ("joblib", "basic", "submitit_local", "submitit_slurm")
DEFAULT_LAUNCHER = "joblib"
HYDRA_QUIET = ("hydra.sweep.subdir=.", "hydra.output_subdir=null", "hydra/job_logging=none",
               "hydra/hydra_logging=none", "hydra.job.chdir=false", "hydra.job.name=bridges")
"""The runs write their own folders: Hydra adds no per-job folders, .hydra copies or log files."""
PLOTTED = {"attitude_end": (0.0, 100.0), "weekly_contact_share": (0.0, 1.0), "outgroup_friend_share": (0.0, 1.0),
           "trust_end": (0.0, 1.0)}
"""The outcomes drawn by `aggregate` (every headline figure is in the table) and the scale each can take: a
plot's axis stops there, whatever an interval over a few seeds reaches (two seeds: t = 12.7)."""


class SweepError(Exception):
    """Some runs of a sweep failed (the others are complete and kept); rerun to redo the failed ones."""


@dataclass(frozen=True)
class Point:
    """One run of a sweep: its overrides, its configuration's hash and the swept values it sets."""

    overrides: tuple[str, ...]
    config_hash: str
    parameters: dict


def config_hash(plain: dict) -> str:
    """Hash of a resolved configuration without its `run` section (folder and progress bar change no
    result): two runs with the same hash produce the same outputs."""
    body = json.dumps({key: value for key, value in plain.items() if key != "run"}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _parse(text: str):
    return parse_override(text)


def split_launcher(overrides: list[str]) -> tuple[list[str], str, list[str]]:
    """(model overrides, launcher name, hydra.launcher.* overrides): the only Hydra settings a sweep takes."""
    model, launcher, settings = [], DEFAULT_LAUNCHER, []
    for text in overrides:
        override = _parse(text)
        key = override.key_or_group or ""
        if not (key == "hydra" or key.startswith(("hydra.", "hydra/"))) or key == SEARCHPATH:  # your config folders
            model.append(text)
        elif override.is_sweep_override():
            raise InputError(f"{key}: Hydra's settings cannot be swept")
        elif key == "hydra/launcher":
            launcher = override.value()
            if launcher not in LAUNCHERS:
                raise InputError(f"hydra/launcher: must be one of {', '.join(LAUNCHERS)}, got {launcher!r}")
        elif key.startswith("hydra.launcher."):
            if "${" in text:
                raise InputError(f"{key}: interpolations are not allowed in launcher settings; write the value")
            settings.append(text)
        else:
            raise InputError(f"{key}: a sweep takes only hydra/launcher=NAME and hydra.launcher.KEY=VALUE "
                             "(its folder is run.output_dir)")
    return model, launcher, settings


def expand(overrides: list[str]) -> list[list[str]]:
    """Every point of a sweep (Hydra's basic sweeper: the product of the comma-separated choices)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    parsed = [_parse(text) for text in overrides]
    for override in parsed:
        if override.is_sweep_override() and not override.is_discrete_sweep():
            raise InputError(f"{override.input_line}: only lists of values (a,b,c), range() and choice() "
                             "can be swept")
    (points,) = BasicSweeper.split_arguments(parsed, None)
    return [list(point) for point in points]


def _swept_value(plain: dict, override, groups: dict):
    """The value a point gives a key: the option chosen for a config group, the resolved value otherwise."""
    key = override.key_or_group
    if key in groups:
        return override.value()
    node = plain
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, (int, float, str, bool)) or node is None else json.dumps(node)


def plan(points: list[list[str]], config_name: str = "config") -> list[tuple[Point, dict]]:
    """Compose and validate every point (InputError names the first bad one); (point, config) each."""
    if config_name != "config":
        raise InputError(f"--config-name {config_name}: a sweep runs single simulations (config); "
                         "sweep a comparison's scenarios with scenario=a,b and the same seeds")
    groups = config_groups()
    planned, networks_read = [], set()
    for overrides in points:
        plain = to_plain(compose_config(overrides, config_name))
        params = model_params(plain)
        run_options(plain)
        custom = params.city.custom
        network = (custom.graphml, custom.edges_csv, custom.nodes_csv, tuple(params.city.layers))
        if custom.used and network not in networks_read:  # a run reads its files first; so does the sweep
            read_custom_city(*network)
            networks_read.add(network)
        parsed = [_parse(text) for text in overrides]
        parameters = {o.key_or_group: _swept_value(plain, o, groups) for o in parsed
                      if not o.key_or_group.startswith(("run.", SEARCHPATH))}
        planned.append((Point(tuple(overrides), config_hash(plain), parameters), plain))
    return planned


def is_complete(folder: Path, digest: str) -> bool:
    """A run folder renamed into place holds a marker naming its configuration's hash."""
    try:
        return json.loads(read_bytes(str(folder / MARKER)))["config_hash"] == digest
    except (OSError, ValueError, KeyError, TypeError, InputError):
        return False


def read_outcomes(folder: Path) -> dict[str, dict[str, float]]:
    """A complete run's headline figures per group (arriving, receiving)."""
    return read_marker(Path(folder) / MARKER)["outcomes"]


def read_marker(path: Path) -> dict:
    """A run's complete.json, checked: parameters (a mapping of simple values) and outcomes (group ->
    outcome -> number); one line naming the file otherwise."""
    try:
        marker = json.loads(read_bytes(str(path)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"{path}: not a run marker (not JSON)") from None
    parameters = marker.get("parameters") if isinstance(marker, dict) else None
    outcomes = marker.get("outcomes") if isinstance(marker, dict) else None
    if not isinstance(parameters, dict) or not all(
            isinstance(value, (str, int, float, bool)) or value is None for value in parameters.values()):
        raise InputError(f"{path}, key parameters: must map swept keys to values")
    if not isinstance(outcomes, dict) or not all(
            isinstance(figures, dict) and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)
                                                            and not math.isinf(v)) for v in figures.values())
            for figures in outcomes.values()):
        raise InputError(f"{path}, key outcomes: must map each group to outcome: number (or NaN where undefined)")
    return marker


def run_point(overrides: list[str], sweep_dir: Path, config_name: str = "config") -> Path:
    """One run of a sweep into `sweep_dir/runs/<hash>`, unless that folder is already complete."""
    from bridges.run_folder import run_one  # the model and the writers load in the workers that run, only

    point, plain = plan([overrides], config_name)[0]
    folder = Path(sweep_dir) / RUNS / point.config_hash
    if is_complete(folder, point.config_hash):
        return folder
    if folder.exists():  # left incomplete by a killed run (not renamed by one): redo it
        shutil.rmtree(folder)
    plain = {**plain, "run": {**plain.get("run", {}), "output_dir": str(folder), "progress": "off"}}
    marker = {"config_hash": point.config_hash, "overrides": list(overrides), "parameters": point.parameters}
    try:
        final, _ = run_one(plain, list(overrides), marker=(MARKER, marker))
    except InputError:
        if is_complete(folder, point.config_hash):  # another process completed it meanwhile
            return folder
        raise
    return final


def _job(cfg) -> str:
    """The task each launcher runs: the run named by this job's overrides (composed by Bridges itself,
    exactly as a single run would be). A worker process watches its parent from its first job on."""
    exit_with_parent()
    hydra = HydraConfig.get()
    overrides = list(hydra.overrides.task)  # without hydra.* keys: your config folders come from hydra.searchpath
    searched = [f"{SEARCHPATH}=[{','.join(hydra.searchpath)}]"] if hydra.searchpath else []
    return str(run_point([*searched, *overrides], Path(hydra.sweep.dir), hydra.job.config_name))


def _quoted(path: Path) -> str:
    text = str(path)
    if "${" in text:
        raise InputError(f"run.output_dir: {text}: a sweep folder cannot contain '${{'")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _launcher(sweep_dir: Path, launcher: str, settings: list[str], config_name: str):
    """Hydra's launcher plugin set up for this sweep folder; InputError for a bad launcher setting."""
    overrides = [f"hydra/launcher={launcher}", *settings, f"hydra.sweep.dir={_quoted(sweep_dir)}", *HYDRA_QUIET]
    from hydra._internal.callbacks import Callbacks

    GlobalHydra.instance().clear()
    with initialize_config_module(config_module=CONF_PACKAGE, version_base=None):
        hydra = GlobalHydra.instance().hydra
        try:
            cfg = hydra.compose_config(config_name, overrides, run_mode=RunMode.MULTIRUN,
                                       with_log_configuration=False)
        except HydraException as error:
            if "Error merging override" not in str(error):
                raise InputError(_explain(error, overrides, CONF_DIR)) from None
            defaults = hydra.compose_config(config_name, [o for o in overrides if o not in settings],
                                            run_mode=RunMode.MULTIRUN, with_log_configuration=False)
            raise InputError(_setting_error(defaults.hydra.launcher, settings)
                             or _explain(error, overrides, CONF_DIR)) from None
        if launcher == "joblib":
            check_joblib_settings(cfg.hydra.launcher)
        context = HydraContext(config_loader=hydra.config_loader, callbacks=Callbacks(cfg))
        instance = Plugins.instance().instantiate_launcher(hydra_context=context, task_function=_job, config=cfg)
    if launcher == "joblib":  # its settings are joblib.Parallel's arguments: every worker watches the driver
        instance.joblib["initializer"] = exit_with_parent  # from its start, idle or not (see exit_with_parent)
    return instance


def _setting_error(defaults, settings: list[str]) -> str | None:
    """The first launcher setting whose value does not fit its key's type (Hydra's own message is "Error
    merging override"): one line naming the key, the type expected and the value given."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    for text in settings:
        override = _parse(text)
        key = override.key_or_group.removeprefix("hydra.launcher.")
        try:
            OmegaConf.update(OmegaConf.merge(defaults, {}), key, override.value(), merge=True)  # a typed copy
        except OmegaConfBaseException:
            return f"hydra.launcher.{key}: must be {_kind(defaults, key)}, got {str(override.value())[:60]!r}"
    return None


def _kind(defaults, key: str) -> str:
    """What a launcher setting takes, in words (from the launcher's typed config)."""
    from omegaconf import DictConfig, ListConfig
    from omegaconf.nodes import BooleanNode, FloatNode, IntegerNode

    node = defaults._get_node(key) if "." not in key else None
    words = ("a whole number" if isinstance(node, IntegerNode) else "a number" if isinstance(node, FloatNode)
             else "true or false" if isinstance(node, BooleanNode) else "a mapping" if isinstance(node, DictConfig)
             else "a list" if isinstance(node, ListConfig) else "a value of its type")
    return words + (" or null" if node is not None and node._is_optional() else "")


LOKY_ONLY = " (Hydra's joblib launcher always runs loky worker processes)"
JOBLIB_CHOICES = {"backend": ((None, "loky"), LOKY_ONLY), "prefer": ((None, "processes"), LOKY_ONLY),
                  "require": ((None,), LOKY_ONLY), "mmap_mode": ((None, "r+", "r", "w+", "c"), "")}
"""The values each choice of Hydra's joblib launcher can take, and why."""


def check_joblib_settings(settings) -> None:
    """Refuse, before anything is written, a joblib launcher setting joblib would refuse only once the
    sweep is launched (sweep.json written) or would ignore silently: one line naming the key."""
    from joblib._utils import eval_expr
    from joblib.disk import memstr_to_bytes

    def refuse(key: str, expected: str):
        raise InputError(f"hydra.launcher.{key}: must be {expected}, got {str(settings[key])[:60]!r}")

    for key, (allowed, why) in JOBLIB_CHOICES.items():
        if settings[key] not in allowed:
            refuse(key, "one of " + ", ".join("null" if value is None else value for value in allowed) + why)
    if settings.n_jobs == 0:
        refuse("n_jobs", "a whole number other than 0 (-1: every core, -2: all but one)")
    if settings.verbose < 0:
        refuse("verbose", "0 or more")
    if settings.timeout is not None and not settings.timeout > 0:
        refuse("timeout", "a number of seconds above 0, or null")
    dispatch = str(settings.pre_dispatch)
    try:
        ahead = dispatch == "all" or eval_expr(dispatch.replace("n_jobs", "2")) > 0
    except ValueError:
        ahead = False
    if not ahead:
        refuse("pre_dispatch", "all, a whole number or an expression of n_jobs such as 2*n_jobs")
    batch = str(settings.batch_size)
    if batch != "auto" and not (batch.isdigit() and int(batch) > 0):
        refuse("batch_size", "auto or a whole number above 0")
    nbytes = settings.max_nbytes
    try:
        nbytes is None or str(nbytes).isdigit() or memstr_to_bytes(str(nbytes))
    except ValueError:
        refuse("max_nbytes", "null or a size such as 1M, 500K or 2G")
    if settings.temp_folder is not None and not Path(settings.temp_folder).is_dir():
        refuse("temp_folder", "null or an existing folder")


@contextlib.contextmanager
def _locked(path: Path):
    """Hold an exclusive POSIX lock on `path` (created if missing): lockf locks work across processes and,
    through the lock manager, across the nodes of a shared (NFS) file system."""
    with open(path, "a") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.lockf(handle, fcntl.LOCK_UN)


HASH = re.compile(r"[0-9a-f]{16}")
"""A run's folder name: the first 16 hex digits of its configuration's hash (never a path)."""


def read_manifest(sweep_dir: Path) -> dict:
    """sweep.json, checked: a mapping whose `points` list holds {config_hash, overrides} entries (one line
    naming the file otherwise)."""
    path = sweep_dir / MANIFEST
    try:
        known = json.loads(read_bytes(str(path)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a sweep manifest (not JSON: {' '.join(str(error).split())[:120]})") from None
    if not isinstance(known, dict) or not isinstance(known.get("points"), list):
        raise InputError(f"{path}: not a sweep manifest (needs a list of points)")
    if not isinstance(known.setdefault("sweeps", []), list):
        raise InputError(f"{path}, key sweeps: must be a list")
    for number, entry in enumerate(known["points"]):
        if (not isinstance(entry, dict) or not isinstance(entry.get("config_hash"), str)
                or not HASH.fullmatch(entry["config_hash"]) or not isinstance(entry.get("overrides"), list)
                or not all(isinstance(o, str) for o in entry["overrides"])):
            raise InputError(f"{path}, point {number}: must be {{config_hash: 16 hex digits, overrides: [text, ...]}}")
    return known


def _write_manifest(sweep_dir: Path, config_name: str, sweep: list[str], points: list[Point]) -> None:
    """sweep.json: the sweep's command-line overrides and every point ever asked of this folder. Updated
    under a lock, so sweeps writing into one folder at once keep each other's points."""
    path = sweep_dir / MANIFEST
    with _locked(sweep_dir / f".{MANIFEST}.lock"):
        known = read_manifest(sweep_dir) if path.is_file() else {"config_name": config_name, "sweeps": [], "points": []}
        if sweep not in known["sweeps"]:
            known["sweeps"].append(sweep)
        hashes = {entry["config_hash"] for entry in known["points"]}
        for point in points:
            if point.config_hash not in hashes:
                hashes.add(point.config_hash)
                known["points"].append({"config_hash": point.config_hash, "overrides": list(point.overrides)})
        partial = path.with_name(f".{MANIFEST}.{socket.gethostname()}.{os.getpid()}")
        partial.write_text(json.dumps(known, indent=2))
        partial.replace(path)


def check_sweep_dir(sweep_dir: Path, key: str = "run.output_dir") -> None:
    """A sweep folder is new, or one written by a sweep (resumed): never a user's other folder. `key`
    names the setting that chose it."""
    if sweep_dir.is_symlink() or (sweep_dir.exists() and not sweep_dir.is_dir()):
        raise InputError(f"{key}: {sweep_dir} is not a folder")
    if sweep_dir.is_dir() and any(sweep_dir.iterdir()) and not (sweep_dir / MANIFEST).is_file():
        raise InputError(f"{key}: {sweep_dir} holds files but no {MANIFEST}: not a sweep folder")
    if (sweep_dir / MANIFEST).is_file():
        read_manifest(sweep_dir)  # a malformed manifest is refused before anything is written


def run_points(points: list[list[str]], sweep_dir: Path, launcher: str = DEFAULT_LAUNCHER,
               launcher_overrides: list[str] | tuple = (), config_name: str = "config",
               sweep: list[str] | None = None, progress: str = "auto") -> list[Path]:
    """Run every point (a list of overrides each) into `sweep_dir` with a Hydra launcher; one folder per
    point, in order. All points are validated first; complete runs are skipped, identical
    configurations run once. SweepError after the others finished if some runs failed. While the runs go, a
    progress bar over all of them (`progress`: auto/on/off) and a line per complete run."""
    mark_driver()
    sweep_dir = Path(sweep_dir).absolute()
    for overrides in points:
        if any(_parse(text).is_sweep_override() for text in overrides):
            raise InputError(f"{' '.join(overrides)}: a point cannot hold a sweep (a,b); expand it first")
    if launcher not in LAUNCHERS:
        raise InputError(f"hydra/launcher: must be one of {', '.join(LAUNCHERS)}, got {launcher!r}")
    check_sweep_dir(sweep_dir)
    hydra_launcher = _launcher(sweep_dir, launcher, list(launcher_overrides), config_name)
    planned = plan(points, config_name)  # after the launcher: composing thousands of points takes a while
    largest = max((plain for _, plain in planned), key=lambda c: c["city"]["n_agents"] * c["steps"])
    note = check_resources(estimate(largest["city"]["n_agents"], largest["steps"]), "each run of this sweep")
    if note:
        print(note, flush=True)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    planned = [(replace(point, overrides=tuple(shared_scenario_files(list(point.overrides), sweep_dir))), plain)
               for point, plain in planned]  # scenario files in the sweep's folder: workers on other nodes read it
    todo = {}
    for point, _ in planned:
        if point.config_hash not in todo and not is_complete(sweep_dir / RUNS / point.config_hash, point.config_hash):
            todo[point.config_hash] = point
    _write_manifest(sweep_dir, config_name, list(sweep or []), [point for point, _ in planned])
    distinct = len({point.config_hash for point, _ in planned})
    print(f"sweep: {len(planned)} points, {distinct} distinct runs, {distinct - len(todo)} already complete; "
          f"launching {len(todo)} with {launcher} into {sweep_dir}", flush=True)
    if todo:
        try:
            with interrupts_for_this_process_only(), watching_runs(sweep_dir, todo, progress):
                returns = hydra_launcher.launch([list(point.overrides) for point in todo.values()], initial_job_idx=0)
        except Exception as error:  # the launcher's own failure: a worker or a scheduler's job killed
            raise SweepError(f"the {launcher} launcher failed (complete runs are kept; rerun the sweep to redo the "
                             f"others): {type(error).__name__}: {' '.join(str(error).split())}") from None
        failed = [(point, _failure(ret)) for point, ret in zip(todo.values(), returns)
                  if ret.status != JobStatus.COMPLETED]
        if failed:
            point, error = failed[0]
            raise SweepError(f"{len(failed)} of {len(todo)} runs failed (rerun the sweep to redo them); first: "
                             f"{' '.join(point.overrides)}: {error}")
    return [sweep_dir / RUNS / point.config_hash for point, _ in planned]


POLL_SECONDS = 1.0
"""How often the sweep's driver looks for newly complete runs (a file check per run still to come)."""


@contextlib.contextmanager
def watching_runs(sweep_dir: Path, todo: dict[str, Point], progress: str):
    """While the block runs: one progress bar over the sweep's runs (on a terminal, or as `progress` says)
    and a line per run as it completes (`run complete: <hash> (overrides)`), found by its complete.json.
    The driver watches the folder itself, so every launcher (local processes, Slurm jobs) is counted alike."""
    from tqdm import tqdm

    bar = tqdm(total=len(todo), desc="sweep runs", unit="run", disable=PROGRESS_DISABLE[progress], leave=False)
    pending, stop = dict(todo), threading.Event()

    def count() -> None:
        for digest, point in list(pending.items()):
            if is_complete(sweep_dir / RUNS / digest, digest):
                del pending[digest]
                bar.update(1)
                tqdm.write(f"run complete: {digest} ({' '.join(point.overrides)})", file=sys.stdout)

    def watch() -> None:
        while pending and not stop.wait(POLL_SECONDS):
            count()

    watcher = threading.Thread(target=watch, daemon=True, name="bridges-sweep-progress")
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
        count()  # the runs that completed since the last look
        bar.close()


def _failure(job_return) -> str:
    """A failed job's error in one line (Hydra's JobReturn re-raises it when its value is read)."""
    try:
        job_return.return_value
    except Exception as error:
        return f"{type(error).__name__}: {' '.join(str(error).split())}"
    return "failed"


def default_sweep_dir(overrides: list[str]) -> Path:
    """outputs/sweeps/<id>: the same sweep command gets the same folder, so rerunning it resumes it."""
    return SWEEPS_ROOT / hashlib.sha256(json.dumps(overrides).encode()).hexdigest()[:10]


def sweep_command(overrides: list[str], config_name: str = "config") -> tuple[Path, list[str]]:
    """`bridges -m ...`: expand, validate, launch; returns the sweep folder and summary lines."""
    model, launcher, settings = split_launcher(overrides)
    points = expand(model)
    folders = {run_options(to_plain(compose_config(point, config_name)))["output_dir"] for point in points}
    if len(folders) > 1:
        raise InputError("run.output_dir: a sweep has one folder; it cannot be swept")
    chosen = folders.pop()
    sweep_dir = Path(chosen) if chosen else default_sweep_dir([text for text in model if not text.startswith("run.")])
    progress = run_options(to_plain(compose_config(points[0], config_name)))["progress"]
    finished = run_points(points, sweep_dir, launcher, settings, config_name, sweep=list(overrides), progress=progress)
    table, plots = aggregate(sweep_dir)
    return sweep_dir, [f"sweep: {len(set(finished))} runs complete; {len(table)} rows in {sweep_dir / TABLE}, "
                       f"{len(plots)} plots in {sweep_dir / 'plots'}"]


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def aggregate(sweep_dir: Path):
    """Gather a sweep's complete runs into aggregate.csv (one row per run, group and outcome; the swept
    parameters as columns) and plots/<outcome>.png; returns the table and the plot paths."""
    import pandas as pd

    sweep_dir = Path(sweep_dir)
    if not (sweep_dir / MANIFEST).is_file():
        raise InputError(f"{sweep_dir}: not a sweep folder (no {MANIFEST}; sweeps are written by bridges -m ...)")
    manifest = read_manifest(sweep_dir)
    rows, columns = [], []
    for entry in manifest["points"]:
        folder = sweep_dir / RUNS / entry["config_hash"]
        if not (folder / MARKER).is_file():  # not run yet, or stopped before it was complete
            continue
        marker = read_marker(folder / MARKER)  # a complete run's marker that cannot be read is an error
        if marker.get("config_hash") != entry["config_hash"]:
            raise InputError(f"{folder / MARKER}: names configuration {str(marker.get('config_hash'))[:20]!r}, not "
                             f"{entry['config_hash']} (the folder's name); rerun the sweep to redo it")
        columns += [key for key in marker["parameters"] if key not in columns]
        for group, figures in marker["outcomes"].items():
            for outcome, value in figures.items():
                rows.append({"run": entry["config_hash"], **marker["parameters"], "group": group,
                             "outcome": outcome, "value": value})
    table = pd.DataFrame(rows, columns=["run", *columns, "group", "outcome", "value"])
    partial = sweep_dir / f".{TABLE}.{os.getpid()}"
    table.to_csv(partial, index=False)
    partial.replace(sweep_dir / TABLE)
    return table, plot_sweep(table, columns, sweep_dir / "plots")


CONFIDENCE = 0.95
"""The intervals drawn across the runs that share a point but for the seed."""


def mean_interval(values) -> tuple[float, float, float]:
    """Mean and CONFIDENCE t-interval of the mean of `values` (runs differing by their seed); the interval
    is the mean itself for a single run."""
    from scipy import stats

    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return math.nan, math.nan, math.nan
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, mean, mean
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(values) - 1)) * sd / math.sqrt(len(values))
    return mean, mean - half, mean + half


def plot_sweep(table, columns: list[str], folder: Path) -> list[Path]:
    """plots/<outcome>.png for each plotted outcome in the table (sweep_figure); returns their paths."""
    if table.empty:
        return []
    folder.mkdir(exist_ok=True)
    written = []
    for outcome in PLOTTED:
        figure = sweep_figure(table, columns, outcome)
        if figure is not None:
            figure.savefig(folder / f"{outcome}.png", dpi=100)
            written.append(folder / f"{outcome}.png")
    return written


def sweep_figure(table, columns: list[str], outcome: str):
    """A panel per group: the outcome against the first swept parameter that varies, a line per combination
    of the other varying ones, each run a small dot; the line is the mean over the runs sharing a value
    (e.g. seeds) with its 95% interval shaded. When only the seed varies, the mean over seeds and its
    interval are drawn across the panel. None if the table has no such outcome."""
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = table[table.outcome == outcome]
    if rows.empty:
        return None
    varying = [c for c in columns if table[c].astype(str).nunique() > 1]
    x = next((c for c in varying if c != "seed"), varying[0] if varying else "run")
    lines = [c for c in varying if c not in (x, "seed")]
    groups = sorted(rows.group.unique())
    figure = Figure(figsize=(5 * len(groups), 3.6))
    axes = figure.subplots(1, len(groups), squeeze=False)
    for axis, group in zip(axes[0], groups):
        part = rows[rows.group == group]
        numeric = all(_number(v) is not None for v in part[x])
        labels = part[lines].astype(str).agg(", ".join, axis=1) if lines else pd.Series("", index=part.index)
        for label in sorted(labels.unique()):
            chosen = part[labels == label]
            values = pd.to_numeric(chosen.value, errors="coerce")
            if x == "seed":  # seeds only: each seed a point, the mean over them across the panel
                mean, low, high = mean_interval(values.tolist())
                (line,) = axis.plot(chosen[x], values, marker="o", linestyle="none", label=label or None)
                axis.axhline(mean, color=line.get_color(), lw=1)
                axis.axhspan(low, high, color=line.get_color(), alpha=0.15, lw=0)
                continue
            summary = values.groupby(chosen[x], sort=True).apply(lambda v: mean_interval(v.tolist()))
            positions = list(summary.index) if numeric else [str(v) for v in summary.index]
            means, lows, highs = (np.array([row[k] for row in summary], dtype=float) for k in range(3))
            (line,) = axis.plot(positions, means, marker="o", label=label if lines else None)
            axis.fill_between(positions, lows, highs, color=line.get_color(), alpha=0.2, lw=0)
            axis.scatter(chosen[x] if numeric else chosen[x].astype(str), values, s=8, alpha=0.4,
                         color=line.get_color())
        axis.set(title=group, xlabel=x, ylabel=outcome.replace("_", " "))
        bottom, top = axis.get_ylim()
        axis.set_ylim(max(bottom, PLOTTED[outcome][0]), min(top, PLOTTED[outcome][1]))
        if x == "seed":
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # seeds are whole numbers
        if lines:
            axis.legend(title=", ".join(lines), fontsize=7)
    figure.suptitle(f"{outcome.replace('_', ' ')}: mean over seeds and its {CONFIDENCE:.0%} interval (shaded); "
                    "dots: single runs", fontsize=9)
    figure.tight_layout()
    return figure


def aggregate_command(args: list[str]) -> tuple[Path, list[str]]:
    """`bridges aggregate SWEEP_DIR`."""
    if len(args) != 1 or args[0].startswith("-"):
        raise InputError("aggregate: needs one sweep folder (bridges aggregate outputs/sweeps/<id>)")
    table, plots = aggregate(Path(args[0]))
    runs = table.run.nunique()
    return Path(args[0]), [f"aggregate: {runs} runs, {len(table)} rows in {Path(args[0]) / TABLE}, "
                           f"{len(plots)} plots in {Path(args[0]) / 'plots'}"]
