"""The mechanisms of the model, in the order their phases run each week (model/mechanisms/base.py says what
a module declares). model/step.py derives STEP_ORDER and ACCESS from this list, model/agents.py the agents
engine's week, and the tests check every state field and metric has one owner here: to add a mechanism,
write its module and list it here (docs/contributing.md)."""

from bridges.model.mechanisms import (attitudes, beliefs, contact, discrimination, friendship, incidental,
                                      livelihoods, norms, outputs, partners, people, programmes, rejection,
                                      settling, threat, turnover, wellbeing)

MECHANISMS = tuple(module.MECHANISM for module in (
    people, programmes, incidental, contact, partners, rejection, attitudes, friendship, norms, beliefs, threat, livelihoods,
    turnover, settling, wellbeing, discrimination, outputs))
"""Every mechanism, in the order of the week."""

PHASES = tuple(phase for mechanism in MECHANISMS for phase in mechanism.phases)
"""Every phase of the week, in order."""
