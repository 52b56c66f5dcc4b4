"""Write a run folder: config, tidy tables, plots and a plain-words report.

Everything is written into a hidden staging folder beside the run folder and renamed into place at
the end, so a failed or interrupted run leaves no partial output behind, and parallel runs never share
a folder.
"""

import json
import math
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from bridges.model.errors import InputError
from bridges.model.params import GROUPS
from bridges.plots import (ANXIETY, ATTITUDE, BELONGING, CONTACT, DISTRESS, EMPLOYMENT, FRIENDSHIPS, TRUST,
                                 MetricsPlot, city_sample, draw_city, draw_survey, links_among, metrics_figure)
from bridges.model.survey import SURVEY_ITEMS
from bridges.model.tables import Labels

OUTPUTS_ROOT = Path("outputs")
REPORT_PLOTS = {"attitude_by_group.png": ATTITUDE, "contact_by_group.png": CONTACT, "trust_by_group.png": TRUST,
                "anxiety_by_group.png": ANXIETY, "distress_by_group.png": DISTRESS,
                "belonging_by_group.png": BELONGING, "employment_by_group.png": EMPLOYMENT,
                "friendships_by_group.png": FRIENDSHIPS}
"""The run folder's plots of weekly metrics (bridges/plots.py draws them, the dashboard too); with
survey_answers.png and city_network.png (write_pictures)."""
PICTURES = (*REPORT_PLOTS, "survey_answers.png", "city_network.png")
"""Every picture a run folder holds."""
NETWORK_RESIDENTS = 400
"""Most residents drawn in city_network.png (a larger city shows a sample, half of it arriving)."""


STAGING_PREFIX = ".bridges-staging-"
STAGING_NAME = re.compile(re.escape(STAGING_PREFIX) + r"([A-Za-z0-9._]+)-(\d+)-")
"""Staging folders are named .bridges-staging-<host>-<pid>-<random>, so a later run on the same host can
tell a dead process's staging (removed) from a live one's (left alone). A folder of another host (a
cluster node sharing the file system) is never touched: its pid says nothing here."""
OLD_STAGING_NAME = re.compile(re.escape(STAGING_PREFIX) + r"(\d+)-[A-Za-z0-9_]+")
"""The naming before the host was added: .bridges-staging-<pid>-<random> (tempfile's 8 random characters)."""
OLD_STAGING_DAYS = 7
"""An old-named staging folder names no host, so its pid may be a live run on another node sharing the
folder: it is removed only when that pid is not alive here and nothing in it changed for this many days
[days]; assumption: no run goes a week without writing, and no old-named run can still be going."""
HOST_VARIABLE = "BRIDGES_HOST"
"""Names this machine in staging folders instead of its host name (tests simulate two hosts with it)."""


def host_name() -> str:
    """This machine's name as used in staging folders: letters, digits, dots and underscores only."""
    name = os.environ.get(HOST_VARIABLE) or socket.gethostname() or "localhost"
    return re.sub(r"[^A-Za-z0-9.]", "_", name)[:64]


def default_run_dir(seed: int, root: Path = OUTPUTS_ROOT, now: datetime | None = None) -> Path:
    """outputs/<date>/<time>-seed<seed>: the name a run asks for. The folder itself is claimed only when
    the run succeeds, with a numeric suffix if another run took the name first (see StagedFolder)."""
    now = now or datetime.now()
    return root / now.strftime("%Y-%m-%d") / f"{now.strftime('%H-%M-%S')}-seed{seed}"


def check_output_folder(folder: Path, key: str = "run.output_dir", taken_is_fine: bool = False) -> None:
    """Refuse, before any work, an output folder that is a symbolic link (dangling or not), a file or a
    device, a folder that is not empty, or a place that cannot hold a folder. With `taken_is_fine` (a
    default run folder, which gets a numeric suffix when taken) another run's folder of that name is no
    reason to refuse."""
    folder = Path(folder)
    try:
        _check_output_path(folder, key)
        _check_output_folder(folder, key, taken_is_fine)
    except OSError as error:  # a name too long, a path through a file, a file system refusing to look
        raise InputError(f"{key}: {folder} cannot be used ({error.strerror or error})") from None


