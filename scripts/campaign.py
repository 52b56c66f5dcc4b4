"""Hardening campaign: every case a real `python run.py` process in a fresh folder, its outcome classified.

    python scripts/campaign.py                       # every case (a few hundred processes; ~10 min on 2 cores)
    python scripts/campaign.py --only signals,files  # some categories
    python scripts/campaign.py --show                # also print every case that is not clean or valid
    python scripts/campaign.py --json results.json   # every case's outcome, for comparing two trees
    python scripts/campaign.py --tree /tmp/old --pythonpath /tmp/old_pkg   # another checkout's code

Unlike scripts/fuzz_inputs.py (one leaf at a time, in-process), each case here starts the command line as a
user would: combinations of keys, every file the tool reads (city CSV/GraphML, calibrated, prior, study,
survey, sweep and posterior files, drawn partly from hypothesis strategies of their grammar), comparison
variants, signals during start-up and after `wrote`, two processes on one shared file or folder, secrets in
the environment, and edges of the operating system.

Outcomes: *clean rejection* (exit 2, exactly one stderr line starting `error:`, nothing written), *valid
acceptance* (exit 0 on a case that may run, its checks passed), *traceback*, *silent acceptance* (exit 0 on a
case that must be refused, or a check failed: a leaked secret, a missing label, a wrong count), *hang* (past
the case's timeout), *messy rejection* (any other failure: several lines, another exit code, files left).
The environment holds BRIDGES_SECRET in every case: the value appearing in any output or file is a leak.
"""

import argparse
import json
import os
import random
import signal
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
SECRET = "s3cr3t-bridges-7f41c9"
SMALL = ["steps=2", "city.n_agents=200", "city.n_neighbourhoods=4", "run.progress=off",
         "survey.respondents.receiving=30", "survey.respondents.arriving=10"]
COMPARE = ["--config-name", "compare", "compare.scenarios=[baseline,volunteering]", "compare.replicates=2",
           "compare.jobs=1", "steps=3", "city.n_agents=300", "run.progress=off", "compare.budget=null"]
OUTCOMES = ("clean_rejection", "valid_acceptance", "traceback", "silent_acceptance", "hang", "messy_rejection")
BAD = ("traceback", "silent_acceptance", "hang", "messy_rejection")


@dataclass
class Result:
    code: int | None
    stdout: str
    stderr: str
    folder: Path  # the fresh working folder
    seconds: float
    hung: bool = False
    untested: str = ""  # why the case's driver never did what the case tests (e.g. no worker to interrupt)


@dataclass
class Case:
    name: str
    category: str
    args: list[str] = field(default_factory=list)
    expect: str = "reject"  # reject, accept, either
    files: dict[str, bytes | str] = field(default_factory=dict)  # written into the folder first
    check: Callable[[Result], str | None] | None = None  # a problem with an accepted (or any) outcome
    timeout: float = 90.0
    driver: Callable | None = None  # runs the process(es) itself: (case, folder, env) -> Result
    env: dict[str, str] = field(default_factory=dict)


# ---- classification --------------------------------------------------------------------------------

