#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test (unit and end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
swift build
swift test --parallel --num-workers 2
# Real clients against the real binary (tools/e2e-clients.sh).
tools/e2e-clients.sh
