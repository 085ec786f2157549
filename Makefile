# Two commands work on a fresh machine: `make render` and `make test`.
PYTHON ?= python3
VENV := .venv
CHECKOV_VENV := .venv-checkov
STACK ?= dev

.PHONY: render test fresh-check fuzz mutation bench bench-render bench-scale clean tools local-up local-down e2e-deps e2e bench-metrics

$(VENV)/.installed: requirements.txt requirements-dev.txt policy/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

## render: write build/$(STACK)/ (manifests, resources.json, outputs.json, placement.md) without a cloud
render: $(VENV)/.installed
	$(VENV)/bin/python -m offline.render --stack $(STACK) --out build/$(STACK)

## test: the whole suite, outside judges included
test: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(VENV)/bin/python -m pytest

## fresh-check: clone HEAD into an empty temporary directory and run make test there, as a user's first clone would
fresh-check:
	bash .ci/fresh-check

## fuzz: the stack-file fuzzer with 3000 cases (make test runs 300); FUZZ_CASES and FUZZ_SEED choose others
FUZZ_CASES ?= 3000
fuzz: $(VENV)/.installed
	FUZZ_CASES=$(FUZZ_CASES) $(VENV)/bin/python -m pytest tests/input/test_stack_fuzz.py

## mutation: mutation score of targeting, placement, plan, settings, node_agent and probes (slow: an hour or more on two
## cores; MUTATION_ARGS="--module plan" or "--sample 50" for less). Not run in CI.
mutation: $(VENV)/.installed
	$(VENV)/bin/python -m mutation.mutate $(MUTATION_ARGS)

## bench: bench-render, then bench-scale (figures printed, never asserted)
bench: bench-render bench-scale

## bench-render: wall-time figures for the render and the test suite
bench-render: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(VENV)/bin/python -m benchmarks.render_bench

# bench-scale takes NODES=<count> (default 1000), WINDOW=<seconds> to watch a one-node-at-a-time rollout, and
# STARTUP=<seconds ...>: one scenario per value, each pod taking that long from scheduled to Ready (0: kwok's instant).
NODES ?= 1000
WINDOW ?= 120
STARTUP ?= 0 5

## bench-scale: coverage and rollout of ours and the anchors' DaemonSets on $(NODES) simulated nodes, pulumi up timed
bench-scale: $(VENV)/.installed
	$(VENV)/bin/python -m benchmarks.scale_bench --nodes $(NODES) --window $(WINDOW) --startup-seconds $(STARTUP)

## tools: build the real parts from the Go module proxy (cached outside the checkout; prints each build time)
tools: $(VENV)/.installed
	$(VENV)/bin/python -m local.tools.build

# local-up and local-down take STACK=<name> (Pulumi.<name>.yaml here) or CONFIG=path/to/any-stack-file.yaml.
LOCAL_STACK = $(if $(CONFIG),--config $(CONFIG),--stack $(STACK))

## local-up: the stack on a simulated copy of its node groups, through the real Pulumi engine
local-up: $(VENV)/.installed
	$(VENV)/bin/python -m local.up $(LOCAL_STACK)

## local-down: destroy the local stack and stop the local cluster
local-down: $(VENV)/.installed
	$(VENV)/bin/python -m local.up $(LOCAL_STACK) --down

## e2e-deps: Debian's prometheus, for the end-to-end suite and the test suite's promtool checks (quick when installed)
e2e-deps:
	bash local/metrics/install_prometheus.sh

## e2e: the end-to-end suite on the real parts (builds the tools if need be)
e2e: $(VENV)/.installed e2e-deps
	$(VENV)/bin/python -m pytest e2e -p no:cacheprovider -rA --durations=10

## bench-metrics: node-exporter's and kube-rbac-proxy's memory and CPU at a 15 s scrape interval (about 6 minutes)
bench-metrics: $(VENV)/.installed e2e-deps
	$(VENV)/bin/python -m benchmarks.metrics_footprint

clean:
	rm -rf build $(VENV) $(CHECKOV_VENV)
