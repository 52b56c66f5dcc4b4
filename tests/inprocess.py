"""Calling the command (bridges.cli.main) in-process, as a user's command line would, with captured output:
the fast way to test bad input (no interpreter start per case)."""

import os
from dataclasses import dataclass
from pathlib import Path

from bridges import cli


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        """stderr lines other than notes (notes announce capped jobs or long runs)."""
        return [line for line in self.stderr.splitlines() if line.strip() and not line.startswith("note: ")]


def run_main(capsys, cwd: Path, *argv: str) -> Result:
    """cli.main(argv) with `cwd` as working folder; returns its exit code and captured output."""
    capsys.readouterr()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        code = cli.main(list(argv))
    finally:
        os.chdir(here)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def assert_clean_rejection(result: Result, names: str, folder: Path, before: set | None = None) -> None:
    """Exit code 2, one `error:` line naming `names`, no traceback, nothing written into `folder`."""
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.error_lines
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert names in lines[0], lines[0]
    assert set(folder.rglob("*")) == (before or set()), sorted(set(folder.rglob("*")) - (before or set()))
