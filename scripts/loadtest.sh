#!/usr/bin/env bash
# Headless Locust run through Nginx against the running stack.
#   USERS, SPAWN_RATE, DURATION   the load (default: 30 users, 5/s, 60s)
#   LOCUST_CHECK_LATENCY=0        judge failures only (the `make test` smoke gate)
# Reports (HTML + CSV) land in loadtest/reports/<timestamp>/. Exit code 1 when
# a threshold fails (see loadtest/locustfile.py).
set -euo pipefail
cd "$(dirname "$0")/.."

users=${USERS:-30}
spawn_rate=${SPAWN_RATE:-5}
duration=${DURATION:-60s}
report_dir="loadtest/reports/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$report_dir"

if [ -z "${KEEP_LIMITS:-}" ]; then
    # Thousands of requests from one address: raise the write limits and
    # Nginx's per-address limits for the run (the stack keeps them until the
    # next `make up`): scripts/throwaway-env's raised values, but for the
    # password hash cost, which is part of what a load test measures.
    echo "loadtest: raising rate limits for the run"
    raised=$(mktemp)
    scripts/throwaway-env "$raised" "${HTTP_PORT:-8080}"
    # shellcheck disable=SC2046 # one KEY=value word per raised setting
    env $(sed -n '/^# --- raised limits: begin/,/^# --- raised limits: end/{/^[A-Z]/p}' "$raised" | grep -v '^PASSWORD_HASH') \
        docker compose up -d --wait --quiet-pull nginx web ws db-api >/dev/null 2>&1
    rm -f "$raised"
    docker compose exec -T nginx nginx -s reload 2>/dev/null
fi

echo "loadtest: ${users} users, spawn rate ${spawn_rate}/s, ${duration}; reports in ${report_dir}"
docker compose --profile loadtest build --quiet locust
docker compose --profile loadtest run --rm --no-deps -T \
    --user "$(id -u):$(id -g)" -v "$PWD/$report_dir:/reports" \
    -e LOCUST_CHECK_LATENCY="${LOCUST_CHECK_LATENCY:-1}" \
    locust --headless --users "$users" --spawn-rate "$spawn_rate" --run-time "$duration" \
    --host http://nginx:8080 --only-summary \
    --csv /reports/stats --html /reports/report.html 2>&1 | tail -n "${SUMMARY_LINES:-40}"
