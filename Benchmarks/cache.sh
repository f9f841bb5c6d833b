#!/usr/bin/env bash
# Builds the L1 cache benchmarks in release mode and runs them with allocation counting: W-TinyLFU against
# plain LRU hit ratios on seeded Zipf and scan-polluted traces, then the time and allocations of a hit.
# Usage: bash Benchmarks/cache.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product CacheBenchmarks
bin=$(swift build -c release --show-bin-path)
LD_PRELOAD="$bin/libMallocInterposerSwift.so" "$bin/CacheBenchmarks" "$@"
