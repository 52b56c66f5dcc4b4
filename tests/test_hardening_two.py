"""Hardening, round two (issue 21), in-process and cheap: comparisons never pair different residents,
posterior files are checked, no environment value reaches a config, every YAML file goes through one guarded
loader, sweep files are read with checks and written under a lock, the output folder's edges, custom-city
rules, the planner's folder rule and the budget view's currencies. The real-process cases (signals, two
processes, a killed sweep driver) are in tests/test_campaign.py."""

import json
import multiprocessing
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridges.cli import guard_calibrated_files, one_line
from bridges.model import BridgesModel
from bridges.config import (CONF_DIR, MAX_OVERRIDE_ITEMS, compose_config, model_params, screen_overrides,
                                  to_plain)
from bridges.model.custom_city import read_custom_city
from bridges.model.errors import InputError
from bridges.model.input_files import read_yaml
from bridges.outputs import check_output_folder
from bridges.scenarios.compare import (budget_mix, check_posterior_file, compare_options, people_fingerprint,
                                       scenario_configs)
from bridges.sweep import Point, _write_manifest, aggregate, read_manifest, read_marker, split_launcher
from tests.inprocess import assert_clean_rejection, run_main

SECRET = "hardening-two-secret-5d1e"
TINY = ["city.n_agents=300", "city.n_neighbourhoods=6", "steps=3", "run.progress=off"]