PSEUDO_FILE_SYSTEMS = (Path("/proc"), Path("/sys"), Path("/dev"))
"""Kernel views, not storage: a run folder there cannot be written (or must not be)."""


def _check_output_path(folder: Path, key: str) -> None:
    """A path that names a new folder: not the current folder or one above it, not in a kernel file
    system, no `~` (never expanded), no name longer than file systems allow."""
    if str(folder).startswith("~"):
        raise InputError(f"{key}: {folder}: '~' is not expanded; give the full path of the folder")
    long_name = next((part for part in folder.parts if len(part.encode()) > 255), None)
    if long_name:
        raise InputError(f"{key}: a folder name of {len(long_name.encode())} bytes ({long_name[:40]}...) is longer "
                         "than the 255 file systems allow")
    resolved = folder.resolve()
    if resolved == Path.cwd() or resolved in Path.cwd().parents or resolved == resolved.parent:
        raise InputError(f"{key}: {folder} is the current folder or one above it; name a new folder for the run")
    if any(resolved == root or root in resolved.parents for root in PSEUDO_FILE_SYSTEMS):
        raise InputError(f"{key}: {folder} is in a kernel file system ({resolved.parts[1]}); name a folder on disk")


def _check_output_folder(folder: Path, key: str, taken_is_fine: bool) -> None:
    if folder.is_symlink():
        raise InputError(f"{key}: {folder} is a symbolic link; give a real folder")
    if folder.exists():
        if not folder.is_dir():
            raise InputError(f"{key}: {folder} exists and is not a folder")
        if not taken_is_fine and any(folder.iterdir()):
            raise InputError(f"{key}: {folder} exists and is not empty")
    ancestor = folder.parent
    while not ancestor.exists() and not ancestor.is_symlink() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"{key}: {folder} cannot be created: {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InputError(f"{key}: {folder} cannot be created: no permission to write in {ancestor}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove staging folders in `parent` left by processes of this host that no longer run (killed runs);
    returns them. Only folders named by STAGING_NAME with this host's name are touched, never a user's own
    nor another node's; of the old pid-only naming, those older than OLD_STAGING_DAYS whose pid is gone."""
    removed = []
    if not Path(parent).is_dir():
        return removed
    here = host_name()
    for entry in Path(parent).iterdir():
        match = STAGING_NAME.match(entry.name)
        old = OLD_STAGING_NAME.fullmatch(entry.name)
        if not entry.is_dir() or entry.is_symlink():
            continue
        if ((match and match.group(1) == here and not _alive(int(match.group(2))))
                or (old and not _alive(int(old.group(1))) and _days_unchanged(entry) > OLD_STAGING_DAYS)):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _days_unchanged(folder: Path) -> float:
    """Days since the folder or anything directly in it was last modified (0 if it cannot be read)."""
    try:
        with os.scandir(folder) as entries:
            latest = max([folder.stat().st_mtime, *(entry.stat(follow_symlinks=False).st_mtime for entry in entries)])
    except OSError:
        return 0.0
    return (datetime.now().timestamp() - latest) / 86400


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class StagedFolder:
    """A fresh staging folder beside `final`, created exclusively; it becomes the run folder only if the
    block finishes without error, and is removed otherwise (Ctrl-C included).

    With `unique` (default run folders) the run takes the first free name of `final`, `final-2`, ...,
    claimed with an exclusive mkdir, so runs started at the same second never share a folder. Without it
    (a folder the user named) the staging folder replaces `final` only if that is absent or still empty;
    a user's folder is never deleted or filled by two runs. `self.final` is the folder written.
    """

    def __init__(self, final: Path, unique: bool = False):
        self.final, self.unique, self.path, self.created = Path(final), unique, None, []

    def __enter__(self) -> "StagedFolder":
        parent = self.final.parent
        try:
            self.created = [folder for folder in (parent, *parent.parents) if not folder.exists()]
            parent.mkdir(parents=True, exist_ok=True)
            remove_stale_staging(parent)
            self.path = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{host_name()}-{os.getpid()}-", dir=parent))
            self.path.chmod(0o777 & ~_umask())
        except OSError as error:
            self.__exit__(OSError, error, None)
            raise InputError(f"run.output_dir: {self.final} cannot be created ({error.strerror or error})") from None
        return self

    def __exit__(self, kind, error, trace) -> bool:
        if kind is None:
            try:
                self.final = self._publish()
            except BaseException:
                shutil.rmtree(self.path, ignore_errors=True)
                raise
        else:
            if self.path is not None:
                shutil.rmtree(self.path, ignore_errors=True)
            for folder in self.created:  # the parents this run made (deepest first), if still empty
                try:
                    folder.rmdir()
                except OSError:
                    break
        return False

    def _publish(self) -> Path:
        if self.unique:
            for suffix in range(1, 10_000):
                candidate = self.final if suffix == 1 else self.final.with_name(f"{self.final.name}-{suffix}")
                try:
                    candidate.mkdir()
                except FileExistsError:
                    continue
                self.path.rename(candidate)  # replaces the empty folder this process just claimed
                return candidate
            raise InputError(f"run.output_dir: no free folder name next to {self.final}")
        if self.final.is_symlink() or (self.final.exists() and not self.final.is_dir()):
            raise InputError(f"run.output_dir: {self.final} was replaced by something that is not a folder; "
                             "nothing written")
        try:
            self.final.mkdir()
        except FileExistsError:
            pass
        try:
            self.path.rename(self.final)  # atomic; fails if another run filled the folder meanwhile
        except OSError:
            raise InputError(f"run.output_dir: {self.final} was filled by another run meanwhile; nothing written") from None
        return self.final


