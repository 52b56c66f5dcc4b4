"""Plots shared by the run reports (bridges/outputs.py) and the dashboard (app.py).

Each `draw_*` function draws on a matplotlib Axes it is given, through the object-oriented API only
(no pyplot state), so the report writer and the dashboard's browser sessions can draw at once.

matplotlib (and PIL) are imported by the functions that draw, not here: the run folder's writer
(bridges/outputs.py) reads this module's plot definitions, and a run with `run.plots=off` then never loads
them (about 0.3 s of a command's start).
"""

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bridges.model.params import GROUPS
from bridges.model.state import ARRIVING, THERMOMETER_MAX

if TYPE_CHECKING:
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure

GROUP_COLOURS = {"arriving": "tab:orange", "receiving": "tab:blue"}


@cache
def group_shades() -> "dict[str, Colormap]":
    """Each group's colour map for the city view: the darker, the warmer the attitude."""
    from matplotlib import colormaps

    return {"arriving": colormaps["Oranges"], "receiving": colormaps["Blues"]}

LINE_STYLES = ["-", "--", ":", "-."]
SCENARIOS = ("volunteering", "co_creation", "mere_exposure", "mhpss", "information", "structural",
             "anti_discrimination", "coordination_only", "volunteering_coordinated", "focus_approach")
"""The scenarios in conf/scenario/ besides the baseline, each with a fixed colour (scenario_colours)."""
BASELINE_COLOUR = "0.25"


def scenario_colours(names) -> dict[str, tuple | str]:
    """One colour per scenario name, the same in every figure and on every page (run and comparison reports,
    the dashboard): the baseline dark grey, each scenario of conf/scenario/ its own strong colour (tab20's
    even entries), any other name (a variant, your own scenario) a light one (tab20's odd entries) picked
    by a hash of the name, the next free one if two names in `names` would share it."""
    from matplotlib import colormaps

    palette = colormaps["tab20"].colors
    colours, taken = {}, set()
    for name in names:
        if name == "baseline":
            colours[name] = BASELINE_COLOUR
        elif name in SCENARIOS:
            colours[name] = palette[2 * SCENARIOS.index(name) % len(palette)]
    light = list(range(1, len(palette), 2))
    for name in names:
        if name in colours:
            continue
        start = int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(light)
        free = [light[(start + step) % len(light)] for step in range(len(light))]
        choice = next((i for i in free if i not in taken), free[0])
        taken.add(choice)
        colours[name] = palette[choice]
    return colours
REPORT_FIGSIZE = (7, 4)


@dataclass(frozen=True)
class MetricsPlot:
    """Which timeseries metrics one plot shows (metric -> legend label), with its axis label, title and
    the range its values can take (a live plot's axis never runs past it)."""

    metrics: dict[str, str]
    ylabel: str
    title: str
    scale: tuple[float, float] = (0.0, 1.0)


ATTITUDE = MetricsPlot({"attitude_mean": "mean attitude"}, "feeling thermometer (0-100)",
                       "Attitude toward the outgroup", (0.0, float(THERMOMETER_MAX)))
CONTACT = MetricsPlot({"intergroup_contact_share": "any contact", "positive_contact_share": "positive",
                       "negative_contact_share": "negative"}, "share of group this week", "Intergroup contact")
FRIENDSHIPS = MetricsPlot({"outgroup_friend_share": "with a cross-group friend"}, "share of group",
                          "Cross-group friendships")
MISPERCEPTION = MetricsPlot({"misperception_mean": "belief gap"}, "mean absolute gap (0-1)",
                            "Misperception of arriving members")
TRUST = MetricsPlot({"trust_mean": "mean trust"}, "outgroup trust (0-1)", "Trust in the other group")
ANXIETY = MetricsPlot({"anxiety_mean": "mean anxiety"}, "intergroup anxiety (0-1)", "Intergroup anxiety")
DISTRESS = MetricsPlot({"distress_mean": "mean distress"}, "psychological distress (0-1)", "Distress")
BELONGING = MetricsPlot({"belonging_mean": "mean belonging"}, "sense of belonging (0-1)", "Belonging")
EMPLOYMENT = MetricsPlot({"employed_share": "employed"}, "share of group", "Employment")