# ---- point 4: one guarded YAML loader ---------------------------------------------------------------
BAD_YAML = {
    "recursive alias": ("a: &a {b: *a}\n", "anchors and aliases"),
    "alias bomb": ("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "anchors and aliases"),
    "sexagesimal": ("x: 1:30\n", "read differently by YAML versions"),
    "octal": ("x: 010\n", "read differently by YAML versions"),
    "underscore number": ("x: 1_000\n", "read differently by YAML versions"),
    "duplicate key": ("x: 1\nx: 2\n", "line 2: key 'x' is given twice"),
    "python tag": ("x: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
    "too deep": ("x: " + "[" * 40 + "]" * 40 + "\n", "nested more than 32 levels"),
    "NUL": ("x: \0\n", "not valid YAML"),
    "latin-1": ("x: M\xfcnchen\n".encode("latin-1"), "not UTF-8 text"),
    "UTF-16": ("x: 1\n".encode("utf-16"), "not UTF-8 text (UTF-16)"),
    "too big": ("k: 1\n" + "# padding\n" * 120_000, "larger than the 1 MiB limit"),
    "empty": ("  \n", "file is empty"),
}


@pytest.mark.parametrize("name", BAD_YAML)
def test_guarded_yaml_loader_refuses_with_one_line_naming_the_file(tmp_path, name):
    content, words = BAD_YAML[name]
    path = tmp_path / "f.yaml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(InputError) as error:
        read_yaml(path)
    assert str(error.value).startswith(str(path)) and words in str(error.value)


def test_guarded_yaml_loader_reads_plain_yaml_and_refuses_folders_and_fifos(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("a: 0.5\nb: [1, 2]\nc: '010'\nd: true\ne: 1e-3\n")
    assert read_yaml(path) == {"a": 0.5, "b": [1, 2], "c": "010", "d": True, "e": "1e-3"}
    os.mkfifo(tmp_path / "pipe.yaml")
    for bad in (tmp_path, tmp_path / "pipe.yaml"):
        with pytest.raises(InputError, match="folder|not a regular file"):
            read_yaml(bad)


YAML_TOKENS = st.sampled_from(["a", "b", ":", " ", "\n", "  ", "- ", "[", "]", "{", "}", ",", "&x ", "*x", "!!str ",
                               "010", "1:30", "0.5", "'", '"', "#", "\t", "\u00e9", "~", "null", "---", "|", ">"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(YAML_TOKENS, max_size=40))
def test_guarded_yaml_loader_returns_or_refuses_on_any_text(tmp_path, tokens):
    """Any text of YAML's tokens: a value, or one InputError naming the file; nothing else escapes."""
    path = tmp_path / "g.yaml"
    path.write_text("".join(tokens) or "x")
    try:
        read_yaml(path)
    except InputError as error:
        assert str(error).startswith(str(path)) and "\n" not in one_line(str(error))


@pytest.mark.parametrize("content, words", [
    ("seed: 7\n", "seed: a calibrated file sets model parameters only"),
    ("city:\n  n_agents: 300\n", "city.n_agents: a calibrated file"),
    ("steps: 9\n", "steps: a calibrated file"),
    ("a: &a {b: *a}\n", "anchors and aliases"),
    ("contact:\n  update:\n    negativity_weight: 1:30\n", "read differently"),
])
def test_calibrated_files_go_through_the_guarded_loader(tmp_path, content, words):
    path = tmp_path / "cal.yaml"
    path.write_text(content)
    with pytest.raises(InputError, match=words):
        guard_calibrated_files([f"+calibrated={path}"])


def test_a_calibrated_file_of_parameters_is_accepted(tmp_path):
    path = tmp_path / "cal.yaml"
    path.write_text("contact:\n  update:\n    attitude_step: 0.01\n")
    guard_calibrated_files([f"+calibrated={path}", "+calibrated=germany"])


# ---- point 3: no environment value in any output ---------------------------------------------------
def test_a_resolver_in_a_scenario_file_is_refused_without_its_value(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIDGES_SECRET", SECRET)
    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf, ignore=shutil.ignore_patterns("__pycache__"))
    (conf / "scenario" / "leaky.yaml").write_text(
        "# @package _global_\nscenario_name: ${oc.env:BRIDGES_SECRET}\n")
    with pytest.raises(InputError) as error:
        to_plain(compose_config(["scenario=leaky"], conf_dir=conf))
    assert "scenario_name: calls a resolver" in str(error.value) and SECRET not in str(error.value)


@pytest.mark.parametrize("setting", ["pre_dispatch", "n_jobs", "verbose"])
def test_launcher_settings_take_no_interpolation(setting):
    with pytest.raises(InputError, match=f"hydra.launcher.{setting}: interpolations are not allowed"):
        split_launcher(["seed=0,1", f"hydra.launcher.{setting}=${{oc.env:BRIDGES_SECRET}}"])


# ---- point 8: operating-system edges and overrides the parser cannot take --------------------------
@pytest.mark.parametrize("folder, words", [
    (".", "is the current folder or one above it"),
    ("..", "is the current folder or one above it"),
    ("/", "is the current folder or one above it"),
    ("d" * 300, "longer than the 255 file systems allow"),
    ("/proc/self/x", "kernel file system (proc)"),
    ("/sys/kernel/x", "kernel file system (sys)"),
    ("~/x", "'~' is not expanded"),
])
def test_output_folders_that_cannot_be_a_run_folder_are_refused_before_any_work(folder, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        check_output_folder(Path(folder))


@pytest.mark.parametrize("override, words", [
    ("k" * 300 + "=1", "unknown config key"),
    ("city.name=" + "[" * 2000 + "]" * 2000, "nested more than 32 levels deep"),
    ("survey.weeks=[" + ",".join(["1"] * 20_000) + "]", f"more than {MAX_OVERRIDE_ITEMS:,} items"),
    ("run.output_dir=~/x", "needs quotes"),
    ("city.name=Zürich", "needs quotes"),
])
def test_overrides_the_parser_cannot_take_are_one_line(override, words):
    with pytest.raises(InputError, match=words):
        compose_config([override])


def test_error_lines_are_escaped_and_capped():
    line = one_line("city.name: 'a\x1b[2J" + "x" * 1_000_000 + "' is not allowed\nsecond")
    assert "\x1b" not in line and "\\x1b" in line and "\n" not in line
    assert len(line) < 1_000 and line.startswith("city.name") and line.endswith("allowed\\nsecond")


# ---- point 9: custom cities ------------------------------------------------------------------------
@pytest.fixture
def custom_city(tmp_path):
    nodes = "id,group,neighbourhood\n" + "".join(f"{i},{'arriving' if i % 5 == 0 else 'receiving'},{i % 3}\n"
                                                   for i in range(30))
    edges = "source,target\n" + "".join(f"{i},{(i + 1) % 30}\n" for i in range(30))
    (tmp_path / "n.csv").write_text(nodes)
    (tmp_path / "e.csv").write_text(edges)
    return [f"city.custom.edges_csv={tmp_path / 'e.csv'}", f"city.custom.nodes_csv={tmp_path / 'n.csv'}"]


@pytest.mark.parametrize("key", ["city.n_agents=500", "city.arriving_share=0.5", "city.n_neighbourhoods=4"])
def test_generator_keys_are_refused_with_a_custom_city(custom_city, key):
    with pytest.raises(InputError, match=f"{key.split('=')[0]}: not used with a custom city"):
        compose_config([*custom_city, key])


def test_eligibility_for_a_neighbourhood_the_file_lacks_is_refused(custom_city):
    plain = to_plain(compose_config([*custom_city, "scenario=volunteering", "steps=3",
                                     "interventions.volunteering.delivery.eligible.neighbourhoods=[7]"]))
    with pytest.raises(InputError, match="neighbourhood 7 is not in .*n.csv .its neighbourhoods: 0, 1, 2."):
        BridgesModel(model_params(plain))


def test_custom_city_runs_record_the_file_size(tmp_path, capsys, custom_city):
    result = run_main(capsys, tmp_path, *custom_city, "steps=2", "run.progress=off", "run.output_dir=out")
    assert result.code == 0, result.stderr
    recorded = (tmp_path / "out" / "config.yaml").read_text()
    assert "n_agents: 30\n" in recorded and "arriving_share: 0.2\n" in recorded


def test_a_graphml_file_with_two_graphs_is_refused(tmp_path):
    graph = ('<graph edgedefault="undirected"><node id="a"><data key="g">arriving</data></node>'
             '<node id="b"><data key="g">receiving</data></node><edge source="a" target="b"/></graph>')
    path = tmp_path / "two.graphml"
    path.write_text('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
                    '<key id="g" for="node" attr.name="group" attr.type="string"/>' + graph * 2 + "</graphml>")
    with pytest.raises(InputError, match="holds 2 <graph> elements"):
        read_custom_city(str(path), None, None, ("neighbourhood",))


# ---- point 6: sweep files ------------------------------------------------------------------------
def _points(first: int, count: int) -> list[Point]:
    return [Point((f"seed={i}",), f"{i:016x}", {"seed": i}) for i in range(first, first + count)]


def _write_many(folder: str, first: int) -> None:
    for point in _points(first, 200):
        _write_manifest(Path(folder), "config", [f"writer{first}"], [point])


def test_two_writers_of_one_sweep_json_keep_every_point(tmp_path):
    """The issue's direct test: 2 processes x 200 points; unlocked, 141 of 400 were lost."""
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(str(tmp_path), first)) for first in (0, 10_000)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(900)  # a guard against a deadlock, not a speed limit: at load 20 the writers took over 60 s
    assert [writer.exitcode for writer in writers] == [0, 0]
    assert len(read_manifest(tmp_path)["points"]) == 400


MANIFESTS = ["{", "[]", "null", '{"points": "x"}', '{"points": [1]}', '{"points": [], "sweeps": 3}',
             '{"points": [{"config_hash": "../../etc", "overrides": []}]}',
             '{"points": [{"config_hash": "0123456789abcdef", "overrides": [1]}]}', "\xff"]


@pytest.mark.parametrize("text", MANIFESTS)
def test_aggregate_on_a_malformed_sweep_json_is_one_line(tmp_path, text):
    (tmp_path / "sweep.json").write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError, match="sweep.json"):
        aggregate(tmp_path)


MARKER = {"config_hash": "0123456789abcdef", "parameters": {"seed": 1}, "outcomes": {"receiving": {"a": 1.0}}}


@pytest.mark.parametrize("change", [{"outcomes": []}, {"parameters": [1]}, {"outcomes": {"receiving": "x"}},
                                    {"outcomes": {"receiving": {"a": float("inf")}}}, {"parameters": {"k": [1]}}])
def test_aggregate_on_a_malformed_complete_json_is_one_line(tmp_path, change):
    (tmp_path / "sweep.json").write_text(json.dumps(
        {"points": [{"config_hash": "0123456789abcdef", "overrides": ["seed=1"]}]}))
    run = tmp_path / "runs" / "0123456789abcdef"
    run.mkdir(parents=True)
    (run / "complete.json").write_text(json.dumps({**MARKER, **change}))
    with pytest.raises(InputError, match="complete.json, key"):
        aggregate(tmp_path)
    with pytest.raises(InputError, match="complete.json"):
        read_marker(run / "complete.json")


# ---- point 1: comparisons pair the same residents only ----------------------------------------------
@pytest.mark.parametrize("common, variant, words", [
    ([], ["baseline", "seed=7"], "seed changes who the residents are"),
    ([], ["volunteering", "steps=10"], "steps changes who the residents are, how long the run is"),
    ([], ["volunteering", "city.n_agents=400"], "city.n_agents changes"),
    ([], ["volunteering", "city=jordan"], "city changes"),
    ([], ["volunteering", "warmup_weeks=2"], "warmup_weeks changes"),
    ([], ["volunteering", "city.groups.receiving.attitude.mean=70"], "city.groups.receiving.attitude.mean changes"),
    ([], ["volunteering", "run.output_dir=x"], "run.output_dir changes"),
    ([], ["volunteering", "city.arriving_share=0.2"], "residents at week 0 differ from the baseline's"),
    (["warmup_weeks=2"], ["baseline", "contact.update.negativity_weight=3"], "residents at week 0 differ"),
    (["dynamics.reference=self"], ["baseline", "contact.update.negativity_weight=3"],
     "under dynamics.reference=self .* re-anchored worlds"),
])
def test_variants_that_would_pair_different_residents_are_refused(common, variant, words):
    with pytest.raises(InputError, match=f"compare.variants.v: .*{words}"):
        scenario_configs([*TINY, *common], ["baseline", "volunteering"], {"v": variant})


def test_a_world_variant_under_the_reference_world_pairs_the_same_people():
    """Under dynamics.reference=site (the default) a world parameter acts from week 0 on the site's people."""
    configs = scenario_configs(TINY, ["baseline", "volunteering"],
                               {"v": ["baseline", "contact.update.negativity_weight=3"],
                                "seg": ["volunteering", "city.segregation=0.9"]})
    prints = {name: people_fingerprint(BridgesModel(model_params(plain))) for name, plain in configs.items()}
    assert len(set(prints.values())) == 1


def test_baseline_alone_compares_nothing():
    with pytest.raises(InputError, match="baseline alone compares nothing"):
        compare_options({"compare": {"scenarios": ["baseline"], "replicates": 2, "jobs": 1}})
    compare_options({"compare": {"scenarios": ["baseline"], "replicates": 2, "jobs": 1}},
                    {"v": ["volunteering", "interventions.volunteering.delivery.coverage=0.5"]})


@pytest.mark.parametrize("scenarios, extra, words", [
    (["baseline", "volunteering"], ["city.arriving_share=0"], "leaves no arriving members"),
    (["baseline", "volunteering"], ["city.arriving_share=1"], "leaves no receiving members"),
])
def test_comparisons_with_nothing_to_compare_are_refused(scenarios, extra, words):
    with pytest.raises(InputError, match=words):
        scenario_configs([*TINY, *extra], scenarios)


def test_the_fingerprint_tells_the_same_residents_from_others():
    configs = scenario_configs(TINY, ["baseline", "volunteering"],
                               {"v": ["volunteering", "interventions.volunteering.delivery.coverage=0.5"]})
    prints = {name: people_fingerprint(BridgesModel(model_params(plain))) for name, plain in configs.items()}
    assert len(set(prints.values())) == 1
    other = to_plain(compose_config([*TINY, "seed=1"]))
    assert people_fingerprint(BridgesModel(model_params(other))) != prints["baseline"]


# ---- point 2: posterior files -------------------------------------------------------------------------
def _posterior(path: Path, weights=(0.5, 0.5), metadata=True, column="attitude_step", key="contact.update.attitude_step"):
    table = pa.table({column: [0.01, 0.02], "weight": list(weights)})
    if metadata:
        table = table.replace_schema_metadata({b"bridges_parameters": json.dumps(
            {"attitude_step": {"key": key, "scale": False}}).encode()})
    pq.write_table(table, path)
    return str(path)


@pytest.mark.parametrize("make, words", [
    (lambda p: _posterior(p, metadata=False), "no Bridges parameter metadata"),
    (lambda p: _posterior(p, weights=(-1.0, 2.0)), "weights must be 0 or more"),
    (lambda p: _posterior(p, weights=(0.0, 0.0)), "weights must be 0 or more with a positive sum"),
    (lambda p: _posterior(p, weights=(np.inf, 1.0)), "column weight: every value must be a finite number"),
    (lambda p: _posterior(p, weights=(np.nan, 1.0)), "column weight: every value must be a finite number"),
    (lambda p: _posterior(p, column="other"), "no column 'attitude_step'"),
    (lambda p: _posterior(p, key="seed"), "defines the people or the run"),
    (lambda p: _posterior(p, key="contact.update.nope"), "not a numeric key"),
    (lambda p: (p.write_text("attitude_step,weight\n0.1,1\n"), str(p))[1], "not a Parquet file"),
])
def test_malformed_posteriors_are_refused_before_any_run(tmp_path, make, words):
    path = make(tmp_path / "posterior.parquet")
    with pytest.raises(InputError, match=words):
        check_posterior_file(path, to_plain(compose_config(["scenario=baseline"], "compare")))


def test_a_calibration_posterior_passes(tmp_path):
    check_posterior_file(_posterior(tmp_path / "p.parquet"), to_plain(compose_config([], "compare")))


# ---- point 11, second half: the budget view never adds two currencies ---------------------------------
def test_budget_view_refuses_to_add_different_currencies():
    value = pd.DataFrame({"scenario": ["a", "b"], "outcome": "attitude_receiving", "person_points": [10.0, 20.0],
                          "cost": [100.0, 100.0], "cost_per_person_point": [10.0, 5.0], "currency": ["EUR", "USD"]})
    mix = budget_mix(value, 1_000, "attitude_receiving")
    assert mix.empty and mix.attrs["currencies"] == "EUR, USD"
    same = budget_mix(value.assign(currency="EUR"), 1_000, "attitude_receiving")
    assert set(same.currency) == {"EUR"} and same.cost.sum() == 1_000


# ---- in-process command line: the issue's examples end as one clean line ------------------------------
@pytest.mark.parametrize("argv, names", [
    (["-m", "seed=0,1", "hydra.launcher.pre_dispatch=${oc.env:BRIDGES_SECRET}"], "hydra.launcher.pre_dispatch"),
    (["run.output_dir=."], "run.output_dir"),
    (["k" * 300 + "=1"], "k" * 50),
])
def test_issue_examples_are_clean_rejections(tmp_path, capsys, monkeypatch, argv, names):
    monkeypatch.setenv("BRIDGES_SECRET", SECRET)
    result = run_main(capsys, tmp_path, *TINY, *argv)
    assert_clean_rejection(result, names, tmp_path)
    assert SECRET not in result.stdout + result.stderr


def test_screen_overrides_refuses_resolvers_anywhere_in_a_value():
    with pytest.raises(InputError, match="resolvers"):
        screen_overrides(["city.name=[a,{b: '${oc.env:HOME}'}]"])


# ---- point 10: the planner reads only the project's comparisons, and shows no traceback ---------------
@pytest.fixture(scope="module")
def app():
    import app as dashboard  # Solara and Mesa's visualisation: seconds to import, so once per module

    return dashboard


def _comparison(folder: Path, step="3") -> Path:
    folder.mkdir(parents=True)
    (folder / "effects_over_time.csv").write_text(
        "scenario,outcome,step,estimate,ci_low,ci_high\n" f"volunteering,attitude_receiving,{step},0.1,0.0,0.2\n")
    (folder / "cost.csv").write_text("scenario,currency,total_cost\nbaseline,,0\nvolunteering,EUR,100\n")
    return folder


def test_planner_refuses_folders_outside_its_root_alike(app, tmp_path):
    root = tmp_path / "outputs" / "compare"
    root.mkdir(parents=True)
    (tmp_path / "private").mkdir()
    answers = [app.comparison_view(str(tmp_path / name), root)["error"] for name in ("private", "absent")]
    assert [a.split(": ", 1)[1] for a in answers] == [f"not a comparison folder under {root}/ (the planner reads "
                                                      "only those)"] * 2
    (root / "link").symlink_to(tmp_path / "private")  # a link out of the root is outside too
    assert "not a comparison folder under" in app.comparison_view(str(root / "link"), root)["error"]


def test_planner_shows_a_malformed_comparison_as_one_line_and_starts_on_a_readable_one(app, tmp_path):
    root = tmp_path / "outputs" / "compare"
    good = _comparison(root / "day" / "good")
    bad = _comparison(root / "day" / "bad", step="week three")
    view = app.comparison_view(str(bad), root)
    assert set(view) == {"error"} and "not a readable comparison" in view["error"]
    assert "effects_png" in app.comparison_view(str(good), root)
    assert app.default_folder([str(bad), str(good)], root) == str(good)


# ---- hypothesis: the grammars of the files the tool reads ----------------------------------------------
CSV_FIELDS = st.one_of(st.sampled_from(["arriving", "receiving", "0", "1", "-1", "1e400", "nan", "", '"', '"a,b"',
                                        "9" * 30, " 3 ", "neighbourhood", "nope", "\r", "true"]),
                       st.text(max_size=5))
CSV_ROWS = st.lists(st.lists(CSV_FIELDS, min_size=1, max_size=4), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from([["id", "group"], ["id", "group", "neighbourhood"], ["id", "group", "household"]]),
       rows=CSV_ROWS, edges=CSV_ROWS)
def test_custom_city_files_are_read_or_refused_in_one_line(tmp_path, header, rows, edges):
    """Node and edge files drawn from the CSV grammar: a network, or one InputError naming a file."""
    (tmp_path / "n.csv").write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")
    (tmp_path / "e.csv").write_text("\n".join(",".join(r) for r in [["source", "target"], *edges]) + "\n")
    try:
        read_custom_city(None, str(tmp_path / "e.csv"), str(tmp_path / "n.csv"), ("neighbourhood",))
    except InputError as error:
        assert str(error).startswith((str(tmp_path), "city.custom")), str(error)


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.sampled_from(["points", "sweeps", "config_hash",
                                                                             "overrides", "x"]), inner, max_size=4)),
                    max_leaves=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(manifest=JSON)
def test_any_sweep_json_is_read_or_refused_in_one_line(tmp_path, manifest):
    (tmp_path / "sweep.json").write_text(json.dumps(manifest))
    try:
        points = read_manifest(tmp_path)["points"]
    except InputError as error:
        assert str(error).startswith(str(tmp_path / "sweep.json"))
    else:
        assert all(len(point["config_hash"]) == 16 for point in points)


def test_text_values_are_bounded():
    """A 20,000-character city name took 25 s of CPU to draw into titles and reports (a campaign hang)."""
    with pytest.raises(InputError, match="city.name: 20,000 characters, more than the 4,096"):
        model_params(to_plain(compose_config(["city.name=" + "x" * 20_000])))
