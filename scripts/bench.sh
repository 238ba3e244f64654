#!/usr/bin/env bash
# Builds everything in release mode and runs the benchmark harness.
#   scripts/bench.sh            the full run (15-20 minutes here); results in scripts/bench/results/
#   scripts/bench.sh --smoke    a few seconds: checks the harness works, measures nothing
# Other options are passed to rsh-bench (see rsh-bench --help).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
exec .build/release/rsh-bench "$@"
