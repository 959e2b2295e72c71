#!/usr/bin/env bash
# `make test-swarm`: deploy/swarm/stack.yml on a lab of three Docker engines
# (a manager and two workers, each in a container, with a registry they pull
# from), the tests in tests/swarm against it, and the lab removed again, also
# on failure (KEEP_LAB=1 keeps it). The host engine's own swarm state is never
# touched: every swarm command goes to the lab's manager.
#
# The lab is a tool of its own, named by SWARM_LAB (docs/scaling.md, "Testing
# on several nodes", says what it must do). Its name and registry port:
# SWARM_LAB_NAME (default swarm-lab-roomservice), SWARM_LAB_REGISTRY_PORT
# (default 15090). SKIP_BUILD=1 pushes the images as they are; TEST_PATHS
# (pytest node ids) and PYTEST_ARGS (e.g. "-x") narrow the run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${SWARM_LAB:-}" ] || ! [ -x "$SWARM_LAB" ]; then
    cat >&2 <<'EOF'
test-swarm: SWARM_LAB must name an executable lab tool (unset or not executable).
It runs a Docker Swarm of engines in containers on this machine and takes:
  up --workers 2        a manager and two workers, all Ready
  push IMAGE...         host images into a registry every node pulls plain names from
  env                   prints `export DOCKER_HOST=...` (the lab's manager)
  url NODE PORT         a URL the host reaches NODE's host-mode published PORT at
  exec NODE CMD...      CMD inside NODE (e.g. docker ps)
  kill NODE / start NODE    the node fails abruptly / comes back, Ready
  down                  removes the whole lab
with nodes named manager, worker1, worker2, honouring SWARM_LAB_NAME and
SWARM_LAB_REGISTRY_PORT. See docs/scaling.md, "Testing on several nodes".
EOF
    exit 2
fi
SWARM_LAB=$(readlink -f "$SWARM_LAB")
export SWARM_LAB

export SWARM_LAB_NAME=${SWARM_LAB_NAME:-swarm-lab-roomservice}
export SWARM_LAB_REGISTRY_PORT=${SWARM_LAB_REGISTRY_PORT:-15090}
export STACK_NAME=${SWARM_STACK:-roomservice}
export IMAGE_TAG=${IMAGE_TAG:-latest}
export SWARM_HTTP_PORT=${SWARM_HTTP_PORT:-28080}
export COMPOSE_BAKE=false
mkdir -p test-output
env_file=test-output/swarm.env
figures=test-output/swarm-figures.jsonl
rm -f "$figures"
timings=()
run_started=$SECONDS
# phase NAME: the phase that starts now; the one before it is timed.
phase() {
    [ -z "${phase_name:-}" ] || timings+=("$phase_name $((SECONDS - phase_started)) s")
    phase_name=$1 phase_started=$SECONDS
}

cleanup() {
    status=$?
    if [ "$status" -ne 0 ] && [ -n "${DOCKER_HOST:-}" ]; then
        docker stack ps --no-trunc --format '{{.Name}} {{.Node}} {{.CurrentState}} {{.Error}}' "$STACK_NAME" 2>/dev/null |
            head -n 40 || true
    fi
    unset DOCKER_HOST
    if [ -z "${KEEP_LAB:-}" ]; then
        phase "down"
        "$SWARM_LAB" down >/dev/null 2>&1 || true
    fi
    phase ""
    if [ -s "$figures" ]; then
        echo "test-swarm: figures (docs/scaling.md), from $figures:"
        cat "$figures"
    fi
    echo "test-swarm: ${timings[*]/%/,} total $((SECONDS - run_started)) s"
    exit "$status"
}
trap cleanup EXIT

phase "lab up"
"$SWARM_LAB" up --workers 2 | tail -n 1

phase "build"
if [ -z "${SKIP_BUILD:-}" ]; then
    COMPOSE_FILE=docker-compose.yml docker compose --env-file .env.example build --quiet nginx web ws db-api
fi

phase "push"
# The lab's registry serves plain names to every node: no IMAGE_REGISTRY.
export IMAGE_REGISTRY=
mapfile -t images < <(sed -n 's/^ *image: *//p' deploy/swarm/stack.yml |
    sed -e "s/\${IMAGE_REGISTRY:-}//" -e "s/\${IMAGE_TAG:-latest}/$IMAGE_TAG/" | sort -u)
"$SWARM_LAB" push "${images[@]}" >/dev/null

phase "deploy"
eval "$("$SWARM_LAB" env)"
# The manager is an edge; worker1 an edge holding the data; worker2 only runs
# application tasks (the node the tests drain and kill).
docker node update --label-add roomservice.edge=true manager >/dev/null
for label in edge redis mysql; do
    docker node update --label-add "roomservice.$label=true" worker1 >/dev/null
done
edges=()
for node in manager worker1; do
    edges+=("$("$SWARM_LAB" url "$node" "$SWARM_HTTP_PORT" 2>/dev/null)")
done
edges=("${edges[@]%/}")
export SWARM_BASE_URL=${edges[0]}
SWARM_EDGE_URLS=$(IFS=,; echo "${edges[*]}")
export SWARM_EDGE_URLS

# What the lab's kernel lacks (IPVS, IPsec) and what the tests need (three
# replicas of each, one gunicorn worker each on two shared cores, raised
# write limits since every client is one address) are settings.
scripts/throwaway-env "$env_file" "$SWARM_HTTP_PORT"
export SWARM_ENDPOINT_MODE=dnsrr SWARM_PUBLISH_MODE=host SWARM_OVERLAY_ENCRYPTED=false
export SWARM_WEB_REPLICAS=3 SWARM_WS_REPLICAS=3 SWARM_API_REPLICAS=3 WEB_WORKERS=1 API_WORKERS=1
export ALLOWED_ORIGINS=$SWARM_EDGE_URLS
# The site is reached at the edges' addresses: those are its host names.
hosts=("${edges[@]#*://}")
SITE_HOSTS=$(IFS=,; echo "${hosts[*]%:*}")
export SITE_HOSTS
ENV_FILE=$env_file scripts/stack-deploy >/dev/null
echo "test-swarm: deployed $STACK_NAME; waiting until every task runs"
.venv/bin/python - <<'PY'
import sys

sys.path.insert(0, "tests")
from swarm.cluster import wait_converged

print(f"test-swarm: converged after {wait_converged(timeout=420):.0f} s")
PY

phase "tests"
read -ra extra_args <<<"${PYTEST_ARGS:-}"
read -ra paths <<<"${TEST_PATHS:-tests/swarm}"
.venv/bin/python -m pytest -q -p no:cacheprovider "${extra_args[@]}" "${paths[@]}"
