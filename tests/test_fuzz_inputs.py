"""Property-based fuzzing of user input, in-process: malformed overrides for every leaf of the composed
config (default, every scenario's interventions, compare mode) and malformed city and survey files must
be refused with exit code 2 and one line naming the key or file, no traceback and nothing written.

Example counts are bounded so the whole file runs in seconds; scripts/fuzz_inputs.py is the exhaustive
campaign (every leaf x every bad value, and more files).
"""

import functools

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridges.config import compose_config, config_groups, to_plain
from bridges.model.errors import InputError
from bridges.model.survey import read_survey
from scripts.fuzz_inputs import BASE, COMPARE_BASE, GOOD_EDGES, GOOD_NODES, leaves
from tests.conftest import in_one_worker
from tests.inprocess import assert_clean_rejection, run_main

pytestmark = in_one_worker(__name__)  # the composed leaves (leaves_by_kind) are made once

FUZZ_SETTINGS = {"deadline": None, "derandomize": True, "database": None,
                 "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}


def fuzz(examples: int):
    """Bounded, reproducible examples: composing a config costs ~0.1 s, so each test stays a few seconds."""
    return settings(max_examples=examples, **FUZZ_SETTINGS)


@functools.cache
def leaves_by_kind() -> tuple[dict[str, str], dict[str, str]]:
    """key -> a scenario (or "compare") defining it, for every numeric and every string leaf of every
    scenario's composed config and of compare mode. Composed on first use, not at import: an xdist worker
    collects every file, but only the one running these tests needs them."""
    numeric, strings = {}, {}
    for scenario in config_groups()["scenario"]:
        for key, value in leaves(to_plain(compose_config([f"scenario={scenario}"]))):
            if key.startswith(("run.", "scenario_name")):
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                numeric.setdefault(key, scenario)
            elif isinstance(value, str):
                strings.setdefault(key, scenario)
    for key, value in leaves(to_plain(compose_config([], "compare"))):
        if key.startswith("compare.") and isinstance(value, int):
            numeric.setdefault(key, "compare")
    return numeric, strings


def numeric_leaves() -> list[tuple[str, str]]:
    return sorted(leaves_by_kind()[0].items())


def string_leaves() -> dict[str, str]:
    return leaves_by_kind()[1]


never_a_number = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "1e308", "-1e308", "null", "[1,2]", "{a:1}", "'abc'", "true", "[]"]),
    st.integers(min_value=10**20, max_value=10**40).map(str),
    st.integers(max_value=-(10**20)).map(str),
    st.floats(min_value=1e30, max_value=1e300).map(repr),
    st.text(alphabet="abcxyz_", min_size=1, max_size=6).map(lambda word: f"'{word}'"),
)
"""Values no numeric key may take: non-finite, absurd magnitudes, words, null, containers, booleans."""


def _argv(key: str, scenario: str, text: str) -> list[str]:
    if scenario == "compare":
        return [*COMPARE_BASE, f"{key}={text}"]
    return [*BASE, f"scenario={scenario}", f"{key}={text}"]


def test_every_numeric_leaf_is_covered():
    keys = {key for key, _ in numeric_leaves()}
    assert {"seed", "steps", "city.n_agents", "compare.replicates", "compare.jobs",
            "interventions.volunteering.effect.encounters_per_session", "contact.quality.common_goal"} <= keys
    assert len(keys) > 150


@fuzz(15)
@given(leaf=st.deferred(lambda: st.sampled_from(numeric_leaves())), text=never_a_number)
def test_numeric_leaves_refuse_nonsense(capsys, tmp_path_factory, leaf, text):
    key, scenario = leaf
    cwd = tmp_path_factory.mktemp("case")
    assert_clean_rejection(run_main(capsys, cwd, *_argv(key, scenario, text)), key, cwd)


@fuzz(6)
@given(key=st.deferred(lambda: st.sampled_from(sorted(string_leaves()))),
       text=st.sampled_from(["3", "[1,2]", "{a:1}", "null", "1e308"]))
def test_string_leaves_refuse_non_strings(capsys, tmp_path_factory, key, text):
    cwd = tmp_path_factory.mktemp("case")
    result = run_main(capsys, cwd, *_argv(key, string_leaves()[key], text))
    if text == "null" and key.startswith("city.custom."):
        return  # null is the documented "not given"
    assert_clean_rejection(result, key.rsplit(".", 1)[0], cwd)


