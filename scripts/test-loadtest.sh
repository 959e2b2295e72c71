#!/usr/bin/env bash
# Load smoke gate: a short headless Locust run through Nginx against the
# stack of the calling script. It fails on any failed request only; latency
# is for benchmarks, not for pass/fail.
set -euo pipefail
duration=${SMOKE_DURATION:-20s}
echo "test-loadtest: ${duration} headless Locust run through Nginx"
docker compose --profile loadtest build --quiet locust
docker compose --profile loadtest run --rm --no-deps -T locust \
    --headless --users "${SMOKE_USERS:-10}" --spawn-rate "${SMOKE_USERS:-10}" \
    --run-time "$duration" --host http://nginx:8080 \
    --only-summary --exit-code-on-error 1 2>&1 | tail -n 25
