# gongtiao: two commands.
#   make run   set everything up, load the demo district once, serve on http://127.0.0.1:8080
#   make test  set everything up (plus Chromium and PostgreSQL) and run ruff, lint-imports, mypy and pytest
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Only `make run` uses these; tests set their own environment.
RUN_DATA_DIR ?= $(CURDIR)/var
RUN_ENV := GONGTIAO_DATA_DIR=$(RUN_DATA_DIR) GONGTIAO_SECRET_KEY_FILE=$(RUN_DATA_DIR)/secret_key

.PHONY: run test setup system-run system-test lint typecheck pytest secret bench lock clean messages

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $@

setup: $(STAMP)

system-run:
	@bash scripts/system-deps.sh run

system-test:
	@bash scripts/system-deps.sh test

secret:
	@mkdir -p $(RUN_DATA_DIR)
	@test -s $(RUN_DATA_DIR)/secret_key || (umask 077; $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))' > $(RUN_DATA_DIR)/secret_key)

run: system-run $(STAMP) secret
	$(RUN_ENV) $(BIN)/gongtiao db upgrade
	$(RUN_ENV) $(BIN)/gongtiao demo
	$(RUN_ENV) $(BIN)/gongtiao serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy hub referrals meetings rtc

# Two passes. Tests inside one process (the app, SQLite, PostgreSQL, pages in Chromium) run two per
# core (half their time is spent waiting on sockets and threads); those with real-time media or
# killed servers (marked rtc: WebRTC, Janus, kill -9) run one at a time, because their timings are
# real and they must not fight each other for the CPU. PYTEST_WORKERS=0: the first pass in one process.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
REALTIME := rtc
pytest: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist worksteal --durations=25 -m "not $(REALTIME)"
	$(BIN)/pytest -q -p no:xdist --durations=10 -m $(REALTIME)

test: system-test $(STAMP) lint typecheck pytest
	bash scripts/check-deploy.sh

bench: system-test $(STAMP)
	$(BIN)/python -m bench

# Refresh the exact versions after changing dependencies in pyproject.toml.
lock:
	rm -rf /tmp/gongtiao-lock && $(PYTHON) -m venv /tmp/gongtiao-lock
	/tmp/gongtiao-lock/bin/pip install -q -e '.[dev]'
	{ echo "# Exact versions for every install (make run / make test / CI). Regenerate with: make lock"; \
	  /tmp/gongtiao-lock/bin/pip freeze --exclude-editable | grep -vE '^(pip|setuptools|wheel)=='; } > constraints.txt

# After adding translatable text: list what the Chinese catalog lacks (see scripts/po_set.py).
messages: $(STAMP)
	$(BIN)/python scripts/po_set.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