ROW_GROUP = 2**18
"""Rows per Parquet row group of a large table: written one group at a time, so Arrow holds a copy of 262,144
rows rather than of the whole table (a million residents' agent table: about 250 MB less at the peak).
Smaller tables are one group, as before."""


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The columns a table's Parquet file dictionary-encodes: every column but the floating-point ones. A
    measured value (attitude, trust, ...) is almost never repeated, so Arrow built a hash table of each column
    chunk's values only to give up at the dictionary's size limit and write them plain after all: 1M residents'
    agents.parquet took 1.2 CPU s and 122.7 MB that way, 0.64 s and 110.9 MB without (the same values read back).
    Identifiers, counts, flags and labels keep their dictionaries."""
    return [field.name for field in schema if not pa.types.is_floating(field.type)]


def write_table(frame: pd.DataFrame, folder: Path, name: str, csv: bool = False) -> None:
    """Parquet (and optionally CSV) copy of a table; a large one in row groups of ROW_GROUP rows."""
    write_blocks((frame.iloc[start:start + ROW_GROUP] for start in range(0, max(len(frame), 1), ROW_GROUP)),
                 folder, name)
    if csv:
        frame.to_csv(folder / f"{name}.csv", index=False)


def write_blocks(blocks: Iterable[pd.DataFrame], folder: Path, name: str) -> None:
    """A table given as consecutive blocks of rows (at least one) written to one Parquet file, a row group per
    block (the first block's schema for all, pandas' conversion to Arrow, `dictionary_columns`). Only one block's
    Arrow copy exists at a time, and a producer of blocks need never hold the whole table."""
    blocks = iter(blocks)
    first, second = next(blocks), next(blocks, None)
    table = pa.Table.from_pandas(first, preserve_index=False)
    schema = table.schema
    del first
    if second is None:
        pq.write_table(table, folder / f"{name}.parquet", use_dictionary=dictionary_columns(schema))
        return
    with pq.ParquetWriter(folder / f"{name}.parquet", schema, use_dictionary=dictionary_columns(schema)) as writer:
        writer.write_table(table)
        del table
        for block in chain([second], blocks):
            writer.write_table(pa.Table.from_pandas(block, schema=schema, preserve_index=False))


def write_agents(blocks: Iterable[dict[str, np.ndarray | Labels]], folder: Path) -> pd.DataFrame:
    """agents.parquet from the columns of the agent table's consecutive blocks (model/tables.py `agent_columns`,
    ROW_GROUP rows each), and the columns `headline` reads (HEADLINE_COLUMNS, and `group` as a categorical).
    Several blocks go to Arrow straight from their arrays, a row group each, with the schema (and pandas'
    metadata) that pandas gives the first block's first row, and NaN as null as pandas converts it: the file is
    the one `write_table` writes of the whole table, which never exists (about 400 MB at a million residents,
    its labels a million Python strings per column). A label column given as `Labels` is taken from its codes
    (Arrow's `take` of its few names; pandas' categorical from the codes), the same strings and file."""
    blocks = iter(blocks)
    first, second = next(blocks), next(blocks, None)
    kept: dict[str, list[np.ndarray]] = {name: [] for name in (*HEADLINE_COLUMNS, "group")}

    def keep(columns: dict[str, np.ndarray | Labels]) -> None:
        """A block's headline columns as given (the run's arrays' rows: nothing is copied until the end) and its
        group codes."""
        for name in HEADLINE_COLUMNS:
            kept[name].append(columns[name])
        group = columns["group"]
        kept["group"].append(group.codes if isinstance(group, Labels)
                             else pd.Categorical(group, categories=list(GROUPS)).codes)

    if second is None:
        write_blocks([pd.DataFrame(strings(first))], folder, "agents")
        keep(first)
    else:
        schema = pa.Table.from_pandas(pd.DataFrame({name: column[:1] for name, column in strings(first).items()}),
                                      preserve_index=False).schema
        pending = [second, first]  # taken from the end; a block is dropped once written
        del first, second
        with pq.ParquetWriter(folder / "agents.parquet", schema, use_dictionary=dictionary_columns(schema)) as writer:
            while pending:
                columns = pending.pop()
                writer.write_table(pa.Table.from_arrays(
                    [arrow_column(column, kind.type) for column, kind in zip(columns.values(), schema)], schema=schema))
                keep(columns)
                del columns
                if not pending:
                    following = next(blocks, None)
                    if following is not None:
                        pending.append(following)
                    del following
    return pd.DataFrame({name: joined(kept[name]) for name in HEADLINE_COLUMNS}
                        | {"group": pd.Categorical.from_codes(joined(kept["group"]), categories=list(GROUPS))},
                        copy=False)


def joined(parts: list[np.ndarray]) -> np.ndarray:
    """The blocks' `parts` of one column end to end: a read-only view of the array they lie in when they follow
    one another in it (the run's state arrays' consecutive rows, as `agent_columns` gives them), else a copy. The
    copy of the headline columns had been the write stage's peak at a million residents (7 columns, ~45 MB)."""
    first, base = parts[0], parts[0].base
    if not (isinstance(base, np.ndarray) and base.dtype == first.dtype and base.flags.c_contiguous):
        return np.concatenate(parts)
    address = first.ctypes.data
    for part in parts:
        if part.base is not base or part.dtype != first.dtype or part.ndim != 1 or not part.flags.c_contiguous \
                or part.ctypes.data != address:
            return np.concatenate(parts)
        address += part.nbytes
    start = (first.ctypes.data - base.ctypes.data) // first.itemsize
    whole = base.reshape(-1)[start:start + sum(len(part) for part in parts)]
    whole.flags.writeable = False
    return whole


