#!/usr/bin/env bash
# redis-benchmark against BulwarkRedis's RedisClient at equal connections and depth, in interleaved rounds
# on one throwaway local redis-server (loopback, a free port, no persistence), medians per shape and command.
#
# Shapes (redis-benchmark ↔ RedisClient):
#   c4 P1/P4/P16  `-c 4 -P N`  ↔  a pool pinned to 4 connections (minimum = maximum = 4) and 4×N concurrent
#                                callers, so each connection has about N commands in flight
#   c50, c200     `-c 50|200 -P 1`  ↔  50 | 200 concurrent callers on the default pool (1…4 connections)
# Commands: SET bench:k<12 digits> value, GET of the same keys (random over 10,000, `-r 10000`), and the
# GCRA rate-limit script by EVALSHA (redis-benchmark: EVALSHA of the same script text with the same key
# and arguments — interval 1 µs, burst 1,000,000, cost 1, always admitted, so both do the same writes;
# RedisClient: RedisRateLimitStore.acquire, the script behind the failover breaker).
# Reported: ops/s of each, RedisClient / redis-benchmark (ratio of medians, and the range of per-round
# ratios), and the client process's CPU per command: user + system time of redis-benchmark's process from
# its rusage when it exits (wait4, via Python's RUSAGE_CHILDREN: µs resolution; `/usr/bin/time` only
# prints hundredths of a second), and of the RedisBenchmarks process over its timed part (getrusage:
# the utime + stime of /proc/PID/stat, in µs). redis-benchmark's figure includes its start-up and
# connection set-up (small: it is a C program); ours excludes its start-up and warm-up.
# Then: the latency of one decision at a moderate load, and a sweep of the RedisClient pool size
# (GCRA, 50 callers, pools of 2, 4 and 8 connections).
# Usage: bash Benchmarks/redis.sh [rounds]     (default 3 rounds: about 3 minutes here)
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
swift build -c release --product RedisBenchmarks >/dev/null
bin=$(swift build -c release --show-bin-path)/RedisBenchmarks
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
child=
cleanup() {
  [ -n "$child" ] && kill "$child" 2>/dev/null || true
  [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# The same script text as BulwarkRedis's RateLimitScripts.gcra, loaded the same way.
script=$(sed -n '/static let gcra = RedisScript("""/,/^    """)/p' ../Sources/BulwarkRedis/RateLimit/RateLimitScripts.swift | sed '1d;$d' | sed 's/^    //')
sha=$(redis-cli -p "$port" SCRIPT LOAD "$script")
# Every GET key exists from the start.
redis-benchmark -p "$port" -c 4 -P 16 -n 100000 -r 10000 --csv SET 'bench:k__rand_int__' value >/dev/null

# Runs a command in the background (so that the EXIT trap can end it) and waits for it; output to $dir/out.
run() { "$@" >"$dir/out" & child=$!; wait "$child"; child=; }

# redis-benchmark with the given arguments; writes "ops/s cpu-µs" (its process's user + system time) to $dir/out.
rbench() {
  run python3 -c '
import csv, resource, subprocess, sys
out = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, check=True, text=True).stdout
row = list(csv.reader(out.strip().splitlines()))[-1]
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(int(float(row[1])), round((usage.ru_utime + usage.ru_stime) * 1e6))
' redis-benchmark -p "$port" "$@"
}

# name  -c  -P  RedisClient-callers  RedisClient-connections(0: default pool)  count(set get gcra)
shapes=(
  "c4-P1   4   1   4   4  40000  40000  30000"
  "c4-P4   4   4  16   4  80000  80000  60000"
  "c4-P16  4  16  64   4 200000 200000 100000"
  "c50    50   1  50   0  80000  80000  60000"
  "c200  200   1 200   0  80000  80000  60000"
)
results="$dir/results"; : >"$results"
echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$port; $rounds interleaved rounds (order reversed every other round)"
SECONDS=0
for round in $(seq "$rounds"); do
  for spec in "${shapes[@]}"; do
    read -r name c p callers conns nset nget ngcra <<<"$spec"
    line="round $round $name:"
    for cmd in set get gcra; do
      case $cmd in
        set)  n=$nset; rbargs=(SET 'bench:k__rand_int__' value) ;;
        get)  n=$nget; rbargs=(GET 'bench:k__rand_int__') ;;
        gcra) n=$ngcra; rbargs=(EVALSHA "$sha" 1 'bulwark:rl:bench:k__rand_int__' 1 1000000 1) ;;
      esac
      for who in $( ((round % 2)) && echo "rb ours" || echo "ours rb"); do
        if [ "$who" = rb ]; then
          rbench -c "$c" -P "$p" -n "$n" -r 10000 --csv "${rbargs[@]}"
          read -r ops cpu <"$dir/out"; live=
          cpu=$(python3 -c "print(round($cpu / $n, 2))")
        else
          run "$bin" "$port" run "$cmd" "$callers" "$conns" "$n"
          read -r ops cpu live <"$dir/out"
        fi
        echo "$name $cmd $who $ops $cpu ${live:-$c}" >>"$results"
        line+=" $cmd/$who ${ops}/s ${cpu}µs"
      done
    done
    echo "$line"
  done
done

echo
python3 - "$results" <<'EOF'
import sys, statistics
rows = [line.split() for line in open(sys.argv[1])]
data = {}
open_connections = {}
for shape, cmd, who, ops, cpu, live in rows:
    data.setdefault((shape, cmd), {}).setdefault(who, []).append((float(ops), float(cpu)))
    if who == "ours": open_connections.setdefault(shape, set()).add(live)
label = {
    "c4-P1": "-c 4 -P 1 ↔ 4 conns, 4 callers", "c4-P4": "-c 4 -P 4 ↔ 4 conns, 16 callers",
    "c4-P16": "-c 4 -P 16 ↔ 4 conns, 64 callers", "c50": "-c 50 -P 1 ↔ 50 callers, default pool",
    "c200": "-c 200 -P 1 ↔ 200 callers, default pool",
}
name = {"set": "SET", "get": "GET", "gcra": "GCRA (EVALSHA)"}
print("| shape (redis-benchmark ↔ RedisClient) | command | redis-benchmark ops/s | RedisClient ops/s | ratio (per-round range) "
      "| redis-benchmark CPU µs/cmd | RedisClient CPU µs/cmd | CPU ratio |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for (shape, cmd), runs in data.items():
    rb, ours = runs["rb"], runs["ours"]
    rb_ops, ours_ops = statistics.median(o for o, _ in rb), statistics.median(o for o, _ in ours)
    rb_cpu, ours_cpu = statistics.median(c for _, c in rb), statistics.median(c for _, c in ours)
    per_round = [o[0] / r[0] for o, r in zip(ours, rb)]
    where = label[shape]
    if "default pool" in where: where += f" (it opened {'/'.join(sorted(open_connections[shape]))})"
    print(f"| {where} | {name[cmd]} | {rb_ops:,.0f} | {ours_ops:,.0f} | **{ours_ops / rb_ops:.2f}×** "
          f"({min(per_round):.2f}–{max(per_round):.2f}) | {rb_cpu:.2f} | {ours_cpu:.2f} | {ours_cpu / rb_cpu:.2f}× |")
EOF

echo
run "$bin" "$port" latency 4 20000
echo "latency of one GCRA decision, 4 concurrent callers, 20,000 decisions: $(cat "$dir/out")"

echo
run "$bin" "$port" connections 60000 "$rounds" 50
cat "$dir/out"
echo
echo "measured in ${SECONDS} s after the build"
