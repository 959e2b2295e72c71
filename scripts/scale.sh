#!/usr/bin/env bash
# `make scale`: run WEB / WS / API replicas of web, ws and db-api (unset: keep
# the current count). The counts go into the env file (WEB_REPLICAS,
# WS_REPLICAS, API_REPLICAS), so the next `make up` keeps them, and must fit
# MariaDB's connection budget (scripts/check-env). Compose adds or removes
# containers without recreating the others; then Nginx reloads gracefully so
# its upstreams are exactly the running replicas. Nginx resolves upstream
# names at (re)load and keeps keep-alive connections to them; a reload drains
# old workers without dropping requests (chosen over per-request DNS, which
# loses keep-alive).
set -euo pipefail
cd "$(dirname "$0")/.."
env_file=${ENV_FILE:-.env}
[ -f "$env_file" ] || { echo "scale: $env_file does not exist: make up first" >&2; exit 1; }
export COMPOSE_ENV_FILES=$env_file

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

# Checked on a copy first: a count over the budget changes nothing.
candidate=$(mktemp)
trap 'rm -f "$candidate"' EXIT
cp "$env_file" "$candidate"
counts=("WEB_REPLICAS=$web" "WS_REPLICAS=$ws" "API_REPLICAS=$api")
scripts/set-env "$candidate" "${counts[@]}"
scripts/check-env "$candidate" || { echo "scale: nothing changed" >&2; exit 1; }
scripts/set-env "$env_file" "${counts[@]}"

echo "scale: web=$web ws=$ws db-api=$api"
docker compose up -d --wait --no-recreate web ws db-api
docker compose exec -T nginx nginx -s reload 2>/dev/null
echo "scale: done; Nginx reloaded"
