"""Reading user files safely: a local regular file of bounded size, and CSV text whose every row has
as many fields as its header.

Checks happen before any parser sees the bytes, so a device (/dev/zero), a pipe (FIFO), a folder or a
huge file is refused with one line instead of hanging or exhausting memory, and a CSV whose header has
a field fewer than its rows (which pandas would read by silently shifting every column) is refused.
"""

import csv
import io
import os
import stat

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
