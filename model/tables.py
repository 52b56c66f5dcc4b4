"""The model's end-of-run table of residents (README.md, "What a run writes": agents.parquet)."""

import numpy as np
import pandas as pd

from bridges.model.metrics import misperception_per_person
from bridges.model.ranges import EDUCATION_LEVELS, GROUPS
from bridges.model.state import State
from bridges.model.ties import ContactBlock

LEGAL_STATUS = ("granted", "pending")
"""Labels of `legal_pending` (False, True) in output tables."""


def agent_table(state: State, ties: ContactBlock, participation: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per resident with its final state; `ties` are the city's intergroup ties (counted per resident),
    `participation` the `took_part_<programme>` columns."""
    s = state
    return pd.DataFrame({
        "id": np.arange(s.n),
        "group": np.array(GROUPS)[s.group],
        "neighbourhood": s.neighbourhood,
        "household": s.household,
        "workplace": s.workplace,
        "has_children": s.has_children,
        "attitude": s.attitude,
        "anxiety": s.anxiety,
        "trust": s.trust,
        "distress": s.distress,
        "belonging": s.belonging,
        "responsibility": s.responsibility,
        "language": s.language,
        "employed": s.employed,
        "studying": s.studying,
        "education": np.array(EDUCATION_LEVELS)[s.education],
        "qualification_recognised": s.qualification_recognised,
        "legal_status": np.array(LEGAL_STATUS)[s.legal_pending.astype(int)],
        "family_pending": s.family_pending,
        "belief_education": s.belief_education,
        "belief_employment": s.belief_employment,
        "belief_welfare": s.belief_welfare,
        "misperception": misperception_per_person(s),
        "intergroup_contacts": s.intergroup_contacts,
        "positive_contacts": s.positive_contacts,
        "negative_contacts": s.negative_contacts,
        "recent_encounters": s.recent_encounters,
        "outgroup_friends": s.outgroup_friends,
        "extended_contacts": s.extended_contacts,
        "intergroup_ties": np.bincount(np.concatenate([ties.source, ties.target]), minlength=s.n),
    } | participation)
