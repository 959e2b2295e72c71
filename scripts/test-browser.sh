#!/usr/bin/env bash
# Browser tests (Playwright + Debian's Chromium, in a container) against a
# running stack: BASE_URL, and COMPOSE_PROJECT_NAME to find its ws container.
# Screenshots land in test-output/screenshots/. The reconnect test asks for a
# ws restart through a signal file in test-output/signals/; this script, on
# the host, does the restart and answers, since the container has no Docker.
set -euo pipefail

cd "$(dirname "$0")/.."
: "${BASE_URL:?BASE_URL is not set (scripts/test-stack.sh sets it)}"
project=${COMPOSE_PROJECT_NAME:-roomservice-test}
ws_container="$project-ws-1"
image=roomservice/browser-tests:${IMAGE_TAG:-latest}
signals=test-output/signals
timeout_s=${BROWSER_TEST_TIMEOUT:-900}

mkdir -p test-output/screenshots "$signals"
rm -f "$signals"/*
docker build --quiet -t "$image" tests/browser >/dev/null
read -r -a extra_args <<<"${BROWSER_PYTEST_ARGS:-}"

docker run --rm --network host --user "$(id -u):$(id -g)" \
    -e BASE_URL -e OUTPUT_DIR=/out -e WS_RESTART_SIGNALS=1 \
    -v "$PWD/test-output:/out" \
    "$image" python -m pytest -q -p no:cacheprovider /tests "${extra_args[@]}" &
tests=$!

started=$SECONDS
while kill -0 "$tests" 2>/dev/null; do
    if [ -f "$signals/restart-ws" ]; then
        rm -f "$signals/restart-ws"
        echo "test-browser: restarting $ws_container"
        docker restart "$ws_container" >/dev/null
        touch "$signals/ws-restarted"
    fi
    if [ $((SECONDS - started)) -gt "$timeout_s" ]; then
        echo "test-browser: no result after $timeout_s s; stopping" >&2
        kill "$tests"
    fi
    sleep 0.5
done
wait "$tests"
