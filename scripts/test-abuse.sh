#!/usr/bin/env bash
# Abuse phase of scripts/test-stack.sh: recreate the test stack with the
# *default* limits (the throwaway env without its raised block), run
# tests/abuse against it (ABUSE_PATHS: some of its files), then switch back
# to the raised limits.
set -euo pipefail
cd "$(dirname "$0")/.."
raised_env=${COMPOSE_ENV_FILES:?run from scripts/test-stack.sh}
default_env=test-output/abuse.env
read -ra paths <<<"${ABUSE_PATHS:-tests/abuse}"

sed '/^# --- raised limits: begin/,/^# --- raised limits: end/d' "$raised_env" >"$default_env"
# test-stack.sh exported the raised values, and compose prefers the
# environment to an env file: unset them, so each file's values apply.
mapfile -t raised_vars < <(sed -n '/^# --- raised limits: begin/,/^# --- raised limits: end/s/^\([A-Z_]*\)=.*/\1/p' "$raised_env")

# Recreated services may get new addresses, so Nginx can be unhealthy until it
# reloads (failing the first --wait); it is healthy at its next check after.
nginx_healthy() {
    local nginx
    nginx=$(docker compose ps -q nginx)
    for _ in $(seq 60); do
        [ "$(docker inspect -f '{{.State.Health.Status}}' "$nginx")" = healthy ] && return 0
        sleep 1
    done
    echo "test-abuse: nginx is not healthy 60 s after its reload" >&2
    return 1
}

switch_to() {
    env "${raised_vars[@]/#/--unset=}" COMPOSE_ENV_FILES="$1" docker compose up -d --wait >/dev/null 2>&1 || true
    COMPOSE_ENV_FILES=$1 docker compose exec -T nginx nginx -s reload
    nginx_healthy
    env "${raised_vars[@]/#/--unset=}" COMPOSE_ENV_FILES="$1" docker compose up -d --wait >/dev/null
}
restore() { switch_to "$raised_env"; }
trap restore EXIT

echo "test-abuse: the stack with its default limits"
switch_to "$default_env"
# The tests read the default settings from the environment (the raised ones
# unset, as for compose); a subshell keeps them out of this script's, so the
# restore below gets the raised ones back.
(
    unset "${raised_vars[@]}"
    set -a
    # shellcheck source=/dev/null
    . "$default_env"
    set +a
    ABUSE_STARTED=$(date +%s) COMPOSE_ENV_FILES=$default_env \
        exec .venv/bin/python -m pytest -q -p no:cacheprovider "${paths[@]}"
)
echo "test-abuse: switching back to the raised limits"
