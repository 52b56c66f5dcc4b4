"""Real survey files in: CSV, Parquet, SPSS .sav and Stata .dta, with an optional YAML mapping from the
user's column names and answer codes onto the survey schema (docs/survey_schema.md).

Every problem raises one `InputError` line naming the file, the data row (1 = first row after the
header) and the column as the user's file names it. Files are read locally; nothing is unpickled.
"""

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from bridges.model.errors import InputError
from bridges.model.input_files import csv_text, read_bytes
from bridges.model.params import GROUPS
from bridges.model.survey import SURVEY_COLUMNS, check_survey

SUFFIXES = (".csv", ".parquet", ".sav", ".dta")
EXTRA_COLUMNS = ("site", "weight")
"""Columns a calibration file may carry beyond the model's survey columns."""
MAPPING_KEYS = {"site", "step", "columns", "codes", "missing"}


@dataclass(frozen=True)
class Survey:
    """A checked survey: schema columns plus `weight` (1.0 where the file has none), and its site."""

    table: pd.DataFrame
    site: str | None
    weighted: bool
    source: str


# ---- files ------------------------------------------------------------------------------------------
def _read_csv(path: str, content: bytes) -> pd.DataFrame:
    """All cells as text (blank or NA = missing); the shared checks make every row as wide as the header."""
    rows = [row for row in csv.reader(io.StringIO(csv_text(path, content), newline="")) if row]
    header = [name.strip() for name in rows[0]]
    if len(set(header)) != len(header) or "" in header:
        raise InputError(f"{path}, header: empty or repeated column name")
    frame = pd.DataFrame([[cell.strip() for cell in row] for row in rows[1:]], columns=header, dtype=object)
    return frame.replace({"": None, "NA": None})


def read_raw(path: str) -> pd.DataFrame:
    """The file's table as read, without any checking of its values. SPSS and Stata value labels replace
    the codes they label, so a mapping can name either."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path}: unsupported survey file type {suffix or '(none)'}; use {', '.join(SUFFIXES)}")
    content = read_bytes(path)  # a local regular file of bounded size, checked before any parser runs
    if suffix == ".csv":
        return _read_csv(path, content)
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(io.BytesIO(content))
        else:
            import pyreadstat

            reader = pyreadstat.read_sav if suffix == ".sav" else pyreadstat.read_dta
            frame, _ = reader(path, apply_value_formats=True, formats_as_category=False)
    except Exception as error:  # parser messages vary; keep them on one line
        raise InputError(f"{path}: cannot read as {suffix[1:]}: {' '.join(str(error).split())}") from None
    return frame.reset_index(drop=True)


# ---- the mapping ------------------------------------------------------------------------------------
def _key(value) -> str:
    """How a cell or mapping key is compared: numbers by value (3 == 3.0 == '3'), text case-blind."""
    if isinstance(value, bool):
        return str(value).casefold()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return " ".join(str(value).split()).casefold()
    return str(int(number)) if number.is_integer() else repr(number)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


@dataclass(frozen=True)
class Mapping:
    """How a user's file maps onto the schema (see docs/survey_schema.md, "Mapping file")."""

    columns: dict[str, str]
    codes: dict[str, dict[str, object]]
    missing: dict[str, set[str]]
    site: str | None
    step: int | None


IDENTITY = Mapping({}, {}, {}, None, None)


