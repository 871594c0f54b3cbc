# Quick start: `make run` (serve the chat) and `make test` (the whole suite, slow tests included).
# Both create .venv on first use; nothing needs to be installed by hand.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST   ?= $(or $(TANYA_HOST),127.0.0.1)
PORT   ?= $(or $(TANYA_PORT),7860)

.PHONY: setup run test screenshots index eval bench-quality bench-speed bench-load \
	train-reader clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel that lies on this machine's disk (never a CUDA build).
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: setup
	$(VENV)/bin/tanya-trafficking serve --host $(HOST) --port $(PORT)

index: setup
	$(VENV)/bin/tanya-trafficking rebuild-index

eval: setup
	$(VENV)/bin/tanya-trafficking eval eval/pertanyaan.jsonl

# The browser tests need Debian's chromium and chromium-driver: installed here when missing.
test: setup
	bash tests/setup_browser.sh
	$(PY) -m pytest -q

# The README's pictures (docs/screenshots/), taken by the browser tests; `make test` leaves them.
screenshots: setup
	bash tests/setup_browser.sh
	TANYA_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/test_browser.py

# Benchmarks write results only when asked. A benchmark script run without --out prints its
# table and writes nothing; bench-quality and bench-speed write their JSON under build/bench/
# (git ignores build/), so running a benchmark, or the tests that run one, leaves `git status`
# clean. The tracked record in benchmarks/results/ changes only on purpose:
#   make bench-quality OUT=benchmarks/results/quality.json
#   make bench-speed OUT=benchmarks/results/speed.json
BENCH_OUT := build/bench

bench-quality: setup
	$(PY) benchmarks/quality.py --out $(or $(OUT),$(BENCH_OUT)/quality.json)

bench-speed: setup
	$(PY) benchmarks/speed.py --out $(or $(OUT),$(BENCH_OUT)/speed.json)

# The answer reader (e5-small cross-encoder, top 10 layers + span/no-answer heads) trained on
# IDK-MRC train + FacQA train + BM25 hard negatives (~50-65 min on 2 cores): data/reader.npz.
train-reader: setup
	$(PY) training/train_reader.py --out src/tanya_trafficking/data/reader.npz

# 20 concurrent gradio_client users x 10 questions x 3 rounds, a rebuild during round 2.
bench-load: setup
	$(PY) benchmarks/load.py

clean:
	rm -rf $(VENV) .pytest_cache build dist src/*.egg-info
