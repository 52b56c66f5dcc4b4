"""One simulation into one run folder (`bridges ARGS`, and each run of a sweep): validate the configuration,
`run` it (model/simulation.py), write its tables, plots and report in a staging folder renamed into place."""

import sys
from pathlib import Path

from tqdm import tqdm

from bridges.model import BridgesModel
from bridges.config import PROGRESS_DISABLE, SEARCHPATH, model_params, run_options
from bridges.outputs import (
    OUTPUTS_ROOT,
    ROW_GROUP,
    StagedFolder,
    check_output_folder,
    default_run_dir,
    headline,
    headline_lines,
    remove_stale_staging,
    run_label,
    write_config,
    write_json,
    write_pictures,
    write_plots,
    write_report,
    write_agents,
    write_table,
)
from bridges.model.interventions import programme_weeks
from bridges.model.params import GROUPS
from bridges.model.resources import check_resources, estimate
from bridges.model.simulation import build, simulate


def progress_bar(steps: int, progress: str = "auto"):
    """A weekly progress bar for `run(..., on_week=...)` (shown on a terminal unless run.progress=off), and
    the bar itself, to close."""
    bar = tqdm(total=steps, desc="weeks", unit="wk", disable=PROGRESS_DISABLE[progress], leave=False)
    return (lambda model: bar.update()), bar


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
    model, build_seconds = build(params, threads=options["threads"])
    if params.city.custom.used:
        plain = with_custom_city_size(plain, model)
    with StagedFolder(folder, unique) as staged:
        staging = staged.path
        on_week, bar = progress_bar(params.steps, options["progress"])
        with bar:
            results = simulate(model, build_seconds, on_week)
        timeseries = results.timeseries
        reference = results.reference
        write_config(staging, {**plain, "site": {**plain.get("site", {}), **reference}}, overrides)
        write_table(timeseries, staging, "timeseries", csv=True)
        agents = write_agents(results.agent_columns(ROW_GROUP, codes=True), staging)
        write_table(results.survey, staging, "survey")
        results.costs.to_csv(staging / "costs.csv", index=False)
        results.contact_by_setting.to_csv(staging / "contact_by_setting.csv", index=False)
        write_json(staging / "city.json", results.city)
        label = run_label(params.scenario_name, [o for o in overrides if not o.startswith(SEARCHPATH)])
        pictures = draws_pictures(options["plots"], sweep_point=marker is not None)
        if pictures:
            write_plots(timeseries, staging, label, programme_weeks(params))
            write_pictures(model, staging)
        run_info = {"seed": params.seed, "steps": params.steps, "n_agents": results.n_agents, "city": params.city.name,
                    "build_seconds": results.build_seconds, "run_seconds": results.run_seconds, "label": label,
                    "reference": reference}
        figures = headline(timeseries, agents)
        write_report(staging, figures, model.city.measured, model.city.requested, run_info, results.costs,
                     results.contact_by_setting, pictures)
        if marker:
            write_json(staging / marker[0], {**marker[1], "outcomes": figures})
    return staged.final, headline_lines(figures, run_info, results.costs)


def draws_pictures(plots: str, sweep_point: bool) -> bool:
    """Whether a run folder gets its pictures (`run.plots`): on, off, or auto, which draws them for a single
    run and not for a sweep's points (about 6 s of drawing against ~1.5 s of a small simulation, 0.6 MB a
    point; the sweep's aggregate draws the sweep's own plots)."""
    return plots == "on" or (plots == "auto" and not sweep_point)


def with_custom_city_size(plain: dict, model: BridgesModel) -> dict:
    """The config as run on a custom city: its size and arriving share are the file's, not the defaults'."""
    arriving = float((model.state.group == GROUPS.index("arriving")).mean()) if model.state.n else 0.0
    return {**plain, "city": {**plain["city"], "n_agents": int(model.state.n), "arriving_share": arriving}}
