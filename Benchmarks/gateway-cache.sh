#!/usr/bin/env bash
# Cached GET through bulwark's response cache vs nginx's proxy_cache, side by side, loopback only.
#
#   origin   BASE_PORT+1  nginx, 1 worker: `return 200` of a 1 KiB body (no Cache-Control: both caches
#                         use their own TTL, 60 s)
#   nginx    BASE_PORT+2  nginx, 1 worker, proxy_cache (keys_zone 10m, proxy_cache_valid 200 60s,
#                         proxy_cache_lock on), keepalive to the origin, access log off
#   bulwark  BASE_PORT+3  `bulwark serve` (release build), routes[].cache { ttl: 60s }, access log off,
#                         default threads (one event loop per core)
#   proxy    BASE_PORT+5  the same bulwark without the cache (every request proxied): what a hit saves
#
# ROUNDS interleaved rounds (nginx then bulwark, back to back), each: WARMUP s unmeasured, DURATION s of
# `wrk -t THREADS -c CONNECTIONS` on /item (every request a cache hit after the first). Medians over rounds.
# CPU per request: utime+stime from /proc/PID/stat of every process of the peer (nginx master + worker;
# bulwark with its threads), before and after each measured run, over the requests wrk completed. The
# origin's CPU is printed too: it must stay near 0 (only the first miss reaches it).
#
# Usage: bash Benchmarks/gateway-cache.sh   (env: ROUNDS=3 DURATION=10 WARMUP=2 CONNECTIONS=64 THREADS=2
#                                           BASE_PORT=19300 BULWARK_BIN=.build/release/bulwark)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-2} CONNECTIONS=${CONNECTIONS:-64} THREADS=${THREADS:-2}
BASE_PORT=${BASE_PORT:-19300}
BULWARK_BIN=${BULWARK_BIN:-.build/release/bulwark}
for tool in nginx wrk; do command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install nginx wrk)" >&2; exit 1; }; done
[[ -x $BULWARK_BIN ]] || swift build -c release --product bulwark
HZ=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/bulwark-cache-bench.XXXXXX)
chmod 700 "$work"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; sleep 0.3; rm -rf "$work"; }
trap cleanup EXIT

origin_port=$((BASE_PORT + 1)) nginx_port=$((BASE_PORT + 2)) bulwark_port=$((BASE_PORT + 3)) admin_port=$((BASE_PORT + 4))
proxy_port=$((BASE_PORT + 5)) proxy_admin_port=$((BASE_PORT + 6))
body=$(head -c 1024 /dev/zero | tr '\0' 'x')

nginx_conf() { # $1 dir, $2 server block
  mkdir -p "$1/logs" "$1/cache"
  cat >"$1/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $1/body; proxy_temp_path $1/proxy; fastcgi_temp_path $1/fcgi; uwsgi_temp_path $1/uwsgi; scgi_temp_path $1/scgi;
$2
}
EOF
}
nginx_conf "$work/origin" "    server { listen 127.0.0.1:$origin_port; location / { default_type text/plain; return 200 '$body'; } }"
nginx_conf "$work/nginx" "    proxy_cache_path $work/nginx/cache keys_zone=hot:10m max_size=256m inactive=10m use_temp_path=off;
    upstream origin { server 127.0.0.1:$origin_port; keepalive 64; }
    server {
        listen 127.0.0.1:$nginx_port;
        location / {
            proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\";
            proxy_cache hot; proxy_cache_valid 200 60s; proxy_cache_lock on;
            add_header X-Cache \$upstream_cache_status;
        }
    }"
cat >"$work/bulwark.yaml" <<EOF
server: { listen: "127.0.0.1:$bulwark_port", access_log: "off" }
admin: { listen: "127.0.0.1:$admin_port" }
upstreams: { origin: { targets: ["http://127.0.0.1:$origin_port"] } }
routes:
  - { path_prefix: /, upstream: origin, cache: { ttl: 60s } }
EOF

