#!/usr/bin/env bash
# HTTP benchmarks of `ake serve` (release build, static Swift stdlib) against nginx
# serving the identical bytes. Usage: tools/bench-http.sh [list|memory|startup ...] [--runs N]
# or tools/bench-http.sh watch [OTHER_BINARY ...] [--runs N] (tools/bench-watch.py)
# Results and the command line go into BENCHMARKS.md "## HTTP".
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
if [ "${1:-}" = watch ]; then
    # Watch fan-out: tools/bench-http.sh watch [BASELINE_BINARY ...] [--runs N ...] runs
    # tools/bench-watch.py on this tree's release ake (and any other binaries, side by side).
    shift
    swift build -c release --product ake --static-swift-stdlib
    exec python3 tools/bench-watch.py .build/release/ake "$@"
fi
command -v nginx >/dev/null || { echo "needs nginx (Debian: nginx-light)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk" >&2; exit 1; }
swift build -c release --product ake --static-swift-stdlib
exec python3 tools/bench-http.py .build/release/ake "$@"
