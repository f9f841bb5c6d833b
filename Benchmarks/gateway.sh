#!/usr/bin/env bash
# Side-by-side HTTP reverse-proxy benchmark, loopback only (127.0.0.1).
#
# What it measures
#   One origin ("app": nginx, 1 worker, keep-alive, no access log) serves two paths:
#     /          `return 200` of a fixed 1 KiB body       ("1 KiB GET")
#     /1m.bin    a static 1 MiB file (sendfile)           ("1 MiB responses")
#   It is load-tested directly and through the reverse proxies, each on its own port:
#     app         BASE_PORT+1  the origin alone (ceiling: no proxy hop)
#     nginx       BASE_PORT+2  nginx, 1 worker, HTTP/1.1 to the origin, upstream `keepalive` of
#                              NGINX_KEEPALIVE idle connections (default: the largest CONNECTIONS count,
#                              256, its best setting here: with 64, nginx closes and reopens upstream
#                              connections at 256 clients and needs about 1.7x the CPU per request);
#                              proxy_max_temp_file_size 0: large responses are relayed through its
#                              default memory buffers (8 x 4 KiB), never spooled to a temp file on disk
#     haproxy     BASE_PORT+3  HAProxy, nbthread 1, mode http, http-keep-alive
#     bulwark     BASE_PORT+4  `bulwark serve --config FILE` with its default settings (threads: 0 = one
#                              event loop per core) except: access log off, max_connections and
#                              idle_timeout raised for the idle-connection test, admin on its own port
#     baseline    BASE_PORT+5  only with BULWARK_BASELINE_BIN: that binary, same config as "bulwark"
#     bulwark-1t  BASE_PORT+6  the same bulwark binary and config plus `server.threads: 1`
#   (bulwark's admin listeners: BASE_PORT+11 .. +13, so they never collide with each other or :9090.)
#
#   Load runs (wrk -t THREADS --latency, WARMUP s unmeasured warm-up, then DURATION s measured):
#     1 KiB GET at each connection count in CONNECTIONS (default "64 256");
#     1 MiB GET at BIG_CONNECTIONS connections (default 16; 0 skips it).
#   ROUNDS interleaved rounds: in each round every test runs against every peer back to back (app,
#   nginx, haproxy, bulwark, [baseline,] bulwark-1t), so drift in machine load affects every peer alike.
#   Tables show the median over rounds; errors are totals over all measured runs.
#
#   CPU per request (the headline): right before and right after each measured wrk run the script
#   reads utime+stime (clock ticks, `getconf CLK_TCK`) from /proc/PID/stat of every process in each
#   peer's process group (nginx: master + worker; haproxy; bulwark with all its threads; the origin)
#   and divides the difference by the number of requests wrk completed in that run ("N requests in
#   ..."). For "app" that is the origin's own CPU; wrk's CPU is never counted. "origin" is the CPU the
#   origin used per request during that peer's runs (the same for every peer if the proxy adds no
#   origin work). For 1 MiB runs it is CPU per 1 MiB response. The resolution is one clock tick
#   (usually 10 ms) per process per run, far below the CPU seconds a run uses; short runs are noisier.
#   CPU per request does not depend much on how busy the machine is; req/s and latency do.
#
#   Throughput: req/s, p50 and p99 latency (wrk's latency distribution) per 1 KiB test; for 1 MiB
#   responses MB/s = responses x 1 MiB / run time / 10^6 (body bytes only; 1 MB = 10^6 bytes).
#
#   Memory per idle keep-alive client connection (IDLE=1, before the load rounds): after a warm-up,
#   Benchmarks/idle-connections.py opens IDLE_N (10,000) connections to one peer at a time, sends one
#   complete keep-alive GET / on each and reads its response, then holds them all idle. It reads the
#   peer's resident memory (VmRSS from /proc/PID/status, summed over the peer's process group) before
#   opening and while holding (median of samples over IDLE_HOLD seconds) and prints
#   (held - before) / IDLE_N in KiB. Kernel socket buffers are not in VmRSS: this is the proxy's own
#   memory per idle connection. For it the script raises the open-file limit (soft to hard; it needs
#   about IDLE_N + 2,000 per process), nginx's worker_connections, HAProxy's maxconn, bulwark's
#   server.max_connections (default 10,000) to IDLE_N + 2048, and every idle timeout (nginx
#   keepalive_timeout, HAProxy timeout client, bulwark server.idle_timeout) to 300 s, far longer
#   than the hold. "closed" counts held connections the peer closed during the hold (must be 0).
#   What "before" already holds differs by design: nginx allocates its whole connection table
#   (worker_connections slots of roughly 0.4 KiB) when its worker starts, so that part of its cost is
#   in "before" and not in its KiB/conn; bulwark and HAProxy allocate per accepted connection.
#   HAProxy reserves two fds per connection and would refuse a maxconn above (open-file limit) / 2, so
#   its config says `no strict-limits` (it then only warns; the idle clients need one server
#   connection between them, since they send their requests one after the other).
#
# How to read the results
#   Ratios are bulwark's figure divided by nginx's (likewise for bulwark-1t and baseline), each from
#   medians measured in the same run. Targets, marked PASS/FAIL:
#     CPU per request (1 KiB, each connection count)  <= 1.25 x nginx  (lower is better; aim <= 1.0)
#     req/s           (1 KiB, each connection count)  >= 0.80 x nginx  (higher is better; aim >= 1.0)
#     p99 latency     (1 KiB, each connection count)  <= 1.20 x nginx
#     memory per idle keep-alive connection           <= 2.00 x nginx
#   1 MiB MB/s and CPU per 1 MiB response are informational. The same ratios against HAProxy are
#   printed without targets. "% of app" shows what each proxy hop costs in req/s. An "origin" CPU
#   per request well above the app's own means the proxy costs the origin extra work, typically new
#   upstream connections (bulwark's `max_idle_connections` defaults to 64, fewer than 256 clients).
#   "bulwark/baseline" (only with BULWARK_BASELINE_BIN): a change should cost at most 5 % CPU per
#   request: cpu ratio <= 1.05. The per-round cpu ratios (bulwark and baseline ran back to back;
#   baseline first in even rounds) are printed too, to show the noise: if they straddle 1.05, run
#   more rounds (ROUNDS=7 DURATION=10) before concluding.
#   Everything (wrk, the origin, the proxies) shares the same cores, so absolute numbers depend on the
#   machine; only ratios between peers measured in the same run are meaningful. Errors must be 0.
#
# Rate limits shared through Redis (section "ratelimit"; runs after the proxy comparison by default,
# or alone with SECTION=ratelimit, about 1 minute with the defaults)
#   A throwaway redis-server (no persistence, 127.0.0.1, the first free port from BASE_PORT+20) and one
#   more `bulwark serve` process ("bulwark-rl", BASE_PORT+7, admin BASE_PORT+14; default settings,
#   access log off) with `redis: { url: redis://127.0.0.1:PORT/0 }`, in front of the same origin, with
#   three routes in that one process:
#     /free     no rate limit
#     /exact    rate_limits: [exact], exact: { requests: 100000000, per: 1s }  (mode exact, the
#               default: every request runs the GCRA script on Redis)
#     /leased   rate_limits: [leased], leased: { requests: 100000000, per: 1s, mode: leased } (the
#               instance leases slices of the allowance from Redis and decides locally)
#   The limits are never reached (every response must be a 200: errors must be 0). Keys are the client
#   IP, and every wrk connection comes from 127.0.0.1: ONE hot key per policy, the worst case for a
#   single key (every exact decision hits the same Redis key; a leased instance shares one lease).
#   RL_ROUNDS interleaved rounds; each round runs wrk -t THREADS -c RL_CONNECTIONS (WARMUP s unmeasured,
#   then RL_DURATION s measured) on each path back to back, the order rotated by one path per round
#   (free exact leased, exact leased free, leased free exact, ...). Per path, medians over rounds:
#     req/s, and req/s / free (targets: exact >= 0.75, leased >= 0.90 of free, marked PASS/FAIL;
#       the per-round ratios, of runs seconds apart, are printed too, to show the noise)
#     CPU µs per request of the bulwark-rl process and of redis-server: utime+stime from /proc/PID/stat
#       (all threads) right before and after each measured run, divided by the requests wrk completed
#     Redis calls per request, from `INFO commandstats` read before and after each measured run (INFO
#       itself, this script's probe, left out), divided by the requests wrk completed: "scripts" =
#       EVALSHA/EVAL calls (one round trip each), "Redis cmds" = every command Redis counted, which
#       includes the GET/SET/TIME a script runs (so one GCRA decision counts 4). The command mix over
#       all rounds is listed under the table. Anything the gateway sends to Redis in that time counts,
#       whichever route caused it; requests still in flight when wrk stops are not in its count, so
#       exact reads a little above 1 script per request.
#
# Usage (from anywhere; as root on Debian 12 it installs wrk, nginx, haproxy and redis-server if missing):
#   bash Benchmarks/gateway.sh                       # about 8 minutes with the defaults
#   SECTION=ratelimit bash Benchmarks/gateway.sh     # only the Redis rate-limit section (about 1 minute)
#   SECTION=proxy bash Benchmarks/gateway.sh         # only the proxy comparison (about 6-7 minutes)
#   ROUNDS=1 DURATION=2 IDLE_N=2000 bash Benchmarks/gateway.sh         # a quick check
#   ROUNDS=5 DURATION=10 BULWARK_BIN=/path/to/bulwark bash Benchmarks/gateway.sh
#   BULWARK_BASELINE_BIN=/path/to/old/bulwark ROUNDS=7 IDLE=0 bash Benchmarks/gateway.sh
# Environment:
#   SECTION (all: the proxy comparison, then the rate-limit section; proxy; ratelimit),
#   RL_ROUNDS (3), RL_DURATION (5, seconds per measured run), RL_CONNECTIONS (64): the rate-limit section,
#   ROUNDS (3), DURATION (6, seconds per measured run), WARMUP (1), THREADS (2, wrk threads),
#   CONNECTIONS ("64 256": 1 KiB runs, one per count), BIG_CONNECTIONS (16: the 1 MiB run; 0 skips it),
#   IDLE (1; 0 skips the idle-connection memory test), IDLE_N (10000 connections), IDLE_HOLD (5 s),
#   BULWARK_BIN (<repo>/.build/release/bulwark; if missing, both bulwark peers are skipped),
#   BULWARK_BASELINE_BIN (unset: no "baseline" peer; if set it must be an executable file),
#   BULWARK_1T (1; 0 skips the bulwark-1t peer), NGINX_KEEPALIVE (largest CONNECTIONS count),
#   BASE_PORT (18000: ports BASE_PORT+1 .. +7 and +11 .. +14; Redis: the first free one from +20).
# Linux only (reads /proc); needs python3 for the idle-connection test.
# The script does not build bulwark: build it first with `swift build -c release` at the repo root.
# With SECTION=all and no bulwark binary, the rate-limit section is skipped; SECTION=ratelimit stops.
# Installing the nginx/haproxy packages may start their system services where an init system allows
# it (e.g. nginx on port 80); this script never uses those ports or services, it runs the binaries
# directly with config files in a temporary directory and stops everything it started on exit.
set -euo pipefail

