#!/usr/bin/env bash
# Real-client checks after `swift build`: the official Python client (pytest) and
# stock kubectl 1.27/1.30/1.33. Installs the Python packages if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import kubernetes, pytest' 2>/dev/null ||
    pip install --quiet kubernetes pytest 2>/dev/null ||
    pip install --quiet --break-system-packages kubernetes pytest
python3 -m pytest -q tests/python
tools/e2e-kubectl.sh
