"""The reference world: where the people of a run formed their views before week 0 (docs/model.md 7.22).

The spin-up before week 0 (the contact history, the dispositions that anchor views, turnover's rate and what
newcomers bring: model.py `settle_history`) assumes the surveyed city is at the steady state of its usual
contact. With `dynamics.reference: site` that usual contact is the *site's*: the reference configuration is
the surveyed site (its city preset, a calibrated set if loaded, default contact and dynamics, no programme)
with the run's own shape (seed, size, the people's surveyed states, survey, spin-up settings). The run's own
world (contact, city structure and settings, dynamics) then acts from week 0 on people formed in the site.
With `self` the run is its own reference (the behaviour before issue 20; calibration uses it: each draw is a
candidate for the world that produced the survey).

Every config key has one role (`key_role`): "shape" keys define the people and the run and are taken from
the run; "programme" keys are the scenario, absent from the reference; every other key is a "world" key,
taken from the site. A run whose world keys all equal the site's is its own reference, byte for byte.
"""

import functools
import hashlib
import json
import os
import zipfile
from collections import OrderedDict
from dataclasses import asdict, dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from bridges.model import kept
from bridges.model.params import Params

SHAPE_KEYS = ("seed", "steps", "warmup_weeks", "survey", "city.name", "city.n_agents", "city.n_neighbourhoods",
              "city.custom", "city.groups", "city.beliefs.education", "city.beliefs.employment",
              "city.beliefs.welfare", "dynamics.disposition", "dynamics.turnover", "dynamics.reference",
              "engine", "contact.settling.sociability_spread", "contact.settling.housing_initial_share",
              "dynamics.attitude_homophily")
"""Keys that define the people and the run, not the world they live in: the reference takes them from the run.
Seed, run length, survey; the city's size (residents, neighbourhoods) and a custom network; the people's
surveyed initial states (`city.groups`) and receiving members' initial beliefs; and the spin-up's own
settings (history length, turnover's switch and rate, this key), which are assumptions about the survey; how
sociable the people are and who lives in shared accommodation at week 0 (`contact.settling`: traits and states
of the people, model/mechanisms/settling.py); whom they chose as ingroup friends (`dynamics.attitude_homophily`,
model/mechanisms/attitude_homophily.py); and the engine, which runs the same rules (the spin-up runs the vectorised phases whatever the engine)."""
PROGRAMME_KEYS = ("scenario", "scenario_name", "interventions")
"""Keys of the scenario: the reference runs no programme (nor does the contact history)."""
SITE_GROUPS = ("city", "calibrated")
"""Config groups that choose the site (and with it the people): changing one changes the reference too."""
SECTIONS = ("run", "compare", "site")
"""Top-level sections of a composed config that are not the model's: run options, comparison settings, and the
site (recorded by config.py `compose_config`, never set by users)."""
LAYER_SETTINGS = ("contact_rate", "equal_status", "common_goal", "cooperation", "institutional_support")
"""A layer's keys that set how its ties are used; the others (kind, degree, homophily, sizes, segregation,
participation, sectors) build the network."""


def _under(path: str, prefixes) -> bool:
    return any(path == prefix or path.startswith(prefix + ".") for prefix in prefixes)


@functools.cache
def key_role(path: str) -> str:
    """The role of a dotted config key: "world" (changes the world from week 0 under `site`; the reference
    keeps the site's value), "shape" (the people and the run: shared by the run and its reference; also a
    site's config group, `city` or `calibrated`, and a section holding shape keys, such as `city.beliefs`),
    "programme" (the scenario) or "tool" (run options, comparison settings, the recorded site).

    A comparison whose variants differ only in programme and world keys compares one set of people; a
    variant that changes a shape key (seed, size, initial states) compares other people."""
    if _under(path, PROGRAMME_KEYS):
        return "programme"
    if _under(path, SECTIONS):
        return "tool"
    if _under(path, SHAPE_KEYS) or path in SITE_GROUPS or any(key.startswith(path + ".") for key in SHAPE_KEYS):
        return "shape"
    return "world"


