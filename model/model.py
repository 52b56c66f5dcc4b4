"""BridgesModel: a Mesa model whose state is a struct of arrays and whose step is STEP_ORDER."""

from dataclasses import dataclass, replace
from functools import cache

import mesa
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from bridges.model import kernels
from bridges.model.agents import Resident, run_agents_week
from bridges.model.city import City
from bridges.model.city_source import make_city
from bridges.model.interventions import build_interventions
from bridges.model.interventions.programme import Programme
from bridges.model.collector import make_datacollector
from bridges.model.metrics import group_metrics, setting_tally
from bridges.model.params import ENGINES, Params
from bridges.model import reference as reference_world
from bridges.model.rules.friendship import friend_counts, friendship_matrix
from bridges.model.ranges import ARRIVING
from bridges.model.state import STATIC_FIELDS, State, initial_state
from bridges.model.rules.norms import disposition as norm_disposition
from bridges.model.rules.norms import group_means
from bridges.model.rules import people as people_rules
from bridges.model.rules import turnover as turnover_rules
from bridges.model.mechanisms.base import PUBLIC, VIEW_RANGES, VIEWS, GroupIndex
from bridges.model.step import STEP_ORDER, initial_perceptions, run_history_week, run_week
from bridges.model.streams import Streams
from bridges.model.threads import Threads, release_free_memory
from bridges.model.ties import NETWORK, ContactBlock
from bridges.model.tables import agent_table
from bridges.model.survey import DTYPES, PEOPLE_KEYS, SURVEY_COLUMNS, field_survey

WARMUP_WEEK_OFFSET = 1_000_000
"""Warm-up weeks are numbered from here (offset + 1, ...), so their random draws, keyed by week, are
none of the run's."""

SETTLE_WEEK_OFFSET = 2_000_000
"""Weeks of the contact history before the survey (`settle_history`) are numbered from here."""
SURVEYED_FIELDS = ("attitude", "anxiety", "trust", "distress", "belonging", "language", "employed", "studying",
                   "legal_pending", "family_pending", "belief_education", "belief_employment", "belief_welfare")
"""Person-level states the survey measures: held at their surveyed values while the contact history builds."""


class RunFinished(RuntimeError):
    """`step()` was called after the configured weeks (`params.steps`)."""


@dataclass
class Week:
    """This week's per-person contact totals, overwritten every step."""

    positive: np.ndarray | None = None  # raw counts
    negative: np.ndarray | None = None
    positive_weighted: np.ndarray | None = None  # friend encounters weighted
    negative_weighted: np.ndarray | None = None


HISTORY_TIE_FIELDS = ("strength", "friend", "met")
"""Fields of the city's ties that the contact history builds."""


def settle(params: Params) -> reference_world.Settled:
    """The spin-up of `params` as its own reference (a model built and settled, no warm-up or programme):
    what `adopt_reference` hands a run whose reference it is."""
    own = replace(params, site=None, warmup_weeks=0, interventions={},
                  dynamics=replace(params.dynamics, reference="self"))
    return settled_spin_up(BridgesModel(own))


def settled_spin_up(model: "BridgesModel") -> reference_world.Settled:
    """What a settled model's spin-up left (state and tie fields only if a history ran), as kept for reuse."""
    ran = bool(model.usual_change) or model.params.dynamics.turnover.enabled
    state = {name: getattr(model.state, name).copy() for name in State.field_names()
             if name not in STATIC_FIELDS} if ran else {}
    ties = {name: getattr(model.ties, name).copy() for name in HISTORY_TIE_FIELDS} if ran else {}
    for array in (*model.usual_change.values(), *state.values(), *ties.values()):
        array.flags.writeable = False  # shared by every run that takes it
    return reference_world.Settled(model.usual_change, model.params.dynamics.norms.rate, model.turnover_rate,
                                   dict(model.newcomer), state, ties)


@cache
def use_one_blas_thread() -> None:
    """Limit BLAS to one thread in this process, once. The week's only matrix product is small (ties x 4
    conditions), and idle OpenBLAS threads spin on the core a parallel replicate could use."""
    threadpool_limits(1, user_api="blas")


def apply_node_attributes(state: State, city: City) -> None:
    """Attributes given in a user network (employed, language, education) replace the drawn ones."""
    for name, (residents, values) in city.given.items():
        getattr(state, name)[residents] = values


