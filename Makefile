# roomservice: `make up` to run it, `make test` to test all of it.
# Each target's `##` comment is its help line.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
COMPOSE := docker compose
export COMPOSE_BAKE := false
UV_VERSION := 0.13.9
# Nginx resolves its upstreams when it (re)loads: after containers were
# recreated (new IPs), reload it gracefully so it never proxies to stale ones.
RELOAD_NGINX := $(COMPOSE) exec -T nginx nginx -s reload 2>/dev/null

# TLS=1: HTTPS on HTTPS_PORT (default 8443), HTTP redirecting to it.
TLS ?=
UP_FILES := -f docker-compose.yml $(if $(filter 1,$(TLS)),-f deploy/tls/compose.tls.yaml)

HTTP_PORT ?= $(shell sed -n 's/^HTTP_PORT=//p' .env 2>/dev/null | grep . || echo 8080)
HTTP_BIND ?= $(shell sed -n 's/^HTTP_BIND=//p' .env 2>/dev/null | grep . || echo 127.0.0.1)
# The names the site answers to (Nginx and every service refuse other Host
# headers). Unset in .env: derived from where it listens, a loopback or
# wildcard address giving 127.0.0.1 and localhost; set SITE_HOSTS for a DNS name.
comma := ,
SITE_HOSTS ?= $(or $(shell sed -n 's/^SITE_HOSTS=//p' .env 2>/dev/null),\
	$(if $(filter 127.0.0.1 localhost 0.0.0.0,$(HTTP_BIND)),127.0.0.1$(comma)localhost,$(HTTP_BIND)))

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.env:
	@scripts/init-env .env

.PHONY: up
up: .env ## Start the whole stack (first run writes .env with fresh secrets); TLS=1 for HTTPS
	@scripts/init-env .env
	@scripts/check-env .env
	$(if $(filter 1,$(TLS)),@scripts/make-cert)
	SITE_HOSTS=$(SITE_HOSTS) $(COMPOSE) $(UP_FILES) up -d --build --wait
	@$(RELOAD_NGINX)
	@echo "roomservice is up at $(if $(filter 1,$(TLS)),https://$(HTTP_BIND):$${HTTPS_PORT:-8443},http://$(HTTP_BIND):$(HTTP_PORT))"

.PHONY: dev
dev: .env ## The same stack with source bind-mounted and reloaded on change
	@scripts/init-env .env
	@scripts/check-env .env
	SITE_HOSTS=$(SITE_HOSTS) $(COMPOSE) -f docker-compose.yml -f deploy/dev/compose.dev.yaml up -d --build --wait
	@$(RELOAD_NGINX)
	@echo "roomservice (development) is up at http://$(HTTP_BIND):$(HTTP_PORT)"

.PHONY: down
down: ## Stop the stack (data volumes are kept)
	$(COMPOSE) --profile loadtest down --remove-orphans

.PHONY: logs
logs: ## Follow every service's logs
	$(COMPOSE) logs -f --tail=100

.PHONY: ps
ps: ## Show the stack's containers and their health
	$(COMPOSE) ps -a

.PHONY: clean
clean: ## Stop the stack and delete its volumes, .venv and test output (asks nothing; keeps the images)
	$(COMPOSE) --profile loadtest down --volumes --remove-orphans --rmi local
	rm -rf $(VENV) test-output

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
lock: ## Re-pin the services' and Locust's requirements.txt from their requirements.in (valid on Python 3.10-3.13)
	docker run --rm -v "$(CURDIR):/src" -w /src python:3.13-slim-trixie sh -c '\
		pip install --quiet uv==$(UV_VERSION) && \
		for s in web ws db-api; do \
			uv pip compile --quiet --universal --python-version 3.10 --no-header \
				-o services/$$s/requirements.txt services/$$s/requirements.in || exit 1; \
		done && \
		uv pip compile --quiet --python-version 3.13 --no-header \
			-o loadtest/requirements.txt loadtest/requirements.in'

.PHONY: lint
lint: venv ## ruff (check + format), shellcheck, hadolint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/shellcheck $$(git ls-files | xargs grep -lE '^#!/(usr/)?bin/(env )?(ba)?sh' 2>/dev/null)
	$(VENV)/bin/hadolint $$(git ls-files '*Dockerfile')

.PHONY: audit
audit: venv ## Check the services' and Locust's pinned dependencies for known vulnerabilities (pip-audit, needs PyPI's JSON API)
	for req in services/*/requirements.txt loadtest/requirements.txt; do \
		echo "audit: $$req"; $(VENV)/bin/pip-audit --disable-pip --no-deps --progress-spinner off -r $$req; \
	done

.PHONY: fmt
fmt: venv ## Format the Python code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: test-unit
test-unit: venv ## Fast unit tests of every service, the manifests, the Swarm stack, the dashboard and the docs (no Docker)
	$(PY) -m pytest -q services/*/tests/unit lib/servicekit/tests --ignore=lib/servicekit/tests/integration \
		tests/k8s tests/deploy tests/observability tests/docs tests/scripts bench/tests

.PHONY: test-stack
test-stack: venv ## Integration, end-to-end, browser and load-smoke tests against a throwaway stack
	scripts/test-stack.sh

.PHONY: scale
scale: ## Run WEB=n WS=n API=n replicas (unset keeps the count) and reload Nginx
	SITE_HOSTS=$(SITE_HOSTS) WEB=$(WEB) WS=$(WS) API=$(API) scripts/scale.sh

.PHONY: rollout
rollout: ## Replace SERVICE=web|ws|db-api replica by replica, without downtime
	SITE_HOSTS=$(SITE_HOSTS) scripts/rollout.sh $(SERVICE)

.PHONY: stack-deploy
stack-deploy: .env ## Deploy deploy/swarm/stack.yml to the swarm DOCKER_HOST manages, with .env's settings
	scripts/stack-deploy

.PHONY: loadtest
loadtest: ## Headless Locust run through Nginx (USERS=30 SPAWN_RATE=5 DURATION=60s); reports in loadtest/reports/
	scripts/loadtest.sh

.PHONY: test-swarm
test-swarm: venv ## The stack on a 3-node Swarm lab (SWARM_LAB): spread, drain, node loss, rolling update, Redis outage
	scripts/test-swarm.sh

.PHONY: test
test: lint test-unit test-stack ## Every test but Swarm's: lint, unit, integration, e2e, browser, abuse, load smoke

.PHONY: bench
bench: ## Benchmarks on a throwaway stack (~25 min; BENCH_BASELINE=<ref> for before/after): figures into docs/benchmarks.md
	bench/run.sh

.PHONY: bench-ws
bench-ws: ## Only the WebSocket figures (P7, P9, P10, P11: ~10 min) on a throwaway stack; the rest of the last run is kept
	BENCH_ONLY="p7 p10 p11" bench/run.sh
