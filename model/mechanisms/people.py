"""The people of the city: where they live and work (fixed by the city's ties), their education and their
own responsibility for integration. No weekly phase changes them. `model.static_index` caches indices of
the fields the city fixes (base.py `static_index`).

Parameters: `city` (conf/city/).
"""

from bridges.model.mechanisms.base import Mechanism, StateVar
MECHANISM = Mechanism(
    name="people",
    params=("city",),
    state=(
        StateVar("group", "int8", "the city's (0 receiving, 1 arriving; read-only)"),
        StateVar("neighbourhood", "int32", "the city's (read-only)"),
        StateVar("household", "int64", "the city's (read-only)"),
        StateVar("workplace", "int32", "the city's (-1 none; read-only)"),
        StateVar("has_children", "bool", "the city's (read-only)"),
        StateVar("education", "int8", "drawn per group (city.groups.<group>.education)"),
        StateVar("responsibility", "float64", "drawn per group (city.groups.<group>.responsibility)"),
    ),
    attributes=("static_index",),
)
