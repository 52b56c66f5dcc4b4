"""The model's end-of-run table of residents (README.md, "What a run writes": agents.parquet)."""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bridges.model.metrics import misperception_per_person
from bridges.model.ranges import EDUCATION_LEVELS, GROUPS
from bridges.model.state import State
from bridges.model.ties import ContactBlock

LEGAL_STATUS = ("granted", "pending")
"""Labels of `legal_pending` (False, True) in output tables."""


@dataclass(frozen=True)
class Labels:
    """A label column as codes into its names: the strings are `names[codes]`. A writer encodes it from the
    codes (bridges/outputs.py `write_agents`) without a million NumPy strings, nor pandas hashing them back."""

    codes: np.ndarray
    names: tuple[str, ...]

    def strings(self) -> np.ndarray:
        """The labels as NumPy strings."""
        return np.array(self.names)[self.codes]


def agent_table(state: State, ties: ContactBlock, participation: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per resident with its final state; `ties` are the city's intergroup ties (counted per resident),
    `participation` the `took_part_<programme>` columns."""
    return pd.DataFrame(next(agent_columns(state, ties, participation, max(state.n, 1))))


def agent_columns(state: State, ties: ContactBlock, participation: dict[str, np.ndarray],
                  rows: int, codes: bool = False) -> Iterator[dict[str, np.ndarray | Labels]]:
    """The columns of `agent_table`'s consecutive blocks of at most `rows` residents (at least one block), as
    arrays (the labels as NumPy strings, or with `codes` as `Labels`): a writer of row groups never holds the
    whole table (about 400 MB at a million residents), nor, writing Arrow straight from these, a million Python
    strings per label column."""
    s = state
    misperception = misperception_per_person(s)
    intergroup_ties = np.bincount(np.concatenate([ties.source, ties.target]), minlength=s.n)

    def label(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray | Labels:
        return Labels(values, names) if codes else np.array(names)[values]

    for start in range(0, max(s.n, 1), rows):
        block = slice(start, min(start + rows, s.n))
        yield {
            "id": np.arange(block.start, block.stop),
            "group": label(s.group[block], GROUPS),
            "neighbourhood": s.neighbourhood[block],
            "household": s.household[block],
            "workplace": s.workplace[block],
            "has_children": s.has_children[block],
            "attitude": s.attitude[block],
            "anxiety": s.anxiety[block],
            "trust": s.trust[block],
            "distress": s.distress[block],
            "belonging": s.belonging[block],
            "responsibility": s.responsibility[block],
            "language": s.language[block],
            "employed": s.employed[block],
            "studying": s.studying[block],
            "education": label(s.education[block], EDUCATION_LEVELS),
            "qualification_recognised": s.qualification_recognised[block],
            "legal_status": label(s.legal_pending[block].astype(np.int8), LEGAL_STATUS),
            "family_pending": s.family_pending[block],
            "belief_education": s.belief_education[block],
            "belief_employment": s.belief_employment[block],
            "belief_welfare": s.belief_welfare[block],
            "misperception": misperception[block],
            "intergroup_contacts": s.intergroup_contacts[block],
            "positive_contacts": s.positive_contacts[block],
            "negative_contacts": s.negative_contacts[block],
            "recent_encounters": s.recent_encounters[block],
            "outgroup_friends": s.outgroup_friends[block],
            "extended_contacts": s.extended_contacts[block],
            "intergroup_ties": intergroup_ties[block],
        } | {name: took_part[block] for name, took_part in participation.items()}
