#!/bin/sh
# The root filesystem is read-only: rendered templates go to the /tmp tmpfs,
# which starts empty on every container start.
set -eu
mkdir -p /tmp/nginx
