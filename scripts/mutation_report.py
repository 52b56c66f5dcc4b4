"""Summarise the last `mutmut run` (make mutation) as a short Markdown report.

Reads mutmut's results under mutants/ and the committed list of equivalent mutants
(tests/mutation_equivalent.yaml), and writes outputs/mutation/report.md (or --output): mutants, killed,
survived, timeouts, equivalent, the kill rate, and every survivor with file:line and its mutation.

An equivalent mutant is matched by function, original line and mutated line (stripped), not by
mutmut's running number, so the list survives code moving around. Entries that match no surviving
mutant are reported as stale. mutmut runs in build/mutation (the package laid out as in a wheel, see the
Makefile), so its results are under build/mutation/mutants/; the report names files and functions as in the
checkout (model/rules/contact.py, model.rules.contact.willingness). `python scripts/mutation_report.py`.
"""

import argparse
import os
import ast
import random
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import yaml
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / "build" / "mutation"
"""Where `make mutation` runs mutmut: bridges/model/... there is model/... here."""
EQUIVALENT = ROOT / "tests" / "mutation_equivalent.yaml"
MUTATED = ("bridges/model/rules/*.py", "bridges/model/step.py", "bridges/model/mechanisms/*.py",
           "bridges/model/interventions/*.py")
"""The files `make mutation` mutates (pyproject.toml [tool.mutmut] only_mutate)."""
TARGET = 0.85
SNAPSHOT = ROOT / "docs" / "mutation.md"
SNAPSHOT_INTRO = """\
<!-- Snapshot of outputs/mutation/report.md: `python scripts/mutation_report.py --snapshot` after a run. -->
# Mutation testing

`make mutation` (not part of `make test`) mutates the rules, the mechanisms' phases and the interventions one
small change at a time (an operator, a constant, a comparison, an argument, a string) with mutmut 3.8.1,
and runs each mutant only against the tests that call the mutated function, fastest first, stopping at
the first failure, in workers forked from one warmed-up process. Then scripts/mutation_report.py writes
outputs/mutation/report.md. A mutant no test notices *survives*: it gets a test that kills it, or, if it
cannot change behaviour, an entry with its one-line reason in tests/mutation_equivalent.yaml.

- Where it runs: in build/mutation, a copy of the checkout with the package laid out as in a wheel
  (bridges/model/, bridges/conf/, ...). mutmut names a mutant after its file's path and switches it on
  only inside the module of that name, so model/rules/contact.py must sit at bridges/model/rules/contact.py
  to be the module `bridges.model.rules.contact` the code imports; from the checkout's model/ it would be
  `model.rules.contact`, and no mutant would ever be switched on. Checked by hand: under
  `MUTANT_UNDER_TEST=bridges.model.rules.contact.x_pair_mean__mutmut_2` (0.5 -> 1.5) the golden test fails
  at mutants/bridges/model/rules/contact.py ("week 1, group all, metric attitude_mean moved first"), and
  passes with no mutant.
- The phases in model/mechanisms/ are mutated too: each declares what it reads and writes in its module's
  `MECHANISM` (data next to the function), not in a decorator (mutmut leaves decorated functions alone).
- Tests written to kill mutants: tests/test_rules_mutation_kills.py (exact values of every rule) and
  tests/test_intervention_units.py (effects, delivery helpers, coordination, cost, and a few whole-model
  checks of what the golden city is too small to show), tests/test_step_timing.py (the phase profile),
  tests/test_mutation_survivors.py (the mechanism rules' tables and boundaries, two phases on a tiny model).
- Mutants run against the fast exact tests only (pyproject.toml `[tool.mutmut]` says which and why): the
  statistical tests over replicates and the long end-to-end tests are left out, so the kill rate is a
  lower bound.
- How long: about 2,770 mutants (1,450 before the phase bodies were mutated). A killed mutant takes 1-3 s,
  a survivor 15-60 s (it runs every selected test that calls its function). On this 2-core machine shared
  with other engineers: 8-28 mutants a minute depending on load, so a full run takes 2-6 hours. When a
  full run does not fit, check a seeded random sample: after the stats phase of `make mutation`, in
  build/mutation, `mutmut run $(python ../../scripts/mutation_report.py --sample 230 --seed 0)`, then the
  report; its kill rate estimates the full one (binomial standard error about 2 points at 230 mutants
  and 90%).

"""


def mutated_files() -> list[Path]:
    return sorted(path.relative_to(TREE) for pattern in MUTATED for path in TREE.glob(pattern))


