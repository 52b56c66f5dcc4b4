# Bridges: `make run` runs the default scenario, `make test` runs the test suite.
# Both create .venv with Python >= 3.12 if missing and (re)install when pyproject.toml changes.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
# pip on this machine kind warns about absent local package indexes; hide only that noise.
QUIET_PIP := { grep -v "is ignored" || true; }
STAMP := $(VENV)/.installed

.PHONY: run test bench baseline coverage clean-venv

run: $(STAMP)
	$(VENV)/bin/python run.py $(ARGS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# Regenerate the golden baseline (tests/golden/) after a deliberate behaviour change; commit it with the reason.
baseline: $(STAMP)
	$(VENV)/bin/python -m pytest -q tests/test_golden.py --regen-all

# Recovery study of calibration: 90% credible-interval coverage over synthetic datasets from known
# parameters (docs/calibration.md). Long: about 10 minutes per dataset on 2 cores. A small version runs in
# `make test` (tests/test_calibration_coverage.py).
coverage: $(STAMP)
	nice $(VENV)/bin/python -m calibration.coverage $(COVERAGE_ARGS)

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/bench_run.py
	$(VENV)/bin/python benchmarks/bench_compare.py

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || { py=$$(scripts/find-python) && "$$py" -m venv $(VENV); }
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | $(QUIET_PIP)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' 2>&1 | $(QUIET_PIP)
	$(VENV)/bin/python -c "import mesa, hydra, model" 
	@touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
