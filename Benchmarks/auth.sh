#!/usr/bin/env bash
# Builds the authentication benchmarks in release mode and runs them with allocation counting: Bulwark's
# TokenVerifier.verify against jwt-kit's bare signature check and JWTKeyCollection.verify, RS256 (RSA 2048)
# and ES256 (P-256), keys cached; then TokenRevocation.check against 10,000 revocations.
# Usage: bash Benchmarks/auth.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product AuthBenchmarks
bin=$(swift build -c release --show-bin-path)
LD_PRELOAD="$bin/libMallocInterposerSwift.so" "$bin/AuthBenchmarks" "$@"
