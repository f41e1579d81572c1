# The two set-up commands of the README: `make run` and `make test`.
# Each creates or updates .venv itself (re-installing when pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.typelens-installed
TORCH := torch==2.13.0
PYTEST_ARGS ?=

.PHONY: run test bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq $(TORCH)
	$(BIN)/python -m pip install -qq -e ".[test,ml]"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/typelens graph examples/shop --format text
	$(BIN)/typelens infer examples/shop --no-cache
	@# analyze exits 1 when it finds problems, which the example project has on purpose
	$(BIN)/typelens analyze examples/shop; test $$? -le 1

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/graph.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
