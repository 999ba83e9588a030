#!/usr/bin/env bash
# Builds the benchmarks in release mode and runs them: tools/bench.sh [subcommand ...]
# `tools/bench.sh edge [options]` runs the edge sync benchmark instead (tools/bench-edge.py
# with a release `ake`; results in BENCHMARKS.md "## Edge sync").
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
if [ "${1:-}" = edge ]; then
    shift
    swift build -c release --product ake --static-swift-stdlib
    exec python3 tools/bench-edge.py --ake .build/release/ake "$@"
fi
swift build -c release --product AKEBench
exec .build/release/AKEBench "$@"