SECTION=${SECTION:-all}
RL_ROUNDS=${RL_ROUNDS:-3}
RL_DURATION=${RL_DURATION:-5}
RL_CONNECTIONS=${RL_CONNECTIONS:-64}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-1}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64 256}
BIG_CONNECTIONS=${BIG_CONNECTIONS:-16}
IDLE=${IDLE:-1}
IDLE_N=${IDLE_N:-10000}
IDLE_HOLD=${IDLE_HOLD:-5}
BULWARK_1T=${BULWARK_1T:-1}
BASE_PORT=${BASE_PORT:-18000}
BODY_BYTES=1024
BIG_BYTES=1048576

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BULWARK_BIN=${BULWARK_BIN:-$repo_root/.build/release/bulwark}
BULWARK_BASELINE_BIN=${BULWARK_BASELINE_BIN:-}
export PATH="$PATH:/usr/sbin:/sbin"

die() { echo "error: $*" >&2; exit 1; }
note() { echo "==> $*"; }

case $SECTION in
  all) run_proxy=1 run_rl=1 ;;
  proxy) run_proxy=1 run_rl=0 ;;
  ratelimit) run_proxy=0 run_rl=1 IDLE=0 ;;
  *) die "SECTION must be all, proxy or ratelimit, got '$SECTION'" ;;
