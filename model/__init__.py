"""Bridges model: state, city, rules, step order. Imports nothing from scenarios/, calibration/ or run.py."""

from model.model import BridgesModel
from model.params import GROUPS, Params

__all__ = ["BridgesModel", "GROUPS", "Params"]