overrides_syntax = st.one_of(
    st.text(alphabet="ab.=[]{}$:~+@,'\" ", min_size=1, max_size=12),
    st.sampled_from(["hydra.", "hydra/", "city=", "~", "+", "${oc.env:HOME}", "="]).flatmap(
        lambda head: st.text(alphabet="abc.=[]{}", max_size=6).map(lambda tail: head + tail)),
)


@fuzz(25)
@given(text=overrides_syntax)
def test_malformed_overrides_never_crash(capsys, tmp_path_factory, text):
    """Any override string either runs (a valid one) or is refused in one line; never a traceback."""
    cwd = tmp_path_factory.mktemp("case")
    result = run_main(capsys, cwd, *BASE, "steps=2", text)
    assert "Traceback" not in result.stderr
    if result.code != 0:
        assert_clean_rejection(result, "", cwd)


# ---- files ----------------------------------------------------------------------------------------
BAD_CELLS = st.one_of(
    st.sampled_from(["nan", "inf", "-1", "2e9", "1e300", "1.5", "", "x", "True", "2024-01-01", '"', "0x1"]),
    st.text(min_size=1, max_size=8).filter(lambda t: "\n" not in t and "\r" not in t),
)


def _node_file(rows: list[str], row: int, column: int, cell: str, drop_header_field: bool) -> str:
    header, *body = [line.split(",") for line in rows]
    body[row][column] = cell
    if drop_header_field:
        header = header[:-1]
    return "\n".join(",".join(cells) for cells in [header, *body]) + "\n"


@fuzz(10)
@given(row=st.integers(0, len(GOOD_NODES) - 2), column=st.integers(1, 6), cell=BAD_CELLS,
       drop_header_field=st.booleans())
def test_malformed_node_files_are_refused_naming_the_file(capsys, tmp_path_factory, row, column, cell,
                                                          drop_header_field):
    folder = tmp_path_factory.mktemp("city")
    nodes, edges = folder / "nodes.csv", folder / "edges.csv"
    nodes.write_text(_node_file(GOOD_NODES, row, column, cell, drop_header_field), encoding="utf-8")
    edges.write_text("\n".join(GOOD_EDGES) + "\n")
    before = set(folder.rglob("*"))
    result = run_main(capsys, folder, *BASE[3:], "steps=1", f"city.custom.nodes_csv={nodes}",
                      f"city.custom.edges_csv={edges}")
    if result.code == 0:  # the mutation happened to be valid (e.g. another neighbourhood index)
        assert not drop_header_field
        return
    assert_clean_rejection(result, str(folder), folder, before)


SURVEY = ["step,community,respondent,thermometer,trust", "0,receiving,1,50,3", "0,arriving,2,60,4",
          "6,receiving,1,55,2"]


@fuzz(60)
@given(row=st.integers(1, len(SURVEY) - 1), column=st.sampled_from([0, 2, 3, 4]), cell=BAD_CELLS.filter(bool),
       drop_header_field=st.booleans())
def test_malformed_survey_files_are_refused_naming_the_file(tmp_path_factory, row, column, cell, drop_header_field):
    path = tmp_path_factory.mktemp("survey") / "survey.csv"
    lines = [line.split(",") for line in SURVEY]
    lines[row][column] = cell
    if drop_header_field:
        lines[0] = lines[0][:-1]
    path.write_text("\n".join(",".join(cells) for cells in lines) + "\n", encoding="utf-8")
    try:
        frame = read_survey(str(path))
    except InputError as error:
        assert str(path) in str(error) and "\n" not in str(error)
        return
    assert not drop_header_field
    assert frame.step.between(0, 5200).all()
    value = frame.iloc[row - 1, column] if column < 2 else frame[SURVEY[0].split(",")[column]].iloc[row - 1]
    if pd.isna(value):  # an optional cell pandas reads as missing ('nan', 'NA', blank)
        assert column != 0
    else:
        assert float(cell.strip()) == value


@pytest.mark.parametrize("name", ["entity expansion", "external entity"])
def test_graphml_entities_are_refused(capsys, tmp_path, name):
    from scripts.fuzz_inputs import graphml_variants

    path = tmp_path / "city.graphml"
    path.write_bytes(graphml_variants()[f"graphml {name}"])
    before = set(tmp_path.rglob("*"))
    result = run_main(capsys, tmp_path, *BASE[3:], f"city.custom.graphml={path}")
    assert_clean_rejection(result, str(path), tmp_path, before)
    assert "root:" not in result.stderr

