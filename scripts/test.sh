#!/usr/bin/env bash
# Runs every test: installs prerequisites (idempotent), builds once, runs the Swift suites from that build, then the
# acceptance tests with the official Python SDKs against the emulator as a separate process (each test file in
# its own network namespace; needs root, as CI has).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
# One test PKI for the whole run, made before the tests (see Tests/Support/MQTTTestSupport/TestPKI.swift).
TEST_PKI_DIR="$(mktemp -d)/pki"
export TEST_PKI_DIR
trap 'rm -rf "$(dirname "$TEST_PKI_DIR")"' EXIT
bash scripts/make-test-pki.sh "$TEST_PKI_DIR" >/dev/null
swift test --skip-build "$@"
bash Tests/acceptance/run.sh
