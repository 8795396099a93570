# fedreport: the two set-up commands are `make demo` and `make test`; both install what is missing.
SHELL := /bin/bash
SWIFT ?= swift
# The schema validators the manifest tests use, pinned: Kubernetes' own, and models of the
# Prometheus Operator's CRDs (scripts/validate-operator-resources.py); TEST_TOOLS=0 skips them
# (an image build).
KUBERNETES_VALIDATE := 1.31.0
OPERATOR_MODELS := 0.80.1.0
TEST_TOOLS ?= 1
APT_PACKAGES := libcurl4-openssl-dev libsqlite3-dev prometheus nginx-light openssl pkg-config curl sqlite3 victoria-metrics chromium poppler-utils postgresql
BIN := .build/debug
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build test demo samples bench fuzz lint format install clean

all: build

# Installs the Debian packages the build and the tests need, only when one is missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@[ "$(TEST_TOOLS)" = 0 ] || command -v kubernetes-validate >/dev/null || \
	  { echo "installing: kubernetes-validate (PyPI)"; pip install -q kubernetes-validate==$(KUBERNETES_VALIDATE); }
	@[ "$(TEST_TOOLS)" = 0 ] || python3 -c 'import cloudcoil.models.prometheus_operator' 2>/dev/null || \
	  { echo "installing: cloudcoil-models-prometheus-operator (PyPI)"; pip install -q cloudcoil-models-prometheus-operator==$(OPERATOR_MODELS) pyyaml; }

build: deps
	$(SWIFT) build

# Builds once, checks the format (lint), then runs every suite: unit tests and the integration
# tests that start a real Prometheus (and nginx, PostgreSQL) on loopback over backfilled data. Lists each
# skipped test with its reason; with CI=true a skipped test fails the run (scripts/test.sh).
test: deps
	$(SWIFT) build --build-tests
	$(MAKE) lint
	SWIFT=$(SWIFT) scripts/test.sh
	$(MAKE) fuzz-short

# Generates the demo data sets, starts two throwaway Prometheus servers over them, runs the whole
# job (the nightly job night by night on the nightlies) and prints where the reports are.
demo: deps
	$(SWIFT) build
	scripts/demo.sh

# The demo, refreshing the committed samples in reports/sample/ and the screenshots in docs/images/.
samples: deps
	$(SWIFT) build
	DEMO_SAMPLES=1 scripts/demo.sh

# Release builds (in .build-release, apart from the shared debug build), data generated once
# into .bench/, a throwaway Prometheus, every comparison of docs/performance.md side by side; the table goes
# to stdout and reports/bench/bench.md and bench.json. BENCH_ARGS go to `fedbench run`.
bench: deps
	scripts/bench/run.sh $(BENCH_ARGS)

# libFuzzer targets (fuzz/): the streaming decoder, the label-selector parser, durations, Kubernetes
# quantities and the YAML loaders, built with -sanitize=fuzzer,address into .build-fuzz/. Each runs for FUZZ_SECONDS
# from the seed corpus in fuzz/corpus/; any crash, trap, sanitizer report, leak or input slower
# than 5 s fails, and the input is saved in fuzz/crashes/. `fuzz-short` is the bound `test` uses.
FUZZ_SECONDS ?= 60
.PHONY: fuzz-short fuzz-build
fuzz: fuzz-build
	fuzz/run.sh $(FUZZ_SECONDS)

fuzz-short: fuzz-build
	fuzz/run.sh 10

fuzz-build:
	@[ -d .build/checkouts/Yams/Sources ] || $(SWIFT) package resolve
	fuzz/build.sh

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests

format:
	$(SWIFT) format --in-place --recursive Sources Tests

PREFIX ?= /usr/local
install: deps
	$(SWIFT) build -c release --product fedreport
	install -d $(PREFIX)/bin $(PREFIX)/share/fedreport
	install -m 755 .build/release/fedreport $(PREFIX)/bin/fedreport
	cp -r queries templates $(PREFIX)/share/fedreport/

clean:
	rm -rf .build .demo
