# Accord: `make run` serves the demo, `make test` runs every check. Both start with `make setup`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
export ACCORD_HOME := $(CURDIR)

.PHONY: setup browser pango run test test-sqlite test-postgres lint check-migrations check-deploy bench schema clean

setup: $(VENV)/.installed node_modules/.installed browser pango

$(VENV)/.installed: requirements.lock requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq nodejs npm; } \
	  || { echo "npm is missing: sudo apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# Browser tests drive Debian's chromium; install it when missing and we may (CI runs as root).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium is missing (sudo apt-get install chromium); browser tests will be skipped."

# WeasyPrint (the board pack's PDF) lays text out with Debian's Pango; install it when missing and we may.
pango:
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; } || \
	  echo "Pango is missing (sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0); board-pack PDFs will fail."

run: setup
	mkdir -p var
	$(BIN)/accord migrate --no-input
	$(BIN)/accord demo --if-empty
	$(BIN)/accord collectstatic --no-input -v0
	# Ticket uploads are imported by the task worker; it runs beside gunicorn and ends when gunicorn does.
	# An SLA recompute left running by a worker that was killed is queued again before the worker starts.
	$(BIN)/accord recover_sla_jobs
	$(BIN)/accord db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/gunicorn accord.wsgi:application --bind $(HOST):$(PORT) --workers $(WORKERS) \
	  --access-logfile - --forwarded-allow-ips 127.0.0.1

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check-migrations: setup
	ACCORD_VAR_DIR=$$(mktemp -d) $(BIN)/accord makemigrations --check --dry-run

check-deploy: setup
	ACCORD_ENV=production SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	  ACCORD_AUDIT_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_hex(32))") \
	  ALLOWED_HOSTS=accord.example.org ACCORD_VAR_DIR=$$(mktemp -d) $(BIN)/accord check --deploy --fail-level WARNING

test-sqlite: setup
	$(BIN)/pytest -n 2

test-postgres: setup
	@if command -v pg_ctl >/dev/null; then $(BIN)/python -m tests.postgres_cluster $(BIN)/pytest -n 2; \
	else echo "pg_ctl not on PATH: skipping the PostgreSQL run"; fi

test: lint check-migrations check-deploy test-sqlite test-postgres

bench: setup
	$(BIN)/python bench/run.py

schema: setup
	ACCORD_VAR_DIR=$$(mktemp -d) $(BIN)/accord spectacular --file docs/openapi.yaml --validate

clean:
	rm -rf $(VENV) node_modules var
