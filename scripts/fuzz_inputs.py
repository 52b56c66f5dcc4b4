"""Fuzz campaign: try thousands of bad and boundary inputs on run.py, in-process, and count outcomes.

    python scripts/fuzz_inputs.py               # every case (a few thousand; a few minutes)
    python scripts/fuzz_inputs.py --quick       # a sample of each kind
    python scripts/fuzz_inputs.py --show 20     # also print up to 20 cases of each bad outcome
    python scripts/fuzz_inputs.py --jobs 2      # cases in 2 worker processes

Cases: every numeric leaf of the composed config (default, every scenario's interventions, compare
mode) set to nan, inf, -inf, 1e308, -1, 0, a huge integer, a string, null, a list or a mapping; string
leaves set to non-strings; malformed override syntax; city files (node/edge CSV, GraphML) and survey
files that are malformed, hostile (entity expansion, /dev/zero, a FIFO) or out of range.

Outcomes: a *clean rejection* is exit code 2 with exactly one stderr line naming the key or file and
nothing written; an *accepted boundary* value is one inside the stated range (run completes, exit 0).
Everything else is a bug: *traceback* (an exception escaped, or a traceback was printed), *silent
acceptance* (nonsense such as nan or 1e308 ran), *messy rejection* (exit 2 but not one clean line, or
files written), *hang* (over the per-case timeout).
"""

import argparse
import contextlib
import io
import multiprocessing
import os
import random
import signal
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import run  # noqa: E402
from bridges.config import compose_config, config_groups, to_plain  # noqa: E402
from bridges.model.errors import InputError  # noqa: E402
from bridges.model.survey import read_survey  # noqa: E402

BASE = ["city.n_agents=300", "city.n_neighbourhoods=6", "steps=6", "run.progress=off",
        "survey.respondents.receiving=50", "survey.respondents.arriving=20"]
"""A small, fast city, so accepted cases finish in a fraction of a second."""
COMPARE_BASE = ["--config-name", "compare", "compare.scenarios=[baseline,volunteering]", "compare.replicates=2",
                "compare.jobs=1", *BASE]
NONSENSE = {"nan": "nan", "inf": "inf", "-inf": "-inf", "1e308": "1e308", "huge_int": str(10**30),
            "string": "'abc'", "list": "[1,2]", "mapping": "{a:1}", "null": "null"}
"""Values no numeric key may accept (null only where the key is optional)."""
BOUNDARY = {"-1": "-1", "0": "0", "100": "100"}
"""Values some numeric keys accept (a boundary of their range: -1 = last week, 0, 100 = the ceiling of
effect factors and rates) and others refuse; accepted, they must still finish within the timeout."""
NOT_A_STRING = {"int": "3", "list": "[1,2]", "mapping": "{a:1}", "null": "null"}
SYNTAX = ["=3", "bareword", "city.n_agents=", "city.n_agents=[", "city.n_agents={", "city..n_agents=3",
          "city.n_agents=1=2", "'city.n_agents'=3", "city.n_agents=${", "city.n_agents=${nope}", "steps=${city}",
          "seed=${oc.env:HOME}", "seed=${oc.decode:'3'}", "hydra.run.dir=/tmp/x", "hydra.searchpath=[file:///tmp]",
          "hydra/launcher=basic", "city=null", "dynamics=null", "survey=[1,2]", "scenario=null", "city={}",
          "survey.respondents={}", "~city", "~run", "run=null", "run=[1]", "+city.extra=1", "city@x=default",
          "city=nowhere", "city=../city/default", "seed=1,2", "seed=range(3)", "seed=1234567890123456789012345",
          "--config-name=../conf/config", "--config-name=/etc/passwd", "--config-name", "--bogus"]
"""Malformed or hostile overrides and options."""


class Hang(BaseException):
    """A case ran past its timeout."""


def _alarm(signum, frame):
    raise Hang


@dataclass
class Outcome:
    kind: str  # clean, accepted, traceback, silent, messy, hang
    case: str
    detail: str = ""


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.kind] += 1
        self.examples.setdefault(outcome.kind, []).append(outcome)


