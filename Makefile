# Bridges: `make run` runs the default scenario, `make test` runs the test suite, `make dashboard`
# serves the browser dashboard on http://127.0.0.1:8765 (make dashboard HOST=0.0.0.0 PORT=9000 binds elsewhere).
# All create .venv with Python >= 3.12 if missing and (re)install when pyproject.toml changes; `make test`
# also installs Debian's chromium for the browser test when /usr/bin/chromium is missing.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
# pip on this machine kind warns about absent local package indexes; hide only that noise.
QUIET_PIP := { grep -v "is ignored" || true; }
STAMP := $(VENV)/.installed
HOST = 127.0.0.1
PORT = 8765
CHROMIUM := /usr/bin/chromium
# Solara without telemetry or a version check: the dashboard works with no internet.
SOLARA_ENV := SOLARA_TELEMETRY_MIXPANEL_ENABLE=False

.PHONY: run test bench baseline mutation validate coverage dashboard browser clean-venv sweep aggregate

run: $(STAMP)
	$(VENV)/bin/python run.py $(ARGS)

# Every test: -m "" clears pyproject's `-m 'not slow'`, which keeps plain `pytest` to the fast tier.
test: $(STAMP) browser
	$(VENV)/bin/python -m pytest -m "" $(PYTEST_ARGS)

dashboard: $(STAMP)
	@echo "Bridges dashboard: http://$(HOST):$(PORT) (Ctrl-C stops it; HOST=... PORT=... bind elsewhere)"
	$(SOLARA_ENV) $(VENV)/bin/solara run app.py --host $(HOST) --port $(PORT) --production --no-open --no-check-version

# The browser test drives Debian's chromium (never `playwright install`, which downloads from a CDN).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else \
	    echo "error: the browser test needs Chromium: run 'sudo apt-get install -y chromium'" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM)

# Regenerate the golden baseline (tests/golden/) after a deliberate behaviour change; commit it with the reason.
baseline: $(STAMP)
	$(VENV)/bin/python -m pytest -q tests/test_golden.py --regen-all

# Mutation testing (docs/mutation.md): mutmut over model/rules/, model/step.py, model/mechanisms/ and
# model/interventions/, then a report in outputs/mutation/report.md. Not part of `make test`: 1-3 hours on 2 shared cores
# (docs/mutation.md: how to check a seeded sample instead).
# mutmut rather than cosmic-ray: it records which tests call each function and runs a mutant only against
# those, fastest first, stopping at the first failure (-x), in workers forked from one warmed-up process;
# cosmic-ray starts a fresh interpreter and runs the configured test command for every mutant.
# mutmut runs in $(MUTATION_TREE), the package laid out as in a wheel (bridges/model/, bridges/conf/, ...):
# it names a mutant after its file's path and switches it on only in the module of that name, so the file
# must sit where its import name says (bridges/model/rules/contact.py for bridges.model.rules.contact).
# A fresh tree every time: cached verdicts could outlive a changed test.
MUTATION_STAMP := $(VENV)/.installed-mutation
MUTATION_TREE := build/mutation
mutation: $(MUTATION_STAMP)
	rm -rf $(MUTATION_TREE) && mkdir -p $(MUTATION_TREE)
	cp -r bridges $(MUTATION_TREE)/
	for folder in model scenarios calibration conf; do cp -r $$folder $(MUTATION_TREE)/bridges/; done
	cp -r pyproject.toml run.py app.py README.md conf calibration tests docs scripts benchmarks $(MUTATION_TREE)/
	start=$$(date +%s); cd $(MUTATION_TREE) && nice -n 10 $(CURDIR)/$(VENV)/bin/mutmut run --max-children 2 | tail -n 3; \
	  $(CURDIR)/$(VENV)/bin/python $(CURDIR)/scripts/mutation_report.py --seconds $$(( $$(date +%s) - start ))

$(MUTATION_STAMP): $(STAMP)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,mutation]' 2>&1 | $(QUIET_PIP)
	@touch $(MUTATION_STAMP)

# Recovery study of calibration: 90% and 50% credible-interval coverage and SBC ranks over synthetic datasets
# from known parameters (docs/calibration.md). With the regression method: one shared table of 800 simulations
# plus one simulation per dataset (~4.5 CPU-minutes for 50 datasets at 2,000 residents). A small version runs in
# `make test` (tests/test_calibration_coverage.py).
coverage: $(STAMP)
	nice $(VENV)/bin/python -m bridges.calibration.coverage $(COVERAGE_ARGS)

# Pattern-oriented validation: default city and presets over seeds, report next to published figures.
validate: $(STAMP)
	$(VENV)/bin/python run.py --config-name validate $(ARGS)

# A sweep (README "Sweeps, aggregate and clusters"): make sweep ARGS="city.arriving_share=0.02,0.1 seed=0,1"
sweep: $(STAMP)
	$(VENV)/bin/python run.py -m $(ARGS)

# A sweep folder's runs in one table with plots: make aggregate DIR=outputs/sweeps/<id>
aggregate: $(STAMP)
	$(VENV)/bin/python run.py aggregate $(DIR)

# Whole runs at 1,000 to 1,000,000 residents, vectorised and agents engines (about 10 minutes on 2 quiet
# cores); writes benchmarks/results.{json,md}.
bench: $(STAMP)
	$(VENV)/bin/python benchmarks/bench_scale.py $(ARGS)

# pyproject.toml holds version ranges; constraints.txt the exact set installed here and in CI.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(VENV)/bin/python || { py=$$(scripts/find-python) && "$$py" -m venv $(VENV); }
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | $(QUIET_PIP)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]' 2>&1 | $(QUIET_PIP)
	$(VENV)/bin/python -c "import mesa, hydra, bridges.model"
	@touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
