"""The expected directions of parameter effects (scenarios/directions.yaml): read by the docs table, the
paired test (tests/test_parameter_directions.py) and the sensitivity study's flag.

Each entry says which way raising one parameter moves each outcome of each group, as the literature or the
model's reasoning expects it, and where the model's sign differs (with why).
"""

import importlib.resources
from dataclasses import dataclass

import yaml

from bridges.model.params import GROUPS

COLUMNS = {"attitude": ("attitude_mean", "final"), "anxiety": ("anxiety_mean", "final"),
           "contact": ("intergroup_contact_share", "mean"), "friendships": ("outgroup_friend_share", "final")}
"""Table column -> (metric in the timeseries, how it is read: at the last week, or the mean over weeks 1-52)."""
METRIC_COLUMNS = {"attitude_mean": "attitude", "anxiety_mean": "anxiety", "intergroup_contact_share": "contact",
                  "positive_contact_share": "contact", "encounters_per_person": "contact",
                  "outgroup_friend_share": "friendships", "outgroup_friendships": "friendships"}
"""Metrics a sensitivity outcome may read, and the column of the table that states their direction."""
ORDER = ("receiving", "arriving")
"""The order of the two signs in a cell, `receiving/arriving`."""
SIGNS = {"+": 1, "-": -1, "0": 0}
SYMBOLS = {1: "+", -1: "−", 0: "0"}


@dataclass(frozen=True)
class Direction:
    """One parameter's expected directions: `expected[(column, group)]` and `model[(column, group)]` in
    {-1, 0, +1} for raising `key` from its default to `test_value`."""

    name: str
    key: str
    test_value: float
    expected: dict[tuple[str, str], int]
    model: dict[tuple[str, str], int]
    source: str
    why: str
    replicates: int | None = None
    """Paired seeds the test runs for this entry; None: the test's usual number (tests/paired.py REPLICATES).
    More where an effect is real but small against the noise of the test's 50 arriving members."""


def _cell(text, where: str) -> dict[str, int]:
    parts = str(text).split("/")
    if len(parts) != 2 or any(part not in SIGNS for part in parts):
        raise ValueError(f"{where}: must be receiving/arriving signs such as +/-, got {text!r}")
    return {group: SIGNS[part] for group, part in zip(ORDER, parts)}


def load_directions(text: str | None = None) -> tuple[Direction, ...]:
    """Every entry of scenarios/directions.yaml (or of `text`), in file order."""
    if text is None:
        text = importlib.resources.files("bridges.scenarios").joinpath("directions.yaml").read_text()
    entries = []
    for name, spec in yaml.safe_load(text).items():
        expected = {(column, group): sign for column in COLUMNS
                    for group, sign in _cell(spec[column], f"{name}.{column}").items()}
        model = dict(expected) | {(column, group): sign for column, cell in (spec.get("model") or {}).items()
                                  for group, sign in _cell(cell, f"{name}.model.{column}").items()}
        replicates = spec.get("replicates")
        if replicates is not None and (not isinstance(replicates, int) or isinstance(replicates, bool) or replicates < 2):
            raise ValueError(f"{name}.replicates: must be a whole number of seeds of at least 2, got {replicates!r}")
        entries.append(Direction(name, spec["key"], float(spec["test_value"]), expected, model, " ".join(str(spec["source"]).split()),
                                 " ".join(str(spec.get("why", "")).split()), replicates))
    return tuple(entries)


def table_sign(key: str, group: str, metric: str, directions: tuple[Direction, ...] | None = None) -> int | None:
    """The model's expected sign of raising `key` on a (group, metric) outcome, or None if the table has no
    such parameter or column; for group "all", the two groups' common sign (0 if they differ)."""
    column = METRIC_COLUMNS.get(metric)
    entry = next((d for d in directions or load_directions() if d.key == key), None)
    if column is None or entry is None:
        return None
    groups = GROUPS if group == "all" else (group,)
    signs = {entry.model[(column, g)] for g in groups}
    return signs.pop() if len(signs) == 1 else 0


def markdown_table(directions: tuple[Direction, ...] | None = None) -> str:
    """The docs table: one row per parameter, each column `receiving / arriving`; a model sign that differs
    from the expected one is shown as `expected → model` and explained in the last column."""
    head = ("| parameter (raised) | attitude | anxiety | contact | friendships | source or reasoning |\n"
            "|---|---|---|---|---|---|")
    rows = []
    for d in directions or load_directions():
        cells = []
        for column in COLUMNS:
            shown = []
            for group in ORDER:
                expected, model = d.expected[(column, group)], d.model[(column, group)]
                shown.append(SYMBOLS[expected] if expected == model else f"{SYMBOLS[expected]}→{SYMBOLS[model]}")
            cells.append(" / ".join(shown))
        note = d.source + (f". Model: {d.why}" if d.why else "")
        rows.append(f"| `{d.key}` ({d.test_value:g}) | " + " | ".join(cells) + f" | {note} |")
    return "\n".join([head, *rows])