def draw_survey(ax, survey: pd.DataFrame, items: dict) -> None:
    """The last survey wave's mean answer to each item per community, as a share of the item's scale
    (0 = its lowest answer, 1 = its highest), so items on 1-5 and 0-100 scales share one axis."""
    wave = survey[survey.step == survey.step.max()]
    names = [name for name in items if name in wave and wave[name].notna().any()]
    rows = np.arange(len(names))
    for offset, group in zip((-0.2, 0.2), GROUPS):
        answers = wave[wave.community == group]
        means = [(answers[name].dropna().astype(float).mean() - items[name].low) / (items[name].high - items[name].low)
                 for name in names]
        ax.barh(rows + offset, means, height=0.4, color=GROUP_COLOURS[group], label=group)
    ax.set_yticks(rows, [name.replace("_", " ") for name in names], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("mean answer, as a share of the item's scale (lowest 0, highest 1)")
    ax.set_title(f"The virtual survey, week {int(wave.step.max())}" if len(wave) else "The virtual survey (no wave)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="x")


def draw_metrics(ax, timeseries: pd.DataFrame, plot: MetricsPlot,
                 programmes: list[tuple[str, int, int]] | None = None) -> None:
    """One line per group and metric over weeks; each programme's weeks (`programmes`: name, first and last
    week) as a band along the bottom (draw_programme_weeks)."""
    for style, (metric, label) in zip(LINE_STYLES, plot.metrics.items()):
        for group in GROUPS:
            rows = timeseries[(timeseries.metric == metric) & (timeseries.group == group)]
            if len(rows):
                ax.plot(rows.step, rows.value, style, color=GROUP_COLOURS[group], label=f"{group}: {label}")
    if programmes and len(timeseries):
        draw_programme_weeks(ax, programmes, int(timeseries.step.max()))
    ax.set_xlabel("week")
    ax.set_ylabel(plot.ylabel)
    ax.set_title(plot.title)
    if ax.lines:  # no contact is recorded before the first week
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


PROGRAMME_COLOURS = ("tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")
"""Programme bands in a run's plots (the groups' blue and orange left for the lines)."""
BAND_HEIGHT = 0.05
"""Height of one programme's band [share of the axes]; bands together take at most BANDS_HEIGHT."""
BANDS_HEIGHT = 0.3


def draw_programme_weeks(ax, programmes: list[tuple[str, int, int]], steps: int, colours: dict | None = None) -> None:
    """Each programme's weeks (name, first week, last week) as a band along the bottom of the axes, one row
    each, named inside it, in `colours[name]` (else a colour of its own). A programme that runs every week
    of the run gets no band: shading every week would say nothing about when it acts."""
    shown = [(name, start, end) for name, start, end in programmes if not (start <= 1 and end >= steps)]
    height = min(BAND_HEIGHT, BANDS_HEIGHT / max(len(shown), 1))
    for row, (name, start, end) in enumerate(shown):
        colour = (colours or {}).get(name, PROGRAMME_COLOURS[row % len(PROGRAMME_COLOURS)])
        ax.axvspan(start, end, ymin=row * height, ymax=(row + 0.9) * height, color=colour, alpha=0.3, lw=0, zorder=0)
        ax.text(start, (row + 0.45) * height, f" {name}: weeks {start}-{end}", transform=ax.get_xaxis_transform(),
                fontsize=6, va="center", ha="left", color="0.25", clip_on=True)


def metrics_figure(timeseries: pd.DataFrame, plot: MetricsPlot, figsize=REPORT_FIGSIZE,
                   programmes: list[tuple[str, int, int]] | None = None) -> "Figure":
    """A figure with one metrics plot, as in the run report."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    draw_metrics(fig.subplots(), timeseries, plot, programmes)
    fig.tight_layout()
    return fig


def draw_cost(ax, weeks: np.ndarray, cost: np.ndarray, currency: str) -> None:
    """Interventions' cost so far over weeks."""
    ax.plot(weeks, cost, color="tab:green")
    ax.set_xlabel("week")
    ax.set_ylabel(f"cost so far [{currency}]" if currency else "cost so far")
    ax.set_title("Intervention cost so far")
    ax.grid(alpha=0.3)


def links_among(people: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(links, 2) positions in `people` of the ties (source[i], target[i]) that join two of them."""
    where = np.full(max(people.max(initial=0), source.max(initial=0), target.max(initial=0)) + 1, -1)
    where[people] = np.arange(len(people))
    a, b = where[source], where[target]
    return np.column_stack([a, b])[(a >= 0) & (b >= 0)]


@dataclass(frozen=True)
class CitySample:
    """Residents drawn in the city view: their indices and positions, and the city's ties among them."""

    people: np.ndarray
    x: np.ndarray
    y: np.ndarray
    ties: np.ndarray  # (ties, 2) positions in `people`


def city_sample(group: np.ndarray, neighbourhood: np.ndarray, household: np.ndarray, source: np.ndarray,
                target: np.ndarray, most: int, rng: np.random.Generator) -> CitySample:
    """Up to `most` residents (every one if the city is that small; else half arriving when there are
    enough) placed by neighbourhood: neighbourhoods on a grid, households at random points within
    their cell, members close to their household. `source`, `target`: the city's ties."""
    n = len(group)
    if n <= most:
        people = np.arange(n)
    else:
        arriving, receiving = np.flatnonzero(group == ARRIVING), np.flatnonzero(group != ARRIVING)
        take_arriving = min(len(arriving), most // 2)
        people = np.sort(np.concatenate([rng.choice(arriving, take_arriving, replace=False),
                                         rng.choice(receiving, most - take_arriving, replace=False)]))
    places = np.unique(neighbourhood[people], return_inverse=True)[1]
    columns = int(np.ceil(np.sqrt(places.max() + 1)))
    homes, home_of = np.unique(household[people], return_inverse=True)
    home_x, home_y = rng.uniform(0.1, 0.9, len(homes)), rng.uniform(0.1, 0.9, len(homes))
    x = places % columns + home_x[home_of] + rng.normal(0, 0.02, len(people))
    y = places // columns + home_y[home_of] + rng.normal(0, 0.02, len(people))
    return CitySample(people, x, y, links_among(people, source, target))


def draw_city(ax, sample: CitySample, group: np.ndarray, attitude: np.ndarray, friendships: np.ndarray,
              title: str) -> dict:
    """Drawn residents coloured by group and shaded by attitude (darker = warmer), their ties in grey
    and their cross-group friendships (`friendships`: (links, 2) positions in the sample) in green.
    Returns the artists that change week by week: "friendships" and one point set per group."""
    from matplotlib.collections import LineCollection

    points = np.column_stack([sample.x, sample.y])
    ax.add_collection(LineCollection(points[sample.ties], colors="0.6", linewidths=0.4, alpha=0.35))
    artists = {"friendships": ax.add_collection(LineCollection(points[friendships], colors="tab:green",
                                                               linewidths=1.4, alpha=0.9))}
    labels = np.array(GROUPS)[group[sample.people]]
    warmth = attitude_shade(attitude[sample.people])
    for label, shades in group_shades().items():
        mine = labels == label
        artists[label] = ax.scatter(sample.x[mine], sample.y[mine], s=14, c=shades(warmth[mine]), edgecolors="0.3",
                                    linewidths=0.3, label=label, zorder=3)
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xticks(np.arange(np.floor(sample.x.min()), np.ceil(sample.x.max()) + 1))  # neighbourhood squares
    ax.set_yticks(np.arange(np.floor(sample.y.min()), np.ceil(sample.y.max()) + 1))
    ax.tick_params(labelbottom=False, labelleft=False, length=0)
    ax.grid(alpha=0.4)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, markerscale=1.5, frameon=False)
    return artists


def attitude_shade(attitude: np.ndarray) -> np.ndarray:
    """Position in a group's colour map: light for cold (0), dark for warm (100) attitudes."""
    return 0.25 + 0.75 * attitude / THERMOMETER_MAX


# ---- redrawing a plot week by week (the dashboard) ------------------------------------------------
class LiveFigure:
    """A figure drawn in full by one of the functions above, then redrawn cheaply week by week.

    `draw(ax)` draws the whole plot and returns the artists that move; those are drawn over a cached
    image of everything else (matplotlib's blitting), so a week costs a few artists and a PNG encoding
    instead of laying out axes, ticks and legend again. Call `draw` again when the axes must change.
    """

    def __init__(self, figsize: tuple[float, float], dpi: int):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.moving: list = []
        self.background = None
        self.axes = None

    def draw(self, draw: Callable, limits: Callable | None = None) -> None:
        """Draw afresh: `draw(ax)` returns the moving artists; `limits(ax)`, if given, then fixes the axes."""
        self.figure.clear()
        self.axes = self.figure.subplots()
        self.moving = list(draw(self.axes))
        if limits is not None:
            limits(self.axes)
        self.figure.tight_layout()
        for artist in self.moving:
            artist.set_animated(True)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)

    def png(self) -> bytes:
        """The figure with the moving artists as they are now, as PNG bytes."""
        self.canvas.restore_region(self.background)
        for artist in self.moving:
            self.axes.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        buffer = io.BytesIO()
        from PIL import Image

        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        image.convert("RGB").save(buffer, format="PNG", compress_level=1)  # fast, still small
        return buffer.getvalue()


def padded_limits(values: np.ndarray, scale: tuple[float, float] | None = None) -> tuple[float, float]:
    """Axis limits around `values` with room to move (a quarter of their span, at least 5% of their size),
    so that the axes are rarely drawn again, but never past the `scale` the values can take (a share's
    axis stops at 1) nor below zero for values that cannot be negative."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    pad = max(0.25 * (high - low), 0.05 * max(abs(low), abs(high)), 1e-3)
    floor, ceiling = scale if scale is not None else (0.0 if low >= 0 else -np.inf, np.inf)
    return max(low - pad, floor), min(high + pad, ceiling)


def within(values: np.ndarray, limits: tuple[float, float]) -> bool:
    finite = values[np.isfinite(values)]
    return finite.size == 0 or (finite.min() >= limits[0] and finite.max() <= limits[1])