def local_arriving_share(state: State) -> np.ndarray:
    """Share of arriving members among each neighbourhood's residents (index: neighbourhood)."""
    residents = np.bincount(state.neighbourhood)
    arriving = np.bincount(state.neighbourhood, weights=state.group == ARRIVING, minlength=len(residents))
    return arriving / np.maximum(residents, 1)


class BridgesModel(mesa.Model):
    """Arriving and receiving residents of a networked city whose views change through contact.

    Build it from validated parameters, `BridgesModel(params)` (optionally with a prebuilt `City`), or the way Mesa's
    tools do, with keywords: `BridgesModel(city="sweden", n_agents=2000, rng=3)` (see bridges/mesa_api.py; without `rng`
    or `seed` a fresh seed, recorded in `params.seed`). `engine="agents"` (or the config key `engine: agents`) runs the
    idiomatic Mesa reference engine. `running` turns false after `params.steps` weeks, so `run_model()` and
    `mesa.batch_run` stop there; a `step()` after that raises RunFinished rather than stepping past the configured run.

    Construction runs three named stages: `build_world` (city, people, ties, programmes), `spin_up` (the contact history
    from the reference world and any warm-up weeks, all before week 0) and `first_records` (week 0's metrics and
    survey). To run a configuration through its weeks use `run(params)` (model/simulation.py).
    """

    ENGINES = ENGINES
    """How a week runs (the config key `engine`): "vectorised" (model/step.py, over arrays) or "agents"
    (model/agents.py, the idiomatic Mesa reference: residents step through AgentSet methods in random order)."""

    agent_reporters: dict = {}
    """Agent reporters of `self.datacollector` (a subclass may set e.g. {"attitude": "attitude"});
    none by default, so collecting stays vectorised."""

    def __init__(self, params: Params | None = None, city: City | str | None = None, *, engine: str | None = None,
                 threads: int | None = None, rng=None, weekly_metrics: bool = True, **settings):
        if params is None:  # keywords, composed from conf/ by the application layer (Hydra), loaded only here
            from bridges.mesa_api import model_arguments

            params, city = model_arguments(city, rng, settings)
        elif settings or rng is not None or isinstance(city, str):
            raise TypeError("BridgesModel: give either params (and a City) or keyword parameters, not both")
        if engine is not None and engine != params.engine:
            if engine not in self.ENGINES:
                raise ValueError(f"engine: {engine!r} is not one of {', '.join(self.ENGINES)}")
            params = replace(params, engine=engine)  # the parameters record the engine that runs
        engine = params.engine
        kernels.count_run()  # `auto` compiles the week's rules in a process of many runs (model/kernels.py)
        use_one_blas_thread()
        workers = Threads(threads)
        streams = Streams(params.seed, workers)
        super().__init__(rng=streams.generator("mesa"))
        self.threads = workers
        """Worker threads of large array work (`run.threads`, model/threads.py), shut down after construction."""
        self.step = self.finished_guard(self.step)
        self.follow_up_weeks = 0
        """Weeks asked for after the configured run (`follow_up`)."""
        self.weekly_metrics = weekly_metrics
        """Whether the weekly metrics (`records`, the timeseries) and the DataCollector's rows are made: a caller
        that reads only the survey (calibration) turns them off, and nothing else changes."""
        self.params = params
        self.engine = engine
        self.streams = streams
        try:
            self.build_world(city)
            release_free_memory(params.city.n_agents)  # the world's freed temporaries, before the history weeks' own
            self.spin_up()
            release_free_memory(params.city.n_agents)  # the history's held copies, before week 0's records
            self.first_records()
        finally:
            workers.close()
            release_free_memory(params.city.n_agents)

    def build_world(self, city: City | None) -> None:
        """Stage 1 of construction: the city (read, generated, or the prebuilt `city`), its residents' state
        drawn from the surveyed distributions, their ties, friendships and programmes, and empty records."""
        params, streams = self.params, self.streams
        self.city = city if city is not None else make_city(params, streams)
        self.state = initial_state(params.city, self.city, streams)
        apply_node_attributes(self.state, self.city)
        self.job_finding_rate = people_rules.job_finding_rate(params)
        self.local_arriving_share = local_arriving_share(self.state)
        self.public: ContactBlock | None = None  # this week's incidental encounters (model/step.py)
        self.ties = self._intergroup_ties()
        self.interventions = build_interventions(params, self.state.n)
        self.ingroup_friends = self.ingroup_friend_count = None  # with attitude homophily on, its start chooses
        if not params.dynamics.attitude_homophily.enabled:  # them before anything reads them: not built twice
            self.ingroup_friends = self._ingroup_friendships()
            self.ingroup_friend_count = friend_counts(self.ingroup_friends)
        self.week = Week()
        self.phase_seconds = dict.fromkeys((phase.__name__ for phase in STEP_ORDER), 0.0)
        """Cumulative wall time per phase [s]: the run's profile."""
        initial_perceptions(self)
        self.records: list[tuple[int, str, str, float]] = []
        self.survey_waves: list[pd.DataFrame] = []
        self.setting_counts: dict[tuple[str, str], np.ndarray] = {}
        """(kind, setting) -> [encounters, positive, negative] summed over the run (see tally_settings)."""
        self._residents_created = False
        self.turnover_rate = 0.0
        """Weekly chance an arriving member moves on (dynamics.turnover; 0 when off): see `settle_turnover`."""
        self.newcomer: dict[str, float] = {}
        """What a newcomer brings (legal, family, course and work shares, language level): `settle_turnover`."""
        self.usual_change: dict[str, np.ndarray] = {}
        """Each view's usual weekly change per group over the contact history (`settle_history`)."""

    def spin_up(self) -> None:
        """Stage 2: the weeks before week 0. The contact history (`dynamics.disposition.history_weeks`
        weeks, vectorised phases, views held at their surveyed values) comes from the reference world:
        settled here when the run is its own reference (`settle_history`), else the site's world, settled once
        and shared (`adopt_reference`, model/reference.py). Then `warmup_weeks` weeks of the run's own city
        without programmes (`warm_up`). Each restarts the clock: week 0 follows."""
        self.reference = reference_world.reference_params(self.params)
        """The configuration the spin-up comes from: `params` itself, or the site's world (model/reference.py)."""
        if self.reference is self.params:
            self.settle_history()
        else:
            self.adopt_reference()
        self.warm_up(self.params.warmup_weeks)

    def first_records(self) -> None:
        """Stage 3: week 0's metrics (no contact yet this week), its survey wave if due, the DataCollector's first row."""
        self.record_metrics(with_contact=False)
        self.field_survey_if_due()
        self.datacollector = make_datacollector(self, type(self).agent_reporters)
        if self.weekly_metrics:
            self.datacollector.collect(self)

    def settle_history(self) -> None:
        """Run the city's usual contact for `dynamics.disposition.history_weeks` weeks before week 0, without
        programmes, holding every surveyed state at its surveyed value, so tie strengths, friendships,
        meetings, partners, recent contact, discrimination and threat carry a history. Two mechanisms need it:
        dispositions (with norms on), which anchor each view where that contact holds the surveyed view
        (rules/norms.py `disposition`), and turnover, whose newcomers hold the arriving community's surveyed
        livelihoods against their usual change (`settle_turnover`). Clock, records and counts restart after."""
        d, norms = self.params.dynamics.disposition, self.params.dynamics.norms
        anchoring, renewing = d.enabled and norms.enabled, self.params.dynamics.turnover.enabled
        if not (anchoring or renewing):
            return
        key = reference_world.own_history_key(self.params, self.city)
        history = reference_world.kept_in_memory(key)
        if history is not None:
            self.take_spin_up(history, history)
            return
        state = self.state
        starts = getattr(self, "views_at_start", {})  # week 0's copies of the views (norms' start): the same values
        surveyed = {name: starts[name][0] if name in starts else getattr(state, name).copy() for name in SURVEYED_FIELDS}
        change = {name: np.zeros(state.n) for name in (VIEWS if anchoring else ())}  # only what is used below
        encounters = np.zeros(state.n)
        programmes, self.interventions = self.interventions, []
        def hold(rows: slice) -> None:  # these rows' change of each view added up, their surveyed states put back
            for name in change:
                change[name][rows] += getattr(state, name)[rows] - surveyed[name][rows]
            for name, value in surveyed.items():
                getattr(state, name)[rows] = value[rows]
        for week in range(1, d.history_weeks + 1):
            self.steps = SETTLE_WEEK_OFFSET + week
            run_history_week(self)  # the vectorised phases whatever the engine: both start from one history
            if renewing:
                encounters += self.week.positive + self.week.negative
            self.threads.row_blocks(hold, state.n)  # elementwise: row blocks on the threads in a big city
        surveyed.clear()  # before what follows allocates: a big city's peak was here (1M: 13 arrays, 72 MiB)
        if anchoring:
            self.usual_change = {name: group_means(change.pop(name) / d.history_weeks, state.group) for name in VIEWS}
            self.anchor_views(self.usual_change, norms.rate)
        if renewing:
            self.settle_turnover(encounters / d.history_weeks)
        self.interventions = programmes
        self.public = None  # week 0 has no incidental encounters of its own
        self.restart_clock()
        if key is not None:  # a city too big to keep (own_history_key) is not copied for nothing
            reference_world.keep_in_memory(key, settled_spin_up(self))

    def anchor_views(self, usual_change: dict[str, np.ndarray], rate: float) -> None:
        """Each view's anchor in the norm: the disposition that the group's usual weekly change (per group)
        and the norms' `rate` give each person's surveyed view (rules/norms.py `disposition`)."""
        norms = replace(self.params.dynamics.norms, rate=rate)
        for name in VIEWS:
            low, high = VIEW_RANGES[name]
            start, friends_start, neighbourhood_start = self.views_at_start[name]
            anchor = norm_disposition(start, usual_change[name][self.state.group], norms, low, high)
            self.views_at_start[name] = (anchor, friends_start, neighbourhood_start)

    def adopt_reference(self) -> None:
        """The spin-up of the reference world instead of this run's own (model/reference.py): the contact
        history its contact and dynamics leave on this run's network, the view anchors its usual contact
        gives these people, and its turnover rate and newcomer values. The run's own world acts from week 0."""
        reference = reference_world.settled_once(self.reference, settle)
        on_this_network = reference_world.history_params(self.reference, self.params)
        # another network's history is this run's alone (a sensitivity point, a segregation variant): memory only
        history = (reference if on_this_network == self.reference
                   else reference_world.settled_once(on_this_network, settle, on_disk=False))
        self.take_spin_up(reference, history)

    def take_spin_up(self, reference: reference_world.Settled, history: reference_world.Settled) -> None:
        """Start from a settled spin-up: the contact `history` on this run's network (state and tie fields),
        the view anchors, turnover rate and newcomer values of the `reference` spin-up, then week 0."""
        state = self.state
        for name, value in history.state.items():
            if name in SURVEYED_FIELDS and not np.array_equal(getattr(state, name), value, equal_nan=True):
                raise RuntimeError(f"reference world: the history's people differ from the run's in {name}")
            getattr(state, name)[:] = value
        for name, value in history.ties.items():
            getattr(self.ties, name)[:] = value
        if reference.usual_change:
            self.usual_change = reference.usual_change
            self.anchor_views(reference.usual_change, reference.norm_rate)
        self.turnover_rate, self.newcomer = reference.turnover_rate, dict(reference.newcomer)
        self.restart_clock()

    def settle_turnover(self, usual_encounters: np.ndarray) -> None:
        """The turnover rate and what newcomers bring (rules/turnover.py): each livelihood's expected weekly
        change at the surveyed state, with `usual_encounters` a week (the history's mean), averaged over the
        arriving community, sets the newcomer value that holds its mean steady."""
        state, d = self.state, self.params.dynamics
        arriving = state.group == ARRIVING
        if not arriving.any():
            return
        hazard = people_rules.job_finding_hazard(state.language, state.legal_pending, ~state.qualification_recognised,
                                                 self.job_finding_rate, d.employment)
        change = turnover_rules.expected_change(state.legal_pending, state.family_pending, state.studying,
                                                state.employed, state.language, usual_encounters, hazard, d)
        share = np.array([np.mean(getattr(state, name)[arriving]) for name in turnover_rules.LIVELIHOODS])
        usual = np.array([np.mean(change[name][arriving]) for name in turnover_rules.LIVELIHOODS])
        self.turnover_rate = turnover_rules.turnover_rate(d.turnover, share, usual)
        self.newcomer = dict(zip(turnover_rules.LIVELIHOODS,
                                 turnover_rules.newcomer_value(share, usual, self.turnover_rate).tolist()))

    def reference_summary(self) -> dict:
        """Which reference the spin-up came from, for reports: `reference` ("site": the site's world, "self":
        the run's own), the reference configuration's `hash`, and the world keys the run changes from it."""
        own = self.reference is self.params
        return {"reference": "self" if own else "site", "hash": reference_world.digest(self.reference),
                "world_changes": [] if own else reference_world.world_differences(self.params, self.reference)}

    def restart_clock(self) -> None:
        """Week 0 again: no records, survey waves, setting tallies or run contact counts."""
        self.steps = 0
        self.records.clear()
        self.survey_waves.clear()
        self.setting_counts.clear()
        for counts in (self.state.intergroup_contacts, self.state.positive_contacts, self.state.negative_contacts):
            counts[:] = 0

    def warm_up(self, weeks: int) -> None:
        """Run the city `weeks` weeks before week 0 without programmes, then restart the clock, the records
        and the residents' contact counts: week 0 carries a contact history, programmes and outputs start
        after it."""
        if weeks <= 0:
            return
        programmes, self.interventions = self.interventions, []
        for week in range(1, weeks + 1):
            self.steps = WARMUP_WEEK_OFFSET + week  # Mesa's own clock (`time`) is left alone
            self.simulate_week()
        self.interventions = programmes
        self.restart_clock()

    def _create_residents(self) -> None:
        """Create the resident agents (views, see model/agents.py) the first time anything asks for agents.

        The weekly step never needs them, so a batch run at a million residents does not pay for a
        million Python objects; Mesa tools (AgentSet, DataCollector, the dashboard) find them as usual."""
        if not self._residents_created:
            self._residents_created = True
            Resident.create_agents(self, self.state.n, np.arange(self.state.n))

    @property
    def agents(self):
        """All agents (Mesa's AgentSet); residents are created on first use."""
        self._create_residents()
        return super().agents

    @property
    def agents_by_type(self):
        """Agents per type (Mesa's dict of AgentSets); residents are created on first use."""
        self._create_residents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self._create_residents()
        return super().agent_types

    def _intergroup_ties(self) -> ContactBlock:
        """The city's intergroup ties as the 'network' contact block."""
        network, chosen = self.city.network, self.city.network.intergroup
        layer = network.layer[chosen]
        return ContactBlock.new(NETWORK, network.source[chosen].astype(np.int64), network.target[chosen].astype(np.int64),
                                self.city.layer_array("contact_rate")[layer], self.city.conditions()[layer],
                                self.city.needs_employment()[layer], layer=layer)

    def contact_blocks(self) -> list[ContactBlock]:
        """The city's intergroup ties, then every programme's, then this week's incidental encounters."""
        public = [] if self.public is None else [self.public]
        return [self.ties, *(block for i in self.interventions for block in i.contact_blocks()), *public]

    def intervention_costs(self) -> pd.DataFrame:
        """Cost accounting of every intervention so far (one row each)."""
        columns = ["intervention", "type", "currency", "participants", "participant_weeks", "weeks_run",
                   "total_cost", "cost_per_participant"]
        return pd.DataFrame([i.costs() for i in self.interventions], columns=columns)

    def participation(self) -> dict[str, np.ndarray]:
        """Who ever took part in each programme: `took_part_<name>` -> one boolean per resident."""
        return {f"took_part_{i.name}": i.ever_enrolled.copy() for i in self.interventions if isinstance(i, Programme)}

    def _ingroup_friendships(self):
        """Fixed ingroup friendships: all household ties and a share of other ingroup ties."""
        network = self.city.network
        ingroup = self.state.group[network.source] == self.state.group[network.target]
        household_codes = [code for code, name in enumerate(network.layer_names)
                           if self.city.layer_params[name].kind == "household"]
        u = self.streams.uniform("init.ingroup_friends", 0, len(network.source))
        chosen = ingroup & (np.isin(network.layer, household_codes) | (u < self.params.dynamics.friendship.ingroup_share))
        return friendship_matrix(self.state.n, network.source[chosen], network.target[chosen])

    def step(self) -> None:
        """One week: every phase of STEP_ORDER in turn (timed in `phase_seconds`), by the chosen engine.
        Called through Mesa's clock, which `finished_guard` checks first."""
        self.simulate_week()
        if self.weekly_metrics:
            self.datacollector.collect(self)
        self.running = self.steps < self.params.steps

    def follow_up(self, weeks: int) -> None:
        """Run `weeks` weeks after the configured run has ended (a follow-up, e.g. validation's year after a
        programme): the one way past `params.steps`, so a `step()` too many still raises RunFinished."""
        self.follow_up_weeks += weeks
        for _ in range(weeks):
            self.step()

    def finished_guard(self, mesa_step):
        """Mesa's `step` (which advances its clock, then calls `BridgesModel.step`), refusing to run past the
        configured weeks: programmes, survey waves and the outputs are planned for `params.steps` weeks, so
        a week after them is a run nobody configured. It raises RunFinished before the clock moves."""

        def step() -> None:
            if self.steps >= self.params.steps + self.follow_up_weeks:
                raise RunFinished(f"the run has finished: week {self.steps} of steps={self.params.steps} "
                                  "(model.running is False); build the model with more steps (steps=...) to "
                                  "run longer")
            mesa_step()

        return step

    def simulate_week(self) -> None:
        """The week's phases by the chosen engine, and the contact tally by setting."""
        if self.engine == "agents":
            run_agents_week(self)
        else:
            run_week(self)
        self.tally_settings()

    def tally_settings(self) -> None:
        """Add this week's intergroup encounters and their positive and negative experiences (both sides
        counted) to each setting: a city layer, a programme's meetings, or incidental encounters in public
        space (kind "public")."""
        names = self.city.network.layer_names
        for block in self.contact_blocks():
            if block.encounters is None:
                continue
            per_setting = setting_tally(block, len(names))
            if block.layer is None:
                keyed = {("public" if block.name == PUBLIC else "programme", block.name): per_setting[:, 0]}
            else:
                keyed = {("layer", name): per_setting[:, code] for code, name in enumerate(names)}
            for key, values in keyed.items():
                self.setting_counts[key] = self.setting_counts.get(key, 0) + values

    def contact_by_setting(self) -> pd.DataFrame:
        """Where intergroup contact happened over the run: encounters, positive and negative experiences per
        city layer (kind "layer"), programme ("programme") and public space ("public")."""
        rows = [{"kind": kind, "setting": name, "encounters": int(v[0]), "positive": int(v[1]), "negative": int(v[2])}
                for (kind, name), v in self.setting_counts.items()]
        table = pd.DataFrame(rows, columns=["kind", "setting", "encounters", "positive", "negative"])
        experiences = (table.positive + table.negative).where(lambda x: x > 0)
        return table.assign(negative_share=(table.negative / experiences).round(4))

    def record_metrics(self, with_contact: bool, index: GroupIndex | None = None) -> None:
        """Append the current metrics per group (with this week's contact shares if asked), unless the model
        makes no weekly metrics. `index`: each group's members (base.py `group_index`; the record phase
        keeps it in `static_index`), found here when not given."""
        if not self.weekly_metrics:
            return
        week = self.week if with_contact else None
        self.records.extend((self.steps, group, metric, value)
                            for group, metric, value in group_metrics(self.state, week, index, self.threads))

    def field_survey_if_due(self) -> None:
        """Field the virtual survey if this week is a survey week (respondents drawn on stream 'survey')."""
        if self.steps not in self.params.survey.weeks:
            return
        people = {key: getattr(self.state, key) for key in PEOPLE_KEYS if key != "id"} | {"id": np.arange(self.state.n)}
        self.survey_waves.append(field_survey(people, self.steps, self.params.survey,
                                              self.streams.generator("survey", self.steps)))

    def survey_table(self) -> pd.DataFrame:
        """All survey waves so far: one row per respondent (schema in docs/survey_schema.md)."""
        if not self.survey_waves:
            return pd.DataFrame({column: pd.Series(dtype=DTYPES[column]) for column in SURVEY_COLUMNS})
        return pd.concat(self.survey_waves, ignore_index=True)

    def timeseries(self) -> pd.DataFrame:
        """Recorded metrics as a tidy table: step, group, metric, value."""
        return pd.DataFrame(self.records, columns=["step", "group", "metric", "value"])

    def agent_table(self) -> pd.DataFrame:
        """One row per resident with its final state (model/tables.py)."""
        return agent_table(self.state, self.ties, self.participation())
