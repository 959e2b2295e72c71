#!/usr/bin/env bash
# `make bench`: start a throwaway copy of the stack (own project name, port
# and volumes, plus deploy/bench/compose.bench.yaml), measure the figures of
# docs/benchmarks.md with bench/bench.py, and remove the stack again, also
# on failure or Ctrl-C. Never touches a stack brought up with `make up`.
#   BENCH_DURATION=10 BENCH_ROUNDS=3   seconds per wrk/WS run, interleaved rounds
#   BENCH_SKIP="p7 p8"                 figures to leave out (quick development runs)
#   KEEP_STACK=1                       leave the stack running afterwards
set -euo pipefail

cd "$(dirname "$0")/.."
export COMPOSE_PROJECT_NAME=${BENCH_PROJECT:-roomservice-bench}
export HTTP_PORT=${BENCH_HTTP_PORT:-18090}
export COMPOSE_BAKE=false
out=${BENCH_OUT:-test-output/bench}
env_file=$out/bench.env
export COMPOSE_FILE=docker-compose.yml:deploy/bench/compose.bench.yaml
export COMPOSE_ENV_FILES=$env_file
export BENCH_CLIENT=$COMPOSE_PROJECT_NAME-client
compose=(docker compose)

mkdir -p "$out"
# Round-trip figures run far past the per-socket message rate: lift it too.
WS_RATE=100000 WS_BURST=200000 WS_SOCKETS=100000 scripts/throwaway-env "$env_file" "$HTTP_PORT"

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
echo "bench: building the bench client image and the stack's images"
docker build -q -t "roomservice/bench:${IMAGE_TAG:-latest}" bench >/dev/null
"${compose[@]}" build --quiet
echo "bench: starting $COMPOSE_PROJECT_NAME on 127.0.0.1:$HTTP_PORT"
"${compose[@]}" up -d --wait 2>&1 | tail -n 3
"${compose[@]}" exec -T nginx nginx -s reload 2>/dev/null
echo "bench: healthy after $((SECONDS - started)) s"

# One long-lived client container on the front network; every wrk and
# WebSocket run is a `docker exec` in it (no start-up cost per run).
docker rm -f "$BENCH_CLIENT" >/dev/null 2>&1 || true
docker run -d --name "$BENCH_CLIENT" --network "${COMPOSE_PROJECT_NAME}_front" \
    "roomservice/bench:${IMAGE_TAG:-latest}" sleep infinity >/dev/null

python3 bench/bench.py --out "$out" --doc docs/benchmarks.md
echo "bench: done after $((SECONDS - started)) s; raw output in $out/"
