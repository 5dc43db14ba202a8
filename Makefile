PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Written after the editable install with the dev extras. Remade when pyproject.toml changes, and
# whenever pytest is missing from the .venv (one left by a plain `pip install .`, say).
DEV := $(VENV)/.installed-dev

.PHONY: demo test bench lint clean FORCE

$(DEV): pyproject.toml $(if $(wildcard $(BIN)/pytest),,FORCE)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q healthcheck
	touch $@

$(BIN)/healthcheck: $(DEV)
	touch $@

demo: $(DEV)
	$(BIN)/healthcheck demo --out demo

test: $(DEV)
	$(BIN)/python -m pytest

bench: $(DEV)
	$(BIN)/python bench/bench.py

lint: $(DEV)
	$(BIN)/ruff check healthcheck tests bench
	$(BIN)/mypy healthcheck

clean:
	rm -rf demo .pytest_cache bench/cache

FORCE:
