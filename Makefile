# Bridges: `make run` runs the default scenario, `make test` runs the test suite.
# Both create .venv with Python >= 3.12 if missing and (re)install when pyproject.toml changes.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
# pip on this machine kind warns about absent local package indexes; hide only that noise.
QUIET_PIP := { grep -v "is ignored" || true; }
STAMP := $(VENV)/.installed

.PHONY: run test bench baseline mutation clean-venv

run: $(STAMP)
	$(VENV)/bin/python run.py $(ARGS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# Regenerate the golden baseline (tests/golden/) after a deliberate behaviour change; commit it with the reason.
baseline: $(STAMP)
	$(VENV)/bin/python -m pytest -q tests/test_golden.py --regen-all

# Mutation testing (docs/mutation.md): mutmut over model/rules/, model/step.py and model/interventions/,
# then a report in outputs/mutation/report.md. Not part of `make test`: about an hour on 2 cores at load 6-8,
# about 3 hours when other work loads them to 11 (docs/mutation.md: how to check a seeded sample instead).
# mutmut rather than cosmic-ray: it records which tests call each function and runs a mutant only against
# those, fastest first, stopping at the first failure (-x), in workers forked from one warmed-up process;
# cosmic-ray starts a fresh interpreter and runs the configured test command for every mutant.
# A fresh run every time (rm -rf mutants): cached verdicts could outlive a changed test.
MUTATION_STAMP := $(VENV)/.installed-mutation
mutation: $(MUTATION_STAMP)
	rm -rf mutants
	start=$$(date +%s); nice -n 10 $(VENV)/bin/mutmut run --max-children 2 | tail -n 3; \
	  $(VENV)/bin/python scripts/mutation_report.py --seconds $$(( $$(date +%s) - start ))

$(MUTATION_STAMP): $(STAMP)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,mutation]' 2>&1 | $(QUIET_PIP)
	@touch $(MUTATION_STAMP)

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
