PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench lint clean

$(BIN)/healthcheck: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q healthcheck
	touch $(BIN)/healthcheck

demo: $(BIN)/healthcheck
	$(BIN)/healthcheck demo --out demo

test: $(BIN)/healthcheck
	$(BIN)/python -m pytest

bench: $(BIN)/healthcheck
	$(BIN)/python bench/bench.py

lint: $(BIN)/healthcheck
	$(BIN)/ruff check healthcheck tests bench
	$(BIN)/mypy healthcheck

clean:
	rm -rf demo .pytest_cache bench/cache
