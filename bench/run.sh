#!/usr/bin/env bash
# `make bench`: start a throwaway copy of the stack (own project name, port
# and volumes, plus deploy/bench/compose.bench.yaml), measure the figures of
# docs/benchmarks.md with bench/bench.py, and remove the stack again, also
# on failure or Ctrl-C. Never touches a stack brought up with `make up`.
#   BENCH_PROJECT=roomservice-bench BENCH_HTTP_PORT=18090   the stack's name and port
#   IMAGE_TAG=latest                   tag of every image built (the bench client's too)
#   BENCH_DURATION=10 BENCH_ROUNDS=3   seconds per wrk/WS run, interleaved rounds
#   BENCH_SKIP="p7 p8"                 groups to leave out (quick development runs)
#   BENCH_ONLY="p10 p11"               only these groups (`make bench-ws`); the rest of
#                                      the last run's results are kept in the report
#   BENCH_BASELINE=<git ref>           also run that ref's web, db-api and ws, for before/after
#   BENCH_NGINX_CONNECTIONS=n BENCH_WS_CONNECTIONS=16000   the raised limits (P10, P11;
#                                      Nginx's default: just under the containers' nofile)
#   KEEP_STACK=1                       leave the stack running afterwards
set -euo pipefail

cd "$(dirname "$0")/.."
export COMPOSE_PROJECT_NAME=${BENCH_PROJECT:-roomservice-bench}
export HTTP_PORT=${BENCH_HTTP_PORT:-18090}
export IMAGE_TAG=${IMAGE_TAG:-latest}
export COMPOSE_BAKE=false
out=${BENCH_OUT:-test-output/bench}
env_file=$out/bench.env
export COMPOSE_FILE=docker-compose.yml:deploy/bench/compose.bench.yaml
if [ -n "${BENCH_BASELINE:-}" ]; then
    COMPOSE_FILE=$COMPOSE_FILE:deploy/bench/compose.baseline.yaml
    BENCH_BASELINE=$(git rev-parse --short "$BENCH_BASELINE")
    export BENCH_BASELINE
fi
export COMPOSE_ENV_FILES=$env_file
export BENCH_CLIENT=$COMPOSE_PROJECT_NAME-client
export BENCH_IMAGE=roomservice/bench:$IMAGE_TAG
export BENCH_NGINX_CONF=$PWD/$out/nginx.conf
compose=(docker compose)

mkdir -p "$out"
# Round-trip figures run far past the per-socket message rate: lift it too.
WS_RATE=100000 WS_BURST=200000 scripts/throwaway-env "$env_file" "$HTTP_PORT"
# P10 and P11 hold thousands of sockets from a few accounts, one address:
# socket caps out of the way, ws's worker_connections and memory raised.
ws_connections=${BENCH_WS_CONNECTIONS:-16000}
cat >>"$env_file" <<VARS
WS_SOCKETS_PER_ACCOUNT=$ws_connections
WS_SOCKETS_PER_ACCOUNT_ROOM=$ws_connections
WS_WORKER_CONNECTIONS=$ws_connections
WS_MEMORY=2g
VARS

cleanup() {
    status=$?
    if [ "$status" -ne 0 ]; then
        "${compose[@]}" ps -a >"$out/stack-ps.log" 2>&1 || true
        "${compose[@]}" logs --tail=80 >"$out/stack.log" 2>&1 || true
        echo "bench: failed; the stack's last logs are in $out/stack.log" >&2
    fi
    docker rm -f "$BENCH_CLIENT" >/dev/null 2>&1 || true
    if [ -z "${KEEP_STACK:-}" ]; then
        "${compose[@]}" --profile loadtest down --volumes --remove-orphans >/dev/null 2>&1 || true
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$SECONDS
echo "bench: building the bench client image and the stack's images (tag $IMAGE_TAG)"
docker build -q -t "$BENCH_IMAGE" bench >/dev/null
# Nginx holds two descriptors per WebSocket, and a container's descriptor
# limit (per process) is whatever this Docker daemon grants: worker_connections
# raised in a copy of the real nginx.conf to just under it, with accept_mutex
# so that several workers (P10 and P11 switch to as many as they need,
# docs/scaling.md) share the connections instead of one running out.
nofile=$(docker run --rm "$BENCH_IMAGE" sh -c 'ulimit -n')
nginx_connections=${BENCH_NGINX_CONNECTIONS:-$((nofile - 1000 < 32768 ? nofile - 1000 : 32768))}
sed -E -e "s/^( *worker_connections) [0-9]+;/\1 $nginx_connections;\n    accept_mutex on;/" \
    deploy/nginx/nginx.conf >"$BENCH_NGINX_CONF"
grep -q "worker_connections $nginx_connections;" "$BENCH_NGINX_CONF"
echo "bench: descriptors per process in a container: $nofile; Nginx worker_connections $nginx_connections"
if [ -n "${BENCH_BASELINE:-}" ]; then
    echo "bench: building the baseline $BENCH_BASELINE's web, db-api and ws (tag $IMAGE_TAG-base)"
    baseline_tar=$out/baseline.tar
    git archive --format=tar -o "$baseline_tar" "$BENCH_BASELINE"
    for service in web ws db-api; do
        docker build -q -f "services/$service/Dockerfile" -t "roomservice/$service:$IMAGE_TAG-base" - \
            <"$baseline_tar" >/dev/null
    done
    rm -f "$baseline_tar"
fi
"${compose[@]}" build --quiet
echo "bench: starting $COMPOSE_PROJECT_NAME on 127.0.0.1:$HTTP_PORT"
"${compose[@]}" up -d --wait 2>&1 | tail -n 3
"${compose[@]}" exec -T nginx nginx -s reload 2>/dev/null
echo "bench: healthy after $((SECONDS - started)) s"

# One long-lived client container on the front network; every wrk and
# WebSocket run is a `docker exec` in it (no start-up cost per run), and it
# holds P10's and P11's sockets.
docker rm -f "$BENCH_CLIENT" >/dev/null 2>&1 || true
docker run -d --name "$BENCH_CLIENT" --network "${COMPOSE_PROJECT_NAME}_front" \
    "$BENCH_IMAGE" sleep infinity >/dev/null

python3 bench/bench.py --out "$out" --doc docs/benchmarks.md
echo "bench: done after $((SECONDS - started)) s; raw output in $out/"
