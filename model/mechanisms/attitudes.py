"""Attitudes after direct contact: attitude, anxiety and trust move with the week's weighted positive and
negative encounters; with `contact.negativity` on, on the log-odds with a negativity weight buffered by
recent positive contact.

Parameters: `contact.update`, `contact.susceptibility`, `contact.negativity`; rules in
model/rules/contact.py and negativity.py.
"""

from dataclasses import dataclass, field

from bridges.model import kernels
from bridges.model.mechanisms.base import ALL, Key, Mechanism, Metric, Phase, Rows, StateVar, member_values
from bridges.model.ranges import GROUPS, MAX_WEIGHT, MULTIPLIER, POSITIVE, THERMOMETER_MAX, UNIT, bounded, per_group
from bridges.model.rules import contact as contact_rules
from bridges.model.rules import negativity as negativity_rules


@dataclass(frozen=True)
class UpdateParams:
    """Per-encounter steps of attitude, anxiety and trust, and the negativity asymmetry."""

    attitude_step: float = field(metadata=UNIT)
    anxiety_step: float = field(metadata=UNIT)
    trust_step: float = field(metadata=UNIT)
    negativity_weight: float = field(metadata=MULTIPLIER)


@dataclass(frozen=True)
class NegativityParams:
    """Consistent negativity asymmetry, buffered by past positive contact."""

    enabled: bool
    buffer_half: float = field(metadata=POSITIVE)
    memory: float = field(metadata=UNIT)


COMPILED = "bridges.model.rules.negativity_compiled"
"""The module of this mechanism's compiled kernels (model/kernels.py)."""


def update_attitudes(model, who=ALL) -> None:
    """Attitude, anxiety and trust of the residents `who` (everyone; one resident in the agents engine) move
    with the week's positive and negative contact; with `contact.negativity` on, on the log-odds with a
    negativity weight buffered by recent positive contact."""
    state, week, contact = model.state, model.week, model.params.contact
    over_rows = isinstance(who, slice) and who.step is None and contact.negativity.enabled
    compiled = kernels.load(COMPILED, state.n) if over_rows else None
    if compiled is not None:  # the same rules compiled over the rows (model/rules/negativity_compiled.py)
        compiled.update(state, week.positive_weighted, week.negative_weighted,
                        tuple(float(contact.susceptibility[label]) for label in GROUPS), contact.update,
                        contact.negativity, THERMOMETER_MAX, *who.indices(state.n)[:2])
        return
    susceptibility = per_group(contact.susceptibility, state.group[who])
    if not contact.negativity.enabled:
        state.attitude[who], state.anxiety[who], state.trust[who] = contact_rules.update_views(
            state.attitude[who], state.anxiety[who], state.trust[who], week.positive_weighted[who],
            week.negative_weighted[who], susceptibility, contact.update, THERMOMETER_MAX)
        return
    state.attitude[who], state.anxiety[who], state.trust[who] = negativity_rules.log_odds_views(
        state.attitude[who], state.anxiety[who], state.trust[who], week.positive_weighted[who],
        week.negative_weighted[who], susceptibility, state.positive_history[who], contact.update, contact.negativity,
        THERMOMETER_MAX)


MECHANISM = Mechanism(
    name="attitudes",
    after="partners",
    params=("contact.update", "contact.susceptibility", "contact.negativity"),
    parameters={"contact.update": UpdateParams, "contact.negativity": NegativityParams,
                "contact.susceptibility": Key(dict[str, float], {**bounded(0.0, MAX_WEIGHT, "x", "a hundredfold is far "
                                                                           "beyond any plausible effect"),
                                                                 "per_group": True})},
    state=(
        StateVar("attitude", "float64", "drawn per group (city.groups.<group>.attitude)"),
        StateVar("anxiety", "float64", "drawn per group (city.groups.<group>.anxiety)"),
        StateVar("trust", "float64", "drawn per group (city.groups.<group>.trust)"),
    ),
    phases=(
        Phase(
            update_attitudes,
            reads=("state.group", "state.attitude", "state.anxiety", "state.trust", "state.positive_history",
                   "week.positive_weighted", "week.negative_weighted"),
            writes=("state.attitude", "state.anxiety", "state.trust"),
            steps=(Rows(update_attitudes, blocks=True),)),
    ),
    metrics=(
        Metric("attitude_mean", member_values("attitude"), everyone=lambda state: state.attitude.mean(), rank=1),
        Metric("anxiety_mean", member_values("anxiety"), rank=2),
        Metric("trust_mean", member_values("trust"), rank=3),
    ),
)