def written(folder: Path, given: set[str]) -> list[str]:
    """Files and folders the case left in its folder beyond the ones it was given."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if str(p.relative_to(folder)) not in given and not p.is_dir())


def leaks(result: Result) -> bool:
    if SECRET in result.stdout or SECRET in result.stderr:
        return True
    for path in result.folder.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink() and SECRET.encode() in path.read_bytes():
                return True
        except OSError:
            continue
    return False


def classify(case: Case, result: Result) -> tuple[str, str]:
    """(outcome, detail) of one case."""
    text = result.stdout + result.stderr
    if result.hung:
        return "hang", f"over {case.timeout:.0f} s"
    if result.untested:
        return "silent_acceptance", result.untested
    if "Traceback (most recent call last)" in text:
        return "traceback", last_line(result.stderr or result.stdout)
    leaked = leaks(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    refused = result.code == 2 and len(lines) == 1 and lines[0].startswith("error:")
    checked = case.check(result) if case.check and not refused else None  # checks judge what ran or stopped
    problem = "the secret leaked" if leaked else checked
    if result.code == 0:
        if case.expect == "reject":
            return "silent_acceptance", "exit 0 on input that must be refused"
        if problem:
            return "silent_acceptance", problem
        return "valid_acceptance", ""
    if case.expect == "accept" and result.code == 2:
        return "messy_rejection", f"valid input refused: {last_line(result.stderr)}"
    left = written(result.folder, set(case.files))
    if refused and not left and not problem:
        return "clean_rejection", lines[0][:160]
    if case.check and not problem and result.code not in (2,) and case.expect != "reject":
        return "valid_acceptance", ""  # a signal case whose check accepts its exit code
    detail = problem or f"exit {result.code}, {len(lines)} stderr lines, {len(left)} files left: {last_line(result.stderr)}"
    return "messy_rejection", detail


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:160] if lines else ""


# ---- running ---------------------------------------------------------------------------------------

def environment(pythonpath: str | None, extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "BRIDGES"))}
    env.update({"BRIDGES_SECRET": SECRET, "PYTHONWARNINGS": "ignore", "COLUMNS": "120", **extra})
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def start(tree: Path, folder: Path, args: list[str], env: dict) -> subprocess.Popen:
    """`python run.py ARGS` in `folder`, in its own process group, with SIGINT at its default (a campaign
    started as a background job would otherwise pass on an ignored SIGINT, and Ctrl-C cases test nothing)."""
    return subprocess.Popen([sys.executable, str(tree / "run.py"), *args], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                            start_new_session=True, preexec_fn=_default_interrupt)


def _default_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(process: subprocess.Popen, timeout: float) -> tuple[int | None, str, str, bool]:
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err, False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        return None, out, err, True


def run_case(case: Case, tree: Path, pythonpath: str | None) -> tuple[str, str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bridges-campaign-"))
    try:
        for name, content in case.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                path.write_text(content, encoding="utf-8")
            else:
                path.write_bytes(content)
        env = environment(pythonpath, case.env)
        began = time.perf_counter()
        if case.driver:
            result = case.driver(case, folder, env, tree)
        else:
            process = start(tree, folder, case.args, env)
            code, out, err, hung = finish(process, case.timeout)
            result = Result(code, out, err, folder, 0.0, hung)
        result.seconds = time.perf_counter() - began
        outcome, detail = classify(case, result)
        return outcome, detail, result.seconds
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---- checks ---------------------------------------------------------------------------------------

# ---- cases ------------------------------------------------------------------------------------------

def key_combinations() -> list[Case]:
    """Rules between keys, interpolation, unicode and long values."""
    rows = [
        (["city.n_agents=10", "city.n_neighbourhoods=20"], "reject"),
        (["city.arriving_share=0"], "either"),
        (["city.arriving_share=1"], "either"),
        (["steps=0"], "either"),
        (["steps=1", "survey.weeks=[5]"], "reject"),
        (["interventions.x.type=volunteering"], "reject"),
        (["scenario=volunteering", "interventions.volunteering.delivery.start_week=10", "steps=2"], "reject"),
        (["scenario=volunteering", "interventions.volunteering.delivery.start_week=1",
          "interventions.volunteering.delivery.end_week=0"], "reject"),
        (["scenario=volunteering", "interventions.volunteering.delivery.eligible.neighbourhoods=[99]"], "reject"),
        (["city.n_agents=${steps}"], "either"),
        (["steps=${seed}"], "either"),
        (["seed=${steps}", "steps=${seed}"], "reject"),
        (["seed=${oc.env:BRIDGES_SECRET}"], "reject"),
        (["run.output_dir=${oc.env:BRIDGES_SECRET}"], "reject"),
        (["city.name=${oc.env:BRIDGES_SECRET}"], "reject"),
        (["city.name='${oc.decode:${oc.env:BRIDGES_SECRET}}'"], "reject"),
        (["city.name=Zürich-Ñandú"], "either"),
        (["city.name=" + "x" * 20_000], "either"),
        (["city.name='a\x1b[31mred\x1b[0m'"], "either"),
        (["city.nope\x1b[2J=1"], "reject"),
        (["city.n_agents=2.5"], "reject"),
        (["city.n_agents=1e3"], "reject"),
        (["k" * 300 + "=1"], "reject"),
        (["city." + "a" * 300 + "=1"], "reject"),
        (["city.name=" + "[" * 2000 + "]" * 2000], "reject"),
        (["city.name=" + "{a:" * 2000 + "1" + "}" * 2000], "reject"),
        (["survey.weeks=[" + ",".join(["1"] * 20_000) + "]"], "reject"),
        (["survey.weeks=[0,1,1]"], "either"),
        (["-m", "seed=0,1", "hydra.launcher.n_jobs=abc"], "reject"),
        (["-m", "seed=0,1", "hydra.launcher.n_jobs=0"], "reject"),
        (["-m", "seed=0,1", "hydra.launcher.pre_dispatch=abc"], "reject"),
        (["-m", "seed=0,1", "hydra.launcher.backend=threading"], "reject"),
        (["-m", "seed=0,1", "hydra.launcher.temp_folder=/nonexistent"], "reject"),
        (["-m", "seed=0,1", "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=abc"], "reject"),
        (["run.output_dir=~/bridges-campaign-never"], "reject"),
        (["run.output_dir=ü/ö"], "either"),
        (["run.output_dir=" + "d" * 300], "reject"),
        (["run.output_dir=/proc/self/x"], "reject"),
        (["run.output_dir=/sys/kernel/x"], "reject"),
        (["run.output_dir=."], "reject"),
        (["run.output_dir=.."], "reject"),
        (["run.output_dir=/"], "reject"),
        (["run.output_dir=/dev/null"], "reject"),
        (["run.output_dir=a\nb"], "either"),
        (["seed=-1"], "reject"),
        (["seed=4294967296"], "reject"),
        (["warmup_weeks=5200"], "reject"),
        (["city.custom.graphml=null", "city.custom.edges_csv=e.csv"], "reject"),
    ]
    cases = [Case(f"keys:{i}:{' '.join(a)[:60]!r}", "keys", [*SMALL, *a], expect) for i, (a, expect) in enumerate(rows)]
    rng = random.Random(21)
    pool = ["city.arriving_share=0.3", "city.segregation=1", "city.segregation=0", "warmup_weeks=1", "seed=5",
            "scenario=mhpss", "scenario=focus_approach", "scenario=information", "warmup_weeks=2",
            "city=jordan", "city=croatia", "survey.weeks=[0]", "city.n_neighbourhoods=1",
            "city.arrival_area_share=1", "dynamics=default"]
    for i in range(20):  # valid combinations: they must all run (8 weeks: every programme starts by week 4)
        chosen = rng.sample(pool, 3)
        if len({c.split("=")[0] for c in chosen}) == 3:
            cases.append(Case(f"keys:combo{i}:{' '.join(chosen)}", "keys", [*SMALL, "steps=8", *chosen], "accept"))
    return cases


def comparisons() -> list[Case]:
    """Comparison variants: only what keeps the pairing valid may run paired; the rest is refused or labelled."""
    rows = [
        ("compare.variants.b7=[baseline,seed=7]", "reject", None),
        ("compare.variants.bigger=[volunteering,city.arriving_share=0.2]", "reject", None),
        ("compare.variants.longer=[volunteering,steps=10]", "reject", None),
        ("compare.variants.more=[volunteering,city.n_agents=400]", "reject", None),
        ("compare.variants.cov=[volunteering,interventions.volunteering.delivery.coverage=0.01]", "accept", None),
        ("compare.variants.w=[baseline,contact.update.negativity_weight=3]", "accept", None),
        ("compare.variants.w_self=[baseline,contact.update.negativity_weight=3]", "reject", None),
        ("compare.variants.j=[volunteering,city=jordan]", "reject", None),
        ("compare.variants.s=[volunteering,survey.weeks=[0]]", "either", None),
        ("compare.variants.warm=[volunteering,warmup_weeks=2]", "reject", None),
        ("compare.variants.o=[volunteering,run.output_dir=x]", "reject", None),
        ("compare.variants.c=[volunteering,compare.replicates=3]", "reject", None),
        ("compare.variants.e=[volunteering,seed=${oc.env:BRIDGES_SECRET}]", "reject", None),
        ("compare.variants.bad=[nowhere]", "reject", None),
        ("compare.variants.baseline=[volunteering]", "reject", None),
        ("compare.variants.g=[volunteering,city.groups.receiving.attitude.mean=70]", "reject", None),
        ("compare.variants.l=[volunteering,city.layers.workplace.contact_rate=2]", "accept", None),
    ]
    cases = [Case(f"compare:{i}:{arg[17:70]}", "compare",
                  [*COMPARE, *(["dynamics.reference=self"] if "w_self" in arg else []), arg], expect, check=check,
                  timeout=180) for i, (arg, expect, check) in enumerate(rows)]
    cases += [
        Case("compare:baseline-only", "compare",
             [*COMPARE[:2], "compare.scenarios=[baseline]", *COMPARE[3:]], "reject", timeout=180),
        Case("compare:baseline-and-variant", "compare",
             [*COMPARE[:2], "compare.scenarios=[baseline]", *COMPARE[3:],
              "compare.variants.v=[volunteering,interventions.volunteering.delivery.coverage=0.5]"], "accept",
             timeout=180),
        Case("compare:no-arriving", "compare", [*COMPARE, "city.arriving_share=0"], "reject", timeout=180),
        Case("compare:budget-mixed-currency", "compare",
             [*COMPARE[:-1], "steps=8", "compare.budget=50000",
              "compare.variants.cc_usd=[co_creation,interventions.co_creation.cost.currency=USD]"], "either",
             timeout=240, check=budget_one_currency),
        Case("compare:common-seed", "compare", [*COMPARE, "seed=9"], "accept", timeout=180),
    ]
    return cases


def budget_one_currency(result: Result) -> str | None:
    """The budget view never adds amounts in different currencies."""
    reports = list(result.folder.rglob("report.md"))
    if not reports:
        return "no report.md"
    text = reports[0].read_text()
    section = text.split("## Budget view", 1)[1].split("\n## ", 1)[0] if "## Budget view" in text else ""
    bought = [line for line in section.splitlines() if line.startswith("- ") and " x **" in line]
    if len({line.rsplit(",", 1)[0].split()[-1] for line in bought}) > 1:
        return "budget view buys programmes priced in different currencies as one sum"
    return None


def posterior_bytes(kind: str) -> bytes:
    import io
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"attitude_step": np.linspace(0.01, 0.02, 5), "weight": np.ones(5) / 5})
    if kind == "no_weight":
        frame = frame.drop(columns="weight")
    elif kind in ("negative", "zero", "inf", "nan"):
        frame["weight"] = {"negative": -1.0, "zero": 0.0, "inf": np.inf, "nan": np.nan}[kind]
    elif kind == "empty":
        frame = frame.iloc[:0]
    elif kind == "strings":
        frame["attitude_step"] = "x"
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if kind != "no_meta":  # what a calibration writes: the parameters' keys in the file's metadata
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"bridges_parameters": json.dumps(
            {"attitude_step": {"key": "contact.update.attitude_step", "scale": False}}).encode()})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def files() -> list[Case]:
    """Every file the tool reads, malformed in the ways its grammar allows."""
    cases = []
    calibrated = {
        "recursive": "a: &a {b: *a}\n",
        "bomb": "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
            f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n" for i in range(9)),
        "many_keys": "".join(f"k{i}: {i}\n" for i in range(600_000)),
        "latin1": "city:\n  name: M\xfcnchen\n".encode("latin-1"),
        "utf16": "contact:\n  update:\n    attitude_step: 0.01\n".encode("utf-16"),
        "seed": "seed: 7\n",
        "steps": "steps: 9\n",
        "n_agents": "city:\n  n_agents: 300\n",
        "sexagesimal": "contact:\n  update:\n    negativity_weight: 1:30\n",
        "octal": "contact:\n  update:\n    negativity_weight: 010\n",
        "python_tag": "contact: !!python/object/apply:os.system ['echo hi']\n",
        "resolver": "contact:\n  update:\n    attitude_step: ${oc.env:BRIDGES_SECRET}\n",
        "list": "- 1\n- 2\n",
        "nul": b"contact:\x00\n",
        "deep": "a:" + " [" * 5000 + "]" * 5000 + "\n",
        "valid": "contact:\n  update:\n    attitude_step: 0.01\n",
    }
    for name, content in calibrated.items():
        cases.append(Case(f"files:calibrated:{name}", "files", [*SMALL, "+calibrated=./cal.yaml"],
                          "accept" if name == "valid" else "reject", files={"cal.yaml": content}, timeout=60))
    for kind in ("valid", "no_weight", "negative", "zero", "inf", "nan", "empty", "strings", "csv", "no_meta"):
        content = b"attitude_step,weight\n0.1,1\n" if kind == "csv" else posterior_bytes(kind)
        cases.append(Case(f"files:posterior:{kind}", "files", [*COMPARE, "compare.posterior=post.parquet"],
                          "accept" if kind == "valid" else "reject", files={"post.parquet": content}, timeout=180))
    nodes = "id,group,neighbourhood\n" + "".join(f"{i},{'arriving' if i % 5 == 0 else 'receiving'},{i % 3}\n"
                                                   for i in range(30))
    edges = "source,target,layer\n" + "".join(f"{i},{(i + 1) % 30},neighbourhood\n" for i in range(30))
    custom = ["city.custom.edges_csv=e.csv", "city.custom.nodes_csv=n.csv"]
    cases += [
        Case("files:city:valid", "files", [*SMALL[:1], "run.progress=off", *custom], "accept",
             files={"e.csv": edges, "n.csv": nodes}),
        Case("files:city:n_agents-ignored", "files", [*SMALL[:1], "run.progress=off", *custom, "city.n_agents=500"],
             "reject", files={"e.csv": edges, "n.csv": nodes}),
        Case("files:city:share-ignored", "files", [*SMALL[:1], "run.progress=off", *custom, "city.arriving_share=0.5"],
             "reject", files={"e.csv": edges, "n.csv": nodes}),
        Case("files:city:eligible-missing-neighbourhood", "files",
             [*SMALL[:1], "run.progress=off", *custom, "scenario=volunteering",
              "interventions.volunteering.delivery.eligible.neighbourhoods=[7]"], "reject",
             files={"e.csv": edges, "n.csv": nodes}),
        Case("files:city:two-graphs", "files", [*SMALL[:1], "run.progress=off", "city.custom.graphml=g.graphml"],
             "reject", files={"g.graphml": graphml(2)}),
        Case("files:city:huge-attribute", "files", [*SMALL[:1], "run.progress=off", "city.custom.graphml=g.graphml"],
             "reject", files={"g.graphml": graphml(1, group="x" * 1_000_000)}, check=short_error),
        Case("files:city:graphml-valid", "files", [*SMALL[:1], "run.progress=off", "city.custom.graphml=g.graphml"],
             "accept", files={"g.graphml": graphml(1)}),
        Case("files:city:latin1", "files", [*SMALL[:1], "run.progress=off", *custom], "reject",
             files={"e.csv": edges, "n.csv": nodes.replace("receiving", "r\xe9ceiving").encode("latin-1")}),
        Case("files:city:dev-zero", "files", [*SMALL[:1], "run.progress=off", "city.custom.graphml=/dev/zero"]),
        Case("files:city:folder", "files", [*SMALL[:1], "run.progress=off", "city.custom.graphml=/tmp"]),
    ]
    prior = ("parameters:\n  a:\n    key: contact.update.attitude_step\n    prior: {distribution: uniform, low: 0.0, "
             "high: 0.04}\n    unit: u\n    meaning: m\n    source: s\n")
    for name, text in {"recursive": "parameters: &a {b: *a}\n", "latin1": prior.encode("utf-16"),
                       "sexagesimal": prior.replace("0.04", "1:30")}.items():
        cases.append(Case(f"files:prior:{name}", "files",
                          ["--config-name", "calibrate", "calibration.data=" + str(ROOT / "calibration/data/germany_synthetic.csv"),
                           "calibration.site=germany", "calibration.priors=./prior.yaml"], "reject",
                          files={"prior.yaml": text}, timeout=120))
    for name, text in {"recursive": "ranges: &a {b: *a}\n", "utf16": "ranges: {}\n".encode("utf-16"),
                       "bomb": calibrated["bomb"]}.items():
        cases.append(Case(f"files:study:{name}", "files", ["--config-name", "sensitivity", "sensitivity.study=./s.yaml"],
                          "reject", files={"s.yaml": text}, timeout=120))
    cases += sweep_files()
    cases += csv_cases()
    return cases


def short_error(result: Result) -> str | None:
    return "error line over 1,000 characters" if len(result.stderr) > 1_000 else None


def graphml(graphs: int, group: str = "") -> str:
    body = []
    for g in range(graphs):
        nodes = "".join(f'<node id="g{g}n{i}"><data key="group">{group or ("arriving" if i % 4 == 0 else "receiving")}'
                        f'</data></node>' for i in range(20))
        edges = "".join(f'<edge source="g{g}n{i}" target="g{g}n{(i + 1) % 20}"/>' for i in range(20))
        body.append(f'<graph id="G{g}" edgedefault="undirected">{nodes}{edges}</graph>')
    return ('<?xml version="1.0" encoding="UTF-8"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
            '<key id="group" for="node" attr.name="group" attr.type="string"/>' + "".join(body) + "</graphml>")


def sweep_files() -> list[Case]:
    """aggregate and resume on malformed sweep.json and complete.json."""
    good_marker = {"config_hash": "0123456789abcdef", "overrides": ["seed=1"], "parameters": {"seed": 1},
                   "outcomes": {"receiving": {"attitude_end": 50.0}}}
    manifests = {
        "not_json": "{", "list": "[]", "points_string": '{"points": "x"}', "point_int": '{"points": [1]}',
        "hash_traversal": '{"points": [{"config_hash": "../../etc", "overrides": []}]}',
        "no_points": '{"sweeps": []}', "null": "null",
    }
    cases = [Case(f"files:sweep-manifest:{name}", "files", ["aggregate", "sw"], "reject",
                  files={"sw/sweep.json": text}) for name, text in manifests.items()]
    markers = {"not_json": "{", "outcomes_list": {**good_marker, "outcomes": []},
               "parameters_list": {**good_marker, "parameters": [1]},
               "values_strings": {**good_marker, "outcomes": {"receiving": "x"}}}
    manifest = json.dumps({"config_name": "config", "sweeps": [], "points": [
        {"config_hash": "0123456789abcdef", "overrides": ["seed=1"]}]})
    for name, marker in markers.items():
        text = marker if isinstance(marker, str) else json.dumps(marker)
        cases.append(Case(f"files:sweep-marker:{name}", "files", ["aggregate", "sw"], "reject",
                          files={"sw/sweep.json": manifest, "sw/runs/0123456789abcdef/complete.json": text}))
    for name, text in {"not_json": "{", "list": "[]"}.items():
        cases.append(Case(f"files:sweep-resume:{name}", "files",
                          ["-m", "seed=1,2", *SMALL[:3], "run.output_dir=sw"], "reject",
                          files={"sw/sweep.json": text}, timeout=120))
    return cases


def csv_cases() -> list[Case]:
    """Node and edge files drawn from the CSV grammar (rows, fields, quotes, odd values); the same grammar as
    a hypothesis strategy is in tests/test_hardening_two.py, which tries hundreds of files in-process."""
    values = ["arriving", "receiving", "0", "1", "-1", "1e400", "nan", "", '"', '"a,b"', "\u00e9", "9" * 30, " 3 ",
              "neighbourhood", "nope", "\x00", "\r"]
    rng = random.Random(5)
    cases = []
    for i in range(12):
        header = rng.choice([["id", "group"], ["id", "group", "neighbourhood"], ["source", "target", "layer"]])
        rows = [[rng.choice(values) for _ in range(rng.randint(1, 4))] for _ in range(rng.randint(1, 8))]
        text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
        target = "n.csv" if header[0] == "id" else "e.csv"
        other = ("e.csv", "source,target\n0,1\n") if target == "n.csv" else ("n.csv", "id,group\n0,arriving\n1,receiving\n")
        cases.append(Case(f"files:csv-grammar:{i}", "files",
                          [*SMALL[:1], "run.progress=off", "city.custom.edges_csv=e.csv", "city.custom.nodes_csv=n.csv"],
                          "either", files={target: text, other[0]: other[1]}))
    return cases


def security() -> list[Case]:
    """Secrets from the environment must never reach a message, a traceback or a file."""
    scenario = ("# @package _global_\ndefaults:\n  - /intervention@interventions.volunteering: volunteering\n"
                "  - _self_\nscenario_name: leaky\ninterventions:\n  volunteering:\n    cost:\n"
                "      currency: ${oc.env:BRIDGES_SECRET}\n")
    return [
        Case("secret:launcher-pre-dispatch", "security",
             ["-m", "seed=0,1", *SMALL, "hydra.launcher.pre_dispatch=${oc.env:BRIDGES_SECRET}", "run.output_dir=sw"]),
        Case("secret:launcher-n_jobs", "security",
             ["-m", "seed=0,1", *SMALL, "hydra.launcher.n_jobs=${oc.env:BRIDGES_SECRET}", "run.output_dir=sw"]),
        Case("secret:launcher-verbose", "security",
             ["-m", "seed=0,1", *SMALL, "hydra.launcher.verbose=${oc.env:BRIDGES_SECRET}", "run.output_dir=sw"]),
        Case("secret:scenario-file", "security", [*SMALL, "scenario=leaky"], "reject", driver=with_scenario(scenario)),
        Case("secret:variant", "security",
             [*COMPARE, "compare.variants.v=[volunteering,city.name=${oc.env:BRIDGES_SECRET}]"], timeout=120),
        Case("secret:sweep-value", "security", ["-m", "city.name=a,${oc.env:BRIDGES_SECRET}", *SMALL]),
        Case("secret:posterior-path", "security", [*COMPARE, "compare.posterior=${oc.env:BRIDGES_SECRET}"]),
    ]


def with_scenario(text: str):
    """A driver running the case with an extra scenario file in a copy of the tree's conf/ (the tree is not
    modified): the scenario is given through a temporary copy of the whole checkout."""
    def drive(case: Case, folder: Path, env: dict, tree: Path) -> Result:
        copy = folder.parent / (folder.name + "-tree")
        shutil.copytree(tree, copy, ignore=shutil.ignore_patterns(".venv", ".git", "outputs", "tests", "benchmarks"))
        try:
            (copy / "conf" / "scenario" / "leaky.yaml").write_text(text)
            pkg = copy.parent / (folder.name + "-pkg")
            (pkg / "bridges").mkdir(parents=True)
            for name in ("__init__.py", "__main__.py", "cli.py", "compare.py", "sweep.py"):
                if (copy / "bridges" / name).exists():
                    (pkg / "bridges" / name).symlink_to(copy / "bridges" / name)
            for package, source in (("model", "model"), ("scenarios", "scenarios"), ("calibration", "calibration"),
                                    ("conf", "conf")):
                (pkg / "bridges" / package).symlink_to(copy / source)
            env = {**env, "PYTHONPATH": str(pkg)}
            process = start(copy, folder, case.args, env)
            code, out, err, hung = finish(process, case.timeout)
            result = Result(code, out, err, folder, 0.0, hung)
            if SECRET in out + err or any(SECRET.encode() in p.read_bytes() for p in folder.rglob("*") if p.is_file()):
                result.stderr += "\nLEAK " + SECRET  # classify() sees the leak
            return result
        finally:
            shutil.rmtree(copy, ignore_errors=True)
            shutil.rmtree(folder.parent / (folder.name + "-pkg"), ignore_errors=True)
    return drive


# ---- signals and concurrency --------------------------------------------------------------------

def interrupt_at(delay: float, sig: int = signal.SIGINT, args: list[str] | None = None):
    """Send `sig` `delay` seconds after start: the process must stop with one line, or finish normally.
    SIGINT goes to the whole process group, as a terminal's Ctrl-C does (workers included)."""
    def drive(case: Case, folder: Path, env: dict, tree: Path) -> Result:
        process = start(tree, folder, args or case.args, env)
        time.sleep(delay)
        if process.poll() is None:
            if sig == signal.SIGINT:
                os.killpg(process.pid, sig)
            else:
                os.kill(process.pid, sig)
        code, out, err, hung = finish(process, case.timeout)
        return Result(code, out, err, folder, 0.0, hung)
    return drive


