"""The `compare:` section of a comparison (conf/compare.yaml), validated into `CompareOptions`: scenarios,
replicates, workers, size thresholds, the budget view, variants (also from the command line) and a
calibration's posterior file."""

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from bridges.config import JOBS, config_groups, one_of, option_section
from bridges.invocation import command
from bridges.model.errors import InputError
from bridges.model.params import MAX_COST
from bridges.model.ranges import bounded
from bridges.model.resources import available_cores
from bridges.scenarios.compare_effects import BASELINE, HEADLINE, PERSON_OUTCOMES

MAX_REPLICATES = 10_000
"""Most replicates per scenario: intervals narrow as 1/sqrt(replicates), so 10,000 is beyond any need."""
MAX_SIZE_THRESHOLD = 10.0
"""Largest effect-size threshold [baseline SDs]: ten SDs is beyond any social-science effect."""
REPLICATES = {"check": lambda value: None if 2 <= value <= MAX_REPLICATES else
              f"must be an integer 2 or more and at most {MAX_REPLICATES:,} (intervals narrow as 1/sqrt(replicates); "
              "more is beyond any need)"}


@dataclass(frozen=True)
class CompareOptions:
    """The `compare:` section (conf/compare.yaml), built by the schema's `build` (compare_options)."""

    scenarios: list[str]
    replicates: int = field(metadata=REPLICATES)
    jobs: int = field(metadata=JOBS)  # worker processes; compare_options caps them at the available cores
    size_thresholds: list[float] = field(default=(0.1, 0.3, 0.5), metadata=bounded(
        0, MAX_SIZE_THRESHOLD, "baseline SDs", "beyond any effect", low_open=True))
    """|effect| / baseline SD at which an effect is small, moderate, large (conf/compare.yaml); a tuple once built."""
    budget: float | None = field(default=None, metadata=bounded(0, MAX_COST, "in the cost currency",
                                                                "beyond any programme budget", low_open=True))
    budget_outcome: str = field(default=HEADLINE, metadata=one_of(tuple(PERSON_OUTCOMES)))
    variants: dict[str, list[str]] | None = None
    """Variant name -> [scenario, KEY=VALUE, ...]: compared next to the scenarios."""
    posterior: str | None = None
    """posterior.parquet of a calibration: each replicate draws its parameters from it (None: fixed)."""
    note: str | None = field(default=None, metadata={"internal": True})  # one line to show the user (jobs capped)

    def __post_init__(self):
        available = config_groups().get("scenario", [])
        if not self.scenarios:
            raise InputError(f"compare.scenarios: must be a list of scenarios, got {self.scenarios!r}")
        for name in self.scenarios:
            if name not in available:
                raise InputError(f"compare.scenarios: no scenario {name!r} (available: {', '.join(available)})")
        if len(set(self.scenarios)) != len(self.scenarios):
            raise InputError("compare.scenarios: a scenario is listed twice")
        if BASELINE not in self.scenarios:
            raise InputError(f"compare.scenarios: must include {BASELINE!r}, the reference for every effect")
        thresholds = tuple(self.size_thresholds)
        if len(thresholds) != 3 or sorted(thresholds) != list(thresholds):
            raise InputError(f"compare.size_thresholds: must be three increasing numbers in (0, "
                             f"{MAX_SIZE_THRESHOLD:g}] baseline SDs, got {list(thresholds)!r}")
        object.__setattr__(self, "size_thresholds", thresholds)
        if self.posterior is not None and not self.posterior:
            raise InputError("compare.posterior: must be the path of a posterior.parquet file, got ''")

    @property
    def parameter_uncertainty(self) -> bool:
        """True when replicates draw parameters from a posterior: intervals then cover parameter
        uncertainty as well as chance (read by `intervals_sentence`)."""
        return self.posterior is not None


def compare_options(plain: dict, variants: dict[str, list[str]] | None = None) -> CompareOptions:
    """Validated `compare:` section, with variants given on the command line (parse_variant); jobs beyond
    the available cores are capped with a note."""
    options = option_section(CompareOptions, plain, "compare")
    chosen = variant_options({**(options.variants or {}), **(variants or {})}, options.scenarios)
    if options.posterior is not None:
        check_posterior_file(options.posterior, plain)
    if len(options.scenarios) + len(chosen) < 2:
        raise InputError(f"compare.scenarios: {BASELINE} alone compares nothing; add a scenario or a variant")
    cores, jobs = available_cores(), options.jobs
    note = f"note: compare.jobs={jobs:,} capped at the {cores} available cores" if jobs > cores else None
    return replace(options, jobs=cores if jobs == -1 or jobs > cores else jobs, note=note, variants=chosen)


