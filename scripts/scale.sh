#!/usr/bin/env bash
# Run WEB / WS / API replicas of web, ws and db-api (unset: keep the current
# count), then reload Nginx gracefully so its upstreams are exactly the
# running replicas. Nginx resolves upstream names at (re)load and keeps
# keep-alive connections to them; a reload drains old workers without
# dropping requests (chosen over per-request DNS, which loses keep-alive).
set -euo pipefail
cd "$(dirname "$0")/.."

count() { docker compose ps -q "$1" | wc -l | tr -d ' '; }

web=${WEB:-$(count web)}
ws=${WS:-$(count ws)}
api=${API:-$(count db-api)}
for pair in "WEB=$web" "WS=$ws" "API=$api"; do
    value=${pair#*=}
    if ! [[ $value =~ ^[1-9][0-9]*$ ]]; then
        echo "scale: ${pair%%=*} must be a whole number of at least 1, not '$value'" >&2
        exit 2
    fi
done

echo "scale: web=$web ws=$ws db-api=$api"
docker compose up -d --wait --no-recreate \
    --scale web="$web" --scale ws="$ws" --scale db-api="$api" web ws db-api
docker compose exec -T nginx nginx -s reload
echo "scale: done; Nginx reloaded"
