#!/usr/bin/env bash
# Builds AKE and runs it standalone: `ake serve --data-dir ./ake-data` on 127.0.0.1:10550.
# Arguments are passed to `ake serve` (e.g. --listen 127.0.0.1:0, --log-level debug).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
swift build -c release --product ake --static-swift-stdlib
exec .build/release/ake serve --data-dir ./ake-data "$@"
