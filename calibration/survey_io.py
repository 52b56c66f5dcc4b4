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
from bridges.model.survey import SURVEY_COLUMNS, SURVEY_ITEMS, check_survey

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


def read_raw(path: str) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """The file's table as read, without any checking of its values, and the SPSS/Stata value labels
    of each labelled column ({column: {code key: label}}; none for CSV and Parquet). Cells keep their
    codes: a column in the schema's own codes needs no mapping even when labelled, and a mapping may
    name a code or its label."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path}: unsupported survey file type {suffix or '(none)'}; use {', '.join(SUFFIXES)}")
    content = read_bytes(path)  # a local regular file of bounded size, checked before any parser runs
    if suffix == ".csv":
        return _read_csv(path, content), {}
    try:
        if suffix == ".parquet":
            return pd.read_parquet(io.BytesIO(content)).reset_index(drop=True), {}
        import pyreadstat

        reader = pyreadstat.read_sav if suffix == ".sav" else pyreadstat.read_dta
        frame, meta = reader(path, apply_value_formats=False)
    except Exception as error:  # parser messages vary; keep them on one line
        raise InputError(f"{path}: cannot read as {suffix[1:]}: {' '.join(str(error).split())}") from None
    labels = {str(column): {_key(code): str(label) for code, label in table.items()}
              for column, table in (meta.variable_value_labels or {}).items()}
    return frame.reset_index(drop=True), labels


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
    readers: dict[str, str] = {}
    for schema, own in columns.items():
        if own in readers:
            raise InputError(f"{path}, key columns.{schema}: column {own} is already read as {readers[own]}; "
                             "each schema column needs its own column")
        readers[own] = schema
    codes = content.get("codes") or {}
    if not isinstance(codes, dict) or not all(isinstance(v, dict) for v in codes.values()):
        raise InputError(f"{path}, key codes: must map a schema column to {{your code or label: schema value}}")
    for schema in codes:
        if schema not in allowed:
            raise InputError(f"{path}, key codes.{schema}: not a schema column (allowed: {', '.join(allowed)})")
    missing = content.get("missing") or []
    if isinstance(missing, list):
        _check_shared_missing(missing, path)
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


def _check_shared_missing(codes: list, path: str) -> None:
    """A `missing` list shared by every column must not hold a valid answer of any item: 98 and 99 mean
    "no answer" on a 1-5 scale but are answers on the 0-100 thermometer and perceived shares, which such
    a list would drop without a word. Per-column lists say which column a code belongs to."""
    for code in codes:
        try:
            number = float(code)
        except (TypeError, ValueError):
            continue
        for item, spec in SURVEY_ITEMS.items():
            if number.is_integer() and spec.low <= number <= spec.high:
                raise InputError(f"{path}, key missing: {code!r} is a valid answer of {item} ({spec.low}-{spec.high}); "
                                 f"list missing codes per column instead (missing: {{column: [codes]}})")


def apply_mapping(raw: pd.DataFrame, mapping: Mapping, name: str,
                  labels: dict[str, dict[str, str]] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """The file's table renamed and recoded to the schema, and how each schema column is shown in
    messages. Without a mapping for a column, the file's column of the schema's name is used. A cell
    with a value label (`labels`) matches a missing code or a `codes` entry by its label or its code;
    without a `codes` entry it keeps its code."""
    labels = labels or {}
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
        labelled = labels.get(str(own), {})
        values = []
        for row, cell in enumerate(raw[own].tolist()):
            code = None if _missing(cell) else _key(cell)
            keys = [] if code is None else [_key(labelled[code]), code] if code in labelled else [code]
            if not keys or any(key in missing for key in keys):
                values.append(None)
            elif codes is not None:
                found = [key for key in keys if key in codes]
                if not found:
                    known = ", ".join(map(str, list(codes)[:8]))
                    shown_cell = f"{cell!r} ({labelled[code]!r})" if code in labelled else f"{cell!r}"
                    raise InputError(f"{name} row {row + 1}, column {shown[schema]}: unknown code {shown_cell} "
                                     f"(the mapping knows {known})")
                values.append(codes[found[0]])
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
    """Positive finite weights scaled to mean 1: weighted statistics do not depend on the scale, and the
    scaling keeps sums of weights such as 1e308 finite."""
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    for row in range(len(values)):
        if _missing(raw.iloc[row]):
            raise InputError(f"{name} row {row + 1}, column {column}: missing weight")
        if not np.isfinite(values[row]):
            raise InputError(f"{name} row {row + 1}, column {column}: {raw.iloc[row]!r} is not a number")
        if values[row] <= 0:
            raise InputError(f"{name} row {row + 1}, column {column}: weight {values[row]:g} must be positive")
    if not len(values):
        return values
    scaled = values / values.max()
    return scaled / scaled.mean()


THERMOMETER_SHORT_SCALE = 10
"""A thermometer column whose every answer is at most this is a 0-10 item, not the schema's 0-100."""
DUPLICATE_SHARE = 0.5
"""Share of rows exactly repeating an earlier row from which a file without respondent ids is refused: a
file appended to itself has half; different people giving identical answers on every item (weight
included) are rare unless the file has very few columns, and unique respondent ids then tell them apart."""


def _check_answers(table: pd.DataFrame, name: str, shown: dict[str, str]) -> None:
    """Refuse what would otherwise pass silently: an item column without a single answer (its statistics
    would vanish without a word), a thermometer on a 0-10 scale, a respondent id used twice in one wave,
    and a file whose rows are largely exact copies of earlier rows."""
    for item in (column for column in SURVEY_ITEMS if column in table):
        if table[item].isna().all():
            raise InputError(f"{name}, column {shown.get(item, item)}: no answer in any row; leave the column "
                             "out if the survey did not ask it")
    if "thermometer" in table and table.thermometer.max() <= THERMOMETER_SHORT_SCALE:
        raise InputError(f"{name}, column {shown.get('thermometer', 'thermometer')}: every answer is between 0 "
                         f"and {THERMOMETER_SHORT_SCALE}, but the schema's thermometer is 0-100 (multiply a 0-10 "
                         "item by 10 first)")
    if "respondent" in table and table.respondent.notna().any():
        ids = table[["step", "respondent"]].dropna()
        repeated = ids.duplicated(keep="first").to_numpy()
        if repeated.any():
            row = int(ids.index[repeated][0])
            raise InputError(f"{name} row {row + 1}, column {shown.get('respondent', 'respondent')}: respondent "
                             f"{int(ids.respondent.loc[row])} appears twice in week {int(ids.step.loc[row])}")
        return
    copies = table.duplicated(keep="first")
    if len(table) and copies.mean() >= DUPLICATE_SHARE:
        raise InputError(f"{name}: {int(copies.sum())} of {len(table)} rows repeat an earlier row exactly (the "
                         "file appended to itself?); remove the copies, or add a respondent column with unique "
                         "ids if they are different people")


def load_survey(path: str, mapping_path: str | None = None, site: str | None = None,
                communities: tuple[str, ...] = GROUPS) -> Survey:
    """Read, map and check a survey file. With `site`, a file with a site column keeps that site's rows
    (none left is an error); every community in `communities` must have respondents."""
    name = str(path)
    mapping = load_mapping(mapping_path)
    raw, labels = read_raw(name)
    frame, shown = apply_mapping(raw, mapping, name, labels)
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
    _check_answers(table, name, shown)
    return Survey(table.reset_index(drop=True), file_site, weighted, name)
