# Quick start: `make run` then `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# What each target installs: running needs the project alone; testing (and linting) also the
# test and Spark extras (the Spark tests start a real local Spark; pyspark is ~500 MB).
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
EVAL   ?= ../shared/eval
OUT    ?= data/seeds

SIZES  ?= 1000,10000,100000

.PHONY: run test lint eval bench bench-store fuzz clean train soak

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,spark]'
	touch $(TEST_STAMP) $(RUN_STAMP)

venv: $(RUN_STAMP)

run: $(RUN_STAMP)
	$(PY) -m pipeline run --input seeds --output $(OUT)

lint: $(TEST_STAMP)
	$(PY) -m ruff check pipeline tests bench tools fuzz

test: $(TEST_STAMP)
	$(PY) -m ruff check pipeline tests bench tools fuzz
	$(PY) -m pytest

eval: $(RUN_STAMP)
	$(PY) tools/eval.py $(EVAL)

# Throughput with default settings on the generated and the real-text corpora (data/bench/);
# `make bench SIZES=1000` for one size.
bench: $(RUN_STAMP)
	$(PY) -m bench --sizes $(SIZES)

# The signature store at scale: one store grown to 1M generated articles, a real 10k batch after each size.
HISTORY ?= 0,100000,300000,1000000
bench-store: $(RUN_STAMP)
	nice -n 10 $(PY) -m bench.store --history $(HISTORY)

# Rebuild the boilerplate line scorer (pipeline/clean/models/lines-v1.json) from $(EVAL)/dev
# (leak + web) and print its site-grouped cross-validation table. Needs the `train` extra.
train: $(RUN_STAMP)
	$(PY) -m pip install --quiet -e '.[train]'
	$(PY) -m tools.train_lines --eval $(EVAL)

# Crash soak: SIGKILL a 2,000-document run at random moments, rerun, compare byte for byte
# with an uninterrupted run; prints "trials passed: k/N". Slow; not part of `make test`.
TRIALS ?= 20
soak: $(RUN_STAMP)
	$(PY) -m tools.soak --documents 2000 --trials $(TRIALS)

# Coverage-guided fuzzing of the cleaning entry point (atheris); not part of `make test` or CI.
FUZZ_SECONDS ?= 300
fuzz: $(RUN_STAMP)
	$(PY) -m pip install --quiet -e '.[fuzz]'
	mkdir -p data/fuzz-corpus
	$(PY) fuzz/fuzz_clean.py data/fuzz-corpus fuzz/seeds -max_total_time=$(FUZZ_SECONDS) -timeout=60 \
		-artifact_prefix=data/fuzz-

clean:
	rm -rf $(VENV) data/seeds data/eval .pytest_cache