esac
for v in ROUNDS DURATION WARMUP THREADS BASE_PORT IDLE_N IDLE_HOLD RL_ROUNDS RL_DURATION RL_CONNECTIONS; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive integer, got '${!v}'"
done
for v in BIG_CONNECTIONS IDLE BULWARK_1T; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, got '${!v}'"
done
read -r -a conn_list <<<"$CONNECTIONS"
((${#conn_list[@]})) || die "CONNECTIONS must list at least one connection count"
for c in "${conn_list[@]}"; do [[ $c =~ ^[0-9]+$ && $c -gt 0 ]] || die "CONNECTIONS must be positive integers, got '$CONNECTIONS'"; done
NGINX_KEEPALIVE=${NGINX_KEEPALIVE:-$(printf '%s\n' "${conn_list[@]}" | sort -n | tail -1)}
[[ $NGINX_KEEPALIVE =~ ^[0-9]+$ && $NGINX_KEEPALIVE -gt 0 ]] || die "NGINX_KEEPALIVE must be a positive integer, got '$NGINX_KEEPALIVE'"
[[ -r /proc/self/stat ]] || die "/proc is not available: the CPU-per-request columns need Linux /proc"
[[ -z $BULWARK_BASELINE_BIN || -x $BULWARK_BASELINE_BIN ]] \
  || die "BULWARK_BASELINE_BIN=$BULWARK_BASELINE_BIN is not an executable file"
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || true)
[[ $CLK_TCK =~ ^[0-9]+$ && $CLK_TCK -gt 0 ]] || CLK_TCK=100

# Connection limits for the idle-connection test: every server gets room for IDLE_N clients plus
# its upstream connections, and every process (servers and the client script) needs that many fds.
CONN_LIMIT=$((IDLE_N + 2048))
hard_nofile=$(ulimit -Hn)
if [[ $hard_nofile == unlimited ]]; then ulimit -Sn 1048576 2>/dev/null || true; else ulimit -Sn "$hard_nofile"; fi
if ((IDLE)) && [[ $(ulimit -Sn) != unlimited ]] && (($(ulimit -Sn) < CONN_LIMIT)); then
  ulimit -Hn "$CONN_LIMIT" 2>/dev/null && ulimit -Sn "$CONN_LIMIT" \
    || die "the open-file limit ($(ulimit -Sn), hard $hard_nofile) is below the $CONN_LIMIT the idle test needs: raise it, lower IDLE_N, or set IDLE=0"
fi
nofile=$(ulimit -Sn)

# ---------------------------------------------------------------- tools
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx)
((run_proxy)) && ! command -v haproxy >/dev/null && missing+=(haproxy)
command -v curl >/dev/null || missing+=(curl)
((run_rl)) && ! { command -v redis-server && command -v redis-cli; } >/dev/null && missing+=(redis-server)
((IDLE)) && ! command -v python3 >/dev/null && missing+=(python3)
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; run as root to install them with apt-get, or install them yourself"
  note "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in wrk nginx curl awk; do command -v "$tool" >/dev/null || die "$tool is not available"; done
((run_proxy == 0)) || command -v haproxy >/dev/null || die "haproxy is not available"
((run_rl == 0)) || { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; } \
  || die "redis-server/redis-cli are not available (Debian package redis-server)"
idle_client="$repo_root/Benchmarks/idle-connections.py"
((IDLE == 0)) || [[ -r $idle_client ]] || die "$idle_client is missing"

# ---------------------------------------------------------------- peers
peers=(app nginx haproxy bulwark)
declare -A port=([app]=$((BASE_PORT + 1)) [nginx]=$((BASE_PORT + 2)) [haproxy]=$((BASE_PORT + 3))
  [bulwark]=$((BASE_PORT + 4)) [baseline]=$((BASE_PORT + 5)) [bulwark-1t]=$((BASE_PORT + 6))
  [bulwark-rl]=$((BASE_PORT + 7)))
declare -A admin_port=([bulwark]=$((BASE_PORT + 11)) [baseline]=$((BASE_PORT + 12)) [bulwark-1t]=$((BASE_PORT + 13))
  [bulwark-rl]=$((BASE_PORT + 14)))

((run_proxy)) || [[ -x $BULWARK_BIN ]] \
  || die "no bulwark binary at $BULWARK_BIN: build it with 'swift build -c release --product bulwark' at the repo root, or set BULWARK_BIN"
if ((run_rl)) && [[ ! -x $BULWARK_BIN ]]; then
  run_rl=0
  note "no bulwark binary: the rate-limit section is SKIPPED"
fi
if [[ ! -x $BULWARK_BIN ]]; then
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! NOTE: no bulwark binary at $BULWARK_BIN"
  echo "!!! The bulwark peers are SKIPPED: only app, nginx and haproxy are measured, no ratios are computed."
  echo "!!! Build it with 'swift build -c release' at the repo root, or set BULWARK_BIN."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo
  peers=(app nginx haproxy)
fi
[[ -n $BULWARK_BASELINE_BIN ]] && peers+=(baseline)
[[ -x $BULWARK_BIN ]] && ((BULWARK_1T)) && peers+=(bulwark-1t)
((run_proxy)) || peers=(app) # SECTION=ratelimit: only the origin (the section starts its own bulwark and Redis)
has_peer() { [[ " ${peers[*]} " == *" $1 "* ]]; }

port_in_use() {
  if command -v ss >/dev/null; then
    [[ -n $(ss -Hltn "sport = :$1") ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}
for p in "${peers[@]}"; do
  for q in "${port[$p]}" "${admin_port[$p]:-}"; do
    [[ -z $q ]] && continue
    port_in_use "$q" && die "port $q (for $p) is already in use on this machine; stop whatever listens there or set BASE_PORT"
  done
done
if ((run_rl)); then
  for q in "${port[bulwark-rl]}" "${admin_port[bulwark-rl]}"; do
    port_in_use "$q" && die "port $q (for bulwark-rl) is already in use on this machine; stop whatever listens there or set BASE_PORT"
  done
fi

# Tests: "<label> <connections> <path> <body bytes>"; label is unique and has no spaces.
tests=()
for c in "${conn_list[@]}"; do tests+=("1KiB-c$c"); done
((BIG_CONNECTIONS)) && tests+=("1MiB-c$BIG_CONNECTIONS")
test_conns() { local t=${1##*-c}; echo "$t"; }
test_path() { [[ $1 == 1MiB-* ]] && echo /1m.bin || echo /; }

# ---------------------------------------------------------------- temp dir and cleanup
work=$(mktemp -d -t bulwark-gateway-bench.XXXXXX)
pids=()
declare -A leader=() # peer -> pid of its session/process-group leader (the process setsid exec'd)
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 30); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts a server in its own process group (setsid), so cleanup can stop it and all its workers.
start() { # name command...
  local name=$1; shift
  setsid "$@" >"$work/$name.log" 2>&1 </dev/null &
  pids+=($!)
  leader[$name]=$!
}

# Waits (≤ ~5 s) until the peer (the last one started) answers, then checks that it returns 200 with
# the 1 KiB body on / and (unless the 1 MiB test is off) 200 with the 1 MiB body on /1m.bin.
wait_ready() { # name
  local name=$1 url="http://127.0.0.1:${port[$1]}/" code="" size="" out=""
  local deadline=$(($(date +%s%N) / 1000000 + 5000))
  while (($(date +%s%N) / 1000000 < deadline)); do
    kill -0 "${pids[-1]}" 2>/dev/null || { code="exited"; break; }
    if out=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 0.5 "$url" 2>/dev/null); then
      read -r code size <<<"$out"
      [[ $code == 200 ]] && break
    fi
    sleep 0.1
  done
  if [[ $code != 200 || $size != "$BODY_BYTES" ]]; then
    echo "---- $work/$name.log:" >&2
    tail -n 30 "$work/$name.log" >&2 || true
    die "$name on $url did not become ready within ~5 s (last status '${code:-none}', body ${size:-0} bytes, want 200 and $BODY_BYTES bytes)"
  fi
  if ((BIG_CONNECTIONS)); then
    out=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 5 "${url}1m.bin" 2>/dev/null) || true
    read -r code size <<<"${out:-none 0}"
    [[ $code == 200 && $size == "$BIG_BYTES" ]] \
      || die "$name on ${url}1m.bin answered status '$code' with $size bytes, want 200 and $BIG_BYTES bytes"
  fi
  note "$name ready on $url"
}

body=$(head -c "$BODY_BYTES" /dev/zero | tr '\0' 'x')

# Common nginx preamble: everything in the temp dir, foreground master, one worker.
nginx_main() { # dir
  cat <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections $CONN_LIMIT; }
EOF
}
nginx_http_common() { # dir
  cat <<EOF
    access_log off;
    keepalive_timeout 300s;
    keepalive_requests 1000000;
    client_body_temp_path $1/client_body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
EOF
}

# (a) the origin
mkdir -p "$work/app/www"
head -c "$BIG_BYTES" /dev/zero | tr '\0' 'y' >"$work/app/www/1m.bin"
# A root-started nginx serves files as its worker user (e.g. nobody): let it read the file.
chmod a+rx "$work" "$work/app" "$work/app/www" && chmod a+r "$work/app/www/1m.bin"
{
  nginx_main "$work/app"
  echo "http {"
  nginx_http_common "$work/app"
  cat <<EOF
    default_type text/plain;
    sendfile on;
    server {
        listen 127.0.0.1:${port[app]};
        location = /1m.bin { root $work/app/www; default_type application/octet-stream; }
        location / { return 200 "$body"; }
    }
}
EOF
} >"$work/app/nginx.conf"
start app nginx -e "$work/app/error.log" -p "$work/app" -c "$work/app/nginx.conf"
wait_ready app

# (b), (c): only for the proxy comparison (the blocks below are not indented, for their here-documents)
if ((run_proxy)); then
# (b) nginx as reverse proxy
mkdir -p "$work/nginx"
{
  nginx_main "$work/nginx"
  echo "http {"
  nginx_http_common "$work/nginx"
  cat <<EOF
    upstream app {
        server 127.0.0.1:${port[app]};
        keepalive $NGINX_KEEPALIVE;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:${port[nginx]};
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_max_temp_file_size 0;
        }
    }
}
EOF
} >"$work/nginx/nginx.conf"
start nginx nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf"
wait_ready nginx

# (c) HAProxy
cat >"$work/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn $CONN_LIMIT
    # HAProxy wants 2 fds per connection (client + server side) and refuses to start when maxconn
    # does not fit the open-file limit; with this it only warns. The idle test needs one server
    # connection for all its clients (they ask one after the other).
    no strict-limits

defaults
    mode http
    option http-keep-alive
    timeout connect 5s
    timeout client 300s
    timeout server 30s

frontend bench
    bind 127.0.0.1:${port[haproxy]}
    default_backend app

backend app
    server app1 127.0.0.1:${port[app]}
EOF
haproxy -c -q -f "$work/haproxy.cfg" || die "haproxy rejected $work/haproxy.cfg"
start haproxy haproxy -db -f "$work/haproxy.cfg"
wait_ready haproxy

fi

# (d) bulwark, the optional baseline (same config), bulwark-1t (same config plus threads: 1)
bulwark_config() { # peer [extra server lines]
  cat <<EOF
server:
  listen: "127.0.0.1:${port[$1]}"
  access_log: "off"
  max_connections: $CONN_LIMIT
  idle_timeout: 300s
${2:-}
admin:
  listen: "127.0.0.1:${admin_port[$1]}"
upstreams:
  app:
    targets: ["http://127.0.0.1:${port[app]}"]
routes:
  - path_prefix: /
    upstream: app
EOF
}
if has_peer bulwark; then
  bulwark_config bulwark >"$work/bulwark.yaml"
  start bulwark "$BULWARK_BIN" serve --config "$work/bulwark.yaml"
  wait_ready bulwark
fi
if has_peer baseline; then
  bulwark_config baseline >"$work/baseline.yaml"
  start baseline "$BULWARK_BASELINE_BIN" serve --config "$work/baseline.yaml"
  wait_ready baseline
fi
if has_peer bulwark-1t; then
  bulwark_config bulwark-1t "  threads: 1" >"$work/bulwark-1t.yaml"
  start bulwark-1t "$BULWARK_BIN" serve --config "$work/bulwark-1t.yaml"
  wait_ready bulwark-1t
fi

# ---------------------------------------------------------------- wrk output
# Prints "req/s p50_ms p99_ms errors requests runtime_ms" from one wrk --latency output on stdin.
# errors = non-2xx/3xx responses + socket errors (connect, read, write, timeout);
# requests and runtime = the N and T of wrk's "N requests in T, ... read" line.
parse_wrk() {
  awk '
    function ms(v,   n, u) {
      n = v + 0; u = v; sub(/^[0-9.]+/, "", u); sub(/,$/, "", u)
      if (u == "us") return n / 1000
      if (u == "ms") return n
      if (u == "s")  return n * 1000
      if (u == "m")  return n * 60000
      if (u == "h")  return n * 3600000
      return -1
    }
    /^Requests\/sec:/                 { rps = $2 }
    $1 == "50%" && p50 == ""          { p50 = ms($2) }
    $1 == "99%" && p99 == ""          { p99 = ms($2) }
    /Non-2xx or 3xx responses:/       { errors += $NF }
    $2 == "requests" && $3 == "in" && requests == "" { requests = $1; runtime = ms($4) }
    /Socket errors:/ {
      line = $0; sub(/.*Socket errors:/, "", line); gsub(/[a-z,]+/, " ", line)
      n = split(line, f, " "); for (i = 1; i <= n; i++) errors += f[i]
    }
    END {
      if (rps == "" || p50 == "" || p50 < 0 || p99 == "" || p99 < 0 || requests !~ /^[0-9]+$/ || runtime <= 0) exit 1
      printf "%s %.3f %.3f %d %d %.1f\n", rps, p50, p99, errors + 0, requests, runtime
    }'
}

# ---------------------------------------------------------------- rate limits shared through Redis
# (SECTION=all: after the proxy comparison; SECTION=ratelimit: alone. See "Rate limits shared through
# Redis" at the top.) Started here, stopped by the same cleanup as every other server.
rl_paths=(free exact leased)

# utime+stime (clock ticks) of one process, all its threads (fields 14 and 15 of /proc/PID/stat).
proc_ticks() { # pid
  local line
  local -a fld
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || die "process $1 is gone"
  read -r -a fld <<<"${line##*) }"
  echo $((fld[11] + fld[12]))
}

# "command calls" for every command in Redis's INFO commandstats except INFO (our own probe).
redis_calls() { # port
  redis-cli -h 127.0.0.1 -p "$1" INFO commandstats | tr -d '\r' \
    | awk -F'[:=,]' '/^cmdstat_/ { c = $1; sub(/^cmdstat_/, "", c); if (c != "info") print c, $3 }'
}

