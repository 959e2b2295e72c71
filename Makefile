# roomservice: `make up` to run it, `make test` to test all of it.
# Each target's `##` comment is its help line.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
export COMPOSE_BAKE := false
UV_VERSION := 0.13.9

# The stack's settings. `make up` writes the modes into it (COMPOSE_FILE,
# COMPOSE_PROFILES) and `make scale` the replicas, so every target below, and
# a plain `docker compose` typed by hand, uses the same compose files. Tests
# point ENV_FILE at a throwaway stack's file.
ENV_FILE ?= .env
export ENV_FILE
export COMPOSE_ENV_FILES = $(wildcard $(ENV_FILE))
COMPOSE := docker compose
# Destructive targets ask on a terminal; YES=1 answers for scripts and CI.
CONFIRM = YES=$(YES) scripts/confirm
# `docker compose exec` wants -T when stdin is not a terminal (a pipe, CI).
TTY = $$([ -t 0 ] || echo -T)
# Requirements files pinned from a requirements.in by `make lock`: services
# for Python 3.10-3.13 (--universal), the tools' images for their 3.13.
LOCKED_SERVICES := services/web services/ws services/db-api
LOCKED_TOOLS := loadtest tests/browser bench
# The names the site answers to (Nginx and every service refuse other Host
# headers): SITE_HOSTS from the env file, else derived from HTTP_BIND
# (servicekit.settings says how); passed to the targets that start containers.
SITE_HOSTS ?= $(shell python3 scripts/settings --value SITE_HOSTS $(ENV_FILE))

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(ENV_FILE):
	@scripts/init-env $(ENV_FILE)

# --- Use ----------------------------------------------------------------------

.PHONY: up
up: $(ENV_FILE) ## Start the whole stack healthy (first run writes .env); TLS=1 DEV=1 OBSERVABILITY=1 stick, =0 leaves
	@SITE_HOSTS=$(SITE_HOSTS) TLS=$(TLS) DEV=$(DEV) OBSERVABILITY=$(OBSERVABILITY) scripts/up

.PHONY: dev
dev: ## make up DEV=1: source bind-mounted, gunicorn reloading on change (make up DEV=0 leaves)
	@$(MAKE) --no-print-directory up DEV=1

.PHONY: down
down: ## Stop every container of the stack, every profile (data volumes are kept)
	$(COMPOSE) --profile '*' down --remove-orphans

.PHONY: logs
logs: ## Follow the logs (SERVICE=web for one service)
	$(COMPOSE) logs -f --tail=100 $(SERVICE)

.PHONY: ps
ps: ## Show the stack's containers and their health
	$(COMPOSE) --profile '*' ps -a

.PHONY: seed
seed: ## Demo users, rooms and messages, so the site looks lived in (run again: nothing doubles)
	scripts/seed

.PHONY: scale
scale: ## Run WEB=n WS=n API=n replicas (unset keeps the count; kept in .env) and reload Nginx
	SITE_HOSTS=$(SITE_HOSTS) WEB=$(WEB) WS=$(WS) API=$(API) scripts/scale.sh

.PHONY: rollout
rollout: ## Replace SERVICE=web|ws|db-api replica by replica, without downtime
	SITE_HOSTS=$(SITE_HOSTS) scripts/rollout.sh $(SERVICE)

.PHONY: loadtest
loadtest: ## Headless Locust run on a throwaway copy of the stack (USERS=30 SPAWN_RATE=5 DURATION=60s)
	scripts/loadtest.sh

.PHONY: stack-deploy
stack-deploy: $(ENV_FILE) ## Deploy deploy/swarm/stack.yml to the swarm DOCKER_HOST manages, with .env's settings
	scripts/stack-deploy

# --- Operate ------------------------------------------------------------------

.PHONY: db-shell
db-shell: ## MariaDB shell on the application database (ROOT=1 as root); SQL on stdin works too
	@ROOT=$(ROOT) scripts/db-shell

.PHONY: redis-cli
redis-cli: ## redis-cli on the stack's Redis (ARGS="info memory" for one command; stdin works too)
	@$(COMPOSE) exec $(TTY) redis redis-cli $(ARGS)

.PHONY: backup
backup: ## One consistent archive of MariaDB (users, rooms, messages, files) and Redis under backups/
	scripts/backup

.PHONY: restore
restore: ## Replace all data with the archive FILE=backups/… (asks first; YES=1 skips)
	@$(CONFIRM) "Restore $(FILE) over the data of this stack; what it holds now is lost."
	scripts/restore $(FILE)

.PHONY: reset
reset: ## Delete all data (database, Redis) and start empty; keeps images and .venv (asks; YES=1)
	@$(CONFIRM) "Delete every user, room, message and file of this stack."
	$(COMPOSE) --profile '*' down --volumes --remove-orphans
	@$(MAKE) --no-print-directory up