def check_posterior_file(path: str, plain: dict) -> None:
    """A calibration's posterior.parquet, checked before any run: a Parquet file (a regular file under the
    input size limit) with Bridges' parameter metadata naming numeric keys of the model's config (keys that
    define the people or the run are not parameters), a finite value column for each, and finite
    non-negative weights with a positive sum. Without metadata no parameter would be applied, yet the
    report would claim parameter uncertainty."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from bridges.calibration.report import METADATA_KEY
    from bridges.config import NOT_PARAMETERS, matching_paths
    from bridges.model.input_files import read_bytes

    key = f"compare.posterior: {path}"
    content = read_bytes(path)
    try:
        table = pq.read_table(pa.BufferReader(content))
    except (pa.ArrowException, OSError, ValueError):
        raise InputError(f"{key}: not a Parquet file (write one with {command()} --config-name calibrate)") from None
    try:
        declared = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"null"))
    except ValueError:
        declared = None
    if not isinstance(declared, dict) or not declared or not all(
            isinstance(spec, dict) and isinstance(spec.get("key"), str) and isinstance(spec.get("scale"), bool)
            for spec in declared.values()):
        raise InputError(f"{key}: has no Bridges parameter metadata (not written by a calibration), so no parameter "
                         "would be drawn; use a calibration's posterior.parquet")
    frame = table.to_pandas()
    if len(frame) == 0:
        raise InputError(f"{key}: has no rows")
    for column in [*declared, "weight"]:
        if column not in frame.columns:
            raise InputError(f"{key}: no column {column!r}")
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise InputError(f"{key}, column {column}: every value must be a finite number")
    weights = frame["weight"].to_numpy(dtype=float)
    if (weights < 0).any() or weights.sum() <= 0:
        raise InputError(f"{key}, column weight: weights must be 0 or more with a positive sum")
    model = {k: v for k, v in plain.items() if k not in ("run", "compare")}
    for name, spec in declared.items():
        parameter = spec["key"]
        if any(parameter == bad or parameter.startswith(f"{bad}.") for bad in NOT_PARAMETERS):
            raise InputError(f"{key}, parameter {name}: {parameter} defines the people or the run, not a parameter")
        paths = matching_paths(model, parameter.split("."))
        leaves = [model_value(model, p) for p in paths]
        if not paths or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in leaves):
            raise InputError(f"{key}, parameter {name}: {parameter} is not a numeric key of the model's config")


def model_value(plain: dict, path: tuple):
    for part in path:
        plain = plain[part]
    return plain


VARIANT_PREFIX = "compare.variants."


def split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside brackets or quotes."""
    parts, depth, quote, current = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    return [*parts, current.strip()] if current.strip() else parts


def parse_variant(arg: str) -> tuple[str, list[str]]:
    """`compare.variants.NAME=[SCENARIO,KEY=VALUE,...]` -> (NAME, [SCENARIO, KEY=VALUE, ...]).

    Read here rather than by Hydra, whose list syntax does not allow `=` inside an element."""
    key, _, value = arg.partition("=")
    name = key[len(VARIANT_PREFIX):]
    value = value.strip()
    if not name.isidentifier() or not (value.startswith("[") and value.endswith("]")):
        raise InputError(f"{key}: write a variant as compare.variants.NAME=[SCENARIO,KEY=VALUE,...], got {arg!r}")
    items = [item.strip("'\"") for item in split_top_level(value[1:-1])]
    if not items or "=" in items[0]:
        raise InputError(f"{key}: the first item must be the scenario the variant starts from, got {value!r}")
    if any("=" not in item for item in items[1:]):
        raise InputError(f"{key}: every item after the scenario must be KEY=VALUE, got {value!r}")
    return name, items


def variant_options(section: dict | None, scenarios: list[str]) -> dict[str, list[str]]:
    """Validated variants (name -> [scenario, overrides...]) from the config file and the command line."""
    variants = dict(section or {})
    available = config_groups().get("scenario", [])
    for name, items in variants.items():
        key = f"{VARIANT_PREFIX}{name}"
        if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
            raise InputError(f"{key}: must be a list [SCENARIO, KEY=VALUE, ...], got {items!r}")
        if items[0] not in available:
            raise InputError(f"{key}: no scenario {items[0]!r} (available: {', '.join(available)})")
        if name in scenarios or name in available:
            raise InputError(f"{key}: {name!r} is already a scenario's name; give the variant its own name")
    return variants
