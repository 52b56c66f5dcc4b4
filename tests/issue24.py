"""The switches of issue 24's mechanisms: with all of them off the model is the one before issue 24
(tests/test_issue24_off.py compares it with tests/golden_before_24/, copied from tests/golden at main 6ae803d)."""

ISSUE_24_OFF = ("dynamics.standing_threat.enabled=false",)
"""One override per issue-24 mechanism, each switching it off."""