def leaves(tree, prefix: str = ""):
    """(dotted key, value) of every leaf of a plain config (lists count as leaves)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, tree


def files_in(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*")}


def call_main(argv: list[str], cwd: Path, timeout: float) -> tuple[object, str, str]:
    """run.main(argv) in `cwd` with output captured and a timeout: (exit code or exception, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = run.main(argv)
    except BaseException as error:  # the point: anything escaping main is a finding
        result = error
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(here)
    return result, out.getvalue(), err.getvalue()


def judge(argv: list[str], names: list[str], nonsense: bool, timeout: float = 60.0, label: str = "") -> Outcome:
    """Run one case in a fresh folder and classify it. `names`: one of these must appear in the error
    line; `nonsense`: acceptance is a finding (else a legitimate boundary acceptance)."""
    label = label or " ".join(argv[-1:])
    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        before = files_in(cwd)
        result, _, stderr = call_main(argv, cwd, timeout)
        written = files_in(cwd) - before
    if isinstance(result, Hang):
        return Outcome("hang", label)
    if isinstance(result, BaseException):
        return Outcome("traceback", label, f"{type(result).__name__}: {str(result)[:200]}")
    if "Traceback" in stderr:
        return Outcome("traceback", label, stderr.strip().splitlines()[-1][:200])
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("note: ")]
    if result == 2:
        clean = (len(lines) == 1 and lines[0].startswith("error: ") and any(name in lines[0] for name in names)
                 and not written)
        return Outcome("clean" if clean else "messy", label, " | ".join(lines)[:300] + (" [wrote files]" if written else ""))
    if result == 0:
        return Outcome("silent" if nonsense else "accepted", label)
    return Outcome("messy", label, f"exit {result}: {' | '.join(lines)[:300]}")


# ---- override cases -------------------------------------------------------------------------------
def _optional(key: str, value) -> bool:
    """Keys where null is a documented choice."""
    return (value is None or key.startswith("city.custom.") or key.endswith((".capacity", ".finding_rate"))
            or key == "compare.budget")  # conf/compare.yaml: null = no budget view


def override_cases(compare: bool = False, quick: bool = False):
    """(argv, names, nonsense, label) for every leaf of the default config and every scenario."""
    base = COMPARE_BASE if compare else BASE
    seen = set()
    scenarios = config_groups()["scenario"] if not compare else ["baseline"]
    for scenario in scenarios:
        plain = to_plain(compose_config([f"scenario={scenario}"], "compare" if compare else "config"))
        for key, value in leaves(plain):
            if key in seen or key in ("scenario_name",):
                continue
            if compare and not key.startswith("compare."):
                continue
            seen.add(key)
            prefix = [*base, f"scenario={scenario}"] if key.startswith("interventions.") else list(base)
            if key == "compare.scenarios":
                kinds = {**NONSENSE, "missing_baseline": "[volunteering]", "unknown": "[baseline,nope]",
                         "twice": "[baseline,baseline]", "empty": "[]"}
                for kind, text in kinds.items():
                    yield [*prefix, f"{key}={text}"], [key], True, f"{key}={text}"
                continue
            if value is None:  # optional: a number or a path, or null
                values = {"list": ("[1,2]", True), "mapping": ("{a:1}", True), "int": ("3", False)}
            elif isinstance(value, bool) or (not isinstance(value, (int, float)) and not isinstance(value, list)):
                values = {k: (v, True) for k, v in NOT_A_STRING.items()}
                if _optional(key, value):
                    values.pop("null")
            elif isinstance(value, list):
                values = {"nan_item": ("[nan]", True), "inf_item": ("[inf]", True), "huge_item": (f"[{10**30}]", True),
                          "string_item": ("[abc]", True), "null": ("null", True), "mapping": ("{a:1}", True),
                          "negative_item": ("[-5]", True), "number": ("3.5", True)}
                if key.endswith("neighbourhoods"):
                    values["missing_neighbourhood"] = ("[99]", True)
            else:
                values = {k: (v, not (k == "null" and _optional(key, value))) for k, v in NONSENSE.items()}
                values.update({k: (v, False) for k, v in BOUNDARY.items()})
            items = list(values.items())
            if quick:
                items = items[:3]
            for kind, (text, nonsense) in items:
                parts = key.split(".")  # a rule over a section (shares summing to 1) names the section
                names = [key, *(".".join(parts[:n]) + ":" for n in range(2, len(parts)))]
                if key.startswith("interventions."):
                    names.append(key.rsplit(".", 1)[0] + ".")
                yield [*prefix, f"{key}={text}"], names, nonsense, f"{key}={text}"
    if not compare:
        for text in SYNTAX:
            argv = [*BASE, text] if not text.startswith("--") else [text, *BASE]
            if text == "--config-name":
                argv = [*BASE, text]
            key = text.lstrip("~+").split("=", 1)[0].split("@")[0] or text
            yield argv, [key, text, "--config-name", "--bogus"], True, text
        cross = [("interventions.volunteering.delivery.start_week=5", "interventions.volunteering.delivery.end_week=3"),
                 ("interventions.volunteering.delivery.start_week=9",),
                 ("interventions.volunteering.delivery.eligible.neighbourhoods=[7]",),
                 ("city.n_neighbourhoods=301",), ("city.layers.workplace.degree=300",),
                 ("city.household_size.arriving=301",)]
        for extra in cross:
            yield [*BASE, "scenario=volunteering", *extra], [extra[-1].split("=")[0]], True, " ".join(extra)