ratelimit_section() {
  local rl_port=${port[bulwark-rl]} redis_port=$((BASE_PORT + 20)) rl_pid redis_pid
  local round i path url out line calls cmds scripts mix t0_rl t0_redis d_rl d_redis rps p50 p99 errors requests runtime
  while port_in_use "$redis_port"; do
    redis_port=$((redis_port + 1))
    ((redis_port < BASE_PORT + 120)) || die "no free port for redis-server in BASE_PORT+20 .. BASE_PORT+119"
  done
  mkdir -p "$work/redis"
  start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis"
  redis_pid=${leader[redis]}
  for _ in $(seq 50); do
    [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" PING 2>/dev/null) == PONG ]] && break
    kill -0 "$redis_pid" 2>/dev/null || { tail -n 20 "$work/redis.log" >&2; die "redis-server exited"; }
    sleep 0.1
  done
  [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" PING 2>/dev/null) == PONG ]] \
    || { tail -n 20 "$work/redis.log" >&2; die "redis-server on 127.0.0.1:$redis_port did not answer PING within ~5 s"; }
  note "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') ready on 127.0.0.1:$redis_port"

  cat >"$work/bulwark-rl.yaml" <<YAML
server:
  listen: "127.0.0.1:$rl_port"
  access_log: "off"
admin:
  listen: "127.0.0.1:${admin_port[bulwark-rl]}"
redis:
  url: "redis://127.0.0.1:$redis_port/0"
upstreams:
  app:
    targets: ["http://127.0.0.1:${port[app]}"]
rate_limits:
  exact: { requests: 100000000, per: 1s }
  leased: { requests: 100000000, per: 1s, mode: leased }
routes:
  - { path_prefix: /free, upstream: app }
  - { path_prefix: /exact, upstream: app, rate_limits: [exact] }
  - { path_prefix: /leased, upstream: app, rate_limits: [leased] }
YAML
  "$BULWARK_BIN" check --config "$work/bulwark-rl.yaml" >"$work/bulwark-rl-check.log" 2>&1 \
    || { cat "$work/bulwark-rl-check.log" >&2; die "bulwark check rejected $work/bulwark-rl.yaml"; }
  start bulwark-rl "$BULWARK_BIN" serve --config "$work/bulwark-rl.yaml"
  rl_pid=${leader[bulwark-rl]}
  # Ready when every path answers 200 with the 1 KiB body (≤ ~5 s).
  local deadline=$(($(date +%s%N) / 1000000 + 5000)) ok=0
  while (($(date +%s%N) / 1000000 < deadline)); do
    kill -0 "$rl_pid" 2>/dev/null || break
    ok=1
    for path in "${rl_paths[@]}"; do
      out=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 0.5 "http://127.0.0.1:$rl_port/$path" 2>/dev/null) || out=""
      [[ $out == "200 $BODY_BYTES" ]] || { ok=0; break; }
    done
    ((ok)) && break
    sleep 0.1
  done
  ((ok)) || { tail -n 30 "$work/bulwark-rl.log" >&2; die "bulwark-rl on 127.0.0.1:$rl_port did not answer 200 with $BODY_BYTES bytes on /$path within ~5 s (last: '${out:-none}')"; }
  note "bulwark-rl ready on http://127.0.0.1:$rl_port/{free,exact,leased} (Redis at 127.0.0.1:$redis_port)"
  note "rate-limit section: $RL_ROUNDS round(s) x 3 paths x (${WARMUP}s warm-up + ${RL_DURATION}s), wrk -t $THREADS -c $RL_CONNECTIONS: about $((RL_ROUNDS * 3 * (WARMUP + RL_DURATION + 1))) s"
  note "one client IP (127.0.0.1) for every connection: one hot key per policy"
  echo

  local rl_results="$work/rl-results.txt" # path round req/s p50 p99 errors requests runtime_ms rl_ticks redis_ticks cmds scripts mix
  : >"$rl_results"
  for round in $(seq "$RL_ROUNDS"); do
    for i in 0 1 2; do
      path=${rl_paths[$(((round - 1 + i) % 3))]}
      url="http://127.0.0.1:$rl_port/$path"
      timeout "$((WARMUP + 20))" wrk -t "$THREADS" -c "$RL_CONNECTIONS" -d "${WARMUP}s" "$url" >/dev/null
      out="$work/wrk-rl-$path-$round.txt"
      redis_calls "$redis_port" >"$work/calls0"
      t0_rl=$(proc_ticks "$rl_pid") t0_redis=$(proc_ticks "$redis_pid")
      timeout "$((RL_DURATION + 20))" wrk -t "$THREADS" -c "$RL_CONNECTIONS" -d "${RL_DURATION}s" --latency "$url" >"$out" \
        || { cat "$out" >&2; die "wrk against bulwark-rl /$path failed"; }
      d_rl=$(($(proc_ticks "$rl_pid") - t0_rl)) d_redis=$(($(proc_ticks "$redis_pid") - t0_redis))
      redis_calls "$redis_port" >"$work/calls1"
      calls=$(awk 'NR == FNR { b[$1] = $2; next }
        { d = $2 - b[$1]; if (d > 0) { t += d; if ($1 ~ /^(evalsha|eval|evalsha_ro|eval_ro|fcall|fcall_ro)$/) sc += d; m = m s $1 "=" d; s = "," } }
        END { print t + 0, sc + 0, (m == "" ? "-" : m) }' "$work/calls0" "$work/calls1")
      line=$(parse_wrk <"$out") || { cat "$out" >&2; die "could not parse wrk output for bulwark-rl /$path"; }
      read -r cmds scripts mix <<<"$calls"
      read -r rps p50 p99 errors requests runtime <<<"$line"
      echo "$path $round $line $d_rl $d_redis $cmds $scripts $mix" >>"$rl_results"
      awk -v r="$round" -v p="/$path" -v rps="$rps" -v p99="$p99" -v e="$errors" -v n="$requests" \
        -v a="$d_rl" -v b="$d_redis" -v c="$cmds" -v sc="$scripts" -v hz="$CLK_TCK" 'BEGIN {
          printf "round %d  %-8s %9.0f req/s  p99 %7.3f ms  errors %d", r, p, rps, p99, e
          if (n > 0) printf "  CPU µs/req: bulwark %6.2f  redis %6.2f   per req: scripts %.4f  redis commands %.4f\n", a * 1e6 / hz / n, b * 1e6 / hz / n, sc / n, c / n
          else printf "  (0 requests)\n"
        }'
      kill -0 "${leader[app]}" 2>/dev/null || die "the app server died (see $work/app/error.log)"
      kill -0 "$rl_pid" 2>/dev/null || die "bulwark-rl died (see $work/bulwark-rl.log)"
      kill -0 "$redis_pid" 2>/dev/null || die "redis-server died (see $work/redis.log)"
    done
  done

  echo
  awk -v hz="$CLK_TCK" -v rounds="$RL_ROUNDS" -v secs="$RL_DURATION" -v conns="$RL_CONNECTIONS" -v threads="$THREADS" '
    function median(list,   a, n, i, j, t) {
      n = split(list, a, " ")
      if (n == 0) return -1
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    # $1 path, $2 round, $3 req/s, $4 p50, $5 p99, $6 errors, $7 requests, $8 runtime ms,
    # $9 bulwark ticks, $10 redis ticks, $11 redis commands, $12 of them script calls, $13 command mix (cmd=n,... or -)
    {
      p = $1; rps[p] = rps[p] " " $3; p99[p] = p99[p] " " $5; err[p] += $6; R[p, $2] = $3
      if ($7 > 0) {
        b = $9 * 1e6 / hz / $7; r = $10 * 1e6 / hz / $7
        cb[p] = cb[p] " " b; cr[p] = cr[p] " " r; ct[p] = ct[p] " " (b + r); cm[p] = cm[p] " " ($11 / $7); cs[p] = cs[p] " " ($12 / $7)
        n[p] += $7
      }
      if ($13 != "-") { k = split($13, f, ","); for (i = 1; i <= k; i++) { split(f[i], g, "="); mix[p, g[1]] += g[2]; cmds[g[1]] = 1 } }
    }
    END {
      np = split("free exact leased", paths, " ")
      goal["exact"] = 0.75; goal["leased"] = 0.90
      for (i = 1; i <= np; i++) {
        p = paths[i]; MR[p] = median(rps[p]); MP[p] = median(p99[p])
        MB[p] = median(cb[p]); MD[p] = median(cr[p]); MT[p] = median(ct[p]); MC[p] = median(cm[p]); MS[p] = median(cs[p])
      }
      print "Rate limits shared through Redis: one bulwark process + one redis-server, wrk -t " threads " -c " conns ","
      print rounds " interleaved round(s) x " secs " s per path, medians; one client IP = one hot key per policy; limits never reached"
      print "                                                  CPU per request, µs                 per request"
      print "path        req/s  x free  target         p99 ms   bulwark    redis     both  x free   scripts  Redis cmds  errors"
      for (i = 1; i <= np; i++) {
        p = paths[i]
        rr = (MR["free"] > 0) ? MR[p] / MR["free"] : -1
        tr = (MT["free"] > 0) ? MT[p] / MT["free"] : -1
        tgt = (p in goal) ? sprintf(">= %.2f %s", goal[p], (rr >= goal[p] ? "PASS" : "FAIL")) : ""
        printf "%-8s %9.0f  %6s  %-13s %7.3f  %8.2f %8.2f %8.2f  %6s  %8.4f  %10.4f  %6d\n", "/" p, MR[p],
          (p == "free" ? "1.00" : sprintf("%.2f", rr)), tgt, MP[p], MB[p], MD[p], MT[p],
          (p == "free" ? "1.00" : sprintf("%.2f", tr)), MS[p], MC[p], err[p]
      }
      for (i = 2; i <= np; i++) {
        p = paths[i]; list = ""
        for (rd = 1; rd <= rounds; rd++) if (((p, rd) in R) && R["free", rd] > 0) list = list sprintf(" %.2f", R[p, rd] / R["free", rd])
        printf "req/s /%s / free per round:%s\n", p, list
      }
      print "scripts = EVALSHA/EVAL calls (one round trip each); Redis cmds = every command Redis counted, the GET/SET/TIME"
      print "a script runs included (INFO commandstats, less the benchmark'"'"'s own INFO probes). By command, over all measured runs:"
      for (i = 1; i <= np; i++) {
        p = paths[i]; line = ""
        for (c in cmds) if (mix[p, c] > 0 && n[p] > 0) line = line sprintf("  %s %.4f/req (%d)", c, mix[p, c] / n[p], mix[p, c])
        printf "  /%-7s%s\n", p, (line == "" ? "  (none)" : line)
      }
      for (i = 1; i <= np; i++) if (err[paths[i]] > 0) printf "NOTE: /%s had %d errors (non-2xx/3xx + socket errors; a 429 counts)\n", paths[i], err[paths[i]]
    }' "$rl_results"
}

if ((run_proxy == 0)); then
  echo
  note "SECTION=ratelimit: $(nginx -v 2>&1 | sed 's/^nginx version: //') origin, wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $(nproc) cores, bulwark $BULWARK_BIN, CLK_TCK $CLK_TCK"
  ratelimit_section
  exit 0
fi
# ---------------------------------------------------------------- plan
idle_seconds=0
((IDLE)) && idle_seconds=$((${#peers[@]} * (WARMUP + IDLE_HOLD + 8 + IDLE_N / 2500)))
echo
note "$(nginx -v 2>&1 | sed 's/^nginx version: //'), $(haproxy -v | head -1 | cut -d' ' -f1-3), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $(nproc) cores, open-file limit $nofile"
note "bulwark: $(has_peer bulwark && echo "$BULWARK_BIN" || echo skipped); nginx upstream keepalive $NGINX_KEEPALIVE"
has_peer baseline && note "baseline: $BULWARK_BASELINE_BIN"
note "CPU per request from /proc/PID/stat utime+stime, CLK_TCK $CLK_TCK"
note "tests: ${tests[*]} (wrk -t $THREADS; 1KiB = GET / with a 1 KiB body, 1MiB = GET /1m.bin; -cN = N connections)"
((run_rl)) && note "then the rate-limit section (Redis): about $((RL_ROUNDS * 3 * (WARMUP + RL_DURATION + 1) + 5)) s"
((IDLE)) && note "idle keep-alive memory: $IDLE_N connections per peer, held ${IDLE_HOLD}s (about $idle_seconds s)"
note "$ROUNDS round(s) x ${#tests[@]} tests x ${#peers[@]} peers x (${WARMUP}s warm-up + ${DURATION}s): about $((ROUNDS * ${#tests[@]} * ${#peers[@]} * (WARMUP + DURATION + 1) + idle_seconds)) s in all"
echo

# ---------------------------------------------------------------- idle keep-alive memory
idle_results="$work/idle.txt" # peer before_kib held_kib per_conn_kib closed
: >"$idle_results"
if ((IDLE)); then
  for p in "${peers[@]}"; do
    # Warm-up first, so one-time allocations (pools, lazy state) are in "before".
    timeout "$((WARMUP + 20))" wrk -t "$THREADS" -c 64 -d "${WARMUP}s" "http://127.0.0.1:${port[$p]}/" >/dev/null
    out=$(timeout "$((IDLE_N / 100 + IDLE_HOLD + 120))" python3 "$idle_client" --port "${port[$p]}" \
      --pgid "${leader[$p]}" -n "$IDLE_N" --hold "$IDLE_HOLD" --label "$p") \
      || { echo "$out" >&2; die "the idle-connection test against $p failed (see above and $work/$p.log)"; }
    grep -v '^RESULT ' <<<"$out" | sed 's/^/idle  /'
    line=$(grep '^RESULT ' <<<"$out" | tr ' ' '\n' | awk -F= '
      $1 == "before_kib" { b = $2 } $1 == "held_kib" { h = $2 } $1 == "per_conn_kib" { k = $2 } $1 == "closed" { c = $2 }
      END { if (k == "") exit 1; print b, h, k, c }') || die "could not parse the idle-connection result for $p"
    echo "$p $line" >>"$idle_results"
    kill -0 "${leader[$p]}" 2>/dev/null || die "$p died during the idle-connection test (see $work/$p.log)"
    sleep 1 # let the peer finish closing them before the next one is measured
  done
  echo
fi

# ---------------------------------------------------------------- load runs
# Sets cpu_ticks[peer] to utime+stime (clock ticks) summed over every live process in that peer's
# process group (each peer was started by setsid, so its group id is the pid in leader[peer]):
# the nginx master and its worker, haproxy, bulwark, the origin. All threads of a process are
# included in its /proc/PID/stat. Field layout after the ")" that ends the command name:
# state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
declare -A cpu_ticks=()
sample_cpu() {
  local -A group=()
  local p f line g
  local -a fld
  for p in "${peers[@]}"; do group[${leader[$p]}]=$p; cpu_ticks[$p]=0; done
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue # the process may have exited meanwhile
    read -r -a fld <<<"${line##*) }"
    g=${fld[2]:-}
    [[ -n $g && -n ${group[$g]:-} ]] || continue
    p=${group[$g]}
    cpu_ticks[$p]=$((cpu_ticks[$p] + fld[11] + fld[12]))
  done
}

# Runs of one test in a round, in order: the fixed peer order, except that with a baseline peer,
# bulwark and baseline swap places in even rounds (they always run back to back).
round_order() { # round
  local p
  for p in "${peers[@]}"; do
    if (($1 % 2 == 0)) && has_peer bulwark && has_peer baseline; then
      case $p in bulwark) p=baseline ;; baseline) p=bulwark ;; esac
    fi
    echo "$p"
  done
}

results="$work/results.txt" # peer round test req/s p50_ms p99_ms errors requests runtime_ms peer_ticks origin_ticks
: >"$results"
wrk_limit=$((DURATION + 20))
for round in $(seq "$ROUNDS"); do
  for t in "${tests[@]}"; do
    conns=$(test_conns "$t") path=$(test_path "$t")
    for p in $(round_order "$round"); do
      url="http://127.0.0.1:${port[$p]}$path"
      timeout "$((WARMUP + 20))" wrk -t "$THREADS" -c "$conns" -d "${WARMUP}s" "$url" >/dev/null
      out="$work/wrk-$p-$t-$round.txt"
      sample_cpu
      cpu0_peer=${cpu_ticks[$p]} cpu0_app=${cpu_ticks[app]}
      timeout "$wrk_limit" wrk -t "$THREADS" -c "$conns" -d "${DURATION}s" --latency "$url" >"$out" \
        || { cat "$out" >&2; die "wrk against $p ($t) failed"; }
      sample_cpu
      dcpu_peer=$((cpu_ticks[$p] - cpu0_peer)) dcpu_app=$((cpu_ticks[app] - cpu0_app))
      line=$(parse_wrk <"$out") || { cat "$out" >&2; die "could not parse wrk output for $p ($t)"; }
      echo "$p $round $t $line $dcpu_peer $dcpu_app" >>"$results"
      read -r rps p50 p99 errors requests runtime <<<"$line"
      printf 'round %d  %-11s %-10s %9.0f req/s  p50 %7.3f ms  p99 %7.3f ms  errors %d' \
        "$round" "$t" "$p" "$rps" "$p50" "$p99" "$errors"
      if ((requests > 0)); then
        printf '  cpu %7.2f µs/req  origin %7.2f µs/req\n' \
          "$(awk -v t="$dcpu_peer" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.4f", t * 1e6 / hz / n }')" \
          "$(awk -v t="$dcpu_app" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.4f", t * 1e6 / hz / n }')"
      else
        printf '  cpu n/a (0 requests)\n'
      fi
      kill -0 "${pids[0]}" 2>/dev/null || die "the app server died (see $work/app/error.log)"
      kill -0 "${leader[$p]}" 2>/dev/null || die "$p died (see $work/$p.log)"
    done
  done
done

# ---------------------------------------------------------------- summary
echo
awk -v order="${peers[*]}" -v testlist="${tests[*]}" -v hz="$CLK_TCK" -v big="$BIG_BYTES" -v rounds="$ROUNDS" \
  -v idlefile="$idle_results" -v idle_n="$IDLE_N" -v idle_hold="$IDLE_HOLD" '
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    if (n == 0) return -1
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function ratio(a, b) { return (a > 0 && b > 0) ? a / b : -1 }
  function fmt_ratio(r) { return (r < 0) ? sprintf("%6s", "n/a") : sprintf("%6.2f", r) }
  # r: ratio, goal: target, dir: "le" or "ge"
  function verdict(r, goal, dir) {
    if (r < 0) return "n/a "
    return ((dir == "le" && r <= goal) || (dir == "ge" && r >= goal)) ? "PASS" : "FAIL"
  }
  function is_big(t) { return t ~ /^1MiB-/ }
  function conns(t,   c) { c = t; sub(/.*-c/, "", c); return c }
  # $1 peer, $2 round, $3 test, $4 req/s, $5 p50 ms, $6 p99 ms, $7 errors, $8 requests, $9 runtime ms,
  # $10 peer cpu ticks, $11 origin cpu ticks
  {
    k = $1 SUBSEP $3
    rps[k] = rps[k] " " $4; p50[k] = p50[k] " " $5; p99[k] = p99[k] " " $6; err[$1] += $7
    mbs[k] = mbs[k] " " ($8 * big / ($9 / 1000) / 1e6)
    if ($8 > 0) {
      c = $10 * 1e6 / hz / $8
      cpu[k] = cpu[k] " " c; ocpu[k] = ocpu[k] " " ($11 * 1e6 / hz / $8); rc[$1, $3, $2] = c
    }
  }
  END {
    np = split(order, peers, " "); nt = split(testlist, tests, " ")
    for (i = 1; i <= np; i++) for (j = 1; j <= nt; j++) {
      k = peers[i] SUBSEP tests[j]
      R[k] = median(rps[k]); P50[k] = median(p50[k]); P99[k] = median(p99[k]); MB[k] = median(mbs[k])
      C[k] = median(cpu[k]); O[k] = median(ocpu[k])
    }
    while ((getline line < idlefile) > 0) {
      split(line, f, " "); IB[f[1]] = f[2]; IH[f[1]] = f[3]; IK[f[1]] = f[4]; ICL[f[1]] = f[5]; have_idle = 1
    }
    # (the µ sign is only in literal text, never inside a printf width, so mawk and gawk align alike)

    print "CPU per request (headline): µs of CPU of the peer'"'"'s own processes per request, median of " rounds " round(s)"
    printf "%-11s", "peer"
    for (j = 1; j <= nt; j++) printf "  %11s %7s", (is_big(tests[j]) ? tests[j] "/resp" : tests[j]), "x nginx"
    printf "  %13s\n", "origin " tests[1]
    for (i = 1; i <= np; i++) {
      p = peers[i]; printf "%-11s", p
      for (j = 1; j <= nt; j++) {
        k = p SUBSEP tests[j]; r = ratio(C[k], C["nginx", tests[j]])
        if (C[k] >= 0) printf "  %11.2f %7s", C[k], (r < 0 ? "n/a" : sprintf("%.2f", r)); else printf "  %11s %7s", "n/a", ""
      }
      k = p SUBSEP tests[1]; if (O[k] >= 0) printf "  %13.2f\n", O[k]; else printf "  %13s\n", "n/a"
    }

    print ""
    print "Throughput and latency, median of " rounds " round(s) (1 MiB: MB/s of body, 1 MB = 10^6 bytes)"
    printf "%-11s", "peer"
    for (j = 1; j <= nt; j++) {
      t = tests[j]
      if (is_big(t)) printf "  %14s", t " MB/s"
      else printf "  %14s %8s %8s %8s", t " req/s", "% of app", "p50 ms", "p99 ms"
    }
    printf "  %7s\n", "errors"
    for (i = 1; i <= np; i++) {
      p = peers[i]; printf "%-11s", p
      for (j = 1; j <= nt; j++) {
        t = tests[j]; k = p SUBSEP t
        if (is_big(t)) printf "  %14.0f", MB[k]
        else printf "  %14.0f %7.1f%% %8.3f %8.3f", R[k], 100 * R[k] / R["app", t], P50[k], P99[k]
      }
      printf "  %7d\n", err[p]
    }

    if (have_idle) {
      print ""
      print "Memory per idle keep-alive connection: " idle_n " connections held " idle_hold " s, VmRSS of the peer'"'"'s processes"
      printf "%-11s %15s %13s %10s %8s %7s\n", "peer", "RSS before MiB", "RSS held MiB", "KiB/conn", "x nginx", "closed"
      for (i = 1; i <= np; i++) {
        p = peers[i]; if (!(p in IK)) continue
        r = ratio(IK[p], IK["nginx"])
        printf "%-11s %15.1f %13.1f %10.2f %8s %7d\n", p, IB[p] / 1024, IH[p] / 1024, IK[p], (r < 0 ? "n/a" : sprintf("%.2f", r)), ICL[p]
      }
    }

    nb = 0
    for (i = 1; i <= np; i++) if (peers[i] ~ /^(bulwark|baseline|bulwark-1t)$/) bws[++nb] = peers[i]
    if (nb == 0) { print "\n(bulwark skipped: no ratios)"; exit }
    for (ref = 1; ref <= 2; ref++) {
      rp = (ref == 1) ? "nginx" : "haproxy"
      print ""
      if (ref == 1) print "Ratios to nginx (peer / nginx, medians of this run) and targets"
      else print "Ratios to haproxy (peer / haproxy; informational, no targets)"
      printf "%-34s %-8s", "", (ref == 1 ? "target" : "")
      for (b = 1; b <= nb; b++) printf "  %-13s", bws[b]
      print ""
      for (j = 1; j <= nt; j++) {
        t = tests[j]
        if (is_big(t)) {
          row(sprintf("MB/s, %s", t), "MB", t, rp, -1, "", ref)
          row(sprintf("CPU per response, %s", t), "C", t, rp, -1, "", ref)
        }
      }
      for (j = 1; j <= nt; j++) if (!is_big(tests[j])) row("CPU per request, " tests[j], "C", tests[j], rp, 1.25, "le", ref)
      for (j = 1; j <= nt; j++) if (!is_big(tests[j])) row("req/s, " tests[j], "R", tests[j], rp, 0.8, "ge", ref)
      for (j = 1; j <= nt; j++) if (!is_big(tests[j])) row("p99, " tests[j], "P99", tests[j], rp, 1.2, "le", ref)
      if (have_idle) row("memory per idle connection", "I", "", rp, 2.0, "le", ref)
    }

    if ((("bulwark" SUBSEP tests[1]) in R) && (("baseline" SUBSEP tests[1]) in R)) {
      print ""
      print "bulwark vs baseline (target: cpu ratio <= 1.05, i.e. at most 5 % more CPU per request)"
      for (j = 1; j <= nt; j++) {
        t = tests[j]; kb = "bulwark" SUBSEP t; ko = "baseline" SUBSEP t
        printf "%-11s req/s ratio %5.2f   p99 ratio %5.2f", t, ratio(R[kb], R[ko]), ratio(P99[kb], P99[ko])
        cr = ratio(C[kb], C[ko])
        if (cr < 0) { print "   cpu ratio n/a"; continue }
        printf "   cpu ratio %5.3f  %s", cr, (is_big(t) ? "(info)" : (cr <= 1.05 ? "PASS" : "FAIL"))
        list = ""; n = 0
        for (rd = 1; rd <= rounds; rd++)
          if ((("bulwark", t, rd) in rc) && (("baseline", t, rd) in rc) && rc["baseline", t, rd] > 0) {
            list = list sprintf(" %.3f", rc["bulwark", t, rd] / rc["baseline", t, rd]); n++
          }
        if (n) printf "   per round:%s (median %.3f)", list, median(list)
        print ""
      }
    }
    for (i = 1; i <= np; i++) {
      p = peers[i]
      if (err[p] > 0) printf "NOTE: %s had %d errors (non-2xx/3xx + socket errors)\n", p, err[p]
      if (ICL[p] > 0) printf "NOTE: %s closed %d of the idle connections during the hold\n", p, ICL[p]
    }
  }
  # One ratio row: what = "C" cpu, "R" req/s, "P99", "MB", "I" idle memory; goal < 0: informational.
  function row(label, what, t, rp, goal, dir, ref,   b, p, k, kr, a, c, r, s) {
    printf "%-34s %-8s", label, (ref == 1 ? (goal < 0 ? "(info)" : (dir == "le" ? "<= " : ">= ") sprintf("%.2f", goal)) : "")
    for (b = 1; b <= nb; b++) {
      p = bws[b]; k = p SUBSEP t; kr = rp SUBSEP t
      if (what == "C") { a = C[k]; c = C[kr] }
      else if (what == "R") { a = R[k]; c = R[kr] }
      else if (what == "P99") { a = P99[k]; c = P99[kr] }
      else if (what == "MB") { a = MB[k]; c = MB[kr] }
      else { a = (p in IK) ? IK[p] : -1; c = (rp in IK) ? IK[rp] : -1 }
      r = ratio(a, c)
      s = fmt_ratio(r)
      if (ref == 1 && goal >= 0) s = s " " verdict(r, goal, dir)
      printf "  %-13s", s
    }
    print ""
  }' "$results"

if ((run_rl)); then
  echo
  ratelimit_section
fi
