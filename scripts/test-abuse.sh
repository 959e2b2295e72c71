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

# Recreated services have new addresses, which Nginx resolves only when it
# reloads, and its healthcheck goes through web: until the reload it is
# unhealthy and `up --wait` gives up (as it does when any healthcheck times
# out on a busy host). So: up, reload, and up again until healthy.
switch_to() {
    local try out status
    for try in 1 2 3; do
        status=0
        out=$(env "${raised_vars[@]/#/--unset=}" COMPOSE_ENV_FILES="$1" docker compose up -d --wait 2>&1) || status=$?
        env "${raised_vars[@]/#/--unset=}" COMPOSE_ENV_FILES="$1" docker compose exec -T nginx nginx -s reload 2>/dev/null || true
        [ "$status" -eq 0 ] && return 0
        echo "test-abuse: not healthy yet (try $try of 3): ${out##*$'\n'}" >&2
    done
    return 1
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
