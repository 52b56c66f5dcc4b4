"""Dashboard components for your own SolaraViz page: the city view and the weekly plots of app.py.

Each is a component taking the model, drawn with the run reports' functions (bridges/plots.py) and redrawn
week by week (a cached figure: a week costs the artists that move and a PNG encoding). Use them with any
BridgesModel (docs/dashboard.md):

    from mesa.visualization import SolaraViz
    from bridges.components import AttitudePlot, CityView, ContactPlot
    from bridges.model import BridgesModel

    page = SolaraViz(BridgesModel(n_agents=2000, scenario="volunteering", rng=1),
                     components=[CityView, AttitudePlot, ContactPlot], name="My city")

`live_view(make, name)` turns any object with a `png()` method (like LiveCity, LiveMetrics) into one. Needs
the dashboard extra (pip install 'bridges[dashboard]').
"""

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import solara

from bridges.model.params import GROUPS
from bridges.plots import (
    ATTITUDE,
    CONTACT,
    FRIENDSHIPS,
    MISPERCEPTION,
    LiveFigure,
    MetricsPlot,
    attitude_shade,
    city_sample,
    draw_city,
    draw_cost,
    draw_metrics,
    group_shades,
    links_among,
    padded_limits,
    within,
)

DRAWN_RESIDENTS = 400
"""Most residents drawn in the city view; larger cities show a sample of this size."""
DPI = 72
"""Resolution of the page's figures [dots per inch]."""


PANEL_SIZE = (5.2, 3.4)
"""Size of a plot panel [inches]."""
CITY_SIZE = (5.6, 4.4)
"""Size of the city view [inches]."""
COST_HEADROOM = 1.25
"""The cost axis runs to this multiple of the cost so far: close to the data, redrawn when the cost passes it."""


PAGE_STYLE = """
.v-slider__thumb-label-container { display: block !important; }
.v-input__slider { margin-top: 26px; }
.v-tabs:not(:has(.v-tab ~ .v-tab)) { display: none; }
.v-navigation-drawer button.v-btn--disabled:nth-of-type(2) { visibility: hidden; }
.vue-grid-item { overflow: auto; }
"""
"""Fixes to Mesa's SolaraViz page, in CSS since its controls are not ours to change: every slider shows its
value (Mesa's sliders show it only while dragged; room above each for the label); the tab bar of a page
with one tab ("PAGE 0") is hidden; the Play/Pause button is hidden once disabled, which Mesa does only when
the run has finished (it would stay a greyed pause symbol); a view taller than its cell of Mesa's grid (the
summary's text at the default size) scrolls inside it instead of running over the plot below."""


@solara.component
def PageStyle():
    """PAGE_STYLE on the page: put it anywhere in a page built with SolaraViz (app.py's Simulation does)."""
    solara.Style(PAGE_STYLE)


def text_block(*paragraphs: str) -> None:
    """Paragraphs of already escaped HTML (solara.Markdown would fetch KaTeX from a CDN)."""
    solara.HTML(tag="div", unsafe_innerHTML="".join(f"<p style='margin:0 0 8px 0'>{p}</p>" for p in paragraphs))


def folder_under(folder: str, root: Path, what: str, reader: str) -> Path:
    """The folder asked for, if it lies under `root` (symbolic links resolved); anything else is refused with
    the same words whether or not it exists, so a page tells no visitor which private folders the server
    has. `what` names the folder ("comparison"), `reader` the page ("planner") in the refusal."""
    allowed = root.resolve()
    try:
        path = (Path.cwd() / folder).resolve() if not Path(folder).is_absolute() else Path(folder).resolve()
    except (OSError, RuntimeError, ValueError):
        path = None
    if path is None or (path != allowed and allowed not in path.parents):
        raise ValueError(f"{folder[:200]}: not a {what} folder under {root}/ (the {reader} reads only those)")
    if not path.is_dir():
        raise ValueError(f"{folder[:200]}: no such folder under {root}/")
    return path


def folder_chooser(title: str, how_to: str, label: str, folder: solara.Reactive, recent: list[str],
                   recent_label: str, view: dict) -> bool:
    """The top of a page that shows a finished folder (app.py's Planner and Design): its title, a how-to line
    (escaped HTML), a box for the folder, a select of recent folders (when there are any), then the view's
    "info" or "error" line. True when the view has content to show below it (neither line)."""
    solara.HTML(tag="h2", unsafe_innerHTML=title)
    text_block(how_to)
    solara.InputText(label, value=folder, continuous_update=False)
    if recent:
        solara.Select(recent_label, value=folder, values=recent)
    if "info" in view:
        solara.Info(view["info"])
    elif "error" in view:
        solara.Error(view["error"])
    return not ({"info", "error"} & set(view))


def currency(model) -> str:
    """The currency (or currencies) the model's interventions are costed in."""
    return ",".join(sorted({config.cost.currency for config in model.params.interventions.values()}))


