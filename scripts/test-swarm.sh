#!/usr/bin/env bash
# Docker Swarm, for real: deploy deploy/swarm/stack.yml on a single-node
# swarm (initialised only if the engine is in none), run the smoke
# checks through Nginx, roll web under load with zero failed GETs, then remove
# everything this script created (leaving the swarm only if it made it).
set -euo pipefail
cd "$(dirname "$0")/.."
export STACK_NAME=${SWARM_STACK:-rs-swarm-test}
export COMPOSE_BAKE=false
export SWARM_HTTP_PORT=${SWARM_HTTP_PORT:-28080}
base="http://127.0.0.1:$SWARM_HTTP_PORT"
made_swarm=
env_dir=$(mktemp -d)
env_file=$env_dir/swarm.env

cleanup() {
    status=$?
    [ "$status" -eq 0 ] || docker stack ps --no-trunc "$STACK_NAME" 2>/dev/null | head -n 30 || true
    docker stack rm "$STACK_NAME" >/dev/null 2>&1 || true
    for _ in $(seq 60); do
        docker network ls -q --filter "label=com.docker.stack.namespace=$STACK_NAME" | grep -q . || break
        sleep 1
    done
    docker secret ls -q --filter "name=${STACK_NAME}_" | xargs -r docker secret rm >/dev/null 2>&1 || true
    docker volume ls -q --filter "label=com.docker.stack.namespace=$STACK_NAME" | xargs -r docker volume rm >/dev/null 2>&1 || true
    [ -z "$made_swarm" ] || docker swarm leave --force >/dev/null 2>&1 || true
    rm -rf "$env_dir"
    exit "$status"
}
trap cleanup EXIT

case "$(docker info -f '{{.Swarm.LocalNodeState}}')" in
    inactive)
        docker swarm init --advertise-addr 127.0.0.1 >/dev/null
        made_swarm=1
        echo "test-swarm: initialised a single-node swarm (left again at the end)" ;;
    active) echo "test-swarm: using the engine's existing swarm" ;;
    *) echo "test-swarm: the engine's swarm state is unusual; not touching it" >&2; exit 1 ;;
esac

if [ -z "${SKIP_BUILD:-}" ]; then
    COMPOSE_FILE=docker-compose.yml docker compose --env-file .env.example build --quiet nginx web ws db-api
fi
# A throwaway env: fresh secrets, and the per-address limits raised (the load
# below all comes from one address), which the stack file reads from here.
scripts/throwaway-env "$env_file" "$SWARM_HTTP_PORT"
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
ENV_FILE=$env_file scripts/stack-deploy >/dev/null

echo "test-swarm: waiting for the stack behind $base"
.venv/bin/python - "$base" <<'PY'
import sys, time, requests
base = sys.argv[1]
deadline = time.monotonic() + 240
while True:
    try:
        if all(requests.get(base + p, timeout=3).status_code == 200 for p in ("/ready", "/api/ready", "/ws/ready")):
            credentials = {"username": "swarm_probe", "password": "correct horse battery"}
            if requests.post(base + "/api/v1/auth/register", json=credentials, timeout=5).status_code in (201, 409):
                break
    except requests.RequestException:
        pass
    if time.monotonic() > deadline:
        sys.exit("test-swarm: the stack did not become ready in 240 s")
    time.sleep(2)
PY
echo "test-swarm: smoke checks and a rolling update of web under load"
SWARM_BASE_URL=$base .venv/bin/python -m pytest -q -p no:cacheprovider tests/swarm
