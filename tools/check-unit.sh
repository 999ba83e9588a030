#!/usr/bin/env bash
# Checks tools/ake.service with `systemd-analyze verify` (skipped, with a note, where
# systemd-analyze is not installed). verify needs ExecStart's binary to exist, so the unit is
# checked as a copy pointing at the built binary. Any output (an unknown key, a bad value,
# a missing binary) fails the check: verify itself exits 0 on "ignoring" warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null; then
    echo "check-unit.sh: systemd-analyze not installed; tools/ake.service not verified"
    exit 0
fi
binary="$(realpath "${AKE_BINARY:-.build/debug/ake}")"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
sed "s#/usr/local/bin/ake#$binary#" tools/ake.service >"$dir/ake.service"
out="$(systemd-analyze verify "$dir/ake.service" 2>&1)" || { printf '%s\n' "$out" >&2; exit 1; }
if [[ -n "$out" ]]; then
    printf '%s\n' "$out" >&2
    echo "check-unit.sh: tools/ake.service has problems" >&2
    exit 1
fi
echo "check-unit.sh: tools/ake.service verified"
