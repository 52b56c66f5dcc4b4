"""Building a typed, validated dataclass from a plain mapping (`build`): each field's type and its metadata's
`check` (model/ranges.py `bounded`) say what a value may be; the first bad key raises one `InputError` naming
it. Params (model/params.py), each mechanism's and each intervention's parameters are built this way."""

import types
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, Union, get_args, get_origin, get_type_hints

from bridges.model.errors import InputError
from bridges.model.ranges import GROUPS, MAX_EXACT_INT


def _type_name(kind) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(kind, str(kind))


def _coerce(kind, value, key: str):
    """Check `value` against a scalar type; ints are accepted where numbers are expected."""
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, int) and abs(value) > MAX_EXACT_INT:
            raise InputError(f"{key}: {value} is far too large (must be a finite number)")
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind in (str, bool) and isinstance(value, kind):
        return value
    raise InputError(f"{key}: must be {_type_name(kind)}, got {value!r}")


def _optional_inner(kind):
    """X for `X | None`, else None."""
    if get_origin(kind) in (Union, types.UnionType):
        inner = [arg for arg in get_args(kind) if arg is not type(None)]
        if len(inner) == 1 and len(get_args(kind)) == 2:
            return inner[0]
    return None


MAX_TEXT = 4096
"""Longest text value (a name, a label, a path: PATH_MAX is 4,096 bytes): a 20,000-character city name took
25 s of CPU to draw into titles and reports."""


def _build_value(kind, value, key: str, metadata):
    inner = _optional_inner(kind)
    if inner is not None:
        return None if value is None else _build_value(inner, value, key, metadata)
    if value is None:
        raise InputError(f"{key}: missing value")
    if is_dataclass(kind):
        return build(kind, value, key)
    if kind is dict:
        if not isinstance(value, dict):
            raise InputError(f"{key}: must be a mapping, got {value!r}")
        return dict(value)
    if get_origin(kind) is dict:
        if not isinstance(value, dict):
            raise InputError(f"{key}: must be a mapping, got {value!r}")
        if metadata.get("per_group") and sorted(value) != sorted(GROUPS):
            raise InputError(f"{key}: must give a value for exactly {', '.join(GROUPS)}")
        _, item_kind = get_args(kind)
        return {name: _build_value(item_kind, item, f"{key}.{name}", metadata) for name, item in value.items()}
    if get_origin(kind) is list:
        if not isinstance(value, list):
            raise InputError(f"{key}: must be a list, got {value!r}")
        (item_kind,) = get_args(kind)
        return [_build_value(item_kind, item, f"{key}[{i}]", metadata) for i, item in enumerate(value)]
    value = _coerce(kind, value, key)
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise InputError(f"{key}: {len(value):,} characters, more than the {MAX_TEXT:,} a name, label or path may have")
    check = metadata.get("check")
    problem = check(value) if check else None
    if problem:
        raise InputError(f"{key}: {problem}, got {value!r}")
    return value


def build(cls, mapping: Any, prefix: str = ""):
    """Build dataclass `cls` from a plain mapping, raising `InputError` on the first bad key.

    Every field must be present unless it has a default (optional structural keys).
    """
    where = prefix or "config"
    if not isinstance(mapping, dict):
        raise InputError(f"{where}: must be a mapping, got {mapping!r}")
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls) if not f.metadata.get("internal")}
    for name in mapping:
        if name not in known:
            raise InputError(f"{prefix + '.' if prefix else ''}{name}: unknown config key")
    values = {}
    for f in fields(cls):
        key = f"{prefix}.{f.name}" if prefix else f.name
        if f.name not in mapping:
            if f.default is MISSING:
                raise InputError(f"{key}: missing value")
            continue
        values[f.name] = _build_value(hints[f.name], mapping[f.name], key, f.metadata)
    try:
        return cls(**values)
    except InputError as error:
        message = str(error)
        raise InputError(message if message.startswith(prefix or "\0") else f"{where}.{message}") from None
