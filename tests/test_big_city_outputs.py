"""A big city's outputs written in blocks (issue 27): the agent table in row groups straight from the model, and
the headline figures read from the kept columns, exactly as from the whole table."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from bridges.model.simulation import run
from bridges import outputs
from bridges.outputs import headline, write_agents, write_table
from tests.conftest import params_for


def small_run():
    return run(params_for("city.n_agents=700", "city.n_neighbourhoods=5", "steps=6", "scenario=focus_approach"))


def test_agent_table_blocks_are_the_table_in_order():
    results = small_run()
    whole = results.agents
    blocks = [pd.DataFrame(columns) for columns in results.agent_columns(256)]
    assert [len(block) for block in blocks] == [256, 256, 188]
    pd.testing.assert_frame_equal(pd.concat(blocks, ignore_index=True), whole)


@pytest.mark.parametrize("codes", [False, True])  # labels as strings, or as codes (what run.py writes)
def test_agents_written_in_blocks_are_the_whole_table_written_in_row_groups(tmp_path, monkeypatch, codes):
    # the same bytes as write_table's row groups of the whole table (pandas' conversion, NaN as null)
    results = small_run()
    (tmp_path / "blocks").mkdir()
    (tmp_path / "whole").mkdir()
    kept = write_agents(results.agent_columns(300, codes), tmp_path / "blocks")
    monkeypatch.setattr(outputs, "ROW_GROUP", 300)
    write_table(results.agents, tmp_path / "whole", "agents")
    assert pq.ParquetFile(tmp_path / "blocks" / "agents.parquet").metadata.num_row_groups == 3
    assert (tmp_path / "blocks" / "agents.parquet").read_bytes() == (tmp_path / "whole" / "agents.parquet").read_bytes()
    # every figure the same float (repr: the arriving members' misperception is NaN, which == would refuse)
    assert repr(headline(results.timeseries, kept)) == repr(headline(results.timeseries, results.agents))


@pytest.mark.parametrize("codes", [False, True])
def test_one_block_is_written_as_before(tmp_path, codes):
    results = small_run()
    (tmp_path / "blocks").mkdir()
    (tmp_path / "whole").mkdir()
    kept = write_agents(results.agent_columns(10_000, codes), tmp_path / "blocks")
    write_table(results.agents, tmp_path / "whole", "agents")
    assert (tmp_path / "blocks" / "agents.parquet").read_bytes() == (tmp_path / "whole" / "agents.parquet").read_bytes()
    assert repr(headline(results.timeseries, kept)) == repr(headline(results.timeseries, results.agents))


def test_parquet_files_dictionary_encode_all_but_floating_point_columns(tmp_path):
    """`dictionary_columns`: measured values are written plain (their dictionaries were given up anyway), labels,
    identifiers and counts with a dictionary; the table reads back unchanged."""
    results = small_run()
    write_table(results.agents, tmp_path, "agents")
    column_chunks = pq.ParquetFile(tmp_path / "agents.parquet").metadata.row_group(0)
    encodings = {column_chunks.column(i).path_in_schema: column_chunks.column(i).encodings
                 for i in range(column_chunks.num_columns)}
    assert all("RLE_DICTIONARY" not in encodings[name] for name in ("attitude", "trust", "misperception"))
    assert all("RLE_DICTIONARY" in encodings[name] for name in ("group", "neighbourhood", "intergroup_contacts"))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "agents.parquet"), results.agents)


def test_joined_blocks_of_one_array_are_a_read_only_view_of_it():
    """`joined`: the blocks' rows of a state array, end to end, are that array's rows without a copy (the write
    stage's peak at a million residents); anything else is copied, with the same values."""
    values = np.arange(12.0)
    whole = outputs.joined([values[0:5], values[5:9], values[9:12]])
    assert np.shares_memory(whole, values) and not whole.flags.writeable
    np.testing.assert_array_equal(whole, values)
    rows = np.arange(24).reshape(2, 12)  # a row of a 2-D array, as some state fields are
    assert np.shares_memory(outputs.joined([rows[1, :7], rows[1, 7:]]), rows)
    for apart in ([values[0:4], values[5:9]], [values[4:8], values[0:4]], [values[0:4], np.arange(4.0, 8.0)],
                  [values[::2][:3], values[::2][3:]], [values[:6].astype(np.float32), values[6:].astype(np.float32)]):
        copy = outputs.joined(apart)
        assert not np.shares_memory(copy, values)
        np.testing.assert_array_equal(copy, np.concatenate(apart))


def test_headline_columns_of_a_run_in_blocks_are_its_state_arrays(tmp_path):
    results = small_run()
    kept = write_agents(results.agent_columns(300, True), tmp_path)
    assert np.shares_memory(kept["distress"].to_numpy(), results.model.state.distress)
