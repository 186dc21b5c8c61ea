# Every target bootstraps .venv itself: on a fresh machine `make run` and `make test` are enough.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1:8000

.PHONY: worker install run demo test test-fast screenshots lint format bench loadtest system-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need (Chromium, gettext); installed only when missing.
system-deps:
	@bash scripts/system-deps.sh

demo: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runserver $(HOST)

# The background task worker of production (imports, exports). `make run` needs none: in
# DEBUG tasks run in the request; try the production path with BELIMUMAB_TASKS=database.
worker: install
	$(PY) manage.py run_worker

test: install system-deps
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not e2e" -x -q

# The browser tests, writing their pictures into docs/screenshots/ (the README shows them); a plain
# test run keeps them in pytest's temporary directory.
screenshots: install system-deps
	BELIMUMAB_SCREENSHOTS=docs/screenshots $(PY) -m pytest -m e2e -q

# ruff, the import contracts of pyproject.toml (layers, pure domain, statistics without ORM), mypy.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# SQLite, then PostgreSQL (started from the Debian package by scripts/postgres.sh).
bench: install
	$(PY) manage.py bench $(BENCH_ARGS)
	DATABASE_URL=$$(bash scripts/postgres.sh belimumab_bench) $(PY) manage.py bench $(BENCH_ARGS)

# The production topology on loopback: two gunicorn servers (127.0.0.1:8001 and :8002, 5 workers
# each), one task worker (run_worker, database backend), one PostgreSQL; 10,000 generated
# patients, 50 locust users split over the servers joining one per second, 3-10 s between pages,
# plus a lab feed posting 1 HL7 ORU^R01 message a second and one cohort report a minute, for 160 s
# (LOADTEST_PATIENTS, LOADTEST_USERS, LOADTEST_WAIT="min,max", LOADTEST_TIME, LOADTEST_WORKERS,
# LOADTEST_SPAWN_RATE, LOADTEST_PORTS="8001,8002", LOADTEST_HOSPITAL_IDS to change them);
# writes its result block into docs/benchmarks.md.
loadtest: install
	$(PY) -m pip install -q -e ".[bench]"
	bash scripts/loadtest.sh

clean:
	rm -rf $(VENV) staticfiles