def module_of(path: Path) -> str:
    """bridges/model/rules/contact.py -> bridges.model.rules.contact (mutmut's prefix of the mutant names)."""
    return ".".join(path.with_suffix("").parts).removesuffix(".__init__")


def as_in_checkout(name: str) -> str:
    """bridges/model/step.py -> model/step.py, bridges.model.step.run_week -> model.step.run_week."""
    return name.removeprefix("bridges/").removeprefix("bridges.")


def function_name(path: Path, mutant: str) -> str:
    """bridges.model.rules.contact.x_willingness__mutmut_3 -> bridges.model.rules.contact.willingness
    (methods: Class.method)."""
    module = module_of(path)
    local = mutant[len(module) + 1:].rsplit("__mutmut_", 1)[0]
    local = local.replace("xǁ", "").replace("ǁ", ".")  # mutmut's mangling of Class.method
    return f"{module}.{local[2:] if local.startswith('x_') else local}"


def changed_lines(diff: str) -> tuple[str, str]:
    """(original, mutated) text of the mutation from mutmut's unified diff of the function."""
    removed = [line[1:].strip() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return " / ".join(removed), " / ".join(added)


def source_line(path: Path, function: str, original: str) -> int:
    """Line of `original` (its first line) inside the function's definition in the source file."""
    parts = function[len(module_of(path)) + 1:].split(".")
    lines = (TREE / path).read_text().splitlines()
    scope = ast.parse("\n".join(lines))
    for name in parts:
        scope = next((node for node in scope.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))
                      and node.name == name), None)
        if scope is None:
            return 0
    first = original.split(" / ")[0]
    for number in range(scope.lineno, scope.end_lineno + 1):
        if lines[number - 1].strip() == first:
            return number
    return scope.lineno


def load_equivalent() -> list[dict]:
    entries = yaml.safe_load(EQUIVALENT.read_text()) if EQUIVALENT.exists() else []
    for entry in entries or []:
        missing = {"function", "original", "mutant", "reason"} - set(entry)
        if missing:
            sys.exit(f"{EQUIVALENT.relative_to(ROOT)}: an entry lacks {', '.join(sorted(missing))}: {entry}")
    return entries or []