def stopped_cleanly(result: Result) -> str | None:
    """Stopped by a signal: one line and 130/143 with nothing written, or it had finished (exit 0)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if result.code in (130, 143):
        if len(lines) != 1:
            return f"{len(lines)} stderr lines on a stop"
        left = [p for p in result.folder.rglob("*") if p.is_file()
                and p.name not in ("sweep.json", ".sweep.json.lock") and "runs" not in p.parts]
        return f"{len(left)} files left after a stop" if left else None  # a sweep keeps its manifest and runs
    if result.code == 0:
        return None if "wrote " in result.stdout else "exit 0 without 'wrote'"
    return f"exit {result.code} on a signal"


def interrupt_after_wrote(case: Case, folder: Path, env: dict, tree: Path) -> Result:
    """SIGINT as soon as `wrote` is printed: the folder is complete, so the exit says so."""
    process = start(tree, folder, case.args, env)
    out = []
    for line in process.stdout:
        out.append(line)
        if line.startswith("wrote "):
            os.kill(process.pid, signal.SIGINT)
            break
    code, rest, err, hung = finish(process, case.timeout)
    return Result(code, "".join(out) + rest, err, folder, 0.0, hung)


def after_wrote_check(result: Result) -> str | None:
    if result.code != 0:
        return f"exit {result.code} after the folder was written"
    return None


def interrupt_when_workers_start(jitter: float, whole_group: bool = True, marker: bytes = b"popen_loky_posix"):
    """SIGINT 0 to `jitter` s (drawn from the case's name) after a sweep's or comparison's first worker
    process appears, while the workers still import their libraries: a worker that got Ctrl-C then printed a
    traceback beside the driver's one line. To the process group as a terminal's Ctrl-C, or to the driver
    only (`kill -INT`). Stopped cleanly means one line, exit 130, and no process left in the folder."""
    def drive(case: Case, folder: Path, env: dict, tree: Path) -> Result:
        process = start(tree, folder, case.args, env)
        deadline = time.time() + case.timeout
        appeared = False
        while process.poll() is None and time.time() < deadline and not appeared:
            appeared = bool(_workers_of(process.pid, marker))
            time.sleep(0.05)
        time.sleep(random.Random(case.name).uniform(0, jitter))
        if process.poll() is None:
            (os.killpg if whole_group else os.kill)(process.pid, signal.SIGINT)
        code, out, err, hung = finish(process, case.timeout)
        end = time.time() + 10
        while time.time() < end and _working_in(folder):
            time.sleep(0.2)
        left = _working_in(folder)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        if left and not hung:
            err += f"\n{len(left)} process(es) outlived the stopped driver by 10 s"
        # No worker seen: nothing was interrupted while workers started. The Dask cases passed that way once
        # the default calibration method became regression (no Dask cluster: the run just finished in ~290 s),
        # so it is a failure, not a pass.
        untested = "" if appeared else f"no worker process ({marker.decode()}) appeared: nothing to interrupt"
        return Result(code, out, err, folder, 0.0, hung, untested)
    return drive


def _workers_of(pid: int, marker: bytes) -> list[int]:
    """Worker processes whose parent is `pid` and whose command line holds `marker` (popen_loky_posix: a
    loky worker; multiprocessing.spawn: a Dask nanny)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if (entry.isdigit() and int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pid
                    and marker in Path(f"/proc/{entry}/cmdline").read_bytes()):
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return found


def calibration_stopped(result: Result) -> str | None:
    """A calibration stopped by Ctrl-C: exit 130 and one line besides its progress lines ("calibration ..."),
    nothing left but its database (kept to resume), or it had finished."""
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("calibration ")]
    if result.code == 0:
        return None if "wrote " in result.stdout else "exit 0 without 'wrote'"
    if result.code != 130:
        return f"exit {result.code} on Ctrl-C"
    left = [p for p in result.folder.rglob("*") if p.is_file() and p.suffix != ".db"]
    return (f"{len(lines)} stderr lines on a stop" if len(lines) != 1 else
            f"{len(left)} files left besides the database" if left else None)


