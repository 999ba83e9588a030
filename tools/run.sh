#!/usr/bin/env bash
# Builds AKE and runs it standalone with its data in ./ake-data (arguments are passed to `ake serve`).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
swift build -c release --product ake
exec .build/release/ake "$@"