.PHONY: clean
clean: ## Remove the stack with its data, its built images, .venv and test output (asks; YES=1)
	@$(CONFIRM) "Delete this stack's data, its images, .venv and test-output/ (backups/ and .env stay)."
	images=$$($(COMPOSE) --profile '*' config --images | grep '^roomservice/' | sort -u); \
		tag=$${images##*:}; \
		$(COMPOSE) --profile '*' down --volumes --remove-orphans; \
		docker image rm $$images "roomservice/browser-tests:$$tag" "roomservice/bench:$$tag" 2>/dev/null || true
	rm -rf $(VENV) test-output

.PHONY: settings
settings: ## Write .env.example, the README's settings table and k8s config.env from the settings registry
	python3 scripts/settings

# --- Develop and test ---------------------------------------------------------

$(VENV)/.installed: requirements-dev.txt services/*/requirements.txt lib/servicekit/pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt \
		-r services/web/requirements.txt -r services/ws/requirements.txt -r services/db-api/requirements.txt
	$(PY) -m pip install --quiet --no-deps -e lib/servicekit
	touch $@

.PHONY: venv
venv: $(VENV)/.installed ## Build the host-side .venv for linting and tests

.PHONY: lock
lock: ## Re-pin every requirements.txt from its requirements.in (services valid on Python 3.10-3.13)
	docker run --rm -v "$(CURDIR):/src" -w /src --user "$$(id -u):$$(id -g)" -e HOME=/tmp \
		python:3.13-slim-trixie sh -c '\
		pip install --quiet --user uv==$(UV_VERSION) && uv=/tmp/.local/bin/uv && \
		for d in $(LOCKED_SERVICES); do \
			$$uv pip compile --quiet --universal --python-version 3.10 --no-header \
				-o $$d/requirements.txt $$d/requirements.in || exit 1; \
		done && \
		for d in $(LOCKED_TOOLS); do \
			$$uv pip compile --quiet --python-version 3.13 --no-header \
				-o $$d/requirements.txt $$d/requirements.in || exit 1; \
		done'

.PHONY: lint
lint: venv ## ruff (check + format, Python scripts too), shellcheck, hadolint
	$(VENV)/bin/ruff check . $$(git ls-files | xargs grep -lE '^#!/usr/bin/env python3' 2>/dev/null)
	$(VENV)/bin/ruff format --check . $$(git ls-files | xargs grep -lE '^#!/usr/bin/env python3' 2>/dev/null)
	$(VENV)/bin/shellcheck $$(git ls-files | xargs grep -lE '^#!/(usr/)?bin/(env )?(ba)?sh' 2>/dev/null)
	$(VENV)/bin/hadolint $$(git ls-files '*Dockerfile')

.PHONY: audit
audit: venv ## Check every pinned requirements file for known vulnerabilities (pip-audit, needs PyPI's JSON API)
	for req in $$(git ls-files 'requirements*.txt' '*/requirements*.txt'); do \
		echo "audit: $$req"; $(VENV)/bin/pip-audit --disable-pip --no-deps --progress-spinner off -r $$req; \
	done

.PHONY: fmt
fmt: venv ## Format the Python code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: test-unit
test-unit: venv ## Fast unit tests: servicekit, the settings registry, every service, manifests, the Swarm stack, dashboard, docs, bench; no Docker
	$(PY) -m pytest -q services/*/tests/unit lib/servicekit/tests \
		--ignore=lib/servicekit/tests/integration tests/settings tests/k8s tests/deploy tests/observability \
		tests/docs tests/scripts bench/tests

.PHONY: test-stack
test-stack: venv ## Integration, end-to-end, browser and load-smoke tests against a throwaway stack
	scripts/test-stack.sh

.PHONY: test-ops
test-ops: venv ## The make targets themselves (up, modes, scale, backup/restore, ...) on a throwaway stack
	scripts/test-ops.sh

.PHONY: test-swarm
test-swarm: venv ## The stack on a 3-node Swarm lab (SWARM_LAB): spread, drain, node loss, rolling update, Redis outage
	scripts/test-swarm.sh

.PHONY: test
test: lint test-unit test-stack test-ops ## lint, unit, the throwaway stacks' suites (CI also runs test-swarm)

.PHONY: bench
bench: ## Benchmarks on a throwaway stack (~25 min; BENCH_BASELINE=<ref> for before/after): figures into docs/benchmarks.md
	bench/run.sh

.PHONY: bench-ws
bench-ws: ## Only the WebSocket figures (P7, P9, P10, P11: ~10 min) on a throwaway stack; the rest of the last run is kept
	BENCH_ONLY="p7 p10 p11" bench/run.sh
