#!/usr/bin/env bash
# `make test-ops` (part of `make test`): the make targets as a user runs them,
# against a throwaway stack of their own (project, ports, volumes, an env file
# whose secrets are *_FILE files, backups in test-output/): make up after
# settings changes, modes that stick (TLS, observability, scale) with a
# WebSocket over HTTPS, db-shell, redis-cli, seed, backup, reset, restore,
# loadtest, down, clean. Removed again at the end, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only the env file chooses the compose files: make up writes them there.
unset COMPOSE_FILE COMPOSE_PROFILES COMPOSE_ENV_FILES
export OPS_PROJECT=${TEST_OPS_PROJECT:-roomservice-test-ops}
dir=$PWD/test-output/ops
export OPS_ENV_FILE=$dir/ops.env BACKUP_DIR=$dir/backups
export COMPOSE_BAKE=false

cleanup() {
    status=$?
    if [ "$status" -ne 0 ]; then
        COMPOSE_ENV_FILES=$OPS_ENV_FILE docker compose --profile '*' logs --tail=60 >"$dir/stack.log" 2>&1 || true
        echo "test-ops: failed; the last logs are in $dir/stack.log" >&2
    fi
    COMPOSE_ENV_FILES=$OPS_ENV_FILE docker compose --profile '*' down --volumes --remove-orphans >/dev/null 2>&1 || true
    exit "$status"
}
trap cleanup EXIT

rm -rf "$dir"
mkdir -p "$dir/secrets"
chmod 700 "$dir/secrets"
scripts/throwaway-env "$OPS_ENV_FILE" "${TEST_OPS_HTTP_PORT:-18085}"
scripts/set-env "$OPS_ENV_FILE" "COMPOSE_PROJECT_NAME=$OPS_PROJECT" \
    "HTTPS_PORT=${TEST_OPS_HTTPS_PORT:-18445}" "PROMETHEUS_PORT=${TEST_OPS_PROMETHEUS_PORT:-19085}" \
    "ALERTMANAGER_PORT=${TEST_OPS_ALERTMANAGER_PORT:-19086}"
# The secrets as files, the way a secret manager would leave them (but
# REDIS_PASSWORD, which compose hands Redis on its command line).
for name in SECRET_KEY SERVICE_TOKEN DB_PASSWORD DB_MIGRATE_PASSWORD DB_ROOT_PASSWORD; do
    file="$dir/secrets/$(tr '[:upper:]' '[:lower:]' <<<"$name")"
    sed -n "s/^$name=//p" "$OPS_ENV_FILE" >"$file"
    chmod 644 "$file"
    scripts/set-env "$OPS_ENV_FILE" "$name=" "${name}_FILE=$file"
done

# Each test leaves the stack as the next expects: stop at the first failure.
.venv/bin/python -m pytest -q -x -p no:cacheprovider --durations=0 tests/ops
