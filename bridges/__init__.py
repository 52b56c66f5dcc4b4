"""Bridges: an agent-based simulator of intergroup contact between arriving and receiving residents.

Subpackages: `bridges.model` (state, city, rules, step), `bridges.scenarios` (comparison, validation),
`bridges.calibration` (survey data, ABC-SMC) and `bridges.conf` (the Hydra configs). An installed wheel
holds them under this folder; in a checkout they are the top-level folders model/, scenarios/,
calibration/ and conf/, which this package adds to its search path, so both import the same way.
"""

from pathlib import Path

_checkout = Path(__file__).resolve().parent.parent
if (_checkout / "pyproject.toml").is_file() and (_checkout / "model" / "__init__.py").is_file():
    __path__.append(str(_checkout))
