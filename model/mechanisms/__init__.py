"""The mechanisms of the model, in the order their phases run each week (model/mechanisms/base.py says what
a module declares). model/step.py derives STEP_ORDER and ACCESS from this list, model/agents.py the agents
engine's week, and the tests check every state field and metric has one owner here: to add a mechanism,
write its module and list it here (docs/contributing.md). A mechanism whose phases bracket another's
(standing threat: before and after the norm) lists its second half where that runs."""

from bridges.model.mechanisms import (attitudes, beliefs, contact, discrimination, friendship, incidental,
                                      livelihoods, norms, outputs, partners, people, programmes, standing_threat,
                                      threat, turnover, wellbeing)

MECHANISMS = (
    *(module.MECHANISM for module in (people, programmes, incidental, contact, partners, attitudes, friendship,
                                      standing_threat, norms)),
    standing_threat.AFTER_NORMS,
    *(module.MECHANISM for module in (beliefs, threat, livelihoods, turnover, wellbeing, discrimination, outputs)))
"""Every mechanism, in the order of the week."""

PHASES = tuple(phase for mechanism in MECHANISMS for phase in mechanism.phases)
"""Every phase of the week, in order."""
