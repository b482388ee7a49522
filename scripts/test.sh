#!/usr/bin/env bash
# Runs every test: installs prerequisites (idempotent), builds once, then runs the whole suite from that build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