def load_mapping(path: str | None) -> Mapping:
    """The mapping file's content, checked; no file = the data file already uses the schema's names."""
    if path is None:
        return IDENTITY
    try:
        content = yaml.safe_load(read_bytes(path).decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not valid YAML: {' '.join(str(error).split())[:200]}") from None
    if not isinstance(content, dict):
        raise InputError(f"{path}: must be a mapping of keys ({', '.join(sorted(MAPPING_KEYS))})")
    unknown = sorted(set(content) - MAPPING_KEYS)
    if unknown:
        raise InputError(f"{path}, key {unknown[0]}: unknown key (known: {', '.join(sorted(MAPPING_KEYS))})")
    allowed = (*SURVEY_COLUMNS, *EXTRA_COLUMNS)
    columns = content.get("columns") or {}
    if not isinstance(columns, dict):
        raise InputError(f"{path}, key columns: must map schema columns to your file's column names")
    for schema, own in columns.items():
        if schema not in allowed:
            raise InputError(f"{path}, key columns.{schema}: not a schema column (allowed: {', '.join(allowed)})")
        if not isinstance(own, str) or not own:
            raise InputError(f"{path}, key columns.{schema}: must be your file's column name")
    codes = content.get("codes") or {}
    if not isinstance(codes, dict) or not all(isinstance(v, dict) for v in codes.values()):
        raise InputError(f"{path}, key codes: must map a schema column to {{your code or label: schema value}}")
    for schema in codes:
        if schema not in allowed:
            raise InputError(f"{path}, key codes.{schema}: not a schema column (allowed: {', '.join(allowed)})")
    missing = content.get("missing") or []
    if isinstance(missing, list):
        missing = {schema: missing for schema in allowed}
    if not isinstance(missing, dict) or not all(isinstance(v, list) for v in missing.values()):
        raise InputError(f"{path}, key missing: must be a list of codes, or schema column: list of codes")
    site, step = content.get("site"), content.get("step")
    if site is not None and not isinstance(site, str):
        raise InputError(f"{path}, key site: must be a site name such as germany")
    if step is not None and (not isinstance(step, int) or isinstance(step, bool) or step < 0):
        raise InputError(f"{path}, key step: must be the wave's week, a whole number 0 or more")
    return Mapping(dict(columns), {schema: {_key(k): v for k, v in table.items()} for schema, table in codes.items()},
                   {schema: {_key(v) for v in values} for schema, values in missing.items()}, site, step)


def apply_mapping(raw: pd.DataFrame, mapping: Mapping, name: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The file's table renamed and recoded to the schema, and how each schema column is shown in
    messages. Without a mapping for a column, the file's column of the schema's name is used."""
    out, shown = {}, {}
    own_names = {schema: mapping.columns.get(schema, schema) for schema in (*SURVEY_COLUMNS, *EXTRA_COLUMNS)}
    allowed = (*SURVEY_COLUMNS, *EXTRA_COLUMNS)
    if not mapping.columns:
        for column in map(str, raw.columns):
            if column not in allowed:
                raise InputError(f"{name}, column {column}: unknown column (allowed: {', '.join(allowed)}; "
                                 "a mapping file maps other names)")
    for schema, own in mapping.columns.items():
        if own not in raw.columns:
            raise InputError(f"{name}, column {own}: missing (the mapping reads {schema} from it)")
    for schema, own in own_names.items():
        if own not in raw.columns:
            continue
        shown[schema] = own if own == schema else f"{own} ({schema})"
        codes, missing = mapping.codes.get(schema), mapping.missing.get(schema, set())
        values = []
        for row, cell in enumerate(raw[own].tolist()):
            if _missing(cell) or _key(cell) in missing:
                values.append(None)
            elif codes is not None:
                if _key(cell) not in codes:
                    known = ", ".join(map(str, list(codes)[:8]))
                    raise InputError(f"{name} row {row + 1}, column {shown[schema]}: unknown code {cell!r} "
                                     f"(the mapping knows {known})")
                values.append(codes[_key(cell)])
            else:
                values.append(cell)
        out[schema] = pd.Series(values, dtype=object)
    frame = pd.DataFrame(out, index=raw.index)
    if mapping.step is not None:
        if "step" in frame:
            raise InputError(f"{name}, column {shown['step']}: the mapping also sets step: {mapping.step}; keep one")
        frame["step"] = mapping.step
    if mapping.site is not None and "site" not in frame:
        frame["site"] = mapping.site
    return frame, shown


# ---- the whole read -----------------------------------------------------------------------------------
def _weights(raw: pd.Series, name: str, column: str) -> np.ndarray:
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    for row in range(len(values)):
        if _missing(raw.iloc[row]):
            raise InputError(f"{name} row {row + 1}, column {column}: missing weight")
        if not np.isfinite(values[row]):
            raise InputError(f"{name} row {row + 1}, column {column}: {raw.iloc[row]!r} is not a number")
        if values[row] <= 0:
            raise InputError(f"{name} row {row + 1}, column {column}: weight {values[row]:g} must be positive")
    return values


def load_survey(path: str, mapping_path: str | None = None, site: str | None = None,
                communities: tuple[str, ...] = GROUPS) -> Survey:
    """Read, map and check a survey file. With `site`, a file with a site column keeps that site's rows
    (none left is an error); every community in `communities` must have respondents."""
    name = str(path)
    mapping = load_mapping(mapping_path)
    frame, shown = apply_mapping(read_raw(name), mapping, name)
    weighted = "weight" in frame
    weights = _weights(frame["weight"], name, shown["weight"]) if weighted else np.ones(len(frame))
    table = check_survey(frame.drop(columns=[c for c in EXTRA_COLUMNS if c in frame]), name, shown)
    table["weight"] = weights
    file_site = site
    if "site" in frame:
        sites = frame["site"].map(lambda v: None if _missing(v) else str(v).strip().casefold())
        for row in np.flatnonzero(sites.isna().to_numpy()):
            raise InputError(f"{name} row {row + 1}, column {shown.get('site', 'site')}: missing site")
        if site is not None:
            keep = (sites == site.casefold()).to_numpy()
            if not keep.any():
                raise InputError(f"{name}, column {shown.get('site', 'site')}: no rows for site {site!r} "
                                 f"(the file has {', '.join(sorted(set(sites)))})")
            table = table[keep]
        elif sites.nunique() == 1:
            file_site = sites.iloc[0]
    for community in communities:
        if not (table["community"] == community).any():
            raise InputError(f"{name}, column {shown.get('community', 'community')}: no {community} respondents "
                             "(every community needs some)")
    return Survey(table.reset_index(drop=True), file_site, weighted, name)
