"""What the dashboard shows, checked without a browser: labels from a table, plot axes that stay within
the data's scale, and the Planner's cost table in the report's vocabulary (the browser checks the page
itself: tests/test_dashboard.py)."""

import re

import numpy as np
import pandas as pd
import pytest

from bridges.components import LiveMetrics
from bridges.model import BridgesModel
from bridges.plots import ATTITUDE, CONTACT, FRIENDSHIPS, padded_limits


@pytest.fixture(scope="module")
def app():
    import app as dashboard  # Solara and Mesa's visualisation: seconds to import, so once per module

    return dashboard


IDENTIFIER = re.compile(r"[a-z]+_[a-z_]+|^(Mhpss|Co creation)")
"""A label that is an identifier as it stands ("co_creation") or as the old page capitalised it."""


def test_controls_are_labelled_from_the_table_not_from_identifiers(app):
    labels = [control.label if hasattr(control, "label") else control["label"] for control in app.MODEL_PARAMS.values()]
    assert not [label for label in labels if IDENTIFIER.search(label)]
    assert {"MHPSS (psychosocial support)", "Co-creation groups"} <= set(labels)
    assert set(app.DOSES) <= set(app.LABELS)  # every intervention on the page has its label
    params = BridgesModel(n_agents=300, scenario="volunteering", steps=2, seed=1).params
    assert app.dose_text("volunteering", params.interventions["volunteering"]) == \
        "Volunteering (buddy pairs): share volunteering 0.02"


def test_axis_limits_leave_room_but_never_pass_the_scale():
    assert padded_limits(np.array([0.2, 0.8]), (0.0, 1.0)) == pytest.approx((0.05, 0.95))
    assert padded_limits(np.array([0.6, 0.95]), (0.0, 1.0))[1] == 1.0  # a share's axis stops at 1 (was 1.2)
    assert padded_limits(np.array([0.01, 0.02]), (0.0, 1.0))[0] == pytest.approx(0.0075)
    low, high = padded_limits(np.array([55.0, 56.0]), (0.0, 100.0))
    assert 52 < low < 55 and 56 < high < 59  # fitted to the data (5% of its size around it), not to 0-100


@pytest.mark.parametrize("plot", [ATTITUDE, CONTACT, FRIENDSHIPS])
def test_live_plots_keep_their_axes_within_the_data_scale(plot):
    model = BridgesModel(n_agents=400, scenario="volunteering", steps=6, seed=2)
    live = LiveMetrics(model, plot)
    for _ in range(6):
        model.step()
        live.png()
        low, high = live.live.axes.get_ylim()
        values = pd.DataFrame(model.records[:], columns=["step", "group", "metric", "value"])
        shown = values[values.metric.isin(plot.metrics)].value
        assert plot.scale[0] <= low <= shown.min() and shown.max() <= high <= plot.scale[1]


def test_the_planner_cost_table_uses_the_reports_terms_with_definitions(app):
    cost = pd.DataFrame({"scenario": ["baseline", "volunteering"], "currency": ["", "EUR"],
                         "total_cost": [0.0, 57_747.5], "participants": [0.0, 56.0],
                         "cost_per_participant": [np.nan, 1_031.2], "cost_per_person_point_attitude_receiving":
                         [np.nan, 141.3], "cost_per_person_point_attitude_arriving": [np.nan, 478.1],
                         "cost_per_new_friendship": [np.nan, 2_923.9]})
    table = app.cost_table(cost)
    assert list(table.columns) == ["scenario", "total cost", "participants", "cost per participant",
                                   "cost per person-point: receiving members' attitude",
                                   "cost per person-point: arriving members' attitude", "cost per new friendship"]
    assert table.iloc[0].tolist() == ["volunteering", "57,748 EUR", "56", "1,031 EUR", "141 EUR", "478 EUR",
                                      "2,924 EUR"]
    for term in ("cost per participant", "cost per person-point", "person-points"):
        assert f"<b>{term}</b>: " in app.definitions_text()


def test_the_design_page_reads_only_studies_under_its_root_as_the_planner_does(app, tmp_path):
    """The Design page goes through the same folder check as the Planner (components.folder_under): a folder
    outside outputs/design/, existing or not, or a link out of it, is refused in the same words; a study
    inside is read; an unreadable report is one line naming the folder."""
    root = tmp_path / "outputs" / "design"
    study = root / "study"
    study.mkdir(parents=True)
    (study / "report.md").write_text("# Design\n\n## Recommendation\n\n- Recommended design: random\n\n## Next\n")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "report.md").write_text("## Recommendation\n\nsecret\n")
    answers = [app.design_page_view(str(tmp_path / name), root)["error"] for name in ("private", "absent")]
    assert [a.split(": ", 1)[1] for a in answers] == [
        f"not a design study folder under {root}/ (the design page reads only those)"] * 2
    (root / "link").symlink_to(tmp_path / "private")
    assert "not a design study folder under" in app.design_page_view(str(root / "link"), root)["error"]
    assert app.design_page_view(str(study), root)["recommendation"] == "- Recommended design: random"
    assert app.design_page_view("", root) == {"info": "No design study folder yet."}
    (study / "report.md").write_bytes(b"## Recommendation\n\xff\xfe\n")
    assert app.design_page_view(str(study), root) == {
        "error": f"{study}: not a readable design study (UnicodeDecodeError); rerun it with python run.py "
                 "--config-name design"}


def test_the_cost_so_far_has_no_stray_space_without_a_currency(app):
    assert app.money(0.0, "") == "0" and app.money(24230.4, "EUR") == "24,230 EUR"
