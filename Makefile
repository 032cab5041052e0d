# The two commands: `make run` and `make test`. Both rest on `make install`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LANGS := fi sv en
CATALOGS := $(foreach l,$(LANGS),translations/$(l)/LC_MESSAGES/messages.mo)
AXE := node_modules/axe-core/axe.min.js

.PHONY: install run test lint format translations lock bench screenshots clean

install: $(VENV)/.installed $(CATALOGS) $(AXE)

$(VENV)/.installed: requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy=false -d translations -l $* -i $< -o $@ 2>/dev/null || \
	$(BIN)/pybabel compile -d translations -l $* -i $< -o $@

$(AXE): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

run: install
	$(BIN)/gunicorn wsgi:app

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After changing UI strings: extract them, merge into every catalog, then translate sv and en.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _ --no-location --sort-output --width 100 \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
		--ignore-obsolete --width 100

lock:
	rm -rf /tmp/kehto-lock && $(PYTHON) -m venv /tmp/kehto-lock
	/tmp/kehto-lock/bin/pip install --quiet -e '.' pytest playwright requests ruff \
		hypothesis jsonschema mypy import-linter types-WTForms aiosmtpd
	/tmp/kehto-lock/bin/pip freeze --exclude-editable

bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk; } || \
		{ echo "wrk is missing: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench

# Every page in each language, wide and narrow, as PNGs in tests/artifacts/ (not in git).
screenshots: install
	$(BIN)/python -m tests.screenshots

clean:
	rm -rf $(VENV) node_modules $(CATALOGS)
