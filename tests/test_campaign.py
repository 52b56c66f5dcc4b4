"""Real-process regressions of the hardening campaign (scripts/campaign.py, issue 21): a sample of its
cases, each a `python run.py` process in a fresh folder, must end as a clean rejection or a valid
acceptance: Ctrl-C and SIGTERM at start-up and after `wrote`, a killed sweep driver's workers, another
host's staging folder, secrets from the environment, the
guarded YAML loader on a calibrated file, and comparison variants. Two sweeps writing one sweep.json are
tests/test_hardening_two.py's (in-process writers); the whole campaign is `python scripts/campaign.py`
(186 cases, two processes on every shared file among them)."""

import importlib.util
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

_spec = importlib.util.spec_from_file_location("campaign", ROOT / "scripts" / "campaign.py")
campaign = importlib.util.module_from_spec(_spec)
sys.modules["campaign"] = campaign
_spec.loader.exec_module(campaign)

CASES = {case.name: case for case in campaign.all_cases()}
CHOSEN = [
    *[name for name in CASES if name.startswith("signals:sigint-") and name[15].isdigit()][:4],
    *[name for name in CASES if name.startswith("signals:sigterm-")][:1],
    "signals:sigint-after-wrote",
    "signals:sigkill-sweep-driver",
    "shared:other-host-staging",
    "secret:scenario-file",
    "secret:launcher-verbose",
    "files:calibrated:bomb",
    "files:calibrated:seed",
    "files:posterior:no_meta",
    "compare:0:b7=[baseline,seed=7]",
]


def test_the_sample_names_real_cases():
    assert len(CHOSEN) == 14 and all(name in CASES for name in CHOSEN), [n for n in CHOSEN if n not in CASES]


@pytest.mark.parametrize("name", CHOSEN)
def test_campaign_case_ends_clean(name):
    outcome, detail, _ = campaign.run_case(CASES[name], ROOT, None)
    assert outcome in ("clean_rejection", "valid_acceptance"), f"{outcome}: {detail}"
