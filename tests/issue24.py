"""The switches of issue 24's mechanisms, in one place: with every one off (and the run its own reference
world) the model is the one before issue 24 (tests/test_issue24_off.py). Each engineer adding an issue-24
mechanism adds its switch here."""

ISSUE_24_OFF = (
    "contact.rejection.enabled=false",  # expected rejection (model/mechanisms/rejection.py)
    "contact.settling.enabled=false",  # sociability and shared accommodation (model/mechanisms/settling.py)
)
"""Every issue-24 switch, off."""
