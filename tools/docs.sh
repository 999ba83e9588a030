#!/usr/bin/env bash
# Builds the API reference of AKE's library modules from their doc comments with Swift-DocC
# (`swift package generate-documentation`), one static site per module under .build-docs/site/.
# Optional: neither the build nor CI needs it. Arguments: module names (default: all libraries).
# Browse them through any static file server rooted at .build-docs/site, e.g.
#   python3 -m http.server -d .build-docs/site 8000   →   http://127.0.0.1:8000/KubeModel/documentation/kubemodel/
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
    modules=(KubeModel KubeProtobuf EventLog Projections Admission Sync Endpoint APIFront KubeClient Forensics)
fi
# AKE_DOCC=1 makes Package.swift add the swift-docc-plugin dependency; a separate scratch path
# keeps that resolution apart from the ordinary .build/.
export AKE_DOCC=1
for module in "${modules[@]}"; do
    out=".build-docs/site/$module"
    mkdir -p "$out"
    swift package --scratch-path .build-docs --allow-writing-to-directory "$out" \
        generate-documentation --target "$module" --output-path "$out" \
        --transform-for-static-hosting --hosting-base-path "$module"
    echo "docs: $out"
done
