#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test (unit and end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
swift build
# The systemd unit (systemd-analyze verify; skipped where systemd-analyze is missing).
tools/check-unit.sh
swift test --parallel --num-workers 2
# Real clients against the real binary (tools/e2e-clients.sh).
tools/e2e-clients.sh
# The secured port with real processes: TLS, client certificates, tokens, RBAC, Node (tools/security_e2e.py).
python3 tools/security_e2e.py
# Edge mode with real processes (issue 7 scenarios 1-7): cloud, link-cutting proxy, edge, chained
# edge, offline restart, relist-and-diff after the cloud compacted (tools/edge_e2e.py).
python3 tools/edge_e2e.py
# Edge link health, metrics and mirrored discovery with real processes (tools/edge_observability_e2e.py).
python3 tools/edge_observability_e2e.py
# `ake status` against golden tables: standalone, edge online, offline, and from the data dir.
python3 tools/node_status_e2e.py
# Offline writes at an edge (issue 15): a kubelet-like client through refused and silent cuts,
# a spec conflict, a custom resource's status, and a SIGKILL mid-reconcile (tools/edge_offline_e2e.py).
python3 tools/edge_offline_e2e.py