def strings(columns: dict[str, np.ndarray | Labels]) -> dict[str, np.ndarray]:
    """`columns` with every label column as NumPy strings."""
    return {name: column.strings() if isinstance(column, Labels) else column for name, column in columns.items()}


def arrow_column(column: np.ndarray | Labels, kind: pa.DataType) -> pa.Array:
    """One column of a block as Arrow of type `kind`: a label column its names taken at its codes, an array as
    pandas converts it (NaN as null)."""
    if isinstance(column, Labels):
        return pa.array(column.names, type=kind).take(pa.array(column.codes))
    return pa.array(column, type=kind, from_pandas=True)


def run_label(scenario: str, overrides: list[str]) -> str:
    """Scenario and command-line overrides, for titles: 'scenario co_creation (steps=20, seed=3)'."""
    shown = [o for o in overrides if not o.startswith("run.")]
    return f"scenario {scenario}" + (f" ({', '.join(shown)})" if shown else "")


def headline_lines(figures: dict, run_info: dict, costs: pd.DataFrame) -> list[str]:
    """Five lines for the terminal: what ran, attitude start to end per group, contact, programmes."""
    lines = [f"Bridges run: {run_info['label']}, city {run_info['city']}, {run_info['n_agents']:,} residents, "
             f"{run_info['steps']} weeks, seed {run_info['seed']}."]
    for group in ("receiving", "arriving"):
        f = figures.get(group)
        lines.append(f"{group.capitalize()} members' attitude (0-100): {f['attitude_start']:.1f} at week 0, "
                     f"{f['attitude_end']:.1f} at the last week." if f else f"No {group} members.")
    contact = [f"{g} {figures[g]['weekly_contact_share']:.0%}" for g in GROUPS if g in figures]
    lines.append(f"Share with intergroup contact in an average week: {', '.join(contact)}.")
    lines.append("Programmes: none (baseline)." if costs.empty else "Programmes: " + "; ".join(
        f"{row.intervention} {row.participants:,} participants, {row.total_cost:,.0f} {row.currency}"
        for row in costs.itertuples()) + ".")
    return lines


