# ReLoop: `make demo` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast browser-deps lint translations clean

demo: $(STAMP)
	$(BIN)/reloop demo

test: $(STAMP) browser-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# Everything but the headless-browser tests, for a quick loop while coding.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

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

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet ruff mypy
	$(BIN)/ruff check webapp routing traceability geodata tests
	$(BIN)/mypy routing traceability geodata

# Refresh the catalogue after changing user-facing text; then translate the new entries.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o /tmp/reloop-messages.pot .
	$(BIN)/pybabel update -i /tmp/reloop-messages.pot -d webapp/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache
