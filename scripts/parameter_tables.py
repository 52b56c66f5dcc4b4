"""Write docs/parameters.md: every key in conf/ with its default and its comment (meaning, unit, source),
which mechanism reads each section, and the allowed range of every number.

    python scripts/parameter_tables.py          # rewrite docs/parameters.md
    python scripts/parameter_tables.py --check  # exit 1 if docs/parameters.md is out of date or a key of
                                                # Params has no default in conf/

The tables are read from the YAML files' own comments and the parameter classes (the city's and the survey's
in model/params_city.py and params_survey.py, the mechanisms' in their modules, `Mechanism.parameters`), so the documentation cannot drift from conf/
or the code: a new preset, a new section or a new key is in the next render, and `--check` fails until
docs/parameters.md is regenerated.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "parameters.md"


def in_folder(folder: str) -> list[str]:
    """Every YAML file of a conf/ folder, `default.yaml` first, the others by name: a preset added to the
    folder gets its table (and `--check` fails until docs/parameters.md is regenerated)."""
    paths = sorted((ROOT / "conf" / folder).glob("*.yaml"), key=lambda path: (path.stem != "default", path.stem))
    return [str(path.relative_to(ROOT)) for path in paths]


SHARED_SECTIONS = ("city", "survey")
"""Config groups of Params' shared sections (model/params.py SharedParams), each a folder of conf/."""


def sections() -> tuple[str, ...]:
    """Every config group of the model by name: the shared ones and those the mechanisms declare, whole or key
    by key (conf/<key>/)."""
    sys.path.insert(0, str(ROOT))
    from bridges.model.params import SECTIONS

    return tuple(sorted(SHARED_SECTIONS + tuple(SECTIONS)))


def files() -> list[str]:
    """The documented files: the run's top-level configs, then every file of each section (city presets,
    contact, dynamics, survey, the sections mechanisms declare), and every intervention type."""
    return ["conf/config.yaml", "conf/compare.yaml", "conf/validate.yaml",
            *(name for section in sections() for name in in_folder(section)),
            "conf/intervention/shared/defaults.yaml", *in_folder("intervention")]
ENTRY = re.compile(r"^(?P<key>[A-Za-z_][\w]*):\s*(?P<value>[^#]*?)\s*(#\s?(?P<comment>.*))?$")


def entries(path: Path) -> list[tuple[str, str, str]]:
    """(dotted key, value, comment) for every key, continuation comment lines joined to the key above."""
    rows, stack = [], []
    for line in path.read_text().splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if not stripped or stripped.startswith("- ") or (stripped.startswith("#") and indent == 0):
            continue
        if stripped.startswith("#"):
            if rows:
                rows[-1][2] = f"{rows[-1][2]} {stripped.lstrip('#').strip()}".strip()
            continue
        match = ENTRY.match(stripped)
        if not match or match["key"] == "defaults":
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"]))
        rows.append([".".join(key for _, key in stack), match["value"], (match["comment"] or "").strip()])
    return [tuple(row) for row in rows]


def _range_rows(cls, prefix: str):
    """(dotted key, allowed range with unit, reason for the upper bound) of every bounded field of a
    parameter dataclass, recursing into nested dataclasses; mapping keys show as <name>."""
    from dataclasses import fields, is_dataclass
    from typing import get_args, get_origin, get_type_hints

    from bridges.model.params import _optional_inner, _show

    hints = get_type_hints(cls)
    for item in fields(cls):
        if item.metadata.get("internal"):  # set by the code, not a config key (Params.site)
            continue
        kind = _optional_inner(hints[item.name]) or hints[item.name]
        key = f"{prefix}{item.name}"
        if get_origin(kind) is dict and is_dataclass(get_args(kind)[1]):
            yield from _range_rows(get_args(kind)[1], f"{key}.<name>.")
        elif is_dataclass(kind):
            yield from _range_rows(kind, f"{key}.")
        elif "high" in item.metadata:
            low, high, unit = item.metadata["low"], item.metadata["high"], item.metadata["unit"]
            opening = "(" if item.metadata["low_open"] else "["
            yield key, f"{opening}{_show(low)}, {_show(high)}] {unit}".strip(), item.metadata.get("why", "")


def parameter_keys(cls, prefix: str = ""):
    """Dotted config key of every field of a parameter dataclass that is not itself a dataclass (mappings such
    as city.groups and interventions are one key: their entries are named by the config)."""
    from dataclasses import fields, is_dataclass
    from typing import get_type_hints

    from bridges.model.params import _optional_inner

    hints = get_type_hints(cls)
    for item in fields(cls):
        if item.metadata.get("internal"):
            continue
        kind = _optional_inner(hints[item.name]) or hints[item.name]
        if is_dataclass(kind):
            yield from parameter_keys(kind, f"{prefix}{item.name}.")
        else:
            yield f"{prefix}{item.name}"


def undocumented() -> list[str]:
    """Keys of Params with no default in conf/ (config.yaml, the baseline scenario, each section's
    default.yaml): a parameter a mechanism added in code only."""
    sys.path.insert(0, str(ROOT))
    from bridges.model.params import Params

    documented = {key for name in ("config.yaml", "scenario/baseline.yaml")
                  for key, _, _ in entries(ROOT / "conf" / name)}
    for section in sections():
        path = ROOT / "conf" / section / "default.yaml"
        documented |= {f"{section}.{key}" for key, _, _ in entries(path)} if path.exists() else set()
    return [key for key in parameter_keys(Params) if key not in documented]


def owners() -> list[str]:
    """Which mechanism reads which parameters: each mechanism module's declared keys (`Mechanism.params`)."""
    sys.path.insert(0, str(ROOT))
    from bridges.model.mechanisms import MECHANISMS

    lines = ["## Parameters by mechanism", "",
             "Generated from the declarations in `model/mechanisms/` (`Mechanism.params`), in the order of the week.", "",
             "| mechanism | module | parameters |", "|---|---|---|"]
    for mechanism in MECHANISMS:
        keys = ", ".join(f"`{key}`" for key in mechanism.params)
        lines.append(f"| {mechanism.name} | `model/mechanisms/{mechanism.name}.py` | {keys} |")
    return lines + [""]


def ranges() -> list[str]:
    """The allowed range of every numeric parameter, from the parameter dataclasses (and each intervention
    type's effect parameters)."""
    sys.path.insert(0, str(ROOT))
    from bridges.model.interventions.coordination import KIND as COORDINATION
    from bridges.model.interventions.coordination import CoordinationParams
    from bridges.model.interventions.programme import EFFECTS
    from bridges.model.params import Params

    lines = ["## Allowed ranges", "",
             "Generated from the field metadata of the parameter classes (`model/params_city.py`, `params_survey.py`,",
             "the mechanism modules' `parameters` and `model/interventions/`): every number must be",
             "finite and inside its range; a value outside gets one error line naming the key.", "",
             "| key | range and unit | why the upper bound |", "|---|---|---|"]
    rows = list(_range_rows(Params, ""))
    effects = {kind: effect.Params for kind, effect in EFFECTS.items()} | {COORDINATION: CoordinationParams}
    for kind, params in effects.items():
        rows += list(_range_rows(params, f"interventions.<name>.effect (kind {kind}): "))
    for key, allowed, why in rows:
        lines.append(f"| `{key}` | {allowed} | {why} |")
    return lines + [""]


def render() -> str:
    lines = ["# Parameters", "",
             "Generated by `scripts/parameter_tables.py` from the comments in `conf/` (do not edit by hand).",
             "Presets and scenario files list only what they change from the default they start from.", ""]
    for name in files():
        lines += [f"## `{name}`", "", "| key | default | meaning, unit and source |", "|---|---|---|"]
        for key, value, comment in entries(ROOT / name):
            lines.append(f"| `{key}` | {value.replace('|', '/')} | {comment.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines + owners() + ranges())


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv[1:]:
        missing = undocumented()
        if missing:
            print(f"parameter_tables: no default in conf/ for {', '.join(missing)}", file=sys.stderr)
        stale = TARGET.read_text() != text
        if stale:
            print("parameter_tables: docs/parameters.md is out of date (python scripts/parameter_tables.py)",
                  file=sys.stderr)
        sys.exit(1 if missing or stale else 0)
    TARGET.write_text(text)
