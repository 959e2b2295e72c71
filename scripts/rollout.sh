#!/usr/bin/env bash
# Zero-downtime rollout of one service (web, ws or db-api) on one machine.
# Compose has no rolling update, so: start as many new replicas as there are
# old ones (new image), wait until each is healthy (/ready), reload Nginx so
# it sends traffic to them, then stop the old replicas one at a time (gunicorn
# drains in-flight requests; ws closes sockets with 1001 so clients reconnect
# to a new replica; Nginx retries idempotent requests on another replica) and
# reload Nginx again.
set -euo pipefail
cd "$(dirname "$0")/.."

service=${1:-${SERVICE:-}}
case "$service" in
    web | ws | db-api) ;;
    *) echo "rollout: SERVICE must be web, ws or db-api, not '$service'" >&2; exit 2 ;;
esac

mapfile -t old < <(docker compose ps -q "$service")
replicas=${#old[@]}
[ "$replicas" -ge 1 ] || { echo "rollout: $service is not running" >&2; exit 1; }

echo "rollout: building $service"
docker compose build --quiet "$service"
echo "rollout: starting $replicas new replica(s) of $service beside the old"
docker compose up -d --no-deps --no-recreate --scale "$service=$((replicas * 2))" "$service" >/dev/null

deadline=$((SECONDS + ${ROLLOUT_TIMEOUT:-120}))
while :; do
    mapfile -t all < <(docker compose ps -q "$service")
    new=()
    for id in "${all[@]}"; do
        [[ " ${old[*]} " == *" $id "* ]] || new+=("$id")
    done
    healthy=0
    for id in "${new[@]}"; do
        [ "$(docker inspect -f '{{.State.Health.Status}}' "$id")" = healthy ] && healthy=$((healthy + 1))
    done
    [ "$healthy" -ge "$replicas" ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "rollout: new replicas not healthy in time; removing them, the old ones keep serving" >&2
        docker rm -f "${new[@]}" >/dev/null
        exit 1
    fi
    sleep 1
done
docker compose exec -T nginx nginx -s reload
echo "rollout: $healthy new replica(s) healthy and in Nginx; retiring the old ones"

grace=${STOP_TIMEOUT:-30}
for id in "${old[@]}"; do
    docker stop --time "$grace" "$id" >/dev/null
    docker rm "$id" >/dev/null
    docker compose exec -T nginx nginx -s reload
done
echo "rollout: $service rolled out ($replicas replica(s))"
