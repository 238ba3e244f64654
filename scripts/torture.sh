#!/usr/bin/env bash
# The robustness suites at the sizes SECURITY.md states: 1,000 bad length fields,
# 20,000 connect/close cycles and 5,000 resets, a reap storm of 200 clients x
# 50 commands, 100 clients x 20 commands of 2 MiB each, 1,000 broken pipes,
# 300 single-bit flips, in every mode. `swift test` (and CI) runs the same
# tests in a short form.
#
#   scripts/torture.sh            the full run (several minutes)
#   scripts/torture.sh --fuzz     also 10 million fuzzer inputs (scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
RSH_TORTURE=full swift test --skip-build --filter 'BadInputTests|FaultTests|SecurityTests|ConformanceTests/disconnect'
if [[ "${1:-}" == "--fuzz" ]]; then
    scripts/fuzz.sh --runs 10000000
fi
