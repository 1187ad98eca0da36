# 真如安全风险地图 — two commands: `make run` (the app) and `make test` (the whole suite).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STORE   := data/generated/zhenru.db
PORT    ?= 8501

.PHONY: run test venv dev store lint pytest e2e-deps bench clean

$(BIN)/.runtime-installed: requirements.txt constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt -c constraints.txt
	$(BIN)/python -m routes warmup >/dev/null  # compile the route solver's kernels once (~30 s)
	touch $@

$(BIN)/.dev-installed: $(BIN)/.runtime-installed requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt -c constraints.txt
	touch $@

venv: $(BIN)/.runtime-installed
dev: $(BIN)/.dev-installed

# Build the sample store once, then fit the risk models for it (kept beside the store in
# data/generated/zhenru.models) so the app's first page opens without refitting.
$(STORE): | venv
	$(BIN)/python -m registry build --path $(STORE)
	$(BIN)/python -m risk score --store $(STORE) --as-of last --out data/generated/ranking.csv --quiet

store: $(STORE)

# `routes warmup` again: after an update of the solver's kernels it rebuilds them (else ~1 s)
run: venv store
	$(BIN)/python -m routes warmup >/dev/null
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
	  --server.headless true --browser.gatherUsageStats false

# Debian's Chromium for the end-to-end tests (Playwright drives it via executablePath).
e2e-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null) \
	  || (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null); \
	fi

lint: dev
	$(BIN)/ruff check .

# `routes warmup` compiles the route solver's kernels once (numba's cache and the ahead-of-time
# module, both in routes/__pycache__), so the two test workers do not both pay the ~30 s.
pytest: dev e2e-deps
	$(BIN)/python -m routes warmup
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test: lint pytest

bench: dev e2e-deps
	$(BIN)/python -m routes warmup
	$(BIN)/python benchmarks/synth_scale.py
	$(BIN)/python benchmarks/bench_layers.py
	$(BIN)/python benchmarks/risk_model.py --write
	$(BIN)/python benchmarks/routes_bench.py --time-limit 2 --out benchmarks/RESULTS_routes.md
	$(BIN)/python benchmarks/routes_workload.py --time-limit 2 --out benchmarks/RESULTS_workload.md
	$(BIN)/python benchmarks/top_cli.py --time-limit 2
	$(BIN)/python benchmarks/top_shortfalls.py --limits 2,10,30
	$(BIN)/python benchmarks/top_reliability.py --all --seeds 5
	$(BIN)/python benchmarks/map_load.py --sizes 3000 10000 50000 --write
	$(BIN)/python benchmarks/bench_app_pages.py

clean:
	rm -rf $(VENV) data/generated test-artifacts
