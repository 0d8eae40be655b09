# The two commands of the README:
#   make run    install everything, upgrade the database, load the demo province, serve :8080
#   make test   install what the tests need, run the suite on SQLite, on PostgreSQL, in Chromium
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
WORKERS ?= 2
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
export FLASK_APP := app

# Debian packages: PDFs (Chromium, driven by Playwright, + the Thai font), reading PDFs back, and the browser.
RUN_DEBS := chromium fonts-tlwg-laksaman poppler-utils
# The tests add Node.js and its npm: it installs axe-core, which the browser tests serve to
# Chromium (Debian's npm package only where no npm came with Node.js); and LibreOffice's
# spreadsheet, which reads the Excel exports back as a clerk's would show them.
TEST_DEBS := $(RUN_DEBS) chromium nodejs libreoffice-calc-nogui

.PHONY: run test test-sqlite test-postgres test-browser test-sqlite-then-browser system-run system-test system-npm translations \
        extract-messages clean

# Says which database and instance folder it uses, refuses a busy port in one line (PORT=8081
# make run), sets up the database and the demo, serves with gunicorn and prints the demo logins
# once the server answers (app/cli.py serve, app/serving.py).
run: system-run $(VENV)/.run translations
	@$(BIN)/flask eoffice serve --demo --port $(PORT) --workers $(WORKERS)

# PostgreSQL's run (the longest: it carries the API fuzz) goes beside SQLite's followed by the
# browser's (on a SQLite file of its own); each has its own database, and -O prints each whole
# when it ends.
test: system-test $(VENV)/.test translations
	$(MAKE) --no-print-directory -j2 -O test-postgres test-sqlite-then-browser

test-sqlite-then-browser:
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-browser

# The fuzz of the whole API (tests/test_fuzz_api.py) runs on PostgreSQL, whose limits (NUL bytes,
# integer ranges) are the strict ones; the SQLite run leaves it out to keep the two runs even.
test-sqlite:
	@echo "== unit and HTTP tests on SQLite =="
	EOFFICE_TEST_DATABASE=sqlite $(BIN)/python -m pytest -q tests --ignore=tests/browser \
	  --ignore=tests/test_fuzz_api.py

test-postgres:
	@echo "== unit and HTTP tests on PostgreSQL ($(TEST_DATABASE_URL)) =="
	EOFFICE_TEST_DATABASE=$(TEST_DATABASE_URL) $(BIN)/python -m pytest -q tests --ignore=tests/browser

test-browser:
	@echo "== browser tests in Chromium =="
	$(BIN)/python -m pytest -q tests/browser

# Installs missing Debian packages as root; otherwise prints the exact command and stops.
define install_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Missing Debian packages. Run as root:"; \
	    echo "  apt-get update && apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

system-run:
	$(call install_debs,$(RUN_DEBS))

system-test:
	$(call install_debs,$(TEST_DEBS))
	@command -v npm >/dev/null || { $(MAKE) --no-print-directory system-npm; }

system-npm:
	$(call install_debs,npm)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.test: requirements.txt requirements-test.txt tests/browser/package-lock.json | $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements-test.txt
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	touch $@ $(VENV)/.run

# Compiled catalogues are build products (.mo files are not committed).
translations: | $(VENV)/bin/python
	$(BIN)/pybabel compile -d translations --statistics

# After changing user-visible strings: extract ours, FAB's and WTForms' into the catalogues, fill
# what is mechanical, and list what still needs a translator (exit 1 until nothing does).
extract-messages: $(VENV)/.run
	$(BIN)/python tools/build_catalogue.py

clean:
	rm -rf $(VENV) instance/eoffice.db
