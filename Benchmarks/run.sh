#!/usr/bin/env bash
# Builds the Resilience benchmarks in release mode and runs them with allocation counting.
# Usage: bash Benchmarks/run.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product ResilienceBenchmarks
bin=$(swift build -c release --show-bin-path)
LD_PRELOAD="$bin/libMallocInterposerSwift.so" "$bin/ResilienceBenchmarks" "$@"
