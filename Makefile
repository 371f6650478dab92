# Samen Veilig — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

.PHONY: demo test install install-dev translations messages lint run worker vendor clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Compile the .po files into .mo with Babel (no GNU gettext needed).
translations: $(VENV)/.installed
	SAMENVEILIG_TESTING=1 $(MANAGE) compile_translations

## Re-extract messages (developers only: needs GNU gettext's xgettext).
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l nl --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --ignore='e2e/*' --ignore='bench/*' --no-obsolete

## One command: embedded SQLite database, demo town, web server and worker.
demo: $(VENV)/.installed
	SAMENVEILIG_DEMO=1 $(MANAGE) compile_translations
	SAMENVEILIG_DEMO=1 $(MANAGE) migrate --noinput
	SAMENVEILIG_DEMO=1 $(MANAGE) run_demo

## The whole suite: unit, integration and browser tests.
test: $(VENV)/.installed-dev
	SAMENVEILIG_TESTING=1 $(MANAGE) compile_translations
	$(PY) -m pytest $(PYTEST_ARGS)

## Style, security lint (bandit: high severity fails; medium findings are reviewed in
## docs/security.md) and known vulnerabilities in the dependencies (when the service is reachable).
lint: $(VENV)/.installed-dev
	$(PY) -m ruff check src tests e2e bench
	$(VENV)/bin/bandit -q -r src/samenveilig -x 'src/samenveilig/*/migrations' --severity-level high
	-$(VENV)/bin/pip-audit --progress-spinner off || echo "pip-audit: vulnerability service not reachable or findings above"

run: $(VENV)/.installed
	$(MANAGE) runserver

worker: $(VENV)/.installed
	$(MANAGE) db_worker

## Refresh the vendored front-end assets from the npm registry (needs npm; running the project does not).
vendor:
	bash scripts/vendor.sh

clean:
	rm -rf $(VENV) var
