"""Bridges dashboard: run the model in the browser (Mesa SolaraViz), and read a finished comparison.

    make dashboard                          # serves http://127.0.0.1:8765
    make dashboard HOST=0.0.0.0 PORT=9000   # bind elsewhere
    .venv/bin/solara run app.py --host 127.0.0.1 --port 8765   # the same, by hand (without --host,
                                            # solara binds $HOST, which may be every interface)

Page "Home" (the simulation): controls on the left (city preset, population, arriving share, segregation,
homophily, negativity asymmetry, each intervention with its main dose, seed; Reset applies them: the
sliders change the preset's world from week 0 for people formed in it, model/reference.py), Step
and Play; views of the city, attitudes, contact, friendships, misperception and cost. Page "Planner":
a comparison folder written by `python run.py --config-name compare` with its effects, intervals and
cost-effectiveness. Page "Design": a design study folder (`python run.py --config-name design`). Both
choose their folder with components.folder_chooser and read only folders under outputs/compare/ and
outputs/design/ (components.folder_under). Plots are drawn by the run reports' functions (bridges/plots.py, scenarios/compare.py);
the city view and weekly plots are components in bridges/components.py, for pages of your own too.

The module-level model is shared by every browser session until that session presses Reset.
"""

import html
import io
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import solara
from mesa.visualization import Slider, SolaraViz

from bridges.components import (
    DRAWN_RESIDENTS,
    AttitudePlot,
    CityView,
    ContactPlot,
    CostView,
    FriendshipPlot,
    MisperceptionPlot,
    PageStyle,
    currency,
    folder_chooser,
    folder_under,
    text_block,
)
from bridges.model import BridgesModel
from bridges.config import config_groups
from bridges.invocation import command_beside
from bridges.mesa_api import KEEP, params_from_keywords
from bridges.model.metrics import OUTCOMES
from bridges.model.state import ARRIVING
from bridges.scenarios.compare import BASELINE, DEFINITIONS, HEADLINE, OUTCOME_TITLES, plot_cost_effect, plot_effects

logging.getLogger("MESA").setLevel(logging.WARNING)

PLAY_INTERVAL_MS = 10
"""Pause between weeks while playing [ms]; each week is drawn before the next (Mesa's Render Interval skips weeks)."""
COMPARE_ROOT = Path("outputs/compare")
COMMAND = command_beside(__file__)
"""How the page names the command line in its hints: `python run.py` in a checkout, `bridges` installed."""

DEFAULTS = params_from_keywords()
INTERVENTION_TYPES = config_groups()["intervention"]
DOSE_DEFAULTS = params_from_keywords(**{f"interventions.{name}": True for name in INTERVENTION_TYPES}).interventions

DOSES = {
    "volunteering": ("delivery.coverage", "share volunteering", 0.0, 0.2, 0.01),
    "co_creation": ("delivery.group_size", "group size", 5, 16, 1),
    "mhpss": ("delivery.end_week", "weeks", 1, 52, 1),
    "information": ("delivery.coverage", "reach", 0.0, 1.0, 0.05),
    "structural": ("delivery.coverage", "reach", 0.0, 1.0, 0.05),
    "anti_discrimination": ("delivery.coverage", "share trained", 0.0, 1.0, 0.05),
    "coordination": ("effect.reach", "reach boost", 0.0, 1.0, 0.05),
}
"""Each intervention's main dose on the page: (config key under interventions.<type>, label, min, max, step).
Volunteering: share of eligible receiving members who volunteer; co-creation: members per group; MHPSS:
last week of weekly sessions (from week 1); information, structural: share of their target group
reached; anti-discrimination: share of employed receiving members trained; coordination: relative rise
of the other programmes' coverage and capacity. Capacities stay as configured."""

LABELS = {
    "volunteering": "Volunteering (buddy pairs)",
    "co_creation": "Co-creation groups",
    "mhpss": "MHPSS (psychosocial support)",
    "information": "Information campaign",
    "structural": "Structural support (jobs, legal status)",
    "anti_discrimination": "Anti-discrimination training",
    "coordination": "Coordination of the programmes",
}
"""Each intervention type's name on the page (conf/intervention/<type>.yaml's first line, shortened)."""