def plot_metrics(timeseries: pd.DataFrame, plot: MetricsPlot, path: Path,
                 programmes: list[tuple[str, int, int]] | None = None) -> None:
    """One line per group and metric over weeks (each programme's weeks as a band), saved as a PNG."""
    metrics_figure(timeseries, plot, programmes=programmes).savefig(path, dpi=110)


def write_plots(timeseries: pd.DataFrame, folder: Path, label: str = "",
                programmes: list[tuple[str, int, int]] | None = None) -> None:
    """The run's plots, titled with the scenario and overrides (`run_label`), each programme's weeks
    (name, first and last week) as a band."""
    for name, plot in REPORT_PLOTS.items():
        titled = replace(plot, title=f"{plot.title}\n{label}") if label else plot
        plot_metrics(timeseries, titled, folder / name, programmes)


def write_pictures(model, folder: Path) -> None:
    """survey_answers.png (the last wave's answers) and city_network.png (the city's residents by group and
    attitude, their ties and cross-group friendships at the end; a sample in a large city)."""
    from matplotlib.figure import Figure  # only when drawing (bridges/plots.py)

    figure = Figure(figsize=(7, 5))
    draw_survey(figure.subplots(), model.survey_table(), SURVEY_ITEMS)
    figure.tight_layout()
    figure.savefig(folder / "survey_answers.png", dpi=110)
    state, network = model.state, model.city.network
    sample = city_sample(state.group, state.neighbourhood, state.household, network.source, network.target,
                         NETWORK_RESIDENTS, model.streams.generator("outputs.network_sample"))
    friends = np.concatenate([links_among(sample.people, block.source[block.friend], block.target[block.friend])
                              for block in model.contact_blocks()])
    n = state.n
    title = (f"The city at the end: all {n:,} residents" if len(sample.people) == n else
             f"The city at the end: {len(sample.people):,} of {n:,} residents")
    figure = Figure(figsize=(7, 6))
    draw_city(figure.subplots(), sample, state.group, state.attitude, friends, title)
    figure.text(0.01, 0.01, "squares: neighbourhoods; grey: ties; green: cross-group friendships; darker: warmer "
                "attitude toward the other group", fontsize=7)
    figure.savefig(folder / "city_network.png", dpi=110)


def _value(rows: pd.DataFrame, metric: str, step: int) -> float:
    """One metric's value at one step in a group's timeseries rows."""
    return float(rows[(rows.metric == metric) & (rows.step == step)].value.iloc[0])


HEADLINE_COLUMNS = ("intergroup_contacts", "outgroup_friends", "employed", "distress", "belonging", "misperception",
                    "negative_contacts")
"""The agent table's columns the headline figures read."""


