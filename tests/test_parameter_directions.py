"""Each parameter of the directions table (scenarios/directions.yaml, docs/model.md 7.22) moves each outcome
the way the table says, with the reference world on (`dynamics.reference=site`, the default): the raised
value and the default run on the same seeds, the same city and the same reference world, so the per-seed
difference is the parameter's effect from week 0 plus little noise.

Tolerance (tests/paired.py): the mean paired difference over 8 seeds must exceed 3 standard errors of the
paired differences, P(t_7 > 3) = 0.01 under no effect; cells where the table claims no direction (0) are not
tested. An entry with `replicates` (a small effect that is real: its `why` gives the figures) runs that many
paired seeds instead, with the same 3 SE bar (P(t_{n-1} > 3) under no effect: 0.0045 at 16 seeds, 0.0032 at
24). The city is tests/paired.py's (1,000 residents, 8 neighbourhoods) run for 52 weeks: each run takes about
0.4 s, 28 arms x 8 seeds and about 65 runs more for `replicates` about 135 s, so the file is in the slow tier.
"""

import pytest

from bridges.scenarios.directions import COLUMNS, load_directions
from tests.paired import CITY, SEEDS, Replicates, assert_paired_effect, paired_differences

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


def test_an_entry_may_run_more_seeds_and_says_why():
    """`replicates` is read per entry (else the test's 8) and a bad one is refused naming the entry."""
    entry = "x:\n  key: a.b\n  test_value: 1\n  attitude: +/+\n  anxiety: 0/0\n  contact: 0/0\n  friendships: 0/0\n  source: s\n"
    assert load_directions(entry)[0].replicates is None
    assert load_directions(entry + "  replicates: 24\n")[0].replicates == 24
    for bad in ("1", "true", "2.5", "many"):
        with pytest.raises(ValueError, match="x.replicates"):
            load_directions(entry + f"  replicates: {bad}\n")
    assert all(d.why for d in DIRECTIONS if d.replicates is not None)


@pytest.mark.parametrize("direction, column, group", CELLS,
                         ids=[f"{d.name}-{column}-{group}" for d, column, group in CELLS])
def test_raising_a_parameter_moves_the_outcome_as_the_table_says(direction, column, group, year_runs):
    seeds = SEEDS if direction.replicates is None else tuple(range(direction.replicates))
    raised = year_runs.arm(f"{direction.key}={direction.test_value!r}", seeds=seeds)
    differences = paired_differences(raised, year_runs.arm(seeds=seeds), outcome(column, group))
    assert_paired_effect(differences, direction.model[(column, group)],
                         f"{direction.key}={direction.test_value:g} - default, {group} {column}")  # > 3 SE