def git_commit() -> str:
    """HEAD, and the last commit that changed model/ (the code mutated), flagging uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    head, model = git("rev-parse", "--short", "HEAD"), git("log", "-1", "--format=%h", "--", "model")
    dirty = git("status", "--porcelain", "--", "model", "tests")
    return f"{head} (model/ as of {model})" + (" with uncommitted changes to model/ or tests/" if dirty else "")


def collect(names: set[str] | None = None) -> tuple[Counter, list[dict]]:
    """Status counts and one record per mutant that was not killed (only `names`, if given)."""
    counts, others = Counter(), []
    for path in mutated_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for mutant, exit_code in sorted(data.exit_code_by_key.items()):
            if names is not None and mutant not in names:
                continue
            status = status_by_exit_code[exit_code]
            counts[status] += 1
            if status in ("killed", "not checked"):
                continue
            function = function_name(path, mutant)
            original, mutated = changed_lines(get_diff_for_mutant(mutant, path=path))
            others.append({"mutant": mutant, "status": status, "path": as_in_checkout(str(path)),
                           "function": as_in_checkout(function), "local": function[len(module_of(path)) + 1:],
                           "line": source_line(path, function, original), "original": original, "mutated": mutated})
    return counts, others


def report(counts: Counter, others: list[dict], equivalent: list[dict], seconds: float | None,
           sampled: bool = False) -> str:
    reasons = {(e["function"], e["original"].strip(), e["mutant"].strip()): e["reason"] for e in equivalent}
    used = set()
    for record in others:
        key = (record["function"], record["original"], record["mutated"])
        if record["status"] == "survived" and key in reasons:
            record["status"], record["reason"] = "equivalent", reasons[key]
            used.add(key)
    total = sum(counts.values())
    n_equivalent = sum(record["status"] == "equivalent" for record in others)
    killed, timeouts = counts["killed"], counts["timeout"]
    survived = sum(record["status"] == "survived" for record in others)
    unresolved = [record for record in others if record["status"] not in ("equivalent", "timeout")]
    rate = killed / max(total - n_equivalent, 1)
    lines = [
        "# Mutation testing report",
        "",
        f"mutmut over {', '.join(map(as_in_checkout, MUTATED))}; code at commit {git_commit()}; "
        f"written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC" + (f"; run took {seconds / 60:.0f} min." if seconds else "."),
        "",
        "| mutants | killed | survived (not equivalent) | equivalent | timeouts | other | kill rate |",
        "|---|---|---|---|---|---|---|",
        f"| {total} | {killed} | {survived} | {n_equivalent} | {timeouts} | "
        f"{total - killed - survived - n_equivalent - timeouts} | {rate:.1%} |",
        "",
        f"Kill rate = killed / (mutants - equivalent); target {TARGET:.0%}: "
        f"{'met' if rate >= TARGET else 'NOT met'}. A timeout (the mutant made the tests run past mutmut's "
        "limit) is counted as not killed.",
        "",
    ]
    unchecked = counts["not checked"]
    if unchecked:
        checked_rate = killed / max(total - unchecked - n_equivalent, 1)
        lines += [f"The run stopped before checking {unchecked} mutants: over the {total - unchecked} checked, "
                  f"the kill rate is {checked_rate:.1%}.", ""]
    other = {status: n for status, n in sorted(counts.items()) if status not in ("killed", "survived", "timeout")}
    if other:
        lines += ["Other: " + ", ".join(f"{n} {status}" for status, n in other.items())
                  + " (\"not checked\": the run stopped before reaching them; \"no tests\": no selected test calls "
                  "the function).", ""]
    sections = (("Surviving mutants (need a test, or a reason in tests/mutation_equivalent.yaml)", unresolved),
                ("Timeouts", [r for r in others if r["status"] == "timeout"]),
                ("Equivalent mutants (tests/mutation_equivalent.yaml)", [r for r in others if r["status"] == "equivalent"]))
    for title, records in sections:
        lines += [f"## {title}: {len(records)}", ""]
        for r in sorted(records, key=lambda r: (r["path"], r["line"], r["mutant"])):
            status = "" if r["status"] in ("survived", "equivalent", "timeout") else f" [{r['status']}]"
            lines.append(f"- `{r['path']}:{r['line']}` ({r['local']}){status}: "
                         f"`{r['original']}` -> `{r['mutated']}`" + (f" — {r['reason']}" if "reason" in r else ""))
        lines.append("")
    stale = [e for e in equivalent if (e["function"], e["original"].strip(), e["mutant"].strip()) not in used]
    if stale and not sampled:
        lines += [f"## Stale entries in tests/mutation_equivalent.yaml (match no surviving mutant): {len(stale)}", ""]
        lines += [f"- {e['function']}: `{e['original']}` -> `{e['mutant']}`" for e in stale] + [""]
    return "\n".join(lines)


def sample_unchecked(size: int, seed: int) -> list[str]:
    """A seeded random sample of the generated mutants not yet checked, for `mutmut run NAMES` when a full
    run does not fit (the report then covers the sample; its kill rate estimates the full one)."""
    unchecked = []
    for path in mutated_files():
        data = SourceFileMutationData(path=path)
        data.load()
        unchecked += [mutant for mutant, exit_code in sorted(data.exit_code_by_key.items()) if exit_code is None]
    return random.Random(seed).sample(unchecked, min(size, len(unchecked)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "outputs" / "mutation" / "report.md")
    parser.add_argument("--snapshot", action="store_true", help=f"also write {SNAPSHOT.relative_to(ROOT)}")
    parser.add_argument("--seconds", type=float, default=None, help="wall-clock time of the run, for the report")
    parser.add_argument("--sample", type=int, default=None,
                        help="print this many unchecked mutant names (seeded random sample) and exit")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample")
    parser.add_argument("--names", type=Path, default=None, help="report only the mutants named in this file")
    parser.add_argument("--names-are", default="a seeded random sample, `--sample`",
                        help="what the --names file lists, for the report's first line")
    args = parser.parse_args()
    if not (TREE / "mutants").is_dir():
        sys.exit(f"{(TREE / 'mutants').relative_to(ROOT)}/: no mutmut results; run `make mutation` first")
    args.output, args.names = (path and path.resolve() for path in (args.output, args.names))
    os.chdir(TREE)  # mutmut's result files are found relative to the working directory
    if args.sample is not None:
        print("\n".join(sample_unchecked(args.sample, args.seed)))
        return
    names = set(args.names.read_text().split()) if args.names else None
    counts, others = collect(names)
    text = report(counts, others, load_equivalent(), args.seconds, sampled=names is not None)
    if names is not None:
        text = text.replace("\n\n| mutants", f"\n\nOnly the {sum(counts.values())} mutants named in {args.names.name} "
                            f"({args.names_are}).\n\n| mutants", 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")
    if args.snapshot:
        SNAPSHOT.write_text(SNAPSHOT_INTRO + text + "\n")
    print(text.split("\n## ", 1)[0])
    print(f"Report: {args.output}")


if __name__ == "__main__":
    main()