def kill_sweep_driver(case: Case, folder: Path, env: dict, tree: Path) -> Result:
    """SIGKILL a sweep's driver while its workers run: no process working in the case's folder (a worker, a
    resource tracker) and no /dev/shm entry named after the driver may outlive it by 20 s."""
    process = start(tree, folder, case.args, env)
    deadline = time.time() + 60
    while time.time() < deadline and process.poll() is None and not any(folder.rglob(".bridges-staging-*")):
        time.sleep(0.3)
    time.sleep(2)
    if process.poll() is not None:  # a run shorter than the wait tests nothing: say so, never pass
        return Result(1, "", "error: the sweep ended before the kill (lengthen the case's run)", folder, 0.0)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()  # not communicate(): surviving workers would hold its pipes open
    end = time.time() + 20
    while time.time() < end and _working_in(folder):
        time.sleep(0.5)
    alive = _working_in(folder)
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for stream in (process.stdout, process.stderr):
        stream.close()
    shm = [name for name in (os.listdir("/dev/shm") if os.path.isdir("/dev/shm") else [])
           if f"-{process.pid}-" in name or f"_{process.pid}_" in name]
    problem = f"{len(alive)} process(es) outlived the driver by 20 s" if alive else (
        f"{len(shm)} /dev/shm entries of the driver left" if shm else None)
    return Result(1 if problem else 0, "", f"error: {problem}" if problem else "", folder, 0.0)


