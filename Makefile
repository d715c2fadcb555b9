# Quick start: `make run` then `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EVAL   ?= ../shared/eval
OUT    ?= data/seeds

SIZES  ?= 1000,10000,100000

.PHONY: run test lint eval bench bench-store fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,spark]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m pipeline run --input seeds --output $(OUT)

lint: $(STAMP)
	$(PY) -m ruff check pipeline tests bench tools fuzz

test: $(STAMP)
	$(PY) -m ruff check pipeline tests bench tools fuzz
	$(PY) -m pytest

eval: $(STAMP)
	$(PY) tools/eval.py $(EVAL)

# Throughput with default settings on the generated and the real-text corpora (data/bench/);
# `make bench SIZES=1000` for one size.
bench: $(STAMP)
	$(PY) -m bench --sizes $(SIZES)

# The signature store at scale: one store grown to 1M generated articles, a real 10k batch after each size.
HISTORY ?= 0,100000,300000,1000000
bench-store: $(STAMP)
	nice -n 10 $(PY) -m bench.store --history $(HISTORY)

# Coverage-guided fuzzing of the cleaning entry point (atheris); not part of `make test` or CI.
FUZZ_SECONDS ?= 300
fuzz: $(STAMP)
	$(PY) -m pip install --quiet -e '.[fuzz]'
	mkdir -p data/fuzz-corpus
	$(PY) fuzz/fuzz_clean.py data/fuzz-corpus fuzz/seeds -max_total_time=$(FUZZ_SECONDS) -timeout=60 \
		-artifact_prefix=data/fuzz-

clean:
	rm -rf $(VENV) data/seeds data/eval .pytest_cache
