#!/usr/bin/env bash
# TLS phase of scripts/test-stack.sh: switch the test stack to HTTPS
# (deploy/tls/compose.tls.yaml), run the end-to-end tests over it, switch back.
set -euo pipefail
cd "$(dirname "$0")/.."
export HTTPS_PORT=${TEST_HTTPS_PORT:-18443}
http_port=${HTTP_PORT:?run from scripts/test-stack.sh}
plain_files=$COMPOSE_FILE

scripts/make-cert
echo "test-tls: switching the stack to HTTPS on 127.0.0.1:$HTTPS_PORT"
COMPOSE_FILE="$plain_files:deploy/tls/compose.tls.yaml" docker compose up -d --wait >/dev/null 2>&1
docker compose exec -T nginx nginx -s reload

# The self-signed certificate is its own CA: clients verify it.
BASE_URL="https://127.0.0.1:$HTTPS_PORT" HTTP_URL="http://127.0.0.1:$http_port" \
    REQUESTS_CA_BUNDLE="$PWD/deploy/tls/certs/tls.crt" \
    WEBSOCKET_CLIENT_CA_BUNDLE="$PWD/deploy/tls/certs/tls.crt" \
    .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/e2e/test_gateway.py tests/e2e/test_shared_login.py tests/e2e/test_tls.py

echo "test-tls: switching the stack back to plain HTTP"
docker compose up -d --wait >/dev/null 2>&1
docker compose exec -T nginx nginx -s reload
