"""Each parameter of the directions table (scenarios/directions.yaml, docs/model.md 7.22) moves each outcome
the way the table says, with the reference world on (`dynamics.reference=site`, the default): the raised
value and the default run on the same seeds, the same city and the same reference world, so the per-seed
difference is the parameter's effect from week 0 plus little noise.

Tolerance (tests/paired.py): the mean paired difference over 8 seeds must exceed 3 standard errors of the
paired differences, P(t_7 > 3) = 0.01 under no effect; cells where the table claims no direction (0) are not
tested. The city is tests/paired.py's (1,000 residents, 8 neighbourhoods) run for 52 weeks: each run takes
about 0.4 s, 24 arms x 8 seeds about 80 s, so the file is in the slow tier.
"""

import pytest

from bridges.scenarios.directions import COLUMNS, load_directions
from tests.paired import CITY, Replicates, assert_paired_effect, paired_differences

pytestmark = pytest.mark.slow
YEAR = (*(o for o in CITY if not o.startswith("steps=")), "steps=52")
DIRECTIONS = load_directions()
CELLS = [(d, column, group) for d in DIRECTIONS for (column, group), sign in d.model.items() if sign != 0]


@pytest.fixture(scope="module")
def year_runs() -> Replicates:
    return Replicates(*YEAR)


def outcome(column: str, group: str):
    metric, read = COLUMNS[column]
    return (lambda run: run.final(group, metric)) if read == "final" else (lambda run: run.weekly_mean(group, metric))


def test_the_table_covers_enough_parameters_and_every_cell():
    assert len(DIRECTIONS) >= 15
    assert all(len(d.expected) == len(d.model) == 2 * len(COLUMNS) for d in DIRECTIONS)


@pytest.mark.parametrize("direction, column, group", CELLS,
                         ids=[f"{d.name}-{column}-{group}" for d, column, group in CELLS])
def test_raising_a_parameter_moves_the_outcome_as_the_table_says(direction, column, group, year_runs):
    raised = year_runs.arm(f"{direction.key}={direction.test_value!r}")
    differences = paired_differences(raised, year_runs.arm(), outcome(column, group))
    assert_paired_effect(differences, direction.model[(column, group)],
                         f"{direction.key}={direction.test_value:g} - default, {group} {column}")  # > 3 SE, 8 seeds
