# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FLASK  := $(BIN)/flask --app alliance
CATALOGS := $(shell find alliance -type d -name translations -not -path '*/.venv/*')

.PHONY: run test install translations compile-translations extract-translations lint format bench clean audit

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Compile the .po catalogs to .mo (the .mo files are not kept in git).
compile-translations: $(STAMP)
	@for d in $(CATALOGS); do $(BIN)/pybabel -q compile -f -d $$d; done

## Re-extract messages into every catalog and update the .po files (then translate them).
translations: $(STAMP)
	$(BIN)/python -m alliance.i18n_tool update

run: compile-translations
	FLASK_DEBUG=1 $(FLASK) db upgrade
	FLASK_DEBUG=1 $(FLASK) demo-data --if-empty
	FLASK_DEBUG=1 $(FLASK) run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Known vulnerabilities in installed packages fail; an unreachable advisory service does not.
audit: $(STAMP)
	$(BIN)/python scripts/audit_deps.py $(AUDIT_ARGS)

## Tests run in parallel, one pytest-xdist worker per CPU (PYTEST_WORKERS=0: serially); each
## worker starts one Chromium for the browser journeys it gets. (`--dist loadgroup` would keep
## them on one worker, but pytest-xdist 3.8 cannot rename pytest 9's test ids, so it groups nothing.)
PYTEST_WORKERS ?= auto
PYTEST_DIST    ?= load

test: compile-translations lint audit
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) $(PYTEST_ARGS)

bench: compile-translations
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
