# Two commands work on a fresh machine: `make render` and `make test`.
PYTHON ?= python3
VENV := .venv
CHECKOV_VENV := .venv-checkov
STACK ?= dev

.PHONY: render test fuzz bench clean

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
	$(VENV)/bin/python -m components.render --stack $(STACK) --out build/$(STACK)

## test: the whole suite, outside judges included
test: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(VENV)/bin/python -m pytest

## fuzz: the stack-file fuzzer with 3000 cases (make test runs 300); FUZZ_CASES and FUZZ_SEED choose others
FUZZ_CASES ?= 3000
fuzz: $(VENV)/.installed
	FUZZ_CASES=$(FUZZ_CASES) $(VENV)/bin/python -m pytest tests/test_stack_fuzz.py

## bench: wall-time figures for the render and the test suite (printed, never asserted)
bench: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(VENV)/bin/python -m benchmarks.render_bench

clean:
	rm -rf build $(VENV) $(CHECKOV_VENV)
