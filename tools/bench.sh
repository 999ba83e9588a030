#!/usr/bin/env bash
# Builds the benchmarks in release mode and runs them: tools/bench.sh [subcommand ...]
# `tools/bench.sh edge [options]` runs the edge sync benchmark instead (tools/bench-edge.py
# with a release `ake`; results in BENCHMARKS.md "## Edge sync"). `tools/bench.sh fleet [--debug] [options]`
# runs the fleet benchmark (tools/bench-fleet.py --help; BENCHMARKS.md "## Fleet").
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
if [ "${1:-}" = fleet ]; then
    # The fleet benchmark (tools/bench-fleet.py; BENCHMARKS.md "## Fleet"). --debug uses debug
    # builds (quicker to build, for a smoke run; not for figures). Plots need matplotlib.
    shift
    mode=release
    if [ "${1:-}" = --debug ]; then mode=debug; shift; fi
    python3 -c 'import matplotlib' 2>/dev/null || python3 -m pip install -q matplotlib
    if [ $mode = release ]; then
        swift build -c release --product ake --static-swift-stdlib
        swift build -c release --product ake-node-agent
    else
        swift build --product ake
        swift build --product ake-node-agent
    fi
    exec python3 tools/bench-fleet.py --ake .build/$mode/ake --agent .build/$mode/ake-node-agent "$@"
fi
if [ "${1:-}" = edge ]; then
    shift
    swift build -c release --product ake --static-swift-stdlib
    exec python3 tools/bench-edge.py --ake .build/release/ake "$@"
fi
swift build -c release --product AKEBench
exec .build/release/AKEBench "$@"