def label(name: str) -> str:
    """A type's name on the page; a name not in LABELS (a type of your own) with its underscores as spaces."""
    return LABELS.get(name, name.replace("_", " "))


def dose(config, key: str):
    """An intervention's dose `key` ("delivery.coverage", "effect.reach", ...) in its parameters."""
    section, field = key.split(".")
    values = getattr(config, section)  # delivery: checked dataclass; effect: the kind's mapping
    return values[field] if isinstance(values, dict) else getattr(values, field)


def dose_default(name: str, key: str):
    """An intervention's configured dose (conf/intervention/<type>.yaml)."""
    return dose(DOSE_DEFAULTS[name], key)


def intervention_controls() -> dict:
    """A switch and a dose slider per intervention type, the slider right under its switch (so named by its
    dose alone, which leaves the slider room); a switched-off type's dose is ignored."""
    controls = {}
    for name, (key, dose_label, low, high, step) in DOSES.items():
        controls[f"interventions.{name}"] = {"type": "Checkbox", "value": False, "label": label(name)}
        controls[f"interventions.{name}.{key}"] = Slider(dose_label, dose_default(name, key), low, high, step)
    return controls


MODEL_PARAMS = {
    "city": {"type": "Select", "value": "default", "values": config_groups()["city"], "label": "City preset"},
    "n_agents": Slider("Residents", DEFAULTS.city.n_agents, 200, 20000, 100),
    "arriving_share": {"type": "Select", "value": KEEP, "label": "Arriving share",
                       "values": [KEEP, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5]},
    "segregation": {"type": "Select", "value": KEEP, "label": "Segregation (0 even, 1 apart)",
                    "values": [KEEP, *np.round(np.linspace(0, 1, 11), 1).tolist()]},
    "homophily_shift": Slider("Homophily change", 0.0, -0.5, 0.5, 0.05),
    "negativity_weight": Slider("Negativity weight", DEFAULTS.contact.update.negativity_weight, 1.0, 5.0, 0.25),
    "steps": Slider("Weeks", DEFAULTS.steps, 4, 156, 1),
    **intervention_controls(),
    "seed": Slider("Seed", DEFAULTS.seed, 0, 1000, 1),
}
"""The page's controls: BridgesModel keywords (bridges/mesa_api.py); Reset builds a model from them."""


# ---- views of the running model ---------------------------------------------------------------------


def dose_text(name: str, config) -> str:
    """An intervention's name (its type's label when it is named after its type) and its dose as set."""
    key, dose_label = DOSES[config.type][:2]
    shown = label(config.type) if name == config.type else f"{name} ({label(config.type)})"
    return f"{html.escape(shown)}: {html.escape(dose_label)} {dose(config, key):g}"


def money(amount: float, unit: str) -> str:
    """An amount with its currency, if any (a baseline has no programme and so no currency: '0', not '0 ')."""
    return f"{amount:,.0f} {unit}".rstrip()


def Summary(model):
    """The week, the city as built, the interventions and their cost so far, and what the city view shows."""
    p, state = model.params, model.state
    cost = model.datacollector.model_vars["intervention_cost"][-1]
    arriving = int((state.group == ARRIVING).sum())
    homophily = {name: layer.homophily for name, layer in p.city.layers.items() if layer.homophily is not None}
    drawn = min(state.n, DRAWN_RESIDENTS)
    view = ("The city view draws every resident" if drawn == state.n else
            f"{state.n:,} residents are too many to draw: the city view shows a sample of {drawn:,} "
            "(up to half of them arriving, more than their share, so both groups show)")
    text_block(
        f"<b>Week {model.steps} of {p.steps}</b>{' (finished: Reset to run again)' if not model.running else ''}",
        f"City <i>{html.escape(p.city.name)}</i>: {state.n:,} residents, {arriving:,} arriving "
        f"({arriving / state.n:.1%}); segregation {p.city.segregation:g}; homophily "
        + ", ".join(f"{html.escape(name)} {value:.2f}" for name, value in homophily.items())
        + f"; negativity weight {p.contact.update.negativity_weight:g}; seed {p.seed}.",
        "Interventions: " + (", ".join(dose_text(name, config) for name, config in p.interventions.items())
                             or "none (baseline)")
        + f"; cost so far <b>{html.escape(money(cost, currency(model)))}</b>.",
        f"{view}. Residents sit in their neighbourhood's square, near their household; grey lines are ties "
        "between drawn residents, green lines cross-group friendships; darker = warmer attitude toward the "
        "other group.",
        controls_text(model))