def headline(timeseries: pd.DataFrame, agents: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Headline figures per group: start and end attitude, weekly contact, share ever in contact."""
    last = timeseries.step.max()
    figures = {}
    for group in GROUPS:
        rows = timeseries[timeseries.group == group]
        if rows.empty:
            continue
        weekly = rows[rows.metric == "intergroup_contact_share"].value
        members = (agents.group == group).to_numpy()

        def column(name: str, members=members) -> pd.Series:
            """The members' rows of one column: a copy of every headline column's rows at once took 200 MB at a
            million residents' peak."""
            return agents[name][members]

        figures[group] = {
            "residents": int(np.count_nonzero(members)),
            "attitude_start": _value(rows, "attitude_mean", 0),
            "attitude_end": _value(rows, "attitude_mean", last),
            "anxiety_end": _value(rows, "anxiety_mean", last),
            "trust_end": _value(rows, "trust_mean", last),
            "weekly_contact_share": float(weekly.mean()) if len(weekly) else float("nan"),
            "ever_contact_share": float((column("intergroup_contacts") > 0).mean()),
            "outgroup_friend_share": float((column("outgroup_friends") > 0).mean()),
            "employed_share": float(column("employed").mean()),
            "distress_end": float(column("distress").mean()),
            "belonging_end": float(column("belonging").mean()),
            "misperception_end": (float(column("misperception").mean()) if column("misperception").notna().any()
                                  else float("nan")),
            "negative_share_of_encounters": float(column("negative_contacts").sum()
                                                  / max(column("intergroup_contacts").sum(), 1)),
        }
    return figures


def reference_lines(reference: dict | None) -> list[str]:
    """The report's sentence on where the people's views were formed (model/reference.py)."""
    if not reference:
        return []
    if reference["reference"] == "self":
        return [f"Reference world: the run's own (hash `{reference['hash']}`): views were formed before week 0 in "
                "the configuration being run.", ""]
    changes = ", ".join(f"`{key}`" for key in reference["world_changes"])
    return [f"Reference world: the surveyed site (hash `{reference['hash']}`): views were formed before week 0 in "
            f"the site as surveyed; this run's changes to the world act from week 0: {changes}.", ""]


def write_report(folder: Path, figures: dict, city_measured: dict, requested: dict, run_info: dict,
                 costs: pd.DataFrame, settings: pd.DataFrame | None = None, pictures: bool = True) -> None:
    """report.md: what was run and what came out, in plain words; `pictures`: whether the folder has them."""
    lines = ["# Bridges run report", "", f"Run: {run_info.get('label', '')}.", "",
             f"City `{run_info['city']}`, seed {run_info['seed']}, {run_info['steps']} weeks, {run_info['n_agents']} residents; "
             f"built in {run_info['build_seconds']:.2f} s, simulated in {run_info['run_seconds']:.2f} s.", "",
             *reference_lines(run_info.get("reference")),
             "## Headline figures", "",
             "| figure | arriving | receiving |", "|---|---|---|"]
    rows = [("residents", "{:d}"), ("attitude_start", "{:.1f}"), ("attitude_end", "{:.1f}"),
            ("anxiety_end", "{:.3f}"), ("trust_end", "{:.3f}"), ("weekly_contact_share", "{:.1%}"),
            ("ever_contact_share", "{:.1%}"), ("negative_share_of_encounters", "{:.1%}"),
            ("outgroup_friend_share", "{:.1%}"), ("employed_share", "{:.1%}"), ("distress_end", "{:.3f}"),
            ("belonging_end", "{:.3f}"), ("misperception_end", "{:.3f}")]
    labels = {"residents": "residents", "attitude_start": "mean attitude, week 0 (0-100)",
              "attitude_end": "mean attitude, last week (0-100)", "anxiety_end": "mean anxiety, last week (0-1)",
              "trust_end": "mean trust, last week (0-1)",
              "weekly_contact_share": "share with intergroup contact in an average week",
              "ever_contact_share": "share with any intergroup contact over the run",
              "negative_share_of_encounters": "negative share of intergroup encounters",
              "outgroup_friend_share": "share with a cross-group friendship, last week",
              "employed_share": "share employed, last week", "distress_end": "mean distress, last week (0-1)",
              "belonging_end": "mean belonging, last week (0-1)",
              "misperception_end": "mean misperception of arriving members, last week (0-1)"}
    for key, fmt in rows:
        cells = [fmt.format(figures[g][key]) if g in figures and figures[g][key] == figures[g][key] else "-"
                 for g in ("arriving", "receiving")]
        lines.append(f"| {labels[key]} | {cells[0]} | {cells[1]} |")
    arriving, receiving = figures.get("arriving"), figures.get("receiving")
    if arriving and receiving:
        lines += ["", "In words: arriving members end the run with a mean attitude of "
                  f"{arriving['attitude_end']:.1f} toward receiving members, receiving members "
                  f"{receiving['attitude_end']:.1f} toward arriving members. In an average week "
                  f"{arriving['weekly_contact_share']:.0%} of arriving and {receiving['weekly_contact_share']:.0%} "
                  "of receiving members have any intergroup contact."]
    lines += ["", "## Interventions", ""]
    if costs.empty:
        lines.append("None (baseline).")
    else:
        lines += ["| intervention | participants | participant-weeks | total cost | cost per participant |",
                  "|---|---|---|---|---|"]
        for row in costs.itertuples():
            lines.append(f"| {row.intervention} ({row.type}) | {row.participants} | {row.participant_weeks} | "
                         f"{row.total_cost:,.0f} {row.currency} | {row.cost_per_participant:,.0f} {row.currency} |")
    if settings is not None:
        lines += ["", "## Contact by setting", "",
                  "Intergroup encounters over the run, and how they were experienced (each encounter has two sides).",
                  "", "| setting | kind | encounters | positive | negative | negative share |", "|---|---|---|---|---|---|"]
        for row in settings.itertuples():
            share = f"{row.negative_share:.1%}" if row.negative_share == row.negative_share else "-"
            lines.append(f"| {row.setting} | {row.kind} | {row.encounters:,} | {row.positive:,} | {row.negative:,} | {share} |")
    lines += ["", "## The city: requested and measured", "", "| quantity | requested (input) | measured |", "|---|---|---|"]
    for key, value in city_measured.items():
        lines.append(f"| {key} | {requested.get(key, '')} | {value:.3f} |")
    lines += ["", "Dissimilarity: Duncan's index across places (0 = even, 1 = fully apart). E-I index: "
              "(between-group - within-group ties) / all ties. Assortativity: Newman's coefficient by group.",
              "", "## Files", "",
              "- `config.yaml`: the resolved configuration", "- `timeseries.parquet` / `.csv`: step, group, metric, value",
              "- `agents.parquet`: one row per resident at the end", "- `city.json`: requested and measured city structure",
              "- `survey.parquet`: the virtual survey, one row per respondent (docs/survey_schema.md)",
              "- `costs.csv`: each intervention's participants and costs",
              "- `contact_by_setting.csv`: encounters, positive and negative experiences per city layer, programme and public space",
              *(["- `attitude_by_group.png`, `contact_by_group.png`, `trust_by_group.png`, `anxiety_by_group.png`, "
                 "`distress_by_group.png`, `belonging_by_group.png`, `employment_by_group.png`, "
                 "`friendships_by_group.png`: each group's weekly mean or share",
                 "- `survey_answers.png`: the last survey wave's answers; `city_network.png`: the city's residents, "
                 "ties and cross-group friendships at the end"] if pictures else
                ["- no pictures: `run.plots=off`, or a sweep's point (`run.plots=on` draws them)"]), ""]
    (folder / "report.md").write_text("\n".join(lines))


def write_config(folder: Path, plain_config: dict, overrides: list[str]) -> None:
    (folder / "config.yaml").write_text(yaml.safe_dump(plain_config, sort_keys=False))
    (folder / "overrides.yaml").write_text(yaml.safe_dump(list(overrides)))


def json_safe(value):
    """`value` with every non-finite float (NaN, infinity) as None, so the file is JSON (null), not `NaN`."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: Path, payload: dict) -> None:
    """`payload` as JSON; missing figures (NaN, e.g. a group with no contact metric) are written as null."""
    path.write_text(json.dumps(json_safe(payload), indent=2, sort_keys=True, allow_nan=False))