def _get(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _set(obj, path: str, value):
    """A copy of frozen dataclass `obj` with the dotted `path` set to `value`."""
    head, _, rest = path.partition(".")
    return replace(obj, **{head: _set(getattr(obj, head), rest, value) if rest else value})


def with_shape(site: Params, run: Params) -> Params:
    """The reference configuration: the site's world with the run's shape and no programme."""
    top = {path: _get(run, path) for path in SHAPE_KEYS if "." not in path}
    sections = {head: getattr(site, head) for head in {path.split(".")[0] for path in SHAPE_KEYS if "." in path}}
    for path in SHAPE_KEYS:
        head, _, rest = path.partition(".")
        if rest:
            sections[head] = _set(sections[head], rest, _get(run, path))
    return replace(site, site=None, interventions={}, scenario_name="baseline", **top, **sections)


def history_params(reference: Params, run: Params) -> Params:
    """The configuration whose contact history the run's people carry: the reference's contact and
    dynamics on the run's own network (its city structure), with the reference's layer settings (rates and
    Allport conditions) wherever the reference has the layer. Equal to `reference` when the run keeps the
    site's network, so both share one cached history."""
    layers = {name: (replace(layer, **{key: getattr(reference.city.layers[name], key) for key in LAYER_SETTINGS})
                     if name in reference.city.layers else layer)
              for name, layer in run.city.layers.items()}
    beliefs = replace(run.city.beliefs, media_prior=reference.city.beliefs.media_prior)
    return replace(reference, city=replace(run.city, layers=layers, beliefs=beliefs))


def _flat(value, prefix: str = "") -> dict:
    if is_dataclass(value):
        value = {f.name: getattr(value, f.name) for f in fields(value)}
    if isinstance(value, dict) and value:
        flat = {}
        for key, item in value.items():
            flat |= _flat(item, f"{prefix}.{key}" if prefix else str(key))
        return flat
    return {prefix: value}


def world_differences(run: Params, reference: Params) -> list[str]:
    """Dotted world keys whose values differ between the run and its reference (sorted)."""
    ours, theirs = _flat(replace(run, site=None)), _flat(replace(reference, site=None))
    return sorted(key for key in ours.keys() | theirs.keys()
                  if key_role(key) == "world" and ours.get(key, None) != theirs.get(key, None))


def reference_params(params: Params) -> Params:
    """The run's reference configuration, or `params` itself when the run is its own reference:
    `dynamics.reference: self`, no site recorded (parameters built by hand), no spin-up at all (dispositions
    and turnover off, shape keys the reference shares), or a world equal to the site's."""
    d = params.dynamics
    if d.reference == "self" or params.site is None or not (d.disposition.enabled or d.turnover.enabled):
        return params
    reference = with_shape(params.site, params)
    if replace(params, site=None, interventions={}, scenario_name=reference.scenario_name) == reference:
        return params  # equal in every key, so in every world key: the quick answer for the usual run
    return params if not world_differences(params, reference) else reference


def digest(params: Params) -> str:
    """A short hash of a configuration (programmes and the recorded site left out): names a reference."""
    plain = asdict(replace(params, site=None, interventions={}, scenario_name=""))
    text = json.dumps(plain, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Settled:
    """What a configuration's spin-up leaves (model.py `settle_history`): each view's usual weekly change per
    group (index 0 receiving, 1 arriving; empty when views are not anchored), the norms' rate they anchor
    with, turnover's rate and newcomer values, and the contact history: state fields and the city's tie
    fields after the history weeks (empty when no history ran)."""

    usual_change: dict[str, np.ndarray]
    norm_rate: float
    turnover_rate: float
    newcomer: dict[str, float]
    state: dict[str, np.ndarray]
    ties: dict[str, np.ndarray]


MEMORY_SLOTS = 8
"""Spin-ups kept in this process (a 5,000-resident one is about 1 MB)."""
_memory: OrderedDict[str, Settled] = kept.table()
CACHE_ENV = "BRIDGES_CACHE_DIR"
"""Environment variable naming the folder of cached spin-ups; default ~/.cache/bridges (XDG_CACHE_HOME);
"off" keeps them in memory only."""


@functools.cache
def code_digest() -> str:
    """A hash of the model's source (model/**/*.py): a spin-up cached on disk by other code is not reused."""
    root = Path(__file__).parent
    text = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        text.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return text.hexdigest()[:16]


def cache_folder() -> Path | None:
    """Where spin-ups are cached on disk, or None when caching on disk is off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen) / "reference"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bridges" / "reference"


def _to_arrays(settled: Settled, key: str) -> dict[str, np.ndarray]:
    arrays = {"key": np.array(key), "norm_rate": np.array(settled.norm_rate),
              "turnover_rate": np.array(settled.turnover_rate)}
    for part in ("usual_change", "newcomer", "state", "ties"):
        arrays |= {f"{part}.{name}": np.asarray(value) for name, value in getattr(settled, part).items()}
    return arrays


def _from_arrays(arrays, key: str) -> Settled:
    """A cached spin-up, checked: its key, and one length for every state field (ValueError if not)."""
    if str(arrays["key"]) != key:
        raise ValueError("another configuration's spin-up")
    parts = {part: {} for part in ("usual_change", "newcomer", "state", "ties")}
    for name in arrays.files:
        part, _, field = name.partition(".")
        if part in parts:
            parts[part][field] = arrays[name]
    if len({len(value) for value in parts["state"].values()}) > 1:
        raise ValueError("state fields of different sizes")
    return Settled(parts["usual_change"], float(arrays["norm_rate"]), float(arrays["turnover_rate"]),
                   {name: float(value) for name, value in parts["newcomer"].items()}, parts["state"], parts["ties"])


def _read(path: Path, key: str) -> Settled | None:
    """The spin-up cached in `path`, or None if there is none or it cannot be trusted (unreadable,
    truncated, another key or size): it is then computed again."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return _from_arrays(arrays, key)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


DISK_SLOTS = 64
"""Spin-ups kept in the cache folder; the least recently written beyond these are removed (a study varying
a shape key, such as the surveyed attitude, makes one per point)."""


def _write(path: Path, settled: Settled, key: str) -> None:
    """Cache a spin-up: written to a private file and renamed into place (readers never see half a file), then
    the oldest entries beyond DISK_SLOTS removed; a folder that cannot be written only means no cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        with open(partial, "wb") as handle:
            np.savez(handle, **_to_arrays(settled, key))
        os.replace(partial, path)
        entries = sorted(path.parent.glob("*.npz"), key=lambda entry: entry.stat().st_mtime, reverse=True)
        for old in entries[DISK_SLOTS:]:
            old.unlink(missing_ok=True)
    except OSError:  # includes an entry another process removed meanwhile
        return


OWN_HISTORY_RESIDENTS = 100_000
"""Largest city whose own spin-up (a run that is its own reference) is kept in memory for the next run of
the same configuration and city: about 300 bytes per resident (30 MB at this size), and a bigger city's
spin-up is a small share of its run."""


def own_history_key(params: Params, city) -> str | None:
    """The key a run that is its own reference keeps its spin-up under: its configuration (`digest`, so
    programmes are left out: every arm of a comparison shares one) and its city's people and network (a
    prebuilt city need not be the one the configuration generates). None for a city too big to keep."""
    if len(city.residents.group) > OWN_HISTORY_RESIDENTS:
        return None
    return f"own-{digest(params)}-{city_fingerprint(city)}"


def city_fingerprint(city) -> str:
    """A hash of a city's layer settings, people and network, worked out once per City object (a city is not
    changed after it is built: its resident arrays are read-only)."""
    known = city.__dict__.get("_fingerprint")
    if known is None:
        text = hashlib.blake2b(repr(sorted(city.layer_params.items())).encode(), digest_size=16)
        arrays = [getattr(city.residents, name.name) for name in fields(city.residents)]
        arrays += [city.network.source, city.network.target, city.network.layer, city.network.intergroup]
        arrays += [array for name in sorted(city.given) for array in city.given[name]]
        for array in arrays:
            text.update(f"{array.dtype}{array.shape}".encode() + np.ascontiguousarray(array).tobytes())
        known = city.__dict__["_fingerprint"] = text.hexdigest()
    return known


def kept_in_memory(key: str | None) -> Settled | None:
    """The spin-up kept in this process under `key` (`keep_in_memory`), or None."""
    return kept.find(_memory, key)


def keep_in_memory(key: str | None, settled: Settled) -> None:
    """Keep a spin-up in this process (model/kept.py: the least recently used beyond MEMORY_SLOTS are dropped)."""
    kept.keep(_memory, key, settled, MEMORY_SLOTS)


def settled_once(params: Params, compute: Callable[[Params], Settled], on_disk: bool = True) -> Settled:
    """`compute(params)` once per configuration (its `digest`, which includes the seed): kept in this process
    (replicates of a scenario, a comparison's arms, dashboard resets) and, `on_disk`, in the cache folder as
    numpy arrays (never pickles), so sweep points and parallel workers in other processes share it too."""
    key = f"{digest(params)}-{code_digest()}"
    result = kept_in_memory(key)
    if result is not None:
        return result
    folder = cache_folder() if on_disk else None
    path = folder / f"{key}.npz" if folder is not None else None
    result = _read(path, key) if path is not None and path.is_file() else None
    if result is None:
        result = compute(params)
        if path is not None:
            _write(path, result, key)
    keep_in_memory(key, result)
    return result