def _working_in(folder: Path) -> list[int]:
    """Live processes whose working folder is `folder` (what a case started, and their children)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _alive(int(entry)):
            try:
                if Path(os.readlink(f"/proc/{entry}/cwd")) == folder:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def two_at_once(args_a: list[str], args_b: list[str], check: Callable[[list[Result], Path], str | None]):
    """Two processes started together in one folder; `check` judges both."""
    def drive(case: Case, folder: Path, env: dict, tree: Path) -> Result:
        processes = [start(tree, folder, a, env) for a in (args_a, args_b)]
        results = [Result(*finish(p, case.timeout)[:3], folder, 0.0) for p in processes]
        problem = check(results, folder)
        out = "".join(r.stdout for r in results)
        err = "".join(r.stderr for r in results)
        if "Traceback (most recent call last)" in out + err:
            return Result(1, out, err, folder, 0.0)
        return Result(0 if not problem else 1, out, f"error: {problem}" if problem else "", folder, 0.0)
    return drive


def both_written(results: list[Result], folder: Path) -> str | None:
    folders = {line for r in results for line in r.stdout.splitlines() if line.startswith("wrote ")}
    return None if all(r.code == 0 for r in results) and len(folders) == 2 else "two runs did not get two folders"


def one_winner(results: list[Result], folder: Path) -> str | None:
    codes = sorted(r.code for r in results)
    return None if codes == [0, 2] else f"exit codes {codes}, not one winner and one clean refusal"


def manifest_complete(results: list[Result], folder: Path) -> str | None:
    path = folder / "sw" / "sweep.json"
    if not path.is_file():
        return "no sweep.json"
    points = json.loads(path.read_text())["points"]
    return None if len(points) == 4 else f"sweep.json has {len(points)} of 4 points"


def signals_and_concurrency() -> list[Case]:
    run = [*SMALL, "steps=3"]
    cases = []
    rng = random.Random(7)
    for i in range(16):
        delay = rng.uniform(0.05, 4.0)
        cases.append(Case(f"signals:sigint-{delay:.2f}s", "signals", run, "either", check=stopped_cleanly,
                          driver=interrupt_at(delay)))
    for i in range(4):
        delay = rng.uniform(0.05, 4.0)
        cases.append(Case(f"signals:sigterm-{delay:.2f}s", "signals", run, "either", check=stopped_cleanly,
                          driver=interrupt_at(delay, signal.SIGTERM)))
    parallel = [*COMPARE[:4], "compare.replicates=4", "compare.jobs=2", "steps=20", "city.n_agents=2000",
                "run.progress=off"]
    for delay in (3.0, 6.0, 9.0):
        cases.append(Case(f"signals:sigint-compare-2-jobs-{delay:.0f}s", "signals", parallel, "either",
                          check=stopped_cleanly, driver=interrupt_at(delay), timeout=180))
    sweep = ["-m", "seed=0,1,2,3", *SMALL[:1], "city.n_agents=2000", "run.progress=off", "run.output_dir=sw"]
    for i in range(4):  # Ctrl-C while the workers start (a traceback 1 in 10 times at random delays)
        whole = i < 3
        target = "group" if whole else "driver"
        cases.append(Case(f"signals:sigint-{target}-compare-workers-starting-{i}", "signals", parallel, "either",
                          check=stopped_cleanly, driver=interrupt_when_workers_start(1.5, whole), timeout=180))
        cases.append(Case(f"signals:sigint-{target}-sweep-workers-starting-{i}", "signals",
                          [*sweep, "hydra.launcher.n_jobs=2"], "either", check=stopped_cleanly,
                          driver=interrupt_when_workers_start(1.5, whole), timeout=180))
    for delay in (rng.uniform(2, 15), rng.uniform(2, 15)):  # Ctrl-C at a random moment of a sweep
        cases.append(Case(f"signals:sigint-sweep-{delay:.1f}s", "signals", sweep, "either", check=stopped_cleanly,
                          driver=interrupt_at(delay), timeout=120))
    calibration = ["--config-name", "calibrate", f"calibration.data={ROOT / 'calibration/data/germany_synthetic.csv'}",
                   "calibration.site=germany", "calibration.method=smc", "city.n_agents=300",
                   "calibration.population=6", "calibration.training=130", "calibration.generations=1",
                   "calibration.predictive=3", "calibration.install=false", "calibration.workers=2", "run.progress=off"]
    for i, (jitter, whole) in enumerate(((0.5, True), (8.0, True), (8.0, False))):  # the Dask cluster starting,
        target = "group" if whole else "driver"                                       # then simulating
        cases.append(Case(f"signals:sigint-{target}-dask-calibration-{i}", "signals", calibration, "either",
                          check=calibration_stopped, timeout=300,
                          driver=interrupt_when_workers_start(jitter, whole, b"multiprocessing.spawn")))
    cases += [
        Case("signals:sigkill-sweep-driver-idle-worker", "signals",  # 1 run, 2 workers: one waits for work
             ["-m", "seed=0", "steps=300", "city.n_agents=20000", "run.progress=off",
              "run.output_dir=sw", "hydra.launcher.n_jobs=2"], "either", driver=kill_sweep_driver, timeout=120),
        Case("signals:sigint-after-wrote", "signals", run, "either", check=after_wrote_check,
             driver=interrupt_after_wrote),
        Case("signals:sigint-sweep", "signals", sweep, "either", check=stopped_cleanly, driver=interrupt_at(8.0),
             timeout=120),
        Case("signals:sigkill-sweep-driver", "signals", ["-m", "seed=0,1,2,3", "steps=300", "city.n_agents=20000",
                                                         "run.progress=off", "run.output_dir=sw"],
             "either", driver=kill_sweep_driver, timeout=120),
        Case("signals:sigkill-compare-driver", "signals", [*parallel[:-3], "steps=300", "city.n_agents=20000",
                                                           "run.progress=off"],
             "either", driver=kill_sweep_driver, timeout=120),
        Case("shared:two-default-runs", "shared", [], "either", driver=two_at_once(run, run, both_written)),
        Case("shared:one-named-folder", "shared", [], "either",
             driver=two_at_once([*run, "run.output_dir=same"], [*run, "run.output_dir=same"], one_winner)),
        Case("shared:two-sweeps-one-folder", "shared", [], "either", timeout=180,
             driver=two_at_once(["-m", "seed=0,1", *SMALL, "run.output_dir=sw"],
                                ["-m", "seed=2,3", *SMALL, "run.output_dir=sw"], manifest_complete)),
        Case("shared:other-host-staging", "shared", [*run], "either", driver=other_host_staging),
    ]
    return cases


def other_host_staging(case: Case, folder: Path, env: dict, tree: Path) -> Result:
    """A staging folder of a live run on another host (same pid as a dead local process) is left alone."""
    from datetime import datetime
    day = folder / "outputs" / datetime.now().strftime("%Y-%m-%d")
    day.mkdir(parents=True)
    dead = 4_000_000  # above any pid_max: not alive here
    names = [f".bridges-staging-{dead}-abc", f".bridges-staging-othernode-{dead}-abc"]
    for name in names:
        (day / name).mkdir()
        (day / name / "timeseries.csv").write_text("x")
    process = start(tree, folder, case.args, {**env, "BRIDGES_HOST": "thisnode"})
    code, out, err, hung = finish(process, case.timeout)
    gone = [n for n in names if not (day / n).exists()]
    for name in names:
        shutil.rmtree(day / name, ignore_errors=True)
    if gone:
        return Result(1, out, f"error: removed {gone}, which may be another host's live run", folder, 0.0)
    return Result(code, out, err, folder, 0.0, hung)


def dashboard() -> list[Case]:
    return [Case("dashboard:host", "dashboard", [], "either", driver=dashboard_binding)]


def dashboard_binding(case: Case, folder: Path, env: dict, tree: Path) -> Result:
    """app.py's documented `solara run app.py` must not listen on every interface when HOST is set."""
    line = next((line for line in (tree / "app.py").read_text().splitlines() if "solara run" in line), "")
    problem = None if "--host 127.0.0.1" in line or "--host=127.0.0.1" in line else \
        f"documented command binds $HOST: {line.strip()[:80]}"
    return Result(0 if not problem else 1, "", f"error: {problem}" if problem else "", folder, 0.0)


