#!/usr/bin/env bash
# Start the real kube-apiserver 1.20 tier in the foreground (Ctrl-C stops everything).
#   scripts/realapi/start.sh [--regions us,eu] [--no-seed]
# Prints `export KUBECONFIG=...`; contexts real-<region> (operator) and real-<region>-viewer.
# Build the binaries first with scripts/realapi/build.sh (cached in $DRILLKIT_REALAPI_DIR).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 -m tests.realapi.cluster "$@"
