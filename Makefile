# Bridges: `make run` runs the default scenario, `make test` runs the test suite.
# Both create .venv with Python >= 3.12 if missing and (re)install when pyproject.toml changes.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
# pip on this machine kind warns about absent local package indexes; hide only that noise.
QUIET_PIP := { grep -v "is ignored" || true; }
STAMP := $(VENV)/.installed

.PHONY: run test bench baseline clean-venv

run: $(STAMP)
	$(VENV)/bin/python run.py $(ARGS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# Regenerate the golden baseline (tests/golden/) after a deliberate behaviour change; commit it with the reason.
baseline: $(STAMP)
	$(VENV)/bin/python -m pytest -q tests/test_golden.py --regen-all

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