CATEGORIES = {"keys": key_combinations, "compare": comparisons, "files": files, "security": security,
              "signals": signals_and_concurrency, "dashboard": dashboard}


def all_cases(only: set[str] | None = None) -> list[Case]:
    return [case for name, build in CATEGORIES.items() if not only or name in only for case in build()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated categories: " + ", ".join(CATEGORIES))
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout whose run.py is started")
    parser.add_argument("--pythonpath", help="PYTHONPATH for the processes (another checkout's package)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--match", help="only cases whose name contains this")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # not ignored: the cases' processes must get it
    cases = all_cases(set(options.only.split(",")) if options.only else None)
    if options.match:
        cases = [c for c in cases if options.match in c.name]
    signal_cases = [c for c in cases if c.category in ("signals", "shared")]
    other = [c for c in cases if c not in signal_cases]
    results = {}
    lock = threading.Lock()

    def one(case: Case):
        outcome = run_case(case, options.tree, options.pythonpath)
        with lock:
            results[case.name] = (case.category, *outcome)
            if options.show and outcome[0] in BAD:
                print(f"{outcome[0]:18} {case.name}: {outcome[1]}", flush=True)

    with ThreadPoolExecutor(options.jobs) as pool:
        list(pool.map(one, other))
    for case in signal_cases:  # one at a time: their timing matters
        one(case)
    counts = Counter(outcome for _, outcome, _, _ in results.values())
    print(f"{len(results)} cases: " + ", ".join(f"{counts[o]} {o.replace('_', ' ')}" for o in OUTCOMES))
    by_category = Counter((category, outcome) for category, outcome, _, _ in results.values())
    for category in sorted({c for c, _ in by_category}):
        print(f"  {category}: " + ", ".join(f"{by_category[(category, o)]} {o}" for o in OUTCOMES
                                             if by_category[(category, o)]))
    if options.json:
        options.json.write_text(json.dumps({name: {"category": r[0], "outcome": r[1], "detail": r[2],
                                                   "seconds": round(r[3], 2)} for name, r in results.items()},
                                           indent=1))
    return 1 if any(counts[o] for o in BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
