"""The reference world (model/reference.py, docs/model.md 7.22): where the run's people formed their views.

Checks: a run whose world equals the site's is its own reference (the golden baseline pins that it is
unchanged); under `site` a changed world keeps the site's spin-up (anchors, contact history, turnover rate and
newcomers) exactly, on the same network or on the run's own; `self` is the run's own spin-up; each spin-up is
computed once per configuration; the key roles the comparison relies on; bad input is one line.
"""

import numpy as np
import pytest

from bridges.model import BridgesModel
from bridges.model import reference as reference_world
from bridges.config import compose_config, model_params, to_plain
from bridges.model.errors import InputError
from bridges.model.step import VIEWS

SMALL = ("city.n_agents=600", "city.n_neighbourhoods=6", "steps=4")


def params_for(*overrides: str):
    return model_params(to_plain(compose_config([*SMALL, *overrides])))


def anchors(model: BridgesModel) -> dict[str, np.ndarray]:
    return {name: model.views_at_start[name][0] for name in VIEWS}


def test_a_run_with_the_sites_world_is_its_own_reference():
    params = params_for("scenario=volunteering", "seed=3")
    model = BridgesModel(params)
    assert model.reference is params
    assert model.reference_summary() == {"reference": "self", "hash": reference_world.digest(params), "world_changes": []}


def test_a_changed_world_keeps_the_sites_spin_up_on_the_same_network():
    site, harsh = BridgesModel(params_for()), BridgesModel(params_for("contact.update.negativity_weight=5"))
    assert harsh.reference_summary()["world_changes"] == ["contact.update.negativity_weight"]
    assert harsh.reference_summary()["hash"] == reference_world.digest(site.params)
    for name in VIEWS:
        np.testing.assert_array_equal(anchors(harsh)[name], anchors(site)[name])
    for name in ("strength", "friend", "met"):
        np.testing.assert_array_equal(getattr(harsh.ties, name), getattr(site.ties, name))
    for name in ("outgroup_friends", "positive_history", "threat", "discrimination", "recent_encounters"):
        np.testing.assert_array_equal(getattr(harsh.state, name), getattr(site.state, name))
    assert (harsh.turnover_rate, harsh.newcomer) == (site.turnover_rate, site.newcomer)
    own = BridgesModel(params_for("contact.update.negativity_weight=5", "dynamics.reference=self"))
    assert own.reference_summary()["reference"] == "self"
    assert not np.array_equal(anchors(own)["attitude"], anchors(site)["attitude"])  # re-anchored to its own world


def test_a_changed_network_keeps_the_sites_usual_change_and_turnover():
    site, apart = BridgesModel(params_for()), BridgesModel(params_for("city.segregation=0.9"))
    assert not np.array_equal(site.ties.source, apart.ties.source)  # another network: only group-level pieces carry
    for name in VIEWS:
        np.testing.assert_array_equal(apart.usual_change[name], site.usual_change[name])
    assert (apart.turnover_rate, apart.newcomer) == (site.turnover_rate, site.newcomer)
    assert apart.ties.strength.max() > 0  # the run's own ties carry a contact history (the site's contact on them)


def counting_spin_ups(monkeypatch) -> list[str]:
    """Digests of the spin-ups computed from now on (a fresh in-process cache)."""
    calls = []
    real = reference_world.settled_once
    monkeypatch.setattr(reference_world, "settled_once",
                        lambda params, compute: real(params, lambda p: calls.append(reference_world.digest(p)) or compute(p)))
    monkeypatch.setattr(reference_world, "_memory", type(reference_world._memory)())
    return calls


def test_each_spin_up_is_computed_once_per_configuration(monkeypatch, tmp_path):
    monkeypatch.setenv(reference_world.CACHE_ENV, str(tmp_path))
    calls = counting_spin_ups(monkeypatch)
    for seed in (0, 0, 1):
        BridgesModel(params_for("contact.quality.intercept=-1", f"seed={seed}"))
    assert len(calls) == len(set(calls)) == 2  # one per seed, reused by the repeat
    assert len(list((tmp_path / "reference").glob("*.npz"))) == 2


def test_the_disk_cache_is_reused_by_another_process_and_a_corrupt_entry_recomputed(monkeypatch, tmp_path):
    monkeypatch.setenv(reference_world.CACHE_ENV, str(tmp_path))
    harsh = params_for("contact.quality.intercept=-1")
    counting_spin_ups(monkeypatch)
    first = BridgesModel(harsh)
    calls = counting_spin_ups(monkeypatch)  # as a fresh process: nothing in memory
    again = BridgesModel(harsh)
    assert calls == []
    np.testing.assert_array_equal(again.ties.strength, first.ties.strength)
    np.testing.assert_array_equal(anchors(again)["attitude"], anchors(first)["attitude"])
    (entry,) = (tmp_path / "reference").glob("*.npz")
    entry.write_bytes(entry.read_bytes()[:200])  # truncated
    calls = counting_spin_ups(monkeypatch)
    recomputed = BridgesModel(harsh)
    assert calls == [reference_world.digest(first.reference)]
    np.testing.assert_array_equal(anchors(recomputed)["trust"], anchors(first)["trust"])
    assert np.load(entry, allow_pickle=False)["turnover_rate"] == first.turnover_rate  # rewritten whole


@pytest.mark.parametrize("key, role", [
    ("contact.update.negativity_weight", "world"), ("city.segregation", "world"),
    ("city.layers.workplace.contact_rate", "world"), ("city.beliefs.media_prior.welfare", "world"),
    ("dynamics.norms.rate", "world"), ("seed", "shape"), ("city.n_agents", "shape"), ("city", "shape"),
    ("calibrated", "shape"), ("city.groups.receiving.attitude.mean", "shape"), ("dynamics.turnover.rate", "shape"),
    ("survey.weeks", "shape"), ("scenario", "programme"), ("interventions.volunteering.delivery.coverage", "programme"),
    ("run.output_dir", "tool")])
def test_key_roles(key, role):
    assert reference_world.key_role(key) == role


@pytest.mark.parametrize("override, message", [
    ("dynamics.reference=world", "dynamics.reference: must be site or self"),
    ("site.city=sweden", "site.city: unknown config key")])
def test_bad_reference_input_is_one_line(override, message):
    with pytest.raises(InputError, match=message):
        params_for(override)


def test_the_disk_cache_keeps_only_the_newest_entries(monkeypatch, tmp_path):
    monkeypatch.setenv(reference_world.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(reference_world, "DISK_SLOTS", 2)
    counting_spin_ups(monkeypatch)
    for seed in (0, 1, 2):
        BridgesModel(params_for("contact.quality.intercept=-1", f"seed={seed}"))
    assert len(list((tmp_path / "reference").glob("*.npz"))) == 2
