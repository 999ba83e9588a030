#!/usr/bin/env bash
# Builds the benchmarks in release mode and runs them: tools/bench.sh [subcommand ...]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
swift build -c release --product AKEBench
exec .build/release/AKEBench "$@"