def controls_text(model) -> str:
    """What the controls do: the city preset picks the surveyed site and its people; the other sliders change
    that world from week 0 for people whose views formed in the site as surveyed (model/reference.py)."""
    changes = model.reference_summary()["world_changes"]
    changed = (", ".join(html.escape(key) for key in changes) if changes else "nothing (the site as surveyed)")
    return ("Controls apply on Reset. The city preset is the surveyed site; residents' views were formed there. "
            "The other sliders change the world from week 0 for these same people, so a worse setting lowers "
            f"attitudes from the surveyed level (changed from the site now: {changed}).")




model = BridgesModel(seed=DEFAULTS.seed)  # the controls' seed (a model without one gets a fresh seed)
components = [Summary, CityView, AttitudePlot, ContactPlot, FriendshipPlot, MisperceptionPlot, CostView]


@solara.component
def Simulation():
    PageStyle()
    SolaraViz(model, components=components, model_params=MODEL_PARAMS, name="Bridges: intergroup contact in a city",
              play_interval=PLAY_INTERVAL_MS, use_threads=False)


# ---- the planner's page: a finished comparison --------------------------------------------------------
COMPARISON_FILES = ("effects_over_time.csv", "cost.csv")
OUTCOME_NAMES = {OUTCOME_TITLES.get(name, name): name for name in OUTCOMES}
"""The Planner's outcome choices: each outcome's title (with its unit) -> its name in the comparison's files."""


def comparison_folders(root: Path = COMPARE_ROOT) -> list[str]:
    """Comparison folders under outputs/compare/, newest first."""
    found = [path.parent for path in root.glob("*/*/effects_over_time.csv")]
    return [str(path) for path in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)]


def planner_folder(folder: str, root: Path = COMPARE_ROOT) -> Path:
    """The comparison folder asked for, if it lies under the project's outputs/compare/ (folder_under)."""
    return folder_under(folder, root, "comparison", "planner")


def load_comparison(folder: str, root: Path = COMPARE_ROOT) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(effects over time, cost) of a comparison folder under `root`; ValueError names a missing file or
    column."""
    path = planner_folder(folder, root)
    tables = []
    for name, columns in zip(COMPARISON_FILES, (["scenario", "outcome", "step", "estimate", "ci_low", "ci_high"],
                                                ["scenario", "currency", "total_cost"])):
        if not (path / name).is_file():
            raise ValueError(f"{folder}/{name}: missing (write a comparison with {COMMAND} --config-name compare)")
        table = pd.read_csv(path / name)
        missing = [column for column in columns if column not in table.columns]
        if missing:
            raise ValueError(f"{folder}/{name}, column {missing[0]}: missing")
        tables.append(table)
    effects, cost = tables
    return effects, cost.assign(currency=cost.currency.fillna(""))  # baseline spends nothing, in no currency


def figure_png(plot, *tables) -> bytes:
    """A comparison report's plot (scenarios/compare.py) as PNG bytes."""
    buffer = io.BytesIO()
    plot(*tables, buffer)
    return buffer.getvalue()


TABLE_STYLE = "<style>.bridges-table td, .bridges-table th {padding: 2px 10px; text-align: right}</style>"


def html_table(frame: pd.DataFrame) -> str:
    """A table as escaped HTML."""
    return TABLE_STYLE + frame.to_html(index=False, escape=True, classes="bridges-table", border=0)


