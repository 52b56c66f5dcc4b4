"""Bridges model: state, city, rules, step order. Imports nothing from scenarios/, calibration/ or run.py."""

from bridges.model.model import BridgesModel, RunFinished
from bridges.model.params import GROUPS, Params

__all__ = ["BridgesModel", "GROUPS", "Params", "RunFinished"]
