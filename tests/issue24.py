"""The switches of issue 24's mechanisms, in one place (tests/test_issue24_off.py).

Issue 24 came in two stages. With the first stage's and the second stage's switches off (and the run its own
reference world) the model is the one before issue 24 (tests/golden_before_24/); with only the second stage's
switches off it is the one after the first stage (tests/golden_before_24_second/, a copy of tests/golden at
d0e5ea2). Each engineer adding an issue-24 mechanism adds its switch to ISSUE_24_SECOND_OFF.
"""

ISSUE_24_FIRST_OFF = (
    "contact.rejection.enabled=false",  # expected rejection (model/mechanisms/rejection.py)
    "contact.settling.enabled=false",  # sociability and shared accommodation (model/mechanisms/settling.py)
    "dynamics.standing_threat.enabled=false",  # standing threat (model/mechanisms/standing_threat.py)
)
"""The first stage's switches, off."""

ISSUE_24_SECOND_OFF: tuple[str, ...] = (
    "contact.wallpaper.enabled=false",  # the wallpaper effect (model/mechanisms/wallpaper.py)
    "dynamics.attitude_homophily.enabled=false",  # friends chosen by like-mindedness (model/mechanisms/attitude_homophily.py)
)
"""The second stage's switches, off."""

ISSUE_24_OFF = (*ISSUE_24_FIRST_OFF, *ISSUE_24_SECOND_OFF)
"""Every issue-24 switch, off."""
