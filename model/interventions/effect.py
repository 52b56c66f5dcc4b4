"""What every effect shares: its parameters, the streams it draws from, and the hooks a programme calls.

An effect is what taking part does; it knows nothing of how people were enrolled, so any effect can
ride on any delivery (model/interventions/delivery.py). Each effect's arithmetic is a pure function in
the effect's own file.
"""

import numpy as np

from bridges.model.schema import build
from bridges.model.ties import ContactBlock


class Effect:
    """Hooks: `check` (against the rest of the configuration), `start` (once, after enrolment),
    `apply` (every active week, and once more the week after the end with nobody enrolled), `after_end`
    (every later week) and `contact_blocks` (ties it creates).

    An effect changes the model only through its `levers`: the state fields (`state.X`) and fields of the
    city's ties (`block.X`) it declares, reached with `lever`, plus `blocks` if it adds contact blocks (whose
    fields `block.X` it also names). The programmes phase declares their union (model/mechanisms/programmes.py),
    so tests/test_step_plan.py catches an undeclared write."""

    kind: str | None = None  # the `effect.kind` naming it in a scenario; programme.py finds every Effect with one
    Params = None  # dataclass of the effect's parameters
    levers: tuple[str, ...] = ()  # what it may change (see above)
    needs_pairs = False  # True if the effect acts on the pairs a delivery brings together

    def __init__(self, name: str, params: dict):
        self.name = name
        self.params = build(self.Params, params, f"interventions.{name}.effect")

    def stream(self, decision: str) -> str:
        return f"intervention.{self.name}.{decision}"

    def lever(self, model, name: str) -> np.ndarray:
        """The array behind one of the effect's declared levers (`state.X`, or `block.X` of the city's ties),
        to change in place; RuntimeError for a lever it did not declare."""
        if name not in self.levers:
            raise RuntimeError(f"effect {self.kind!r} changes {name} without declaring it in its levers "
                               f"({', '.join(self.levers) or 'none'})")
        where, field_name = name.split(".", 1)
        return getattr(model.state if where == "state" else model.ties, field_name)

    def check(self, params) -> None:
        """Raise InputError if the effect does not fit the rest of the configuration."""

    def start(self, model, delivery) -> None:
        """Set up after enrolment (e.g. the ties between the delivery's pairs)."""

    def apply(self, model, enrolled: np.ndarray, session: bool) -> None:
        """This week's effect on those enrolled."""

    def after_end(self, model) -> None:
        """Every week after the programme's last (the week after the end is `apply`'s): what outlives it."""

    def contact_blocks(self) -> list[ContactBlock]:
        return []
