"""Every pool of worker processes the package starts is a driver's pool: Ctrl-C reaches the driver only
and its workers exit when it is killed (bridges/workers.py). A `Parallel(...)` outside
`with interrupts_for_this_process_only()`, or without `initializer=exit_with_parent`, let a Ctrl-C print
worker tracebacks and a killed driver leave workers running (issue 21 points 5 and 6)."""

import ast

from tests.test_layers import MODULES


def parallel_calls() -> list[tuple[str, int, bool, bool]]:
    """(module, line, inside the interrupt block, with the exit-with-parent initializer) of every Parallel call."""
    found = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        guarded = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.With) and any(
                    isinstance(item.context_expr, ast.Call)
                    and getattr(item.context_expr.func, "id", "") == "interrupts_for_this_process_only"
                    for item in node.items):
                guarded |= {id(inner) for inner in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Parallel":
                initializer = any(k.arg == "initializer" and getattr(k.value, "id", "") == "exit_with_parent"
                                  for k in node.keywords)
                found.append((name, node.lineno, id(node) in guarded, initializer))
    return found


def test_every_worker_pool_is_guarded_and_watches_its_driver():
    calls = parallel_calls()
    assert len(calls) >= 5  # comparison, sensitivity, validation, calibration (x3)
    assert [(name, line) for name, line, guarded, initializer in calls if not (guarded and initializer)] == []


def test_the_check_sees_an_unguarded_pool(tmp_path, monkeypatch):
    """The scan reports a pool started outside the block (so the test above can fail)."""
    module = tmp_path / "pool.py"
    module.write_text("from joblib import Parallel\nParallel(n_jobs=2)(f() for f in [])\n")
    monkeypatch.setitem(MODULES, "bridges.pool", module)
    assert ("bridges.pool", 2, False, False) in parallel_calls()