class LiveCity:
    """The city view of one model: a fixed sample and layout, recoloured week by week."""

    def __init__(self, model):
        city = model.city
        self.model = model
        self.sample = city_sample(model.state.group, model.state.neighbourhood, model.state.household, city.network.source,
                                  city.network.target, DRAWN_RESIDENTS, model.streams.generator("dashboard.sample"))
        self.points = np.column_stack([self.sample.x, self.sample.y])
        self.labels = np.array(GROUPS)[model.state.group[self.sample.people]]
        self.live = LiveFigure(CITY_SIZE, DPI)
        self.artists = None

    def friendships(self) -> np.ndarray:
        """Cross-group friendships between drawn residents, on the city's ties and in programmes."""
        return np.concatenate([links_among(self.sample.people, block.source[block.friend], block.target[block.friend])
                               for block in self.model.contact_blocks()])

    def draw(self, ax) -> list:
        n = self.model.state.n
        title = "All residents" if len(self.sample.people) == n else f"A sample of {len(self.sample.people):,} of {n:,} residents"
        self.artists = draw_city(ax, self.sample, self.model.state.group, self.model.state.attitude,
                                 self.friendships(), title)
        return list(self.artists.values())

    def png(self) -> bytes:
        if self.artists is None:
            self.live.draw(self.draw)
        else:
            warmth = attitude_shade(self.model.state.attitude[self.sample.people])
            for label, shades in group_shades().items():
                self.artists[label].set_facecolor(shades(warmth[self.labels == label]))
            self.artists["friendships"].set_segments(self.points[self.friendships()])
        return self.live.png()


def weekly_table(model) -> pd.DataFrame:
    """The model's timeseries (model.timeseries()) from a copy of its records, which another
    browser's Play may be extending at this moment (the first model is shared)."""
    return pd.DataFrame(model.records[:], columns=["step", "group", "metric", "value"])


class LiveMetrics:
    """One report plot (bridges/plots.py) of a model's weekly metrics, redrawn week by week."""

    def __init__(self, model, plot: MetricsPlot):
        self.model, self.plot = model, plot
        self.live = LiveFigure(PANEL_SIZE, DPI)
        self.series, self.ylim = None, None

    def png(self) -> bytes:
        table = weekly_table(self.model)
        step, group, metric, value = (table[column].to_numpy() for column in ("step", "group", "metric", "value"))
        masks = {(name, label): (metric == name) & (group == label) for name in self.plot.metrics for label in GROUPS}
        series = [key for key, mask in masks.items() if mask.any()]  # the lines draw_metrics draws, in its order
        values = np.concatenate([value[masks[key]] for key in series]) if series else np.empty(0)
        if series != self.series or not within(values, self.ylim):
            self.series, self.ylim = series, padded_limits(values, self.plot.scale) if len(values) else self.plot.scale
            self.live.draw(lambda ax: draw_metrics(ax, table, self.plot) or ax.get_lines(), self.limits)
        else:
            for line, key in zip(self.live.moving, series):
                line.set_data(step[masks[key]], value[masks[key]])
        return self.live.png()

    def limits(self, ax) -> None:
        ax.set_xlim(0, self.model.params.steps)
        ax.set_ylim(*self.ylim)


class LiveCost:
    """Interventions' cost so far (from the model's DataCollector), redrawn week by week."""

    def __init__(self, model):
        self.model = model
        self.live = LiveFigure(PANEL_SIZE, DPI)
        self.ylim = None

    def png(self) -> bytes:
        cost = np.asarray(self.model.datacollector.model_vars["intervention_cost"], dtype=float)
        weeks = np.arange(len(cost))
        if self.ylim is None or not within(cost, self.ylim):
            self.ylim = (0.0, max(COST_HEADROOM * cost.max(), 1.0))
            self.live.draw(lambda ax: draw_cost(ax, weeks, cost, currency(self.model)) or ax.get_lines(), self.limits)
        else:
            self.live.moving[0].set_data(weeks, cost)
        return self.live.png()

    def limits(self, ax) -> None:
        ax.set_xlim(0, self.model.params.steps)
        ax.set_ylim(*self.ylim)


def live_view(make, name: str):
    """A page component showing `make(model).png()`, one live figure per model, redrawn each week."""

    def view(model):
        live = solara.use_memo(lambda: make(model), [model])
        lock = solara.use_memo(threading.Lock, [model])  # one figure, drawn by one thread at a time

        def draw() -> bytes:
            with lock:
                return live.png()

        solara.Image(solara.use_memo(draw, [model, model.steps]))

    view.__name__ = name
    return view


CityView = live_view(LiveCity, "CityView")
"""The city: residents by group, shaded by attitude, their ties and cross-group friendships (a sample of
DRAWN_RESIDENTS in a larger city)."""
AttitudePlot, ContactPlot, FriendshipPlot, MisperceptionPlot = (
    live_view(lambda model, plot=plot: LiveMetrics(model, plot), plot.title)
    for plot in (ATTITUDE, CONTACT, FRIENDSHIPS, MISPERCEPTION))
"""Each group's weekly mean attitude; contact shares (any, positive, negative); share with a cross-group
friend; receiving members' misperception of arriving members."""
CostView = live_view(LiveCost, "CostView")
"""The interventions' cost so far."""