def effects_table(final: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Each scenario's effect on one outcome at the final week, with its 95% interval, largest first."""
    rows = final[(final.outcome == outcome) & (final.scenario != BASELINE)].sort_values("estimate", ascending=False)
    verdict = np.where(rows.ci_low > 0, "raises it", np.where(rows.ci_high < 0, "lowers it", "no clear effect"))
    return pd.DataFrame({"scenario": rows.scenario, f"effect on {OUTCOME_TITLES.get(outcome, outcome)}":
                         rows.estimate.map("{:+.3f}".format),
                         "95% interval": [f"{low:+.3f} to {high:+.3f}" for low, high in zip(rows.ci_low, rows.ci_high)],
                         "verdict": verdict})


COST_COLUMNS = {"total_cost": "total cost", "participants": "participants",
                "cost_per_participant": "cost per participant",
                "cost_per_person_point_attitude_receiving": "cost per person-point: receiving members' attitude",
                "cost_per_person_point_attitude_arriving": "cost per person-point: arriving members' attitude",
                "cost_per_new_friendship": "cost per new friendship"}
"""cost.csv's columns on the page, named as in report.md (scenarios/compare.py DEFINITIONS)."""
COST_TERMS = ("participants", "cost per participant", "person-points", "cost per person-point",
              "cost per new friendship")
"""The definitions shown under the cost table."""


def cost_table(cost: pd.DataFrame) -> pd.DataFrame:
    """Mean cost per scenario and per unit of effect ('-' where the effect is not a gain)."""
    rows = cost[cost.scenario != BASELINE]
    table = {"scenario": rows.scenario}
    for column, heading in COST_COLUMNS.items():
        if column == "participants" and column in rows:
            table[heading] = [f"{value:,.0f}" for value in rows[column]]
        elif column in rows:
            table[heading] = ["-" if pd.isna(value) else f"{value:,.0f} {unit}"
                              for value, unit in zip(rows[column], rows.currency)]
    return pd.DataFrame(table)


def definitions_text() -> str:
    """The cost measures' one-line definitions, as report.md gives them."""
    return "<br>".join(f"<b>{html.escape(term)}</b>: {html.escape(DEFINITIONS[term])}" for term in COST_TERMS)


def comparison_view(folder: str, root: Path = COMPARE_ROOT) -> dict:
    """What the planner's page shows for a folder: its tables and report plots, or the problem."""
    if not folder:
        return {"info": "No comparison folder yet."}
    try:
        effects, cost = load_comparison(folder, root)
        final = effects[effects.step == effects.step.max()]
        return {"effects": effects, "cost": cost, "final": final,
                "cost_effect_png": figure_png(plot_cost_effect, cost, final),
                "effects_png": figure_png(plot_effects, effects)}
    except ValueError as error:
        return {"error": str(error)}
    except Exception as error:  # a malformed file: one friendly line, never a traceback in the browser
        return {"error": f"{folder[:200]}: not a readable comparison ({type(error).__name__}); rewrite it with "
                         f"{COMMAND} --config-name compare"}


def default_folder(folders: list[str], root: Path = COMPARE_ROOT) -> str:
    """The newest comparison that can be read (a malformed newest folder must not hide the others)."""
    return next((folder for folder in folders if "error" not in comparison_view(folder, root)), "")


@solara.component
def Planner():
    """Effects against baseline with 95% intervals, and what they cost, from a comparison folder."""
    folders = solara.use_memo(comparison_folders, [])
    folder = solara.use_reactive(solara.use_memo(lambda: default_folder(folders), [folders]))
    title = solara.use_reactive(OUTCOME_TITLES[HEADLINE])  # the outcome chosen, by its title
    outcome = OUTCOME_NAMES.get(title.value, HEADLINE)
    view = solara.use_memo(lambda: comparison_view(folder.value), [folder.value])
    with solara.Column(style={"padding": "16px", "max-width": "1200px"}):
        if folder_chooser("Planner: a finished scenario comparison",
                          f"Write one with <code>{COMMAND} --config-name compare "
                          "compare.scenarios=[baseline,volunteering,co_creation]</code>; its folder (under "
                          "<code>outputs/compare/</code>) holds the effects and costs shown here.",
                          "Comparison folder", folder, folders, "Recent comparisons", view):
            solara.Select("Outcome", value=title, values=list(OUTCOME_NAMES))
            solara.HTML(tag="h3", unsafe_innerHTML=f"Effects at the final week (week {int(view['effects'].step.max())})")
            text_block("Difference from baseline on common random numbers: mean and 95% interval over replicates.")
            solara.HTML(tag="div", unsafe_innerHTML=html_table(effects_table(view["final"], outcome)))
            solara.Image(view["cost_effect_png"])
            solara.HTML(tag="h3", unsafe_innerHTML="Cost-effectiveness (mean over replicates)")
            solara.HTML(tag="div", unsafe_innerHTML=html_table(cost_table(view["cost"])))
            text_block(definitions_text())
            solara.Image(view["effects_png"])


# ---- the design page: a finished design study (scenarios/design_report.py) ----------------------------
DESIGN_ROOT = Path("outputs") / "design"
DESIGN_TABLES = {"pareto.csv": "Pareto front (mean over seeds in the study's own world)",
                 "robustness.csv": "Robustness: regret across states of the world (first row: the robust choice)",
                 "boxes.csv": "Where the chosen design fails (PRIM boxes)"}


def design_folders(root: Path = DESIGN_ROOT) -> list[str]:
    """Design study folders under outputs/design/ with a report, newest first."""
    found = [path.parent for path in root.glob("*/report.md")]
    return [str(path) for path in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)]