# ---- file cases -----------------------------------------------------------------------------------
GOOD_NODES = ["id,group,neighbourhood,household,employed,language,education"] + [
    f"p{i},{'arriving' if i < 6 else 'receiving'},{i % 3},{i // 2},{'yes' if i % 2 else 'no'},0.5,1" for i in range(24)]
GOOD_EDGES = ["source,target,layer"] + [f"p{i},p{(i * 7 + 3) % 24},neighbourhood" for i in range(24) if i != (i * 7 + 3) % 24]


def _nodes_with(column: str, value: str, row: int = 3) -> str:
    header = GOOD_NODES[0].split(",")
    lines = list(GOOD_NODES)
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


def node_file_variants() -> dict[str, bytes]:
    """Malformed node CSVs, each named by what is wrong."""
    variants = {}
    for column, values in {"neighbourhood": ["2e9", "1e300", "-1", "nan", "inf", "x", "1.5", str(10**30), "0x10"],
                           "household": ["2e9", "1e300", "-1", "nan", "1.5"],
                           "group": ["refugee", "", "0", "nan"],
                           "language": ["nan", "inf", "2", "-0.1", "1e308", "x"],
                           "employed": ["maybe", "2", "nan"],
                           "education": ["3", "-1", "1e300", "nan", "x"],
                           "id": ["", "p1"]}.items():
        for value in values:
            variants[f"nodes {column}={value or 'blank'}"] = _nodes_with(column, value).encode()
    header_short = [GOOD_NODES[0].rsplit(",", 1)[0]] + GOOD_NODES[1:]
    variants["nodes header one field fewer"] = ("\n".join(header_short) + "\n").encode()
    variants["nodes row one field more"] = ("\n".join(GOOD_NODES[:4] + [GOOD_NODES[4] + ",x"] + GOOD_NODES[5:]) + "\n").encode()
    variants["nodes row one field fewer"] = ("\n".join(GOOD_NODES[:4] + [GOOD_NODES[4].rsplit(",", 1)[0]] + GOOD_NODES[5:]) + "\n").encode()
    variants["nodes unknown column"] = ("\n".join([GOOD_NODES[0] + ",age"] + [r + ",30" for r in GOOD_NODES[1:]]) + "\n").encode()
    variants["nodes duplicate column"] = ("\n".join([GOOD_NODES[0] + ",group"] + [r + ",arriving" for r in GOOD_NODES[1:]]) + "\n").encode()
    variants["nodes only arriving"] = ("\n".join([GOOD_NODES[0]] + GOOD_NODES[1:7]) + "\n").encode()
    variants["nodes empty"] = b""
    variants["nodes header only"] = (GOOD_NODES[0] + "\n").encode()
    variants["nodes binary"] = bytes(range(256)) * 4
    variants["nodes latin-1"] = _nodes_with("group", "arrivé").encode("latin-1")
    variants["nodes NUL byte"] = _nodes_with("group", "arriving\0").encode()
    variants["nodes unclosed quote"] = _nodes_with("group", '"arriving').encode()
    variants["nodes huge field"] = _nodes_with("id", "x" * 200_000).encode()
    return variants


