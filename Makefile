# Quick start: `make run` then `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EVAL   ?= ../shared/eval
OUT    ?= data/seeds

.PHONY: run test lint eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m pipeline run --input seeds --output $(OUT)

lint: $(STAMP)
	$(PY) -m ruff check pipeline tests

test: $(STAMP)
	$(PY) -m ruff check pipeline tests
	$(PY) -m pytest

eval: $(STAMP)
	$(PY) tools/eval.py $(EVAL)

clean:
	rm -rf $(VENV) data/seeds data/eval .pytest_cache
