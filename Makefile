# debitorsim: two commands do all the set-up on a fresh machine.
#   make run    create .venv, install, start the test bed (SQLite, loopback)
#   make test   create .venv, install with test extras, run ruff and pytest

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint format scenarios load bench bench-soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/debitorsim up

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

scenarios: $(VENV)/.installed-test
	$(BIN)/debitorsim scenarios --system all --report reports/scenarios

load: $(VENV)/.installed-test
	$(BIN)/debitorsim load --profile smoke

bench: $(VENV)/.installed-test
	$(BIN)/python -m load.bench

bench-soak: $(VENV)/.installed-test
	$(BIN)/python -m load.bench --soak

clean:
	rm -rf $(VENV) .debitorsim reports .pytest_cache .ruff_cache .hypothesis
