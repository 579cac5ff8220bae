# Digital Health Academy — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app.py
MO := portal/translations/vi/LC_MESSAGES/messages.mo portal/translations/en/LC_MESSAGES/messages.mo

.PHONY: run test install migrate seed lint translations clean

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

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts
