"""Reading user files safely: a local regular file of bounded size, CSV text whose every row has
as many fields as its header, and YAML (the one guarded loader for every YAML file a user gives).

Checks happen before any parser sees the bytes, so a device (/dev/zero), a pipe (FIFO), a folder or a
huge file is refused with one line instead of hanging or exhausting memory, and a CSV whose header has
a field fewer than its rows (which pandas would read by silently shifting every column) is refused.
"""

import csv
import io
import os
import re
import stat

import yaml

from bridges.model.errors import InputError

MAX_FILE_BYTES = 256 * 2**20
"""Largest input file read (256 MiB): an edge list of a million residents with 30 ties each is about
60 MiB, so anything larger is not a network or survey Bridges can use on one machine."""


def read_bytes(path: str) -> bytes:
    """The bytes of a local regular file under MAX_FILE_BYTES, which must not be empty (never a URL)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens without waiting for a writer
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(f"{path}: cannot read the file ({reason})") from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{path}: is a folder, not a file")
        raise InputError(f"{path}: not a regular file (a device, pipe or socket); give a file")
    with os.fdopen(descriptor, "rb") as handle:
        if info.st_size > MAX_FILE_BYTES:
            raise InputError(f"{path}: file is {info.st_size / 2**20:,.0f} MiB, larger than the "
                             f"{MAX_FILE_BYTES // 2**20} MiB limit for input files")
        try:
            content = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise InputError(f"{path}: cannot read the file ({error.strerror})") from None
    if len(content) > MAX_FILE_BYTES:
        raise InputError(f"{path}: file is larger than the {MAX_FILE_BYTES // 2**20} MiB limit for input files")
    if not content.strip():
        raise InputError(f"{path}: file is empty")
    return content


def csv_text(path: str, content: bytes) -> str:
    """UTF-8 text of a CSV file whose rows all have the header's number of fields; blank lines are
    ignored and rows are numbered from 1 at the first data row, as in every message about the file."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a valid CSV file (not UTF-8 text)") from None
    if "\0" in text:
        raise InputError(f"{path}: not a valid CSV file (contains NUL bytes)")
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), strict=True) if row]
    except csv.Error as error:
        raise InputError(f"{path}: not a valid CSV file ({error})") from None
    if not rows:
        raise InputError(f"{path}: file is empty")
    width = len(rows[0])
    for number, row in enumerate(rows[1:], start=1):
        if len(row) != width:
            raise InputError(f"{path} row {number}: {len(row)} fields, but the header has {width}")
    return text


MAX_YAML_BYTES = 2**20
"""Largest YAML file read (1 MiB): priors, studies, mappings and calibrated sets are a few KiB; a
megabyte of keys already takes a second to parse, and more is a mistake or an attack."""
MAX_YAML_DEPTH = 32
"""Deepest nesting of mappings and lists in a YAML file: Bridges' deepest config is 6 levels."""
AMBIGUOUS_NUMBER = re.compile(r"[-+]?(0[0-9_]+|0[bB][01_]+"  # octal 010, binary 0b11
                              r"|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?"  # sexagesimal 1:30, 1:30.5
                              r"|[0-9][0-9_]*_[0-9_]*)")  # underscores 1_000
"""Plain scalars that YAML 1.1 (PyYAML) and YAML 1.2 read differently: `010` (8 or 10), `1:30` (90 or a
string), `0b11`, `1_000`. Refused, so no reader of the file can take a value other than the one meant."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no Python tags) that refuses a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise InputError(f"line {key_node.start_mark.line + 1}: key {key!r} is given twice")
            if isinstance(key, (str, int, float, bool)):
                seen.add(key)
        return super().construct_mapping(node, deep)


def read_yaml(path) -> object:
    """The content of a YAML file every reader of the tool goes through: a regular local file of at most
    MAX_YAML_BYTES, UTF-8 text, no anchors or aliases (`&a`, `*a`: recursion and alias bombs), nesting at
    most MAX_YAML_DEPTH deep, no key twice, no number YAML versions read differently, no Python tags
    (safe loader). Any problem is one InputError naming the file (and line)."""
    content = read_bytes(str(path))
    if len(content) > MAX_YAML_BYTES:
        raise InputError(f"{path}: file is {len(content) / 2**20:,.1f} MiB, larger than the 1 MiB limit for YAML files")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: not UTF-8 text (UTF-16); save the file as UTF-8")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start}); save the file as UTF-8") from None
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise InputError(f"{path} line {line}: anchors and aliases (&name, *name) are not supported; "
                                 "write the values out")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise InputError(f"{path} line {line}: nested more than {MAX_YAML_DEPTH} levels deep")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif (isinstance(event, yaml.ScalarEvent) and event.style is None and event.tag is None
                  and AMBIGUOUS_NUMBER.fullmatch(event.value)):
                raise InputError(f"{path} line {line}: {event.value[:40]} is read differently by YAML versions; "
                                 "write a plain decimal number (e.g. 8, 90, 1000) or quote it as text")
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except InputError as error:
        if str(error).startswith("line "):
            raise InputError(f"{path} {error}") from None
        raise
    except yaml.YAMLError as error:
        raise InputError(f"{path}: not valid YAML ({' '.join(str(error).split())[:200]})") from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply") from None


def known_keys(spec: dict, allowed: set[str], where: str) -> None:
    """One line naming the first key of `spec` (read from a study file) that is not in `allowed`, with the
    keys that are."""
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(allowed))})")
