# Digital Health Academy — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app.py
MO := portal/translations/vi/LC_MESSAGES/messages.mo portal/translations/en/LC_MESSAGES/messages.mo

.PHONY: run test install migrate seed lint translations clean scan scan-tools scan-static \
	scan-planted scan-dynamic bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency list changes, so a second `make run` starts at once.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

portal/translations/%/LC_MESSAGES/messages.mo: portal/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/python scripts/i18n.py compile

install: $(VENV)/.installed $(MO)

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask courses import courses
	$(BIN)/flask seed demo

run: seed
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

translations: install
	$(BIN)/python scripts/i18n.py extract
	$(BIN)/python scripts/i18n.py check

# The national-scale benchmark (docs/performance.md): `make bench` on SQLite, `make bench
# DB=postgres` on a loopback PostgreSQL cluster of its own (started, then dropped). Options for
# bench/run.py go in BENCH_ARGS, e.g. BENCH_ARGS="--facilities 2000 --learners 40000".
DB ?= sqlite
BENCH_ARGS ?=

bench: install $(MO)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk \
	  >/dev/null; } || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
ifeq ($(DB),postgres)
	bench/postgres.sh $(BENCH_ARGS)
else
	$(BIN)/python bench/run.py --db sqlite $(BENCH_ARGS)
endif

# Security scans (docs/security.md). The scanners live in their own venvs under .scanvenv/.
SCANVENV := .scanvenv
SCANS := test-artifacts/scans
#: seconds of wapiti per role (5 roles) and of schemathesis
WAPITI_BUDGET ?= 90
API_BUDGET ?= 30

scan-tools:
	bash scripts/scan_tools.sh

# ruff (the project's rules, S included: every exception carries `# noqa: S… - reason`),
# bandit and our semgrep rules, offline. portal/seedscale.py (benchmark data, run only by
# `flask seed scale`) is left to ruff, whose S rules check it with its reasoned noqa's.
scan-static: install scan-tools
	@t0=$$(date +%s); \
	$(BIN)/ruff check --no-cache portal tests scripts app.py && \
	$(SCANVENV)/tools/bin/bandit -q -r portal -x portal/seedscale.py && \
	$(SCANVENV)/semgrep/bin/semgrep scan --metrics=off --disable-version-check --strict \
	  --error --quiet --config semgrep-rules/ --exclude portal/seedscale.py portal templates && \
	echo "static scans: clean in $$(( $$(date +%s) - t0 )) s"

# The dynamic gates must go red on a planted-flaw app before they are trusted with ours.
scan-planted: install scan-tools
	$(BIN)/python scripts/scan_dynamic.py --planted --out $(SCANS)/planted

# wapiti as each role + schemathesis + rate limits, on the demo under gunicorn (loopback).
scan-dynamic: install scan-tools
	$(BIN)/python scripts/scan_dynamic.py --out $(SCANS)/portal \
	  --wapiti-budget $(WAPITI_BUDGET) --api-budget $(API_BUDGET)

scan: scan-static scan-planted scan-dynamic

clean:
	rm -rf $(VENV) $(SCANVENV) .pytest_cache .hypothesis test-artifacts
