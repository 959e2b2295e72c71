#!/usr/bin/env bash
# Start a throwaway copy of the whole stack (own project name, own port, own
# volumes), run the integration, end-to-end, browser and load-smoke tests
# against it, and remove it again, also when a test fails.
set -euo pipefail

cd "$(dirname "$0")/.."
export COMPOSE_PROJECT_NAME=${TEST_PROJECT:-roomservice-test}
export HTTP_PORT=${TEST_HTTP_PORT:-18080}
export TEST_REDIS_PORT=${TEST_REDIS_PORT:-16379}
export TEST_DB_PORT=${TEST_DB_PORT:-13306}
export COMPOSE_BAKE=false
export PROMETHEUS_PORT=${TEST_PROMETHEUS_PORT:-19090}
export ALERTMANAGER_PORT=${TEST_ALERTMANAGER_PORT:-$((PROMETHEUS_PORT + 1))}
env_file=test-output/test.env
# Exported, so the step scripts' plain `docker compose` means this stack too.
export COMPOSE_FILE=docker-compose.yml:deploy/test/compose.test.yaml
export COMPOSE_ENV_FILES=$env_file
compose=(docker compose)

mkdir -p test-output
# Fresh secrets, unless a kept stack (KEEP_STACK=1) still has its volumes:
# MariaDB was initialised with the env file's passwords, and new ones would
# lock migrate and db-api out.
if [ -f "$env_file" ] && docker volume inspect "${COMPOSE_PROJECT_NAME}_mysql-data" >/dev/null 2>&1; then
    echo "test-stack: reusing $env_file: the stack's volumes were kept"
else
    scripts/throwaway-env "$env_file" "$HTTP_PORT"
fi
# Prometheus and Alertmanager with short alert timings (deploy/test/compose.test.yaml).
.venv/bin/python deploy/test/fast_alerting.py test-output/alerting

cleanup() {
    status=$?
    if [ "$status" -ne 0 ]; then
        "${compose[@]}" ps -a || true
        "${compose[@]}" logs --tail=60 >test-output/stack.log 2>&1 || true
        echo "test-stack: failed; the last logs are in test-output/stack.log" >&2
    fi
    if [ -z "${KEEP_STACK:-}" ]; then
        "${compose[@]}" --profile loadtest --profile observability down --volumes --remove-orphans >/dev/null 2>&1 || true
    fi
    exit "$status"
}
trap cleanup EXIT

echo "test-stack: starting $COMPOSE_PROJECT_NAME on 127.0.0.1:$HTTP_PORT"
started=$SECONDS
"${compose[@]}" --profile observability up -d --build --wait 2>&1 | tail -n 3
"${compose[@]}" exec -T nginx nginx -s reload 2>/dev/null
echo "test-stack: healthy after $((SECONDS - started)) s"

set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
export BASE_URL="http://127.0.0.1:$HTTP_PORT"
export TEST_REDIS_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$TEST_REDIS_PORT/0"
export TEST_DB_HOST=127.0.0.1
export TEST_DB_PORT
export TEST_DB_ROOT_PASSWORD="$DB_ROOT_PASSWORD"

# TEST_STACK_STEPS="" runs none of the steps (e.g. while working on one suite).
for step in ${TEST_STACK_STEPS-browser loadtest tls abuse}; do
    "scripts/test-$step.sh"
done

# TEST_PATHS narrows the run to some suites (e.g. one file while working on it).
read -ra extra_args <<<"${PYTEST_ARGS:-}"
read -ra paths <<<"${TEST_PATHS:-lib/servicekit/tests/integration services/web/tests/integration services/ws/tests/integration services/db-api/tests/integration tests/alerts tests/e2e tests/faults tests/scale}"
.venv/bin/python -m pytest -q -p no:cacheprovider -m "not tls" "${extra_args[@]}" "${paths[@]}"