cat >"$work/proxy.yaml" <<EOF
server: { listen: "127.0.0.1:$proxy_port", access_log: "off" }
admin: { listen: "127.0.0.1:$proxy_admin_port" }
upstreams: { origin: { targets: ["http://127.0.0.1:$origin_port"] } }
routes:
  - { path_prefix: /, upstream: origin }
EOF
# nginx's workers run as an unprivileged user when started as root: let them write their cache.
if [[ $(id -u) == 0 ]]; then chmod 755 "$work"; chown -R nobody "$work/nginx" "$work/origin"; fi
setsid nginx -p "$work/origin" -c "$work/origin/nginx.conf" & pids+=($!); origin_pid=$!
setsid nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" & pids+=($!); nginx_pid=$!
setsid "$BULWARK_BIN" serve --config "$work/bulwark.yaml" >"$work/bulwark.log" 2>&1 & pids+=($!); bulwark_pid=$!
setsid "$BULWARK_BIN" serve --config "$work/proxy.yaml" >"$work/proxy.log" 2>&1 & pids+=($!); proxy_pid=$!
for port in $origin_port $nginx_port $bulwark_port $proxy_port; do
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/item" && break; sleep 0.1; done
done
echo "nginx proxy_cache: $(curl -s -D - -o /dev/null "http://127.0.0.1:$nginx_port/item" | tr -d '\r' | grep -i '^x-cache')"
echo "bulwark cache:     $(curl -s -D - -o /dev/null "http://127.0.0.1:$bulwark_port/item" | tr -d '\r' | grep -i '^x-cache')"

ticks() { # utime+stime of every process in the group led by $1
  local total=0 f
  for f in /proc/[0-9]*/stat; do
    read -r -a fld < <(sed 's/^.*) //' "$f" 2>/dev/null) || continue
    [[ ${fld[2]:-} == "$1" ]] && total=$((total + fld[11] + fld[12]))
  done
  echo "$total"
}

declare -A results=()
for round in $(seq "$ROUNDS"); do
  for peer in nginx bulwark proxy; do
    port_var="${peer}_port" pid_var="${peer}_pid"
    url="http://127.0.0.1:${!port_var}/item"
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" "$url" >/dev/null
    before=$(ticks "${!pid_var}") origin_before=$(ticks "$origin_pid")
    out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency "$url")
    after=$(ticks "${!pid_var}") origin_after=$(ticks "$origin_pid")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
    [[ -z $errors ]] || echo "!! $peer: $errors (see $work/*/error.log)" >&2
    cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
    origin_cpu=$(awk -v t=$((origin_after - origin_before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.3f", t * 1e6 / hz / n }')
    printf 'round %d %-8s %10s req/s  p99 %8s  cpu/req %6s us  origin cpu/req %s us %s\n' "$round" "$peer" "$rps" "$p99" "$cpu" "$origin_cpu" "$errors"
    results[$peer]+="$rps $cpu $p99"$'\n'
  done
done

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo
printf '%-8s %12s %14s %10s\n' peer "req/s" "cpu/req (us)" p99
for peer in nginx bulwark proxy; do
  rps=$(awk 'NF {print $1}' <<<"${results[$peer]}" | median)
  cpu=$(awk 'NF {print $2}' <<<"${results[$peer]}" | median)
  p99=$(awk 'NF {print $3}' <<<"${results[$peer]}" | sed 's/ms$//;s/us$/e-3/' | median)
  printf '%-8s %12s %14s %10s\n' "$peer" "$rps" "$cpu" "$p99"
  declare "m_rps_$peer=$rps" "m_cpu_$peer=$cpu"
done
awk -v a="$m_rps_bulwark" -v b="$m_rps_nginx" -v c="$m_cpu_bulwark" -v d="$m_cpu_nginx" 'BEGIN {
  printf "bulwark / nginx proxy_cache: req/s %.2fx (goal >= 1.0), CPU per request %.2fx\n", a / b, c / d }'
awk -v a="$m_cpu_bulwark" -v b="$m_cpu_proxy" 'BEGIN { printf "bulwark cache hit / bulwark proxying: CPU per request %.2fx\n", a / b }'
