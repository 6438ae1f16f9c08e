# ReLoop: `make demo` serves the demo, `make test` runs every test, `make reliability`
# runs the minutes-long load, fault and hostile-input set on SQLite and PostgreSQL.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast reliability browser-deps broker-deps lint translations clean

# `make demo PORT=8080 HOST=0.0.0.0` serves elsewhere than 127.0.0.1:5000.
PORT ?= 5000
HOST ?= 127.0.0.1

demo: $(STAMP)
	$(BIN)/reloop demo --host $(HOST) --port $(PORT)

test: $(STAMP) browser-deps broker-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# Everything but the headless-browser tests, for a quick loop while coding.
test-fast: $(STAMP) broker-deps
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

# Issue 8's set: reliability/ (load, faults, against gunicorn) and the fast parts from tests/
# (access matrix, security, fuzzing, property tests, hostile input, concurrency, idempotency,
# tamper detection), first on
# SQLite, then on PostgreSQL; each run appends its figures to RELIABILITY_FIGURES, printed
# as one table at the end. The fast parts run in `make test` too.
RELIABILITY_PG      ?= postgresql://postgres@127.0.0.1:5432/postgres
RELIABILITY_FIGURES ?= /tmp/reloop-reliability-figures.jsonl
RELIABILITY_STAMP   := $(VENV)/.installed-reliability
RELIABILITY_FAST    := $(wildcard tests/webapp/test_access.py tests/webapp/test_security.py \
                         tests/webapp/test_api_fuzz.py tests/webapp/test_resilience.py tests/webapp/test_backup.py \
                         tests/test_bandit.py tests/*/test_properties*.py tests/*/*/test_properties*.py \
                         tests/*/test_hostile*.py tests/*/*/test_hostile*.py \
                         tests/*/test_concurren*.py tests/*/*/test_concurren*.py)
RELIABILITY_ONCE    := tests/webapp/driver/test_api.py tests/webapp/test_fill_readings.py tests/webapp/trace \
                       tests/traceability
RELIABILITY_ONCE_K  := once or replay or resending or repeating or twice or same_id or same_event \
                       or duplicate or tampered or altered or forged

reliability: $(RELIABILITY_STAMP) browser-deps broker-deps
	@rm -f $(RELIABILITY_FIGURES); status=0; export RELIABILITY_FIGURES=$(RELIABILITY_FIGURES); \
	for backend in sqlite postgresql; do \
	  if [ $$backend = sqlite ]; then unset DATABASE_URL; else export DATABASE_URL=$(RELIABILITY_PG); fi; \
	  echo "== reliability on $$backend"; \
	  $(BIN)/pytest reliability $(PYTEST_ARGS) || status=1; \
	  $(BIN)/pytest $(RELIABILITY_FAST) $(PYTEST_ARGS) || status=1; \
	  $(BIN)/pytest $(RELIABILITY_ONCE) -k "$(RELIABILITY_ONCE_K)" $(PYTEST_ARGS) || status=1; \
	done; \
	echo "== reliability figures (SQLite and PostgreSQL)"; \
	$(BIN)/python -m reliability.figures $(RELIABILITY_FIGURES); \
	exit $$status

$(RELIABILITY_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,reliability]"
	touch $(RELIABILITY_STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ReLoop needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# Browser tests drive Debian's Chromium (Playwright's own download cannot work offline)
# and need a CJK font so Chinese is drawn, not boxes.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi -e wqy -e "noto sans cjk"; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian chromium and a CJK font for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "browser tests need Debian's chromium and fonts-wqy-microhei: sudo apt-get install chromium fonts-wqy-microhei" >&2; exit 1; \
	  fi; \
	fi

# The sensor tests and `make reliability`'s MQTT section start Mosquitto brokers of their own.
broker-deps:
	@if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian mosquitto for the sensor tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null; \
	  else \
	    echo "sensor tests need Debian's mosquitto: sudo apt-get install mosquitto" >&2; exit 1; \
	  fi; \
	fi

# ruff (findings and formatting) over every Python file, strict mypy on the pure packages.
LINT_STAMP := $(VENV)/.installed-lint

lint: $(LINT_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy routing traceability geodata secondlife

$(LINT_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(LINT_STAMP)

# Refresh the catalogue after changing user-facing text; then translate the new entries.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o /tmp/reloop-messages.pot .
	$(BIN)/pybabel update -i /tmp/reloop-messages.pot -d webapp/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache
