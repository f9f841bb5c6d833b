#!/usr/bin/env bash
# What the durable audit log costs (issue 21), in one run, loopback only. Not a test.
#
# (a) Durable events per second: the journal with group commit (1, 16, 64, 256 concurrent writers, each
#     waiting for its record to be on disk) against one fdatasync per event (encode, write, fdatasync in a
#     loop: the physical limit without group commit), on the same disk (AUDIT_BENCH_DIR, default a temp
#     dir: TMPDIR or /tmp), ROUNDS interleaved rounds of EVENT_SECONDS s: the AuditBenchmarks
#     executable of the Benchmarks package (release).
# (b) The gateway with `audit: { durability: sync }` (journal only) and `durability: async` against the
#     same gateway without `audit:`, the same nginx origin, POSTs (audited) of a 30-byte JSON body:
#
#   origin  BASE_PORT+1  nginx, 1 worker: `return 200` of a 64-byte body
#   none    BASE_PORT+2  `bulwark serve`, no audit section
#   sync    BASE_PORT+4  the same with `audit: { journal: …, durability: sync }` (POST audited)
#   async   BASE_PORT+6  the same with `durability: async`
# Every bulwark: release build, access log off, default threads. ROUNDS interleaved rounds (none, sync,
# async, back to back), each: WARMUP s unmeasured, DURATION s of `wrk -t THREADS -c CONNECTIONS`. Medians
# over rounds. CPU per request: utime+stime from /proc/PID/stat of every thread of the bulwark process,
# before and after each measured run, over the requests wrk completed.
#
# Usage: bash Benchmarks/audit.sh   (env: ROUNDS=3 DURATION=10 WARMUP=2 CONNECTIONS=64 THREADS=2
#                                   EVENT_SECONDS=5 BASE_PORT=19500 BULWARK_BIN=.build/release/bulwark
#                                   AUDIT_BENCH_DIR=<dir on the disk to measure> SKIP_EVENTS=1 SKIP_GATEWAY=1)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-2} CONNECTIONS=${CONNECTIONS:-64} THREADS=${THREADS:-2}
EVENT_SECONDS=${EVENT_SECONDS:-5} BASE_PORT=${BASE_PORT:-19500}
BULWARK_BIN=${BULWARK_BIN:-.build/release/bulwark}
for tool in nginx wrk curl; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
HZ=$(getconf CLK_TCK)
work=$(mktemp -d "${AUDIT_BENCH_DIR:-${TMPDIR:-/tmp}}/bulwark-audit-bench.XXXXXX")
chmod 700 "$work"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; sleep 0.3; rm -rf "$work"; }
trap cleanup EXIT

echo "disk: $(df -h "$work" | awk 'NR == 2 {print $1, $2}') ($work)"
if [[ -z ${SKIP_EVENTS:-} ]]; then
  echo
  echo "== (a) durable events per second: group commit vs one fdatasync per event"
  swift build -c release --package-path Benchmarks --product AuditBenchmarks
  bin=$(swift build -c release --package-path Benchmarks --show-bin-path)
  "$bin/AuditBenchmarks" "$EVENT_SECONDS" "$ROUNDS" "$work"
fi
[[ -n ${SKIP_GATEWAY:-} ]] && exit 0

echo
echo "== (b) gateway: audit sync / async vs no audit, POST"
[[ -x $BULWARK_BIN ]] || swift build -c release --product bulwark
origin_port=$((BASE_PORT + 1))
none_port=$((BASE_PORT + 2)) sync_port=$((BASE_PORT + 4)) async_port=$((BASE_PORT + 6))
mkdir -p "$work/origin/logs"
cat >"$work/origin/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/origin/nginx.pid;
error_log $work/origin/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $work/origin/body; proxy_temp_path $work/origin/proxy; fastcgi_temp_path $work/origin/fcgi; uwsgi_temp_path $work/origin/uwsgi; scgi_temp_path $work/origin/scgi;
    server { listen 127.0.0.1:$origin_port; location / { default_type text/plain; return 200 '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n'; } }
}
EOF
bulwark_conf() { # $1 name, $2 port, $3 durability (or none)
  {
    echo "server: { listen: \"127.0.0.1:$2\", access_log: \"off\" }"
    echo "admin: { listen: \"127.0.0.1:$(($2 + 1))\" }"
    echo "upstreams: { origin: { targets: [\"http://127.0.0.1:$origin_port\"] } }"
    echo "routes:"
    echo "  - { name: orders, path_prefix: /, upstream: origin }"
    if [[ $3 != none ]]; then
      echo "audit: { journal: \"$work/journal-$1\", durability: $3 }"
    fi
  } >"$work/$1.yaml"
}
bulwark_conf none "$none_port" none
bulwark_conf sync "$sync_port" sync
bulwark_conf async "$async_port" async
cat >"$work/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"order":12345,"item":"book"}'
wrk.headers["Content-Type"] = "application/json"
EOF
# nginx's worker runs as an unprivileged user when started as root.
if [[ $(id -u) == 0 ]]; then chmod 755 "$work"; chown -R nobody "$work/origin"; fi
setsid nginx -p "$work/origin" -c "$work/origin/nginx.conf" & pids+=($!)
for name in none sync async; do
  setsid "$BULWARK_BIN" serve --config "$work/$name.yaml" >"$work/$name.log" 2>&1 & pids+=($!)
  declare "${name}_pid=$!"
done
for port in $origin_port $none_port $sync_port $async_port; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/item" && break; sleep 0.1; done
done
for name in none sync async; do
  port_var="${name}_port"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{}' "http://127.0.0.1:${!port_var}/orders")
  [[ $code == 200 ]] || { echo "$name: POST answered $code" >&2; cat "$work/$name.log" >&2; exit 1; }
done
[[ -n $(ls "$work/journal-sync" 2>/dev/null) ]] || { echo "sync: no journal written" >&2; cat "$work/sync.log" >&2; exit 1; }

ticks() { # utime+stime of every process in the group led by $1
  local total=0 f
  for f in /proc/[0-9]*/stat; do
    read -r -a fld < <(sed 's/^.*) //' "$f" 2>/dev/null) || continue
    [[ ${fld[2]:-} == "$1" ]] && total=$((total + fld[11] + fld[12]))
  done
  echo "$total"
}

variants=(none sync async)
declare -A results=()
for round in $(seq "$ROUNDS"); do
  for variant in "${variants[@]}"; do
    port_var="${variant}_port" pid_var="${variant}_pid"
    port=${!port_var} pid=${!pid_var}
    url="http://127.0.0.1:$port/orders"
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" -s "$work/post.lua" "$url" >/dev/null
    before=$(ticks "$pid")
    out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -s "$work/post.lua" "$url")
    after=$(ticks "$pid")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
    [[ -z $errors ]] || echo "!! $variant: $errors" >&2
    cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
    printf 'round %d %-6s %10s req/s  p99 %8s  cpu/req %6s us %s\n' "$round" "$variant" "$rps" "$p99" "$cpu" "$errors"
    results[$variant]+="$rps $cpu $p99"$'\n'
  done
done
journal_bytes=$(du -sb "$work/journal-sync" | awk '{print $1}')

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
to_ms() { sed 's/ms$//;s/us$/e-3/;s/\([0-9.]\)s$/\1e3/'; }
echo
printf '%-26s %10s %8s %14s %8s %9s %8s\n' variant "req/s" "x none" "cpu/req (us)" "x none" "p99 (ms)" "x none"
for variant in "${variants[@]}"; do
  rps=$(awk 'NF {print $1}' <<<"${results[$variant]}" | median)
  cpu=$(awk 'NF {print $2}' <<<"${results[$variant]}" | median)
  p99=$(awk 'NF {print $3}' <<<"${results[$variant]}" | to_ms | median)
  [[ $variant == none ]] && { rps0=$rps cpu0=$cpu p990=$p99; }
  case $variant in
    none) label="no audit" ;;
    sync) label="audit: sync (journal)" ;;
    async) label="audit: async (journal)" ;;
  esac
  awk -v l="$label" -v r="$rps" -v c="$cpu" -v p="$p99" -v r0="$rps0" -v c0="$cpu0" -v p0="$p990" 'BEGIN {
    printf "%-26s %10.0f %7.2fx %14.2f %7.2fx %9.2f %7.2fx\n", l, r, r / r0, c, c / c0, p, p / p0 }'
done
echo "sync journal after the run: $journal_bytes bytes"
