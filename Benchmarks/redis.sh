#!/usr/bin/env bash
# Rate-limit decisions per second: BulwarkRedis (RedisRateLimitStore → EVALSHA of its GCRA script)
# against redis-benchmark running EVALSHA of the same script with the same arguments (interval 1 µs,
# burst 1,000,000, cost 1: always admitted, so both do the same writes), concurrency 50,
# no pipelining, 10,000 keys; interleaved rounds on one local redis-server; prints the ratio of medians.
# Then the p50/p99 latency of one decision at a moderate load (4 concurrent callers).
# Usage: bash Benchmarks/redis.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
swift build -c release --product RedisBenchmarks >/dev/null
bin=$(swift build -c release --show-bin-path)/RedisBenchmarks
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
trap 'kill "$(cat "$dir/redis.pid")" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# The same script text as BulwarkRedis's RateLimitScripts.gcra, loaded the same way.
script=$(sed -n '/static let gcra = RedisScript("""/,/^    """)/p' ../Sources/BulwarkRedis/RateLimit/RateLimitScripts.swift | sed '1d;$d' | sed 's/^    //')
sha=$(redis-cli -p "$port" SCRIPT LOAD "$script")
count=200000
concurrency=50
ours=(); theirs=()
for round in $(seq "$rounds"); do
  r=$(redis-benchmark -p "$port" -c "$concurrency" -n "$count" -r 10000 -P 1 --csv \
        EVALSHA "$sha" 1 "bulwark:rl:bench:k__rand_int__" 1 1000000 1 | tail -1 | cut -d, -f2 | tr -d '"')
  o=$("$bin" "$port" throughput "$concurrency" "$count")
  theirs+=("${r%.*}"); ours+=("$o")
  echo "round $round: redis-benchmark ${r%.*} decisions/s, BulwarkRedis $o decisions/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mo=$(median "${ours[@]}"); mt=$(median "${theirs[@]}")
echo "median: BulwarkRedis $mo / redis-benchmark $mt = $(python3 -c "print(round($mo/$mt, 2))")×"
echo "latency of one decision, 4 concurrent callers, 20,000 decisions: $("$bin" "$port" latency 4 20000)"
