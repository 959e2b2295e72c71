#!/usr/bin/env bash
# `make test` smoke gate: a short mixed Locust run through Nginx against the
# test stack, judged on failures only (latency is for benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${SMOKE_USERS:-12} SPAWN_RATE=${SMOKE_USERS:-12} DURATION=${SMOKE_DURATION:-20s} \
    LOCUST_CHECK_LATENCY=0 LOADTEST_TARGET=current SUMMARY_LINES=25 scripts/loadtest.sh
