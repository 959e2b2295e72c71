#!/usr/bin/env bash
# `make loadtest`: a headless Locust run through Nginx against a throwaway
# copy of the stack (project roomservice-loadtest, its own volumes, a free
# loopback port, the default settings with the write limits raised, since
# every simulated user comes from one address), removed again afterwards,
# also on failure. The stack `make up` runs is never touched.
#   USERS, SPAWN_RATE, DURATION   the load (default: 30 users, 5/s, 60s)
#   LOCUST_CHECK_LATENCY=0        judge failures only (the `make test` smoke gate)
#   LOADTEST_TARGET=current       use the stack COMPOSE_PROJECT_NAME/COMPOSE_FILE/
#                                 COMPOSE_ENV_FILES name instead, as it is
#                                 (scripts/test-loadtest.sh: the test stack)
# Reports (HTML + CSV) land in loadtest/reports/<timestamp>/. Exit code 1 when
# a threshold fails (see loadtest/locustfile.py).
set -euo pipefail
cd "$(dirname "$0")/.."

users=${USERS:-30}
spawn_rate=${SPAWN_RATE:-5}
duration=${DURATION:-60s}
report_dir="loadtest/reports/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$report_dir"

if [ "${LOADTEST_TARGET:-}" != current ]; then
    export COMPOSE_PROJECT_NAME=${LOADTEST_PROJECT:-roomservice-loadtest}
    export COMPOSE_FILE=docker-compose.yml
    export COMPOSE_PROFILES=
    export COMPOSE_ENV_FILES=test-output/loadtest.env
    mkdir -p test-output
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # scripts/throwaway-env's raised limits (thousands of requests from one
    # address), but the default password hash cost, part of what a load test measures.
    scripts/throwaway-env "$COMPOSE_ENV_FILES" "$port"
    scripts/set-env "$COMPOSE_ENV_FILES" "PASSWORD_HASH_METHOD="
    cleanup() {
        status=$?
        docker compose --profile '*' down --volumes --remove-orphans >/dev/null 2>&1 || true
        exit "$status"
    }
    trap cleanup EXIT
    echo "loadtest: starting the throwaway stack $COMPOSE_PROJECT_NAME (your own stack is not touched)"
    docker compose up -d --build --wait --quiet-pull >/dev/null 2>&1 ||
        { docker compose ps -a; echo "loadtest: the throwaway stack did not start" >&2; exit 1; }
fi

echo "loadtest: ${users} users, spawn rate ${spawn_rate}/s, ${duration}; reports in ${report_dir}"
docker compose --profile loadtest build --quiet locust
docker compose --profile loadtest run --rm --no-deps -T \
    --user "$(id -u):$(id -g)" -v "$PWD/$report_dir:/reports" \
    -e LOCUST_CHECK_LATENCY="${LOCUST_CHECK_LATENCY:-1}" \
    locust --headless --users "$users" --spawn-rate "$spawn_rate" --run-time "$duration" \
    --host http://nginx:8080 --only-summary \
    --csv /reports/stats --html /reports/report.html 2>&1 | tail -n "${SUMMARY_LINES:-40}"
