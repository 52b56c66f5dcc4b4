"""Per-group lookups live with the parameters: each gives every person their group's value."""

import numpy as np

from bridges.model.city import ALLPORT_CONDITIONS
from bridges.model.params import GROUPS, per_group
from tests.conftest import params_for

PARAMS = params_for("contact.valence_offset.arriving=0.4", "contact.susceptibility.arriving=0.78",
                    "dynamics.distress.baseline.arriving=0.3", "dynamics.distress.baseline.receiving=0.2",
                    "dynamics.belonging.baseline.arriving=0.4", "dynamics.belonging.baseline.receiving=0.7")
GROUP = np.array([GROUPS.index("arriving"), GROUPS.index("receiving"), GROUPS.index("arriving")])


def test_per_group_spreads_values_by_group_code():
    np.testing.assert_array_equal(per_group({"receiving": 1.5, "arriving": -2.0}, GROUP), [-2.0, 1.5, -2.0])
    assert per_group({"receiving": 1.5, "arriving": -2.0}, np.array([], dtype=np.int8)).shape == (0,)


def test_contact_lookups():
    """The contact section's per-group keys (declared in contact.py and attitudes.py) hold both groups' values."""
    np.testing.assert_array_equal(per_group(PARAMS.contact.valence_offset, GROUP), [0.4, 0.0, 0.4])
    np.testing.assert_array_equal(per_group(PARAMS.contact.susceptibility, GROUP), [0.78, 1.0, 0.78])


def test_baseline_lookups():
    np.testing.assert_array_equal(PARAMS.dynamics.distress.baseline_for(GROUP), [0.3, 0.2, 0.3])
    np.testing.assert_array_equal(PARAMS.dynamics.belonging.baseline_for(GROUP), [0.4, 0.7, 0.4])


def test_condition_weights_follow_the_order_of_the_block_conditions():
    q = params_for("contact.quality.equal_status=0.1", "contact.quality.common_goal=0.2",
                   "contact.quality.cooperation=0.3", "contact.quality.institutional_support=0.4").contact.quality
    np.testing.assert_array_equal(q.condition_weights(), [getattr(q, c) for c in ALLPORT_CONDITIONS])
    np.testing.assert_array_equal(q.condition_weights(), [0.1, 0.2, 0.3, 0.4])


def test_public_space_conditions_follow_the_order_of_the_block_conditions():
    i = params_for("contact.incidental.equal_status=0.1", "contact.incidental.common_goal=0.2",
                   "contact.incidental.cooperation=0.3",
                   "contact.incidental.institutional_support=0.4").contact.incidental
    np.testing.assert_array_equal(i.conditions(), [getattr(i, c) for c in ALLPORT_CONDITIONS])
    np.testing.assert_array_equal(i.conditions(), [0.1, 0.2, 0.3, 0.4])


def test_salience_lookup_by_setting():
    g = params_for("contact.generalisation.salience=0.3",
                   "contact.generalisation.incidental_salience=0.9").contact.generalisation
    assert (g.salience_for(incidental=True), g.salience_for(incidental=False)) == (0.9, 0.3)