def edge_file_variants() -> dict[str, bytes]:
    variants = {}
    for name, row in {"unknown id": "p1,zz,neighbourhood", "self loop": "p1,p1,neighbourhood",
                      "unknown layer": "p1,p2,moon", "blank source": ",p2,neighbourhood",
                      "field more": "p1,p2,neighbourhood,x", "field fewer": "p1"}.items():
        variants[f"edges {name}"] = ("\n".join(GOOD_EDGES + [row]) + "\n").encode()
    variants["edges header one field fewer"] = ("\n".join(["source,target"] + GOOD_EDGES[1:]) + "\n").encode()
    variants["edges empty"] = b""
    return variants


GRAPHML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
                '<key id="g" for="node" attr.name="group" attr.type="string"/>\n'
                '<key id="n" for="node" attr.name="neighbourhood" attr.type="{ntype}"/>\n'
                '<graph edgedefault="undirected">\n')


def graphml_variants() -> dict[str, bytes]:
    def document(body: str, ntype: str = "string", doctype: str = "") -> bytes:
        head = GRAPHML_HEAD.format(ntype=ntype)
        if doctype:
            head = head.replace("<graphml", f"{doctype}\n<graphml", 1)
        return (head + body + "</graph></graphml>\n").encode()

    good = ('<node id="a"><data key="g">arriving</data></node><node id="b"><data key="g">receiving</data></node>'
            '<edge source="a" target="b"/>')
    laughs = ('<!DOCTYPE graphml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
              '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>')
    return {
        "graphml node without id": document('<node><data key="g">arriving</data></node>' + good),
        "graphml entity expansion": document(good.replace("arriving", "&f;"), doctype=laughs),
        "graphml external entity": document(good.replace("arriving", "&x;"),
                                            doctype='<!DOCTYPE graphml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
        "graphml neighbourhood 2e9": document(good.replace('<data key="g">arriving</data>',
                                                           '<data key="g">arriving</data><data key="n">2e9</data>')),
        "graphml neighbourhood 1e300 typed": document(good.replace('<data key="g">arriving</data>',
                                                                   '<data key="g">arriving</data><data key="n">1e300</data>'),
                                                      ntype="double"),
        "graphml neighbourhood huge long": document(good.replace('<data key="g">arriving</data>',
                                                                 f'<data key="g">arriving</data><data key="n">{10**30}</data>'),
                                                    ntype="long"),
        "graphml duplicate id": document(good + '<node id="a"><data key="g">arriving</data></node>'),
        "graphml edge to unknown node": document(good + '<edge source="a" target="zz"/>'),
        "graphml not xml": b"this is not xml <<<",
        "graphml truncated": document(good)[:-30],
        "graphml empty": b"",
    }


def survey_variants(folder: Path) -> dict[str, Path]:
    """Malformed survey files (CSV and parquet), each named by what is wrong."""
    import pandas as pd

    good = ["step,community,respondent,thermometer", "0,receiving,1,50", "0,arriving,2,60", "52,receiving,1,55"]
    texts = {
        "survey header one field fewer": ["step,community,thermometer"] + good[1:],
        "survey row one field more": good + ["0,receiving,3,50,9"],
        "survey step true": good + ["True,receiving,3,50"],
        "survey step date": good + ["2024-01-01,receiving,3,50"],
        "survey step 1e20": good + ["1e20,receiving,3,50"],
        "survey step -1": good + ["-1,receiving,3,50"],
        "survey step 1.5": good + ["1.5,receiving,3,50"],
        "survey step nan": good + ["nan,receiving,3,50"],
        "survey step inf": good + ["inf,receiving,3,50"],
        "survey respondent 1e300": good + ["0,receiving,1e300,50"],
        "survey thermometer 101": good + ["0,receiving,3,101"],
        "survey community other": good + ["0,tourist,3,50"],
        "survey unknown column": ["step,community,age"] + ["0,receiving,30"],
        "survey no items": ["step,community"] + ["0,receiving"],
        "survey unclosed quote": good + ['0,"receiving,3,50'],
    }
    paths = {}
    for name, lines in texts.items():
        path = folder / (name.replace(" ", "_") + ".csv")
        path.write_text("\n".join(lines) + "\n")
        paths[name] = path
    frames = {
        "survey parquet step bool": pd.DataFrame({"step": [True, False], "community": ["receiving"] * 2, "thermometer": [50, 60]}),
        "survey parquet step datetime": pd.DataFrame({"step": pd.to_datetime(["2024-01-01", "2024-02-01"]),
                                                      "community": ["receiving"] * 2, "thermometer": [50, 60]}),
        "survey parquet step 1e20": pd.DataFrame({"step": [1e20, 0.0], "community": ["receiving"] * 2, "thermometer": [50, 60]}),
        "survey parquet thermometer list": pd.DataFrame({"step": [0, 1], "community": ["receiving"] * 2,
                                                         "thermometer": [[50], [60]]}),
    }
    for name, frame in frames.items():
        path = folder / (name.replace(" ", "_") + ".parquet")
        frame.to_parquet(path)
        paths[name] = path
    (folder / "not_parquet.parquet").write_text("step,community\n0,receiving\n")
    paths["survey csv named parquet"] = folder / "not_parquet.parquet"
    return paths


def special_paths(folder: Path) -> dict[str, str]:
    """Paths that are not regular files: a device, a FIFO, a folder, a dangling link, a huge sparse file."""
    fifo = folder / "pipe.csv"
    os.mkfifo(fifo)
    (folder / "a_folder.csv").mkdir()
    (folder / "dangling.csv").symlink_to(folder / "nowhere.csv")
    (folder / "to_zero.csv").symlink_to("/dev/zero")
    with open(folder / "huge.csv", "wb") as handle:
        handle.truncate(300 * 2**20)
    return {"/dev/zero": "/dev/zero", "fifo": str(fifo), "folder": str(folder / "a_folder.csv"),
            "dangling link": str(folder / "dangling.csv"), "link to /dev/zero": str(folder / "to_zero.csv"),
            "huge sparse file": str(folder / "huge.csv"), "missing": str(folder / "missing.csv"),
            "NUL in path": "bad\0name.csv"}


def file_cases(folder: Path):
    """(argv, names, nonsense, label) for bad city files through the CLI."""
    nodes, edges = folder / "nodes.csv", folder / "edges.csv"
    nodes.write_text("\n".join(GOOD_NODES) + "\n")
    edges.write_text("\n".join(GOOD_EDGES) + "\n")
    city = [*BASE[3:]]
    for name, content in node_file_variants().items():
        path = folder / (name.replace(" ", "_").replace("/", "_") + ".csv")
        path.write_bytes(content)
        yield ([*city, f"city.custom.nodes_csv={path}", f"city.custom.edges_csv={edges}"], [str(path), str(edges)],
               True, name)
    for name, content in edge_file_variants().items():
        path = folder / (name.replace(" ", "_") + ".csv")
        path.write_bytes(content)
        yield ([*city, f"city.custom.nodes_csv={nodes}", f"city.custom.edges_csv={path}"], [str(path)], True, name)
    for name, content in graphml_variants().items():
        path = folder / (name.replace(" ", "_") + ".graphml")
        path.write_bytes(content)
        yield [*city, f"city.custom.graphml={path}"], [str(path)], True, name
    for name, path in special_paths(folder).items():
        if "\0" in path:
            continue  # not expressible on a command line
        yield ([*city, f"city.custom.nodes_csv={path}", f"city.custom.edges_csv={edges}"], [path], True, f"nodes: {name}")
        yield [*city, f"city.custom.graphml={path}"], [path], True, f"graphml: {name}"
    for name, target in {"output symlink": "link", "output file": "file", "output dangling": "dangling",
                         "output device": "/dev/null", "output non-empty": "full"}.items():
        path = folder / f"out_{target.strip('/').replace('/', '_')}"
        if target == "link":
            (folder / "real_out").mkdir(exist_ok=True)
            path.symlink_to(folder / "real_out")
        elif target == "file":
            path.write_text("mine")
        elif target == "dangling":
            path.symlink_to(folder / "nowhere")
        elif target == "full":
            path.mkdir()
            (path / "keep.txt").write_text("mine")
        else:
            path = Path(target)
        yield [*BASE, f"run.output_dir={path}"], ["run.output_dir"], True, name


def judge_survey(path, timeout: float = 20.0) -> Outcome:
    """read_survey on a bad file: a clean rejection is one InputError line naming the file."""
    label = f"survey: {Path(path).name}"
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        read_survey(str(path))
        return Outcome("silent", label)
    except InputError as error:
        message = str(error)
        return Outcome("clean" if "\n" not in message and str(path) in message else "messy", label, message[:200])
    except Hang:
        return Outcome("hang", label)
    except Exception as error:
        return Outcome("traceback", label, f"{type(error).__name__}: {str(error)[:200]}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _judge_case(case) -> Outcome:
    argv, names, nonsense, label = case
    return judge(argv, names, nonsense, label=label)


def campaign(quick: bool = False, jobs: int = 1, seed: int = 0) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        cases = list(override_cases(quick=quick))
        if quick:
            random.Random(seed).shuffle(cases)
            cases = cases[:200]
        cases += list(file_cases(folder))
        for argv, names, nonsense, label in override_cases(compare=True, quick=quick):
            # here, not in the pool: a comparison starts its own worker processes, which a pool's
            # daemonic workers may not; accepted ones run whole comparisons, hence the longer timeout
            tally.add(judge(argv, names, nonsense, timeout=600.0, label=label))
        random.Random(seed).shuffle(cases)  # any prefix is a fair sample (progress lines show running counts)
        with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=200) as pool:
            for done, outcome in enumerate(pool.imap_unordered(_judge_case, cases, chunksize=4), start=1):
                tally.add(outcome)
                if outcome.kind not in ("clean", "accepted"):
                    print(f"{outcome.kind}: {outcome.case} -> {outcome.detail}", file=sys.stderr, flush=True)
                if done % 250 == 0:
                    print(f"... {done}/{len(cases)} {dict(tally.counts)}", file=sys.stderr, flush=True)
        special = folder / "survey_special"
        special.mkdir()
        for path in [*survey_variants(folder).values(), *special_paths(special).values()]:
            tally.add(judge_survey(path))
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a sample of 200 override cases plus every file case")
    parser.add_argument("--show", type=int, default=0, help="print up to N cases of each bad outcome")
    parser.add_argument("--jobs", type=int, default=1, help="cases run in parallel worker processes")
    options = parser.parse_args()
    tally = campaign(options.quick, options.jobs)
    total = sum(tally.counts.values())
    print(f"cases: {total}")
    for kind, words in [("clean", "clean rejections"), ("accepted", "accepted boundary values (inside the stated range)"),
                        ("traceback", "tracebacks"), ("silent", "silent acceptances of nonsense"),
                        ("messy", "messy rejections"), ("hang", "hangs")]:
        print(f"{words}: {tally.counts.get(kind, 0)}")
    bad = [kind for kind in ("traceback", "silent", "messy", "hang") if tally.counts.get(kind)]
    for kind in bad:
        for outcome in tally.examples[kind][:options.show]:
            print(f"  {kind}: {outcome.case} -> {outcome.detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