def design_view(folder: str) -> dict:
    """What the design page shows for a study folder: its recommendation, plots and tables, or the problem."""
    if not folder:
        return {"info": "No design study folder yet."}
    path = Path(folder).expanduser()
    if not (path / "report.md").is_file():
        return {"error": f"{path / 'report.md'}: missing (run a study with {COMMAND} --config-name design)"}
    report = (path / "report.md").read_text(encoding="utf-8")
    section = report.split("## Recommendation", 1)[-1].split("\n## ", 1)[0].strip()
    tables = {}
    for name, title in DESIGN_TABLES.items():
        try:
            tables[title] = pd.read_csv(path / name)
        except (FileNotFoundError, pd.errors.EmptyDataError, pd.errors.ParserError):
            continue
    images = [(path / name).read_bytes() for name in ("pareto.png", "regret.png") if (path / name).is_file()]
    return {"recommendation": section, "tables": tables, "images": images}


def design_page_view(folder: str, root: Path = DESIGN_ROOT) -> dict:
    """design_view of a folder under the project's outputs/design/ (folder_under: like the planner, the page
    reads nothing elsewhere); a folder it cannot read is one line, never a traceback in the browser."""
    if not folder:
        return design_view(folder)
    try:
        path = folder_under(folder, root, "design study", "design page")
    except ValueError as error:
        return {"error": str(error)}
    try:
        return design_view(str(path))
    except Exception as error:  # an unreadable report or picture: one friendly line
        return {"error": f"{folder[:200]}: not a readable design study ({type(error).__name__}); rerun it with "
                         f"{COMMAND} --config-name design"}


@solara.component
def Design():
    """A design study's recommendation, Pareto front, robustness table and failure boxes."""
    folders = solara.use_memo(design_folders, [])
    folder = solara.use_reactive(folders[0] if folders else "")
    view = solara.use_memo(lambda: design_page_view(folder.value), [folder.value])
    with solara.Column(style={"padding": "16px", "max-width": "1200px"}):
        if folder_chooser("Design: a finished design study",
                          f"Run one with <code>{COMMAND} --config-name design "
                          "design.study=germany_three_levers</code>; its folder (under <code>outputs/design/</code>) "
                          "holds what is shown here (docs/design.md).",
                          "Design study folder", folder, folders, "Recent studies", view):
            solara.Markdown(view["recommendation"])
            for image in view["images"]:
                solara.Image(image)
            for title, table in view["tables"].items():
                solara.HTML(tag="h3", unsafe_innerHTML=title)
                solara.HTML(tag="div", unsafe_innerHTML=html_table(table))


routes = [
    solara.Route(path="/", component=Simulation, label="Simulation"),
    solara.Route(path="planner", component=Planner, label="Planner"),
    solara.Route(path="design", component=Design, label="Design"),
]
