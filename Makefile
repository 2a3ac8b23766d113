# Two commands: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := workspace
# Debian packages, as root or through sudo: $(call apt_install,package ...)
apt_install = if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(1); \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $(1); fi

.PHONY: run test install assets browser lock lint serve nginx wrk redis-server bench \
	bench-forums bench-live bench-library bench-digest

run: install assets
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	$(BIN)/flask serve --host $(HOST) --port $(PORT)

test: install assets browser nginx
	$(BIN)/ruff check .
	$(BIN)/mypy
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) REDIS_TEST_URL=$(REDIS_TEST_URL) $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json static/src/room-notes.js
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/uswds static/vendor/socket.io static/vendor/axe
	cp -r node_modules/@uswds/uswds/dist/{css,js,fonts,img} static/vendor/uswds/
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/socket.io/
	cp node_modules/axe-core/axe.min.js static/vendor/axe/
	# yjs ships ES modules that import lib0: one bundle for the room's shared notes.
	node_modules/.bin/esbuild static/src/room-notes.js --bundle --minify --format=iife \
	  --target=es2019 --log-level=warning --outfile=static/vendor/room-notes.js
	touch $@

# Debian's Chromium for the browser tests; Playwright's own browser download cannot work here.
# DejaVu gives the series summary PDFs every character people type (tests read them back).
browser:
	@{ command -v chromium >/dev/null 2>&1 && test -d /usr/share/fonts/truetype/dejavu; } || { \
	  $(call apt_install,chromium fonts-dejavu-core); }

# Production on one machine (workspace/ops/production.py): nginx on LISTEN (127.0.0.1:8080) in
# front of WORKERS (2) gunicorn processes, the job worker, PostgreSQL (DATABASE_URL) and Redis
# (REDIS_URL), in the foreground; Ctrl+C stops them all.
serve: install assets nginx
	$(BIN)/python -m workspace.ops.production

# Debian's nginx, for `make serve` and the deploy test.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { $(call apt_install,nginx-light); }

# Debian's wrk (bench-forums) and redis-server (bench-live).
wrk:
	@command -v wrk >/dev/null 2>&1 || { $(call apt_install,wrk); }

redis-server:
	@command -v redis-server >/dev/null 2>&1 || { $(call apt_install,redis-server); }

# Re-pin Python dependencies after editing pyproject.toml.
lock: $(VENV)/.installed
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --extra dev --output-file requirements.lock pyproject.toml

lint: install
	$(BIN)/ruff check .

# Forum speed against a bare Flask floor (wrk from Debian; loads 127.0.0.1 only, about 2 minutes).
bench-forums: install assets wrk
	$(BIN)/python bench/forums.py

# Live room speed: 100 and 500 Socket.IO clients in one room, one and two gevent workers (Redis),
# against a bare Flask-SocketIO floor (127.0.0.1 only; a Redis of its own; about 5 minutes).
bench-live: install redis-server
	$(BIN)/python bench/live.py

# Library files: a 200 MB upload and download through the app under gevent, against the same file
# from the same server's static route, with the server's peak memory and the library page's SQL
# statements for 10 and 200 resources (127.0.0.1 only; about 10 seconds).
bench-library: install
	$(BIN)/python bench/library.py

# Daily digests for 10,000 people across 50 communities (SQLite in a temp folder, or the database
# BENCH_DATABASE_URL names, which it empties): time, SQL statements for two batch sizes, peak
# memory (127.0.0.1 only; about three minutes).
bench-digest: install
	$(BIN)/python bench/digest.py

# Every benchmark above, one after another, into docs/benchmarks.md: each figure beside the
# floor of the same run, the machine and its load, and what the figures mean for a network
# (about 10-12 minutes; exits non-zero if one failed). BENCH=forums,library runs a subset.
bench: install assets wrk redis-server
	$(BIN)/python bench/report.py $(if $(BENCH),--only $(BENCH))
